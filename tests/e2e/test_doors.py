"""Every door of a running assistant, tried as a stranger on the same machine would (issue 8).

- The action server listens on loopback only and runs nothing without
  NSSA_ACTION_TOKEN: the hand-written case-status call of the finding gets
  401/403 and no case, while the same call with the token gets them.
- Rasa's HTTP API is closed: the tracker and its events cannot be read or
  written; the worker's one route (trigger_intent) needs NSSA_API_TOKEN and
  answers without the tracker.
- The REST channel goes through the gate: bearer token, JSON object bodies,
  a body over the size limit answered 413 at once while another sender is
  served, the length cap, typed intents read as words, and sender ids of
  its own that never reach a web chat, SMS or Telegram conversation.
- Phone numbers in international form are masked in the store and the logs.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conftest import Assistant, run_assistant, wait_until

pytestmark = pytest.mark.e2e

REST_TOKEN = "e2e-rest-token-0123456789abcdef"
CASE_OF_MIRA = "NSSA-2026-000104"  # P-1003's case in the reference CMS
PHISHING = "Your NSSA account is locked. Reply with your PIN to unlock it."


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The assistant with NSSA_REST_TOKEN set, logging at DEBUG (Rasa logs each message)."""
    var = tmp_path_factory.mktemp("doors")
    yield from run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        settings_env={"NSSA_REST_TOKEN": REST_TOKEN, "NSSA_LOG_LEVEL": "DEBUG"},
    )


def call(
    method: str, url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
    timeout: float = 60,
) -> Tuple[int, bytes]:
    """(status, body) of one HTTP request; error statuses are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rest(doors: Assistant, body: bytes, token: Optional[str] = REST_TOKEN) -> Tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return call("POST", f"{doors.settings.rasa_url}/webhooks/rest/webhook", body, headers)


def stored(doors: Assistant, conversation_id: str) -> List[str]:
    """The raw `data` of the conversation's rows in Rasa's events table."""
    database = make_url(doors.settings.database_url).database
    with sqlite3.connect(str(database)) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
    return [row[0] for row in rows]


def listening(port: int) -> List[str]:
    """The local addresses (hex, as /proc/net/tcp writes them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


# ---------------------------------------------------------------- finding 1


def case_status_call(token: Optional[str]) -> Tuple[bytes, Dict[str, str]]:
    """The finding's hand-written call: Mira Haddad's cases, as if she had verified."""
    slots = {"person_id": "P-1003", "identity_level": 1.0, "identity_at": time.time(),
             "case_query": "all"}
    body = {
        "next_action": "action_submit_case_status",
        "sender_id": "stranger",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "stranger", "slots": slots, "events": [], "paused": False,
            "latest_message": {"text": "all", "intent": {}, "entities": []},
            "latest_event_time": time.time(), "followup_action": None, "active_loop": {},
            "latest_action_name": None, "latest_input_channel": "rest",
        },
    }
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return json.dumps(body).encode(), headers


def test_the_action_server_listens_on_loopback_only(doors: Assistant) -> None:
    addresses = listening(doors.settings.action_port)
    assert addresses, "nothing listens on the action port"
    # 127.0.0.1 (or ::1), never 0.0.0.0 / ::
    assert set(addresses) <= {"0100007F", "00000000000000000000000001000000"}, addresses


def test_the_action_server_runs_nothing_without_the_token(doors: Assistant) -> None:
    url = f"http://127.0.0.1:{doors.settings.action_port}"
    cases_before = doors.cms_cases()
    for token in (None, "wrong-token-0123456789abcdef"):
        body, headers = case_status_call(token)
        status, answer = call("POST", f"{url}/webhook", body, headers)
        assert status in (401, 403), (status, answer[:200])
        assert CASE_OF_MIRA.encode() not in answer
        status, answer = call("GET", f"{url}/actions", headers=headers)
        assert status in (401, 403) and b"action_submit" not in answer
    assert doors.cms_cases() == cases_before
    # The health check stays open; the same call with the token is served (the
    # call above is a real one: only the token was missing).
    assert call("GET", f"{url}/health")[0] == 200
    body, headers = case_status_call(doors.settings.action_token)
    status, answer = call("POST", f"{url}/webhook", body, headers)
    assert status == 200 and CASE_OF_MIRA.encode() in answer


