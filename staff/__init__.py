"""The staff console: advisors take over live conversations (issue 11).

An aiohttp application on its own host and port (NSSA_STAFF_HOST,
NSSA_STAFF_PORT; loopback by default), started by `python -m bot run`.
Every piece of state is in the conversation store's database, so several
console servers can run side by side.

    accounts.py   staff accounts, roles and argon2id passwords; the CLI's work
    sessions.py   signed-in sessions (cookie token, CSRF token), the sign-in rate limit
    audit.py      the audit log: who opened which conversation or person's data, when
    transcript.py a conversation's turns from Rasa's `events`, personal numbers masked
    callbacks.py  the call-back requests the assistant sent to the CMS
    console.py    the operations (queue, open, take, say, ...): rights, audit, hand-over state
    assistant.py  the Rasa server's internal routes: say, ask to verify, hand back
    web.py        the application: middlewares (sign-in, role, CSRF, headers)
    api.py        the JSON API (README, "Staff console")
    pages.py      the HTML pages (templates/, static/), the event stream
    review.py     the editors' pages: review inbox, decisions, retrain -> compare -> go live
    cli.py        `python -m bot staff add|list|disable|reset|serve`
"""
