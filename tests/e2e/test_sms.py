"""SMS end to end: Twilio's webhooks to the real Rasa server, replies to a fake Twilio.

The assistant runs as `make run` starts it (action server, Rasa server, the
reference back-ends), with the Twilio settings set, so the Rasa server opens
`channels.sms.SmsInput` (bot/channels_config.py). Messages are POSTed as
Twilio does (form-encoded, signed with the auth token); the replies arrive at
tests/fakes/twilio_api.py through the twilio library.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml

from bot.notices import subscribe
from bot.settings import PROJECT_ROOT
from channels.sms import WEBHOOK_PATH
from channels.sms_text import PREFERRED_CHARS, segments, to_gsm7
from tests.e2e.conftest import Assistant, run_assistant, wait_until
from tests.fakes.twilio_api import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TWILIO_NUMBER,
    FakeTwilio,
    recorded_form,
    signed_post,
)
from tests.integration.test_sms_channel import handbook_help_text

pytestmark = pytest.mark.e2e

ANNA = ("85031212345", "12.03.1985")
CASE = "NSSA-2026-000123"


def sms_variant(response: str) -> str:
    """The `channel: sms` text of a response, from domain.yml or data/."""
    for path in [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for variant in (data.get("responses") or {}).get(response, []):
            if variant.get("channel") == "sms":
                return variant["text"]
    raise AssertionError(f"{response} has no sms variant")


class Phone:
    """A citizen's phone: texts the assistant like Twilio, reads what Twilio was asked to send."""

    _sids = iter(range(1, 10**6))

    def __init__(self, assistant: Assistant, fake: FakeTwilio, number: str) -> None:
        self.assistant, self.fake, self.number = assistant, fake, number

    def received(self) -> List[str]:
        return self.fake.bodies(self.number)

    def text(self, body: str) -> List[str]:
        """Send one SMS; the SMS the assistant sent back for it (the turn is done on return)."""
        before = len(self.received())
        url = self.assistant.settings.rasa_url + WEBHOOK_PATH
        form = recorded_form("inbound_text", Body=body, From=self.number,
                             MessageSid=f"SM{next(self._sids):032d}")
        # Signed for the public URL (NSSA_PUBLIC_URL); here it is the Rasa server's.
        status, twiml = signed_post(url, form, sign_url=self.assistant.settings.public_url
                                    + WEBHOOK_PATH)
        assert (status, twiml.endswith("<Response/>")) == (200, True), (status, twiml)
        return self.received()[before:]


@pytest.fixture(scope="module")
def sms(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Dict[str, Any]]:
    fake = FakeTwilio().start()
    var = tmp_path_factory.mktemp("var-sms")
    try:
        for assistant in run_assistant(
            var, model, f"sqlite:///{var / 'nssa.db'}",
            backend_env={"NSSA_CMS_DELIVERY_INTERVAL": "1", "NSSA_CMS_RETRY_BASE_SECONDS": "1"},
            settings_env={
                "NSSA_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "NSSA_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "NSSA_TWILIO_FROM": TWILIO_NUMBER,
                "NSSA_TWILIO_API_URL": fake.url,
            },
        ):
            asyncio.run(subscribe(assistant.settings))
            yield {"assistant": assistant, "fake": fake}
    finally:
        fake.stop()


_numbers = iter(range(100, 1000))


@pytest.fixture
def phone(sms: Dict[str, Any]) -> Phone:
    return Phone(sms["assistant"], sms["fake"], f"+1555867{next(_numbers):04d}")


def _cms_admin(assistant: Assistant, *args: str) -> str:
    env = {"NSSA_CMS_DATABASE_URL": f"sqlite:///{assistant.settings.var_dir / 'cms' / 'cms.db'}",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "backends.cms", "admin", *args],
        capture_output=True, text=True, env=env, check=True, timeout=60,
    ).stdout


def test_a_handbook_question_gets_the_short_sms_answer(phone: Phone) -> None:
    bodies = phone.text("When is my pension paid?")
    said = "\n".join(bodies)
    assert to_gsm7(sms_variant("utter_privacy/notice")) in said
    assert to_gsm7(sms_variant("utter_pension/payment")) in said
    assert "Payment dates in 2026" not in said  # the long web answer
    assert all(len(b) <= PREFERRED_CHARS and segments(b).encoding == "GSM-7" for b in bodies)
    # The next turn is one SMS.
    [answer] = phone.text("How much is child benefit?")
    assert "215" in answer


