"""Proactive notices end to end: a case worker's change reaches the citizen's chat.

The reference CMS, the action server and Rasa run as in production; the
CMS POSTs its signed events to the `cms_events` channel of the Rasa server.

The test subscribes itself with `bot.notices.subscribe` (`make run` does it
at start).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

import pytest

from bot.notices import subscribe
from bot.settings import PROJECT_ROOT
from channels.cms_events import sign
from tests.e2e.conftest import Assistant, run_assistant, wait_until

pytestmark = pytest.mark.e2e

ANNA = ("85031212345", "12.03.1985")
DECIDED = (
    "Your case NSSA-2026-000123 has been updated: A decision has been made. "
    "The letter is in My NSSA or on its way by post."
)
STOPPED = (
    "We will not send you notices any more. Opting out does not stop official letters and "
    "decisions. They still come by post or in My NSSA. To turn notices on again, type start "
    "notices."
)


@pytest.fixture(scope="module")
def notices(tmp_path_factory, model) -> Any:
    """The assistant with the CMS delivering events every second, subscribed."""
    var = tmp_path_factory.mktemp("var-notices")
    for assistant in run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        backend_env={"NSSA_CMS_DELIVERY_INTERVAL": "1", "NSSA_CMS_RETRY_BASE_SECONDS": "1"},
    ):
        _check_integration(assistant)
        asyncio.run(subscribe(assistant.settings))
        yield assistant


def _get(url: str) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _check_integration(assistant: Assistant) -> None:
    try:
        _get(f"{assistant.settings.rasa_url}/webhooks/cms_events/")
    except urllib.error.HTTPError:
        pytest.fail("credentials.yml lacks `channels.cms_events.CmsEventsInput:`")
    # Rasa's HTTP API (GET /domain) is closed: the domain the model is trained from.
    from rasa.shared.core.domain import Domain

    intents = set(Domain.load(str(PROJECT_ROOT / "domain.yml")).intents)
    missing = {"EXTERNAL_notice", "stop_notices", "start_notices"} - intents
    if missing:
        pytest.fail(f"the model's domain lacks {sorted(missing)}: add them to domain.yml and train")


def _cms_admin(assistant: Assistant, *args: str) -> str:
    env = {"NSSA_CMS_DATABASE_URL": f"sqlite:///{assistant.settings.var_dir / 'cms' / 'cms.db'}",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "backends.cms", "admin", *args],
        capture_output=True, text=True, env=env, check=True, timeout=60,
    )
    return result.stdout


def _cms_deliveries(assistant: Assistant) -> Dict[str, int]:
    """The reference CMS's deliveries by state."""
    path = assistant.settings.var_dir / "cms" / "cms.db"
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT state, count(*) FROM deliveries GROUP BY state")
        return dict(rows.fetchall())


def _all_delivered(assistant: Assistant) -> bool:
    states = _cms_deliveries(assistant)
    return bool(states) and set(states) == {"delivered"}


def _post_event(assistant: Assistant, body: bytes, signature: Optional[str]) -> int:
    headers = {"Content-Type": "application/json", "X-CMS-Event-Id": "evt_e2e_forged"}
    if signature is not None:
        headers["X-CMS-Signature"] = signature
    request = urllib.request.Request(
        f"{assistant.settings.rasa_url}/webhooks/cms_events/webhook", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_notice_reaches_the_conversation_and_stop_notices_stops_it(notices) -> None:
    sender = "notice-anna"
    conversation = notices.conversation(sender)
    notices.texts(sender, "check my case", *ANNA)
    notices.texts(sender, "all")

    # A case worker decides the case; the CMS delivers the event within seconds.
    assert "event" in _cms_admin(notices, "set-status", "NSSA-2026-000123", "decided")
    wait_until(lambda: DECIDED in notices.bot_texts(conversation), "the decided notice")
    wait_until(lambda: _all_delivered(notices), "the CMS to record the delivery")
    assert notices.bot_texts(conversation).count(DECIDED) == 1

    assert notices.texts(sender, "stop notices") == [STOPPED]
    told = len(notices.bot_texts(conversation))
    _cms_admin(notices, "set-status", "NSSA-2026-000123", "closed")
    wait_until(lambda: _all_delivered(notices), "the CMS to deliver the second event")
    assert len(notices.bot_texts(conversation)) == told, "an opted-out citizen got a notice"

    reply = notices.texts(sender, "start notices")
    assert reply and reply[0].startswith("We will send you notices again")
    _cms_admin(notices, "payment-date-change", "P-1001", "Your pension is paid on 18 December.")
    wait_until(lambda: "Your pension is paid on 18 December." in notices.bot_texts(conversation),
          "the payment date notice after start notices")


def test_stop_notices_without_a_checked_identity_says_how(notices) -> None:
    # The first message of a conversation also gets the privacy notice, first.
    reply = notices.texts("notice-stranger", "stop notices")
    assert reply[-1].startswith("To change your notices, we first need to check who you are.")


def test_forged_event_is_refused(notices) -> None:
    body = json.dumps({"event_id": "evt_e2e_forged", "type": "payment.date_changed",
                       "person_id": "P-1001", "occurred_at": "2026-11-25T10:00:00Z",
                       "text": "Send your bank details to win."}).encode()
    assert _post_event(notices, body, None) == 403
    assert _post_event(notices, body, sign("not-the-secret-0123456789", body)) == 403
    secret = notices.settings.events_secret
    assert _post_event(notices, b"{not json", sign(secret, b"{not json")) == 400
