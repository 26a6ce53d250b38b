"""Case status by NSSA reference: only the verified person's own case, in the handbook's words.

The CMS fake keeps the contract (cms.openapi.yaml): GET /v1/cases/{reference}
answers 404 unless `person_id` is the case's owner.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.case_status import (
    STATUS_TEXT,
    ActionSubmitCaseStatus,
    describe_case,
    describe_housing,
)
from bot.errors import StoreError
from bot.store.db import create_engine_for
from bot.store.forwarded import ForwardedApplications
from bot.store.schema import upgrade
from clients.cms import Case, CmsClient
from clients.housing import HousingStatus
from clients.http import RetryPolicy
from tests.english import english
from tests.unit.test_case_status_housing import MINE, FakeHousing

OWN = {"reference": "NSSA-2026-000123", "type": "address_change", "status": "in_review",
       "created_at": "2026-11-20T10:00:00Z", "expected_decision_by": "2026-12-01"}
OWNERS = {"NSSA-2026-000123": "P-1001", "NSSA-2026-000124": "P-2002"}


class ContractCms:
    """Cases by reference for their owner only; a list of the person's cases; or down."""

    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.requests: List[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            return httpx.Response(503, json={"code": "unavailable", "message": "down"},
                                  headers={"Retry-After": "0"})
        path = request.url.path
        if path.endswith("/cases") and path.startswith("/v1/persons/"):
            return httpx.Response(200, json=[])
        reference = path.rsplit("/", 1)[-1]
        if OWNERS.get(reference) != request.url.params.get("person_id"):
            return httpx.Response(404, json={"code": "not_found", "message": "no such case"})
        return httpx.Response(200, json={**OWN, "reference": reference})

    def client(self) -> CmsClient:
        return CmsClient("http://cms.test", "token", transport=httpx.MockTransport(self.handler),
                         retry=RetryPolicy(max_attempts=1))


@pytest.fixture
def forwarded(tmp_path: Path, monkeypatch) -> ForwardedApplications:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    repo = ForwardedApplications(create_engine_for(url))
    repo.record(MINE, "P-1001", "conv-anna")
    monkeypatch.setattr(bootstrap, "forwarded_applications", lambda: repo)
    return repo


@pytest.fixture
def cms(forwarded):
    fake = ContractCms()
    bootstrap.use_factories(cms=fake.client, housing=FakeHousing({MINE: "QUEUED"}).client)
    yield fake
    bootstrap.use_factories()


def tracker(query: Optional[str], person: str = "P-1001", **slots: Any) -> Tracker:
    base: Dict[str, Any] = {"person_id": person, "identity_level": 1.0,
                            "identity_at": time.time(), "case_query": query}
    return Tracker("conv-anna", {**base, **slots}, {"text": query or "", "intent": {}},
                   [], False, None, {}, "action_listen")


async def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitCaseStatus().run(dispatcher, t, {})
    return dispatcher.messages, events


RESET = [SlotSet("case_query", None)]


async def test_own_case_is_told_in_the_handbooks_words_and_nothing_else(cms) -> None:
    messages, events = await run(tracker("NSSA-2026-000123"))
    assert [m["response"] for m in messages] == ["utter_case_status"]
    assert english(messages[0]["cases"]) == (
        "NSSA-2026-000123 (Change of address): A case worker is working on it. "
        "We expect to decide by 01.12.2026.")
    assert events == RESET
    assert cms.requests[0].url.params["person_id"] == "P-1001"


async def test_someone_elses_case_is_not_found(cms) -> None:
    messages, events = await run(tracker("NSSA-2026-000124"))
    assert [m["response"] for m in messages] == ["utter_case_not_found"]
    assert events == RESET


async def test_all_with_nothing_is_no_cases(cms) -> None:
    messages, _ = await run(tracker("all", person="P-3003"))
    assert [m["response"] for m in messages] == ["utter_no_cases"]


async def test_a_cms_down_is_said_so(cms) -> None:
    cms.down = True
    messages, events = await run(tracker("NSSA-2026-000123"))
    assert [m["response"] for m in messages] == ["utter_case_lookup_unavailable"]
    assert events == RESET


@pytest.mark.parametrize("slots", [{"case_query": None}, {"identity_level": 0.0},
                                   {"person_id": None}])
async def test_without_a_query_or_a_check_nothing_is_looked_up(cms, slots) -> None:
    slots = dict(slots)  # the parameter is shared by every run of the test
    query = slots.pop("case_query", "NSSA-2026-000123")
    messages, events = await run(tracker(query, **slots))
    assert (messages, events, cms.requests) == ([], RESET, [])


async def test_a_locked_identity_is_told(cms) -> None:
    t = tracker("NSSA-2026-000123", identity_level=0.0,
                identity_locked_until=time.time() + 600)
    messages, events = await run(t)
    assert [m["response"] for m in messages] == ["utter_identity_locked"]
    assert events == RESET and cms.requests == []


async def test_a_store_failure_on_an_ho_number_is_said_so(cms, monkeypatch) -> None:
    class Broken:
        def belongs_to(self, number: str, person_id: str) -> bool:
            raise StoreError("forwarded_applications get: database is locked")

    monkeypatch.setattr(bootstrap, "forwarded_applications", lambda: Broken())
    messages, events = await run(tracker(MINE))
    assert [m["response"] for m in messages] == ["utter_case_lookup_unavailable"]
    assert events == RESET


class TestDescribe:
    def case(self, **changes: Any) -> Case:
        values: Dict[str, Any] = {
            "reference": "NSSA-2026-000123", "case_type": "complaint", "status": "received",
            "created_at": dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)}
        return Case(**{**values, **changes})

    def test_a_type_without_a_name_is_written_out(self) -> None:
        text = english(describe_case(self.case(case_type="survivor_pension_claim")))
        assert text == "NSSA-2026-000123 (Survivor pension claim): " + STATUS_TEXT["received"]

    @pytest.mark.parametrize("status_text, shown", [("Paused by law.", "Paused by law."),
                                                    (None, "")])
    def test_a_status_without_handbook_words_shows_the_cms_text(self, status_text, shown):
        text = english(describe_case(self.case(status="on_hold", status_text=status_text)))
        assert text == f"NSSA-2026-000123 (Complaint): {shown}"

    @pytest.mark.parametrize("status", ["decided", "closed"])
    def test_no_decision_date_once_decided_or_closed(self, status) -> None:
        case = self.case(status=status, expected_decision_by=dt.date(2026, 12, 1))
        wanted = f"NSSA-2026-000123 (Complaint): {STATUS_TEXT[status]}"
        assert english(describe_case(case)) == wanted

    def test_a_housing_state_without_words_gives_the_phone_number(self) -> None:
        status = HousingStatus(application_number=MINE, state="ARCHIVED")
        assert english(describe_housing(MINE, status)) == (
            f"{MINE} (Housing allowance application, Housing Office): "
            "For its status, please call the Housing Office on 0800 700 300.")
