"""Case status by Housing Office number and "all my cases": the person's own applications only."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.case_status import HOUSING_STATUS_TEXT, ActionSubmitCaseStatus
from actions.citizen_requests.housing_submit import HOUSING_OUTBOX_KIND, ActionSubmitHousing
from bot.content import HANDBOOK_DIR
from bot.store.db import create_engine_for
from bot.store.forwarded import ForwardedApplications
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from clients.cms import CmsClient
from clients.housing import HousingClient, housing_application
from clients.http import RetryPolicy
from tests.english import english

MINE, THEIRS, UNKNOWN = "HO-11111111", "HO-22222222", "HO-33333333"


class FakeHousing:
    """The Housing Office on MockTransport: it answers for any number it knows."""

    def __init__(self, states: Dict[str, str], down: bool = False) -> None:
        self.states, self.down = dict(states), down
        self.asked: List[str] = []
        self.submitted: List[Dict[str, Any]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503, json={"error": {"type": "closed", "detail": "night"}},
                                  headers={"Retry-After": "0"})
        if request.method == "POST":
            self.submitted.append(json.loads(request.content))
            return httpx.Response(202, json={"applicationNumber": "HO-44444444",
                                             "state": "QUEUED"})
        number = request.url.path.rsplit("/", 1)[-1]
        self.asked.append(number)
        if number not in self.states:
            return httpx.Response(404, json={"error": {"type": "not_found", "detail": number}})
        return httpx.Response(200, json={"applicationNumber": number, "state": self.states[number]})

    def client(self) -> HousingClient:
        return HousingClient("http://housing.test", "key",
                             transport=httpx.MockTransport(self.handler),
                             retry=RetryPolicy(max_attempts=1), sleep=_no_sleep)


class FakeCms:
    def __init__(self, cases: Optional[List[Dict[str, Any]]] = None) -> None:
        self.cases = cases or []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/persons/P-1001/cases":
            return httpx.Response(200, json=self.cases)
        return httpx.Response(404, json={"code": "not_found", "message": "no such case"})

    def client(self) -> CmsClient:
        return CmsClient("http://cms.test", "token", transport=httpx.MockTransport(self.handler),
                         retry=RetryPolicy(max_attempts=1), sleep=_no_sleep)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def forwarded(tmp_path: Path, monkeypatch) -> ForwardedApplications:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    repo = ForwardedApplications(create_engine_for(url))
    repo.record(MINE, "P-1001", "conv-anna")
    repo.record(THEIRS, "P-2002", "conv-bo")
    monkeypatch.setattr(bootstrap, "forwarded_applications", lambda: repo)
    monkeypatch.setattr(bootstrap, "outbox", lambda: Outbox(create_engine_for(url)))
    return repo


def use(cms: FakeCms, housing: FakeHousing):
    bootstrap.use_factories(cms=cms.client, housing=housing.client)


@pytest.fixture(autouse=True)
def restore_factories():
    yield
    bootstrap.use_factories()


def tracker(query: Optional[str], slots: Optional[Dict[str, Any]] = None) -> Tracker:
    base = {"person_id": "P-1001", "identity_level": 1.0, "identity_at": time.time(),
            "case_query": query}
    return Tracker("conv-anna", {**base, **(slots or {})}, {"text": query or "", "intent": {}},
                   [], False, None, {}, "action_listen")


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


async def test_own_application_is_told_in_the_housing_offices_words(forwarded) -> None:
    housing = FakeHousing({MINE: "ASSESSING", THEIRS: "GRANTED"})
    use(FakeCms(), housing)
    messages, events = await run(ActionSubmitCaseStatus(), tracker(MINE))
    assert [m["response"] for m in messages] == ["utter_case_status"]
    assert english(messages[0]["cases"]) == (
        "HO-11111111 (Housing allowance application, Housing Office): Being assessed.")
    assert events == [SlotSet("case_query", None)]


@pytest.mark.parametrize("number", [THEIRS, UNKNOWN])
async def test_someone_elses_and_unknown_numbers_get_the_same_answer(forwarded, number) -> None:
    housing = FakeHousing({MINE: "ASSESSING", THEIRS: "GRANTED"})
    use(FakeCms(), housing)
    messages, _ = await run(ActionSubmitCaseStatus(), tracker(number))
    assert [m["response"] for m in messages] == ["utter_case_not_found"]
    # The Housing Office is not even asked, so nothing about it can leak.
    assert housing.asked == []


def handbook_housing_states() -> Dict[str, str]:
    """The status table of housing-allowance.md, "Checking your application"."""
    text = (HANDBOOK_DIR / "housing-allowance.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z]+) \| ([^|]+?) \|$", text, flags=re.MULTILINE)
    return {state: meaning for state, meaning in rows}


def test_the_handbook_names_every_state_the_assistant_knows() -> None:
    assert sorted(handbook_housing_states()) == sorted(HOUSING_STATUS_TEXT)


@pytest.mark.parametrize("state", sorted(HOUSING_STATUS_TEXT))
async def test_every_state_has_the_handbooks_words(forwarded, state) -> None:
    use(FakeCms(), FakeHousing({MINE: state}))
    messages, _ = await run(ActionSubmitCaseStatus(), tracker(MINE))
    words = handbook_housing_states()[state]
    assert english(messages[0]["cases"]) == (
        f"{MINE} (Housing allowance application, Housing Office): {words}.")


async def test_housing_office_closed_gives_its_phone_number(forwarded) -> None:
    use(FakeCms(), FakeHousing({}, down=True))
    messages, _ = await run(ActionSubmitCaseStatus(), tracker(MINE))
    assert "0800 700 300" in english(messages[0]["cases"]) and MINE in english(messages[0]["cases"])


async def test_all_my_cases_includes_forwarded_applications(forwarded) -> None:
    case = {"reference": "NSSA-2026-000123", "type": "complaint", "status": "in_review",
            "created_at": "2026-11-20T10:00:00Z"}
    use(FakeCms([case]), FakeHousing({MINE: "GRANTED", THEIRS: "REFUSED"}))
    messages, _ = await run(ActionSubmitCaseStatus(), tracker("all"))
    lines = english(messages[0]["cases"]).split("\n")
    assert lines[0].startswith("NSSA-2026-000123 (Complaint): A case worker is working on it.")
    assert lines[1:] == [
        "HO-11111111 (Housing allowance application, Housing Office): "
        "Granted. A decision letter is on its way."]


async def test_all_with_only_a_forwarded_application_is_not_no_cases(forwarded) -> None:
    use(FakeCms([]), FakeHousing({MINE: "QUEUED"}))
    messages, _ = await run(ActionSubmitCaseStatus(), tracker("all"))
    assert [m["response"] for m in messages] == ["utter_case_status"]


async def test_unverified_gets_nothing(forwarded) -> None:
    housing = FakeHousing({MINE: "QUEUED"})
    use(FakeCms(), housing)
    messages, _ = await run(ActionSubmitCaseStatus(), tracker(MINE, {"identity_level": 0.0}))
    assert messages == [] and housing.asked == []


HOUSING_SLOTS = {
    "confirm": True, "full_name": "Anna Berg", "street": "Harbour Street 12", "postcode": "3100",
    "city": "Eastmere", "household_size": 2, "monthly_rent": 75000,
    "monthly_household_income": 180000, "housing_phone": "none",
    "verified_national_id": "85031212345", "verified_date_of_birth": "1985-03-12",
}


async def test_accepted_application_is_recorded_for_the_person(forwarded) -> None:
    use(FakeCms(), FakeHousing({}))
    messages, _ = await run(ActionSubmitHousing(), tracker(None, HOUSING_SLOTS))
    assert messages[0]["application_number"] == "HO-44444444"
    assert forwarded.belongs_to("HO-44444444", "P-1001")


async def test_kept_application_carries_its_person_for_the_worker(forwarded) -> None:
    use(FakeCms(), FakeHousing({}, down=True))
    messages, _ = await run(ActionSubmitHousing(), tracker(None, HOUSING_SLOTS))
    assert [m["response"] for m in messages] == ["utter_housing_saved"]
    [item] = bootstrap.outbox().due(None, 10, kinds=[HOUSING_OUTBOX_KIND])
    assert item.payload["person_id"] == "P-1001"
    assert item.payload["conversation_id"] == "conv-anna"
    expected = housing_application(
        client_reference=item.idempotency_key, national_id="85031212345", full_name="Anna Berg",
        date_of_birth="1985-03-12", street="Harbour Street 12", postcode="3100", city="Eastmere",
        household_size=2, monthly_rent_cents=75000, monthly_household_income_cents=180000)
    assert item.payload["application"] == expected
    assert forwarded.of_person("P-1001")[0].application_number == MINE


async def test_an_expired_check_is_done_again_before_forwarding(forwarded) -> None:
    housing = FakeHousing({})
    use(FakeCms(), housing)
    expired = {**HOUSING_SLOTS, "identity_at": time.time() - 16 * 60}
    messages, events = await run(ActionSubmitHousing(), tracker(None, expired))
    assert [m["response"] for m in messages] == ["utter_identity_again"]
    assert housing.submitted == [] and events[-1] == FollowupAction("housing_form")
