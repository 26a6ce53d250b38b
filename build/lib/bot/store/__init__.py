"""The conversation store: one SQL database shared by every channel.

Rasa's SQL tracker store keeps the conversations (table `events`); the
project's own tables (`tables.py`: the outbox and processed webhook ids; later
channel identities, opt-outs and notices) join it in the same database, made
and upgraded by the Alembic revisions in `migrations/` (`schema.upgrade`).

    db.py        engines for SQLite and PostgreSQL
    store.py     Store: every repository on one engine per process, unit_of_work()
    tables.py    the project's tables
    schema.py    upgrade(url): the newest revision, safe from several processes
    outbox.py    Outbox: requests for the back ends until delivered
    webhooks.py  ProcessedWebhooks: replayed webhooks and events dropped
    delivery.py  the outbox worker (deliver_due, run_worker)
    tracker.py   PrivateSQLTrackerStore: Rasa's SQL store, personal numbers masked or sealed
    deletions.py ConversationDeletions: "delete my conversation" requests
    retention.py Retention: conversations deleted after 90 days and on request

`schema` (Alembic) and `delivery` (the back-end clients' errors) are not
imported here, so importing `bot.store` stays light; import them by module.
"""

from bot.store.db import check_database, create_engine_for, redact_url
from bot.store.outbox import Outbox, OutboxItem, backoff
from bot.store.webhooks import ProcessedWebhooks

__all__ = [
    "check_database",
    "create_engine_for",
    "redact_url",
    "Outbox",
    "OutboxItem",
    "backoff",
    "ProcessedWebhooks",
]