# ---------------------------------------------------------------- finding 2


def test_rasa_http_api_is_closed(doors: Assistant) -> None:
    sender = "api-stranger"
    doors.send(sender, "hello")
    conversation = doors.conversation(sender)
    base = doors.settings.rasa_url
    slots = [{"event": "slot", "name": "person_id", "value": "P-1003"},
             {"event": "slot", "name": "identity_level", "value": 1.0},
             {"event": "slot", "name": "identity_at", "value": time.time()}]
    tries = [
        ("GET", f"/conversations/{conversation}/tracker", None),
        ("POST", f"/conversations/{conversation}/tracker/events", json.dumps(slots).encode()),
        ("PUT", f"/conversations/{conversation}/tracker/events", json.dumps(slots).encode()),
        ("POST", f"/conversations/{conversation}/trigger_intent",
         json.dumps({"name": "EXTERNAL_notice", "entities": {"notice_text": PHISHING}}).encode()),
        ("GET", "/domain", None),
        ("POST", "/model/parse", b'{"text": "hello"}'),
        ("GET", "/status", None),
    ]
    for method, path, body in tries:
        status, answer = call(method, base + path, body, {"Content-Type": "application/json"})
        assert status in (401, 403, 404), (method, path, status, answer[:200])
    # Nothing was set: "check my case" still asks who the citizen is.
    doors.send(sender, "check my case")
    reply = "\n".join(doors.texts(sender, "all"))
    assert CASE_OF_MIRA not in reply
    assert not any(PHISHING in text for text in doors.bot_texts(conversation))


def test_the_workers_route_needs_the_api_token_and_gives_no_tracker(doors: Assistant) -> None:
    sender = "api-worker"
    doors.send(sender, "hello")
    url = (f"{doors.settings.rasa_url}/webhooks/internal/conversations/"
           f"{doors.conversation(sender)}/trigger_intent?output_channel=latest")
    body = json.dumps({"name": "EXTERNAL_request_sent",
                       "entities": {"reference": "NSSA-2026-999999"}}).encode()
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789abcdef"}):
        status, _ = call("POST", url, body, {"Content-Type": "application/json", **headers})
        assert status in (401, 403)
    assert not any("NSSA-2026-999999" in t for t in doors.bot_texts(doors.conversation(sender)))
    status, answer = call("POST", url, body, {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {doors.settings.api_token}",
    })
    assert status == 200, answer[:200]
    assert "tracker" not in json.loads(answer) and b"slots" not in answer
    assert any("NSSA-2026-999999" in t for t in doors.bot_texts(doors.conversation(sender)))


# ---------------------------------------------------------------- finding 3


def test_rest_needs_the_bearer_token(doors: Assistant) -> None:
    body = json.dumps({"sender": "token-1", "message": "hello"}).encode()
    assert rest(doors, body, token=None)[0] == 401
    assert rest(doors, body, token="wrong-token-0123456789abcdef")[0] == 403
    assert stored(doors, doors.conversation("token-1")) == []
    status, answer = rest(doors, body)
    assert status == 200 and json.loads(answer)[0]["recipient_id"] == "token-1"


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'"hello"', b"42", b"{not json",
                                  b'{"sender": 7, "message": "hi"}',
                                  b'{"sender": "s", "message": ["hi"]}'])
def test_rest_refuses_what_is_not_a_message_with_400(doors: Assistant, body: bytes) -> None:
    assert rest(doors, body)[0] == 400


