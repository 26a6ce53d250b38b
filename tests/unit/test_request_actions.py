"""Request forms and their submission, on recorded trackers with a fake CMS."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any, Dict, List, Optional

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.case_status import ActionSubmitCaseStatus
from actions.citizen_requests.forms import ValidateCallbackForm, ValidateStatementForm
from actions.citizen_requests.sending import WORKER_GRACE
from actions.citizen_requests.submit import ActionSubmitCallback, ActionSubmitStatement
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from clients.cms import CmsClient
from clients.http import RetryPolicy
from tests.english import said

CALLBACK_SLOTS = {
    "callback_name": "Erik",
    "callback_phone": "0412345678",
    "callback_time_window": "morning",
    "callback_topic": "my pension",
    "confirm": True,
}


def tracker(slots: Optional[Dict[str, Any]] = None, text: str = "x", intent: str = "inform",
            selector: Optional[dict] = None, form: str = "callback_form") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}}
    if selector:
        latest["response_selector"] = selector
    return Tracker(
        sender_id="citizen-1", slots=dict(slots or {}), latest_message=latest, events=[],
        paused=False, followup_action=None, active_loop={"name": form},
        latest_action_name="action_listen",
    )


class FakeCms:
    """A CMS on httpx.MockTransport: records requests, answers from a script."""

    def __init__(self, statuses: Optional[List[int]] = None) -> None:
        self.requests: List[httpx.Request] = []
        self.statuses = list(statuses or [])

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else None
        if status in (429, 503):
            return httpx.Response(status, json={"code": "unavailable", "message": "down"},
                                  headers={"Retry-After": "0"})
        path = request.url.path
        if path == "/v1/identity/verify":
            body = json.loads(request.content)
            if (body["national_id"], body["date_of_birth"]) == ("85031212345", "1985-03-12"):
                return httpx.Response(
                    200, json={"person_id": "P-1001", "level": 1, "phone_last4": "5678"}
                )
            return httpx.Response(404, json={"code": "not_found", "message": "no match"})
        if path == "/v1/cases":
            return httpx.Response(201, json={
                "reference": "NSSA-2026-000500", "type": "callback_request", "status": "received",
                "created_at": "2026-11-25T10:00:00Z"})
        if path.startswith("/v1/cases/"):
            return httpx.Response(404, json={"code": "not_found", "message": "no such case"})
        return httpx.Response(404, json={"code": "not_found", "message": path})

    def client(self) -> CmsClient:
        return CmsClient("http://cms.test", "token", transport=httpx.MockTransport(self.handler),
                         retry=RetryPolicy(max_attempts=2, base_delay=0, max_delay=0),
                         sleep=_no_sleep)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def store(tmp_path, monkeypatch) -> Outbox:
    """The outbox on a throw-away SQLite file (every submission keeps its request first)."""
    from bot.store.db import create_engine_for

    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    outbox = Outbox(create_engine_for(url))
    monkeypatch.setattr(bootstrap, "outbox", lambda: outbox)
    return outbox


@pytest.fixture
def cms(store):
    fake = FakeCms()
    bootstrap.use_factories(cms=fake.client)
    yield fake
    bootstrap.use_factories()


async def test_call_back_asks_no_identity_and_confirms_last() -> None:
    slots = await ValidateCallbackForm().required_slots([], CollectingDispatcher(), tracker(), {})
    assert slots == [
        "callback_name", "callback_phone", "callback_time_window", "callback_topic", "confirm"
    ]


async def test_no_means_choose_what_to_change() -> None:
    form = ValidateCallbackForm()
    slots = await form.required_slots([], CollectingDispatcher(), tracker({"confirm": False}), {})
    assert slots[-2:] == ["change_field", "confirm"]
    result = await form.validate_change_field(
        "2", CollectingDispatcher(), tracker(CALLBACK_SLOTS), {}
    )
    assert result == {"callback_phone": None, "change_field": None, "confirm": None}


async def test_statement_asks_identity_until_verified() -> None:
    form = ValidateStatementForm()
    unverified = await form.required_slots([], CollectingDispatcher(), tracker(), {})
    assert unverified[:2] == ["national_id", "date_of_birth"]
    verified = tracker({"person_id": "P-1001", "identity_level": 1.0, "identity_at": time.time()})
    assert "national_id" not in await form.required_slots([], CollectingDispatcher(), verified, {})
    expired = tracker(
        {"person_id": "P-1001", "identity_level": 1.0, "identity_at": time.time() - 16 * 60}
    )
    assert "national_id" in await form.required_slots([], CollectingDispatcher(), expired, {})


async def test_wrong_answer_gets_the_reason_and_the_question_again() -> None:
    dispatcher = CollectingDispatcher()
    validate = ValidateCallbackForm().validate_callback_phone
    assert await validate("12345", dispatcher, tracker(), {}) == {"callback_phone": None}
    assert "10 digits" in said(dispatcher.messages[0])


async def test_policy_question_in_a_free_text_field_is_answered() -> None:
    dispatcher = CollectingDispatcher()
    selector = {"pension": {"response": {"utter_action": "utter_pension/payment"}}}
    t = tracker(text="when is my pension paid", intent="pension", selector=selector)
    validate = ValidateCallbackForm().validate_callback_name
    assert await validate("when is my pension paid", dispatcher, t, {}) == {"callback_name": None}
    assert dispatcher.messages[0]["response"] == "utter_pension/payment"


async def test_identity_is_checked_by_the_cms_and_masked(cms) -> None:
    form = ValidateStatementForm()
    t = tracker({"national_id": "85031212345"}, form="statement_form")
    result = await form.validate_date_of_birth("12.03.1985", CollectingDispatcher(), t, {})
    assert result["person_id"] == "P-1001" and result["identity_level"] == 1.0
    assert result["national_id"] == "*******2345"


async def test_three_wrong_identity_checks_lock_for_an_hour(cms) -> None:
    form = ValidateStatementForm()
    failures = 0.0
    for _ in range(3):
        t = tracker(
            {"national_id": "85031212345", "identity_failures": failures}, form="statement_form"
        )
        dispatcher = CollectingDispatcher()
        result = await form.validate_date_of_birth("11.03.1985", dispatcher, t, {})
        failures = result.get("identity_failures", failures)
    assert result["identity_locked_until"] > time.time() + 3500
    locked = tracker(
        {"identity_locked_until": result["identity_locked_until"]}, form="statement_form"
    )
    assert await form.required_slots([], CollectingDispatcher(), locked, {}) == []


async def test_submitting_twice_sends_the_same_idempotency_key(cms) -> None:
    for _ in range(2):
        dispatcher = CollectingDispatcher()
        events = await ActionSubmitCallback().run(dispatcher, tracker(CALLBACK_SLOTS), {})
        assert dispatcher.messages[0]["response"] == "utter_callback_sent"
        assert SlotSet("callback_name", None) in events
    keys = [r.headers["Idempotency-Key"] for r in cms.requests if r.url.path == "/v1/cases"]
    assert len(keys) == 2 and keys[0] == keys[1]
    changed = dict(CALLBACK_SLOTS, callback_topic="my child benefit")
    await ActionSubmitCallback().run(CollectingDispatcher(), tracker(changed), {})
    assert cms.requests[-1].headers["Idempotency-Key"] != keys[0]


async def test_unavailable_cms_keeps_the_request_in_the_outbox(cms, tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    from bot.store.db import create_engine_for

    outbox = Outbox(create_engine_for(url))
    monkeypatch.setattr(bootstrap, "outbox", lambda: outbox)
    cms.statuses = [503, 503]
    dispatcher = CollectingDispatcher()
    await ActionSubmitCallback().run(dispatcher, tracker(CALLBACK_SLOTS), {})
    assert dispatcher.messages[0]["response"] == "utter_request_saved"
    [item] = outbox.due(outbox.now(), 10)
    assert item.kind == "cms_case" and item.payload["fields"]["phone_number"] == "0412345678"
    assert item.idempotency_key == cms.requests[-1].headers["Idempotency-Key"]


async def test_someone_elses_case_is_not_found(cms) -> None:
    t = tracker({"person_id": "P-1001", "identity_level": 1.0, "identity_at": time.time(),
                 "case_query": "NSSA-2026-000124"}, form="case_status_form")
    dispatcher = CollectingDispatcher()
    await ActionSubmitCaseStatus().run(dispatcher, t, {})
    assert dispatcher.messages[0]["response"] == "utter_case_not_found"


async def test_a_place_name_is_an_answer_not_a_question() -> None:
    from actions.citizen_requests.forms import ValidateAddressForm

    dispatcher = CollectingDispatcher()
    selector = {"agency": {"response": {"utter_action": "utter_agency/office_westfjord"}}}
    t = tracker(text="Westfjord", intent="agency", selector=selector, form="address_form")
    validate = ValidateAddressForm().validate_city
    assert await validate("Westfjord", dispatcher, t, {}) == {"city": "Westfjord"}
    assert dispatcher.messages == []


@pytest.mark.parametrize("text, answers", [
    ("12 Birch road, 4021 Highmoor",
     {"street": "12 Birch road", "postcode": "4021", "city": "Highmoor"}),
    ("Storgata 5 4021 Westfjord",
     {"street": "Storgata 5", "postcode": "4021", "city": "Westfjord"}),
    ("12 Birch road", {"street": "12 Birch road"}),
    ("Flat 4, 12 Birch road", {"street": "Flat 4, 12 Birch road"}),
])
async def test_a_whole_address_fills_the_postcode_and_town_too(
        text: str, answers: Dict[str, str]) -> None:
    """"12 Birch road, 4021 Highmoor" as the street: postcode and town are not asked again."""
    from actions.citizen_requests.forms import ValidateAddressForm

    t = tracker(text=text, form="address_form")
    validate = ValidateAddressForm().validate_street
    assert await validate(text, CollectingDispatcher(), t, {}) == answers


async def test_a_sent_request_is_kept_as_delivered_and_told(cms, store) -> None:
    dispatcher = CollectingDispatcher()
    await ActionSubmitCallback().run(dispatcher, tracker(CALLBACK_SLOTS), {})
    key = cms.requests[-1].headers["Idempotency-Key"]
    item = store.get("cms_case", key)
    assert item is not None and item.state == "delivered"
    assert item.result == {"reference": "NSSA-2026-000500"}
    # Told already: the worker has nothing to send and nothing to tell.
    later = store.now() + timedelta(hours=1)
    assert store.due(later, 10) == [] and store.undelivered_notifications(later, 10) == []


async def test_a_server_dying_while_sending_leaves_the_request_to_the_worker(cms, store) -> None:
    class Died(BaseException):
        """The action server killed in the middle of the call."""

    def dies_after_the_cms_answered(request: httpx.Request) -> httpx.Response:
        cms.handler(request)
        raise Died()

    bootstrap.use_factories(cms=lambda: CmsClient(
        "http://cms.test", "token", transport=httpx.MockTransport(dies_after_the_cms_answered),
        retry=RetryPolicy(max_attempts=1)))
    with pytest.raises(Died):
        await ActionSubmitCallback().run(CollectingDispatcher(), tracker(CALLBACK_SLOTS), {})
    key = cms.requests[-1].headers["Idempotency-Key"]
    # Held back from the worker while an action could still be sending it...
    assert store.due(store.now(), 10) == []
    # ...then sent again by the worker with the same key.
    [item] = store.due(store.now() + WORKER_GRACE + timedelta(seconds=1), 10)
    assert item.idempotency_key == key and item.state == "pending"


async def test_an_expired_check_is_done_again_before_sending(cms) -> None:
    slots = {"person_id": "P-1001", "identity_level": 1.0, "identity_at": time.time() - 16 * 60,
             "statement_period": "2024", "statement_delivery": "online",
             "statement_language": "english", "confirm": True}
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitStatement().run(
        dispatcher, tracker(slots, form="statement_form"), {}
    )
    assert dispatcher.messages[0]["response"] == "utter_identity_again"
    assert not [r for r in cms.requests if r.url.path == "/v1/cases"], "nothing sent unchecked"
    assert SlotSet("person_id", None) in events and SlotSet("confirm", None) in events
    assert events[-1] == FollowupAction("statement_form")
    # The answers stay for the summary after the new check.
    assert not any(e.get("name") == "statement_period" for e in events)
