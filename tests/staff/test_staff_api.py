"""The console's JSON API: signed in, role, CSRF, the holder rule, audit, the sign-in limit."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Tuple

import pytest

from tests.staff.conftest import PASSWORD, Staff

CONVERSATION = "web-3f2a"
ROUTES = [
    ("GET", "/api/me"),
    ("GET", "/api/queue"),
    ("GET", f"/api/conversations/{CONVERSATION}"),
    ("GET", f"/api/conversations/{CONVERSATION}/cases"),
    ("POST", f"/api/conversations/{CONVERSATION}/take"),
    ("POST", f"/api/conversations/{CONVERSATION}/messages"),
    ("POST", f"/api/conversations/{CONVERSATION}/verify"),
    ("POST", f"/api/conversations/{CONVERSATION}/transfer"),
    ("POST", f"/api/conversations/{CONVERSATION}/hand-back"),
    ("POST", f"/api/conversations/{CONVERSATION}/close"),
    ("GET", "/api/colleagues"),
    ("GET", "/api/callbacks"),
    ("POST", "/api/presence"),
    ("GET", "/api/audit"),
    ("GET", "/api/events"),
]


def waiting(staff: Staff, conversation_id: str = CONVERSATION, channel: str = "webchat") -> None:
    staff.console.handovers.request(conversation_id, channel, "asked twice", 1,
                                    now=staff.clock())


@pytest.mark.parametrize("method,path", ROUTES)
async def test_every_api_route_refuses_a_caller_not_signed_in(
    staff: Staff, method: str, path: str
) -> None:
    response = await staff.client.request(method, path, json={})
    assert response.status == 401
    assert await response.json() == {"error": "sign in first"}


@pytest.mark.parametrize("method,path", ROUTES)
async def test_every_api_route_refuses_a_call_without_the_csrf_token(
    staff: Staff, method: str, path: str
) -> None:
    who = await staff.sign_in("ada" if path == "/api/audit" else "alice")
    assert (await who.call(method, path, {}, csrf=None))[0] == 403
    status, body = await who.call(method, path, {}, csrf="not-the-token")
    assert (status, body) == (403, {"error": "the CSRF token is missing or wrong"})


async def test_an_ended_or_unknown_session_is_not_signed_in(staff: Staff) -> None:
    alice = await staff.sign_in("alice")
    assert (await alice.call("GET", "/api/me"))[1] == {"name": "alice", "role": "advisor"}
    staff.console.accounts.disable("alice")
    assert (await alice.call("GET", "/api/me"))[0] == 401
    staff.console.accounts.reset("alice", PASSWORD)
    alice = await staff.sign_in("alice")
    staff.clock.advance(minutes=31)  # idle longer than 30 minutes
    assert (await alice.call("GET", "/api/me"))[0] == 401


@pytest.mark.parametrize("name,path,status", [
    ("erin", "/api/queue", 403),
    ("erin", "/api/callbacks", 403),
    ("ada", "/api/queue", 403),
    ("alice", "/api/audit", 403),
    ("ada", "/api/audit", 200),
    ("erin", "/api/me", 200),
])
async def test_a_role_without_the_right_is_refused(
    staff: Staff, name: str, path: str, status: int
) -> None:
    who = await staff.sign_in(name)
    assert (await who.call("GET", path))[0] == status


async def test_a_conversation_another_advisor_holds_is_refused(staff: Staff) -> None:
    waiting(staff)
    alice, bob = await staff.sign_in("alice"), await staff.sign_in("bob")
    assert (await bob.call("GET", f"/api/conversations/{CONVERSATION}"))[0] == 200  # waiting
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/take"))[0] == 200
    status, body = await bob.call("POST", f"/api/conversations/{CONVERSATION}/take")
    assert (status, body) == (403, {"error": "alice holds this conversation"})
    for method, path, body in [
        ("GET", f"/api/conversations/{CONVERSATION}", None),
        ("GET", f"/api/conversations/{CONVERSATION}/cases", None),
        ("POST", f"/api/conversations/{CONVERSATION}/messages", {"text": "Hello"}),
        ("POST", f"/api/conversations/{CONVERSATION}/verify", None),
        ("POST", f"/api/conversations/{CONVERSATION}/hand-back", None),
        ("POST", f"/api/conversations/{CONVERSATION}/close", {"outcome": "answered"}),
    ]:
        status, answer = await bob.call(method, path, body)
        assert (status, answer) == (403, {"error": "alice holds this conversation"}), path
    assert staff.calls == []
    assert (await bob.call("GET", "/api/conversations/web-unknown"))[0] == 404


async def test_the_holder_talks_transfers_hands_back_and_closes(staff: Staff) -> None:
    waiting(staff)
    staff.say_event(CONVERSATION, "user", "My ID is 85031212345, where is my money?",
                    input_channel="webchat")
    staff.say_event(CONVERSATION, "bot", "I'll connect you with an advisor now.")
    alice, bob = await staff.sign_in("alice"), await staff.sign_in("bob")
    queue = (await alice.call("GET", "/api/queue"))[1]["queue"]
    assert [(i["channel"], i["reason"], i["identity_level"]) for i in queue] == [
        ("webchat", "asked twice", 1)]
    await alice.call("POST", f"/api/conversations/{CONVERSATION}/take")
    status, opened = await alice.call("GET", f"/api/conversations/{CONVERSATION}")
    assert status == 200 and opened["held_by_me"] and opened["state"] == "held"
    assert [(t["speaker"], t["text"]) for t in opened["turns"]] == [
        ("citizen", "My ID is *******2345, where is my money?"),
        ("assistant", "I'll connect you with an advisor now."),
    ]
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/messages",
                             {"text": " "}))[0] == 422
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/messages",
                             {"text": "Hello, I am Alice."}))[0] == 201
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/verify"))[0] == 200
    assert staff.calls == [
        (f"/webhooks/internal/conversations/{CONVERSATION}/advisor_message",
         {"advisor": "alice", "text": "Hello, I am Alice."}),
        (f"/webhooks/internal/conversations/{CONVERSATION}/verify_identity",
         {"advisor": "alice"}),
    ]
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/transfer",
                             {"to": "alice"}))[0] == 422
    status, moved = await alice.call("POST", f"/api/conversations/{CONVERSATION}/transfer",
                                     {"to": "bob"})
    assert (status, moved["advisor"]) == (200, "bob")
    assert (await alice.call("GET", f"/api/conversations/{CONVERSATION}"))[0] == 403
    assert (await bob.call("POST", f"/api/conversations/{CONVERSATION}/close",
                           {"outcome": "sorted"}))[0] == 422
    status, closed = await bob.call("POST", f"/api/conversations/{CONVERSATION}/close",
                                    {"outcome": "call-back arranged"})
    assert (status, closed["state"], closed["outcome"]) == (200, "closed", "call-back arranged")
    assert [(i["conversation_id"], i["outcome"]) for i in
            (await bob.call("GET", "/api/queue"))[1]["ended"]] == [
        (CONVERSATION, "call-back arranged")]
    assert (await alice.call("GET", "/api/queue"))[1]["ended"] == []
    # The history stays readable for its last holder, not for a colleague.
    assert (await bob.call("GET", f"/api/conversations/{CONVERSATION}"))[0] == 200
    assert (await alice.call("GET", f"/api/conversations/{CONVERSATION}"))[0] == 403


async def test_hand_back_goes_through_the_assistant(staff: Staff) -> None:
    waiting(staff)
    alice = await staff.sign_in("alice")
    await alice.call("POST", f"/api/conversations/{CONVERSATION}/take")
    assert (await alice.call("POST", f"/api/conversations/{CONVERSATION}/hand-back"))[0] == 200
    assert staff.calls == [(f"/webhooks/internal/conversations/{CONVERSATION}/hand_back",
                            {"advisor": "alice"})]


async def test_every_opening_is_in_the_audit_log(staff: Staff) -> None:
    waiting(staff)
    staff.verified(CONVERSATION, "P-1001")
    alice, ada = await staff.sign_in("alice"), await staff.sign_in("ada")
    await alice.call("GET", f"/api/conversations/{CONVERSATION}")
    await alice.call("POST", f"/api/conversations/{CONVERSATION}/take")
    assert (await alice.page(f"/conversations/{CONVERSATION}"))[0] == 200
    status, cases = await alice.call("GET", f"/api/conversations/{CONVERSATION}/cases")
    assert status == 200 and "NSSA-2026-000101" in [c["reference"] for c in cases["cases"]]
    assert (await alice.page(f"/conversations/{CONVERSATION}/cases"))[0] == 200
    assert (await alice.call("GET", "/api/callbacks"))[0] == 200
    assert (await alice.page("/callbacks"))[0] == 200
    status, log = await ada.call("GET", "/api/audit")
    assert status == 200
    assert [(e["staff"], e["action"], e["subject"]) for e in reversed(log)] == [
        ("alice", "open conversation", CONVERSATION),
        ("alice", "take conversation", CONVERSATION),
        ("alice", "open conversation", CONVERSATION),
        ("alice", "open person's cases", "P-1001"),
        ("alice", "open person's cases", "P-1001"),
        ("alice", "open call-back list", "call-back requests"),
        ("alice", "open call-back list", "call-back requests"),
    ]
    assert all(e["at"] == staff.clock().isoformat() for e in log)
    assert "open person&#39;s cases</td><td>P-1001" in (await ada.page("/audit"))[1]


async def test_sign_in_is_rate_limited(staff: Staff) -> None:
    async def attempt(password: str) -> int:
        form = await staff.client.get("/sign-in")
        token = (await form.text()).split('name="csrf_token" value="')[1].split('"')[0]
        answer = await staff.client.post("/sign-in", data={
            "csrf_token": token, "name": "alice", "password": password}, allow_redirects=False)
        return answer.status

    assert [await attempt("wrong password!") for _ in range(5)] == [401] * 5
    assert await attempt(PASSWORD) == 429
    staff.clock.advance(minutes=15, seconds=1)
    assert await attempt(PASSWORD) == 303


async def test_sign_in_needs_its_form_token(staff: Staff) -> None:
    answer = await staff.client.post("/sign-in", data={"name": "alice", "password": PASSWORD})
    assert answer.status == 403 and "nssa_staff" not in answer.cookies


async def test_a_page_form_without_its_csrf_token_is_refused(staff: Staff) -> None:
    waiting(staff)
    alice = await staff.sign_in("alice")
    response = await staff.client.post(
        f"/conversations/{CONVERSATION}/take", data={},
        headers={"Cookie": f"nssa_staff={alice.cookie}"}, allow_redirects=False)
    assert response.status == 403
    assert staff.console.handovers.holder(CONVERSATION) is None


async def test_the_session_cookie_is_secure_http_only_and_same_site(staff: Staff) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from staff.sessions import Sessions, SignInLimit
    from staff.web import create_app

    app = create_app(staff.console, Sessions(staff.engine), SignInLimit(staff.engine))
    async with TestClient(TestServer(app)) as client:
        form = await client.get("/sign-in")
        token = (await form.text()).split('name="csrf_token" value="')[1].split('"')[0]
        # The sign-in cookie is Secure too, so the test client does not send it back: pass it.
        answer = await client.post(
            "/sign-in", data={"csrf_token": token, "name": "alice", "password": PASSWORD},
            headers={"Cookie": f"nssa_staff_sign_in={token}"}, allow_redirects=False)
    assert answer.status == 303
    cookie = answer.cookies["nssa_staff"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Strict"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


async def test_the_pages_styles_and_script_need_no_session(staff: Staff) -> None:
    for path in ("/static/console.css", "/static/console.js"):
        response = await staff.client.get(path, allow_redirects=False)
        assert response.status == 200, path


async def test_a_second_sign_in_page_keeps_the_form_token(staff: Staff) -> None:
    # A stray request to /sign-in (another tab) must not void the form already shown.
    first = await staff.client.get("/sign-in")
    token = (await first.text()).split('name="csrf_token" value="')[1].split('"')[0]
    second = await staff.client.get("/sign-in")
    assert f'value="{token}"' in await second.text()
    answer = await staff.client.post("/sign-in", data={
        "csrf_token": token, "name": "alice", "password": PASSWORD}, allow_redirects=False)
    assert answer.status == 303


async def _event(response: Any) -> Tuple[str, Any]:
    """The next server-sent event: (name, data)."""
    name, data = "", None
    while True:
        line = (await asyncio.wait_for(response.content.readline(), 20)).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data = json.loads(line[len("data: "):])
        elif not line and name:
            return name, data


async def test_the_event_stream_sends_the_queue_and_new_turns_live(staff: Staff) -> None:
    waiting(staff)
    alice = await staff.sign_in("alice")
    await alice.call("POST", f"/api/conversations/{CONVERSATION}/take")
    response = await staff.client.get(
        f"/api/events?csrf={alice.csrf}&conversation={CONVERSATION}",
        headers={"Cookie": f"nssa_staff={alice.cookie}"})
    try:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        name, state = await _event(response)
        assert name == "queue" and [i["conversation_id"] for i in state["mine"]] == [CONVERSATION]
        staff.say_event(CONVERSATION, "user", "Still there? My ID is 85031212345",
                        input_channel="webchat")
        name, data = await _event(response)
        assert name == "turns"
        assert [(t["speaker"], t["text"]) for t in data["turns"]] == [
            ("citizen", "Still there? My ID is *******2345")]
    finally:
        response.close()
    log = staff.console.audit.read()
    assert (log[0].staff, log[0].action, log[0].detail) == (
        "alice", "open conversation", "live updates")


async def test_the_event_stream_of_a_colleagues_conversation_is_refused(staff: Staff) -> None:
    waiting(staff)
    alice, bob = await staff.sign_in("alice"), await staff.sign_in("bob")
    await alice.call("POST", f"/api/conversations/{CONVERSATION}/take")
    response = await staff.client.get(
        f"/api/events?csrf={bob.csrf}&conversation={CONVERSATION}",
        headers={"Cookie": f"nssa_staff={bob.cookie}"})
    assert response.status == 403


async def test_the_call_back_requests_the_assistant_sent_are_listed(staff: Staff) -> None:
    from bot.store.outbox import Outbox

    outbox = Outbox(staff.engine, clock=staff.clock)
    fields = {"name": "Anna", "phone_number": "0412345678", "time_window": "morning",
              "topic": "Pension"}
    sent = outbox.add("cms_case", "web-1", "web", "key-1", {
        "case_type": "callback_request", "fields": fields, "channel": "web",
        "person_id": None, "verification_level": 0})
    outbox.mark_delivered(sent.id, {"reference": "NSSA-2026-000200"})
    outbox.add("cms_case", "web-2", "web", "key-2", {  # not a call-back: not listed
        "case_type": "complaint", "fields": {"description": "x"}, "channel": "web"})
    staff.clock.advance(hours=1)
    outbox.add("cms_case", "web-3", "web", "key-3", {  # the CMS was down: kept
        "case_type": "callback_request", "fields": {**fields, "name": "Ben"}, "channel": "web"})
    alice = await staff.sign_in("alice")
    status, found = await alice.call("GET", "/api/callbacks")
    assert status == 200
    # Asked on Monday 7 December 2026: due on Wednesday the 9th. Newest first.
    assert [(c["name"], c["reference"], c["state"], c["phone_number"], c["due"])
            for c in found] == [
        ("Ben", None, "pending", "0412345678", "2026-12-09"),
        ("Anna", "NSSA-2026-000200", "delivered", "0412345678", "2026-12-09"),
    ]
    page = (await alice.page("/callbacks"))[1]
    assert "NSSA-2026-000200" in page and "not at the CMS yet" in page


def test_a_call_back_is_due_two_working_days_later() -> None:
    from datetime import date

    from staff.callbacks import due_by

    assert due_by(date(2026, 12, 11)) == date(2026, 12, 15)
    assert due_by(date(2026, 12, 12)) == date(2026, 12, 15)  # Saturday
    # The handbook's public holidays are not working days: Christmas Eve and Day.
    assert due_by(date(2026, 12, 23)) == date(2026, 12, 29)