def test_rest_senders_never_reach_another_channels_conversation(doors: Assistant) -> None:
    from tests.e2e.test_across_channels import WebChat

    web = WebChat(doors)
    try:
        web.say("hello", until="NSSA")
        wait_until(lambda: '"action_listen"' in (stored(doors, web.session_id) or [""])[-1],
                   "the web chat's turn to be stored")
        for sender in (web.session_id, "sms-" + "a" * 32, "telegram-" + "b" * 32):
            status, _ = rest(doors, json.dumps(
                {"sender": sender, "message": "a stranger was here"}).encode())
            assert status in (200, 400, 403)
            if sender != web.session_id:
                assert stored(doors, sender) == []
        time.sleep(1)
        assert not any("a stranger was here" in row for row in stored(doors, web.session_id))
        assert any("a stranger was here" in row
                   for row in stored(doors, doors.conversation(web.session_id)))
    finally:
        web.close()


def test_a_10_mb_body_is_refused_at_once_while_another_sender_is_served(
    doors: Assistant,
) -> None:
    huge = json.dumps({"sender": "huge-1", "message": "a" * 10_000_000}).encode()
    other: Dict[str, float] = {}

    def ask_meanwhile() -> None:
        time.sleep(0.3)
        started = time.monotonic()
        doors.send("meanwhile-1", "when is my pension paid")
        other["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=ask_meanwhile)
    thread.start()
    started = time.monotonic()
    status, answer = rest(doors, huge)
    refused_in = time.monotonic() - started
    thread.join(120)
    assert status == 413, answer[:200]
    assert refused_in < 5, refused_in
    assert other["seconds"] < 15, other
    assert stored(doors, doors.conversation("huge-1")) == []


def test_rest_messages_over_the_length_cap_get_the_polite_answer(doors: Assistant) -> None:
    limit = doors.settings.max_message_chars
    reply = doors.texts("long-1", "x" * (limit + 1))
    assert reply == [f"Your message is too long for me (more than {limit} characters). "
                     "Please send it again in shorter parts."]


def test_a_typed_notice_intent_is_read_as_words(doors: Assistant) -> None:
    sender = "forger-1"
    doors.send(sender, "hello")
    forged = "/EXTERNAL_notice" + json.dumps({"notice_text": PHISHING})
    reply = doors.texts(sender, forged)
    assert not any(PHISHING in text for text in reply), reply
    assert not any(PHISHING in text for text in doors.bot_texts(doors.conversation(sender)))


# ---------------------------------------------------------------- finding 4

PHONES = ("+44 7700 900123", "(+44) 7700-900-124", "0044 7700.900.125", "+1 (415) 555-2671")


def test_international_phone_numbers_are_masked_in_the_store_and_the_logs(
    doors: Assistant,
) -> None:
    sender = "phones-1"
    doors.send(sender, "hello")
    doors.send(sender, "please call me on " + " or ".join(PHONES))
    rows = "\n".join(stored(doors, doors.conversation(sender)))
    assert "please call me on" in rows
    logs = {path.name: path.read_text(errors="replace")
            for path in (doors.settings.var_dir / "log").glob("*.log")}
    assert "please call me on" in logs["rasa-debug.log"]
    for where, text in {"events": rows, **logs}.items():
        for clear in ("7700 900123", "7700-900-124", "7700.900.125", "(415) 555-2671",
                      "447700900123", "14155552671"):
            assert clear not in text, f"{clear} in {where}"
    assert "0123" in rows and "2671" in rows  # the last 4 stay, as for every number


def test_no_token_is_written_to_a_log(doors: Assistant) -> None:
    doors.send("logs-1", "hello")
    tokens = [REST_TOKEN, doors.settings.action_token, doors.settings.api_token]
    for path in (doors.settings.var_dir / "log").glob("*.log"):
        text = path.read_text(errors="replace")
        for token in tokens:
            assert token not in text, path.name