def test_an_estimate_comes_in_sms_of_at_most_320_characters(phone: Phone) -> None:
    bodies = phone.text("I have 28 years of contributions and want to stop at 65, what do I get?")
    said = "\n".join(bodies)
    assert "Your estimate: €936.54 a month, before tax, for life." in said
    assert "This is an estimate. A case worker decides." in said
    assert "24 × 0.4%" not in said  # the web chat's longer working
    assert all(len(b) <= PREFERRED_CHARS and segments(b).encoding == "GSM-7" for b in bodies)
    # A follow-up with another start age: the figures are kept, the answer fits.
    bodies = phone.text("what if I start at 66?")
    assert "€986.27" in "\n".join(bodies)
    assert all(len(b) <= PREFERRED_CHARS and segments(b).encoding == "GSM-7" for b in bodies)


def test_an_arabic_sms_is_answered_in_arabic_as_ucs2_within_its_parts(phone: Phone) -> None:
    bodies = phone.text("متى يتم دفع المعاش؟ أريد أن أعرف التاريخ")
    said = "\n".join(bodies)
    assert "19 يونيو" in said and "nssa.example/privacy" in said, said
    # Arabic needs UCS-2: kept as written, and no body costs more parts than an
    # English one may (3 for a turn's joined texts).
    assert all(segments(b).encoding == "UCS-2" for b in bodies)
    assert all(segments(b).parts <= segments("x" * PREFERRED_CHARS).parts for b in bodies)
    assert all(b == b.strip() and "?" not in b.replace("؟", "") for b in bodies)


@pytest.mark.parametrize(
    "request_text", ["apply for child benefit", "I need a certificate of coverage",
                     "apply for housing allowance"],
)
def test_requests_1_5_and_6_point_to_the_web_chat(phone: Phone, request_text: str) -> None:
    phone.text("hello")
    [answer] = phone.text(request_text)
    assert "nssa.example/chat" in answer


def test_buttons_are_numbered_and_a_number_answers_them(phone: Phone) -> None:
    phone.text("hello")
    phone.text("I want to talk to a person")
    [offer] = phone.text("I want to talk to a person")
    assert offer.endswith("1 Call me back\n2 No thanks\nReply 1 or 2")
    [question] = phone.text("1")
    assert "What is your name?" in question


def test_a_form_is_stopped_in_words_while_cancel_alone_opts_out(phone: Phone) -> None:
    phone.text("hello")
    assert "What is your name?" in phone.text("call me back")[-1]
    [stopped] = phone.text("stop the form")
    assert stopped.startswith("All right, I have stopped this request. Nothing was sent.")
    assert phone.text("cancel") == []
    assert phone.text("What is the pension age?") == []


def test_help_gets_the_handbook_text(phone: Phone) -> None:
    assert phone.text("HELP") == [handbook_help_text()]


def test_forged_and_malformed_webhooks_are_refused_and_the_server_goes_on(
    sms: Dict[str, Any], phone: Phone
) -> None:
    url = sms["assistant"].settings.rasa_url + WEBHOOK_PATH
    form = recorded_form("inbound_text", From=phone.number)
    assert signed_post(url, form, header=None)[0] == 403
    assert signed_post(url, form, token="not-the-auth-token-0123456789")[0] == 403
    no_body = [(k, v) for k, v in form if k != "Body"]
    public = sms["assistant"].settings.public_url + WEBHOOK_PATH
    assert signed_post(url, no_body, sign_url=public)[0] == 400
    assert phone.received() == []
    assert "215" in phone.text("How much is child benefit?")[-1]


def test_stop_ends_every_message_notices_included_and_start_brings_them_back(
    sms: Dict[str, Any], phone: Phone
) -> None:
    assistant = sms["assistant"]
    phone.text("check my case")
    phone.text(ANNA[0])
    phone.text(ANNA[1])
    phone.text("all")
    # A notice reaches the phone while it has not opted out.
    assert "event" in _cms_admin(assistant, "set-status", CASE, "decided")
    # Never the decision itself by SMS (service-standards.md): the status and where the letter is.
    notice = (f"Your case {CASE} has been updated: A decision has been made. "
              "The letter is in My NSSA or on its way by post.")
    wait_until(lambda: notice in phone.received(), "the notice by SMS")

    told = len(phone.received())
    assert phone.text("STOP") == []
    assert phone.text("When is my pension paid?") == []
    _cms_admin(assistant, "set-status", CASE, "closed")
    # The CMS delivered the event (the conversation got the notice), but no SMS went out.
    wait_until(lambda: any("has been updated: The case is closed." in t
                      for t in _bot_texts(assistant, phone)), "the second notice")
    assert len(phone.received()) == told

    [welcome] = phone.text("START")
    assert welcome.startswith("NSSA: you will get our messages again.")
    [answer] = phone.text("When is my pension paid?")
    assert answer == to_gsm7(sms_variant("utter_pension/payment"))


def _bot_texts(assistant: Assistant, phone: Phone) -> List[str]:
    """The conversation's bot texts in the store (found through the phone's identity)."""
    from bot.store.store import Store

    store = Store.for_url(assistant.settings.database_url)
    conversation = store.identities.conversation_for("sms", phone.number)
    return assistant.bot_texts(conversation)
