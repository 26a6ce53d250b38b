"""CMS cases: identity levels per type, references, status texts, expected dates, owners."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from backends.cms.admin import set_status
from backends.cms.casework import STATUS_TEXTS
from backends.cms.context import CMS
from tests.backends.conftest import CheckedClient, FakeClock

FIELDS: Dict[str, Dict[str, Any]] = {
    "child_benefit_application": {
        "child_national_id": "24051512341", "child_first_name": "Lea", "child_last_name": "Berg",
        "child_date_of_birth": "2024-05-15", "relationship": "parent",
        "child_lives_with_applicant": "yes", "lives_with_since": "2024-05-15",
        "pay_to_account_on_record": "yes",
    },
    "address_change": {
        "street": "1 Main Street", "postcode": "1010", "city": "Northhaven",
        "move_date": "2026-03-20",
    },
    "bank_account_change": {
        "new_account": "NR941234567890123456", "account_holder_name": "Anna Berg",
    },
    "contribution_statement": {"period": "all", "delivery": "online", "language": "english"},
    "certificate_of_coverage": {
        "work_status": "self_employed", "country": "Germany", "start_date": "2026-06-01",
        "end_date": "2026-12-31", "work_address_abroad": "Hafenstrasse 1, Hamburg",
    },
    "complaint": {
        "complaint_topic": "service", "complaint_text": "Nobody answered my letter.",
        "wants_reply": "no",
    },
    "callback_request": {
        "name": "Anna", "phone_number": "0412345678", "time_window": "afternoon",
        "topic": "Pension",
    },
}
# Wednesday 25 March 2026; Good Friday 3 April and Easter Monday 6 April are holidays.
EXPECTED = {
    "child_benefit_application": "2026-04-17",  # 15 working days
    "address_change": "2026-03-27",  # 2 working days
    "bank_account_change": "2026-03-27",
    "contribution_statement": "2026-03-26",  # 1 day to My NSSA
    "certificate_of_coverage": None,  # 10 working days after all documents
    "complaint": "2026-04-17",  # answered within 15 working days
    "callback_request": "2026-03-27",  # 2 working days
}


def new_case(
    case_type: str, level: int = 2, person_id: Any = "P-1001", **extra: Any
) -> Dict[str, Any]:
    body = {"type": case_type, "fields": FIELDS[case_type], "channel": "web",
            "verification_level": level, **extra}
    if person_id is not None:
        body["person_id"] = person_id
    return body


@pytest.mark.parametrize("case_type", sorted(FIELDS))
async def test_every_type_opens_a_received_case_with_its_expected_date(
    cms: CheckedClient, case_type: str
) -> None:
    reply = await cms.post("/v1/cases", new_case(case_type))
    assert reply.status == 201
    assert reply.body["reference"] == "NSSA-2026-000126"  # after the seeded NSSA-2026-000125
    assert reply.body["status"] == "received"
    assert reply.body["status_text"] == "We have received your request."
    assert reply.body["created_at"] == "2026-03-25T10:00:00Z"
    assert reply.body["expected_decision_by"] == EXPECTED[case_type]


async def test_statement_by_post_takes_10_working_days(cms: CheckedClient) -> None:
    body = new_case("contribution_statement")
    body["fields"] = {**body["fields"], "delivery": "post"}
    assert (await cms.post("/v1/cases", body)).body["expected_decision_by"] == "2026-04-10"


async def test_references_count_up(cms: CheckedClient) -> None:
    refs = [(await cms.post("/v1/cases", new_case("complaint"))).body["reference"]
            for _ in range(3)]
    assert refs == ["NSSA-2026-000126", "NSSA-2026-000127", "NSSA-2026-000128"]


@pytest.mark.parametrize(
    "case_type,person_id,level,allowed",
    [
        ("address_change", "P-1001", 1, False),
        ("address_change", "P-1001", 2, True),
        ("bank_account_change", "P-1001", 1, False),
        ("bank_account_change", "P-1001", 2, True),
        ("child_benefit_application", "P-1001", 0, False),
        ("child_benefit_application", "P-1001", 1, True),
        ("contribution_statement", "P-1001", 0, False),
        ("certificate_of_coverage", "P-1001", 1, True),
        ("complaint", None, 0, True),
        ("complaint", "P-1001", 0, False),
        ("complaint", "P-1001", 1, True),
        ("callback_request", None, 0, True),
        ("callback_request", "P-1001", 0, False),
    ],
)
async def test_verification_level_is_checked(
    cms: CheckedClient, case_type: str, person_id: Any, level: int, allowed: bool
) -> None:
    reply = await cms.post("/v1/cases", new_case(case_type, level, person_id))
    if allowed:
        assert reply.status == 201
    else:
        assert (reply.status, reply.body["code"]) == (403, "verification_required")
        assert reply.body["details"]["verification_level"] == level


async def test_missing_verification_level_counts_as_0(cms: CheckedClient) -> None:
    body = new_case("contribution_statement")
    del body["verification_level"]
    assert (await cms.post("/v1/cases", body)).status == 403


async def test_linking_a_case_to_a_complaint_needs_level_1_and_an_own_case(
    cms: CheckedClient
) -> None:
    body = new_case("complaint", level=0, person_id=None)
    body["fields"] = {**FIELDS["complaint"], "case_reference": "NSSA-2026-000123"}
    assert (await cms.post("/v1/cases", body)).status == 403
    own = await cms.post("/v1/cases", {**body, "person_id": "P-1001", "verification_level": 1})
    assert own.status == 201
    someone_elses = await cms.post(
        "/v1/cases", {**body, "person_id": "P-1002", "verification_level": 1}
    )
    assert someone_elses.status == 422


@pytest.mark.parametrize(
    "change,field",
    [
        ({"type": "pension"}, "type"),
        ({"channel": "fax"}, "channel"),
        ({"fields": "street=1"}, "fields"),
        ({"verification_level": 3}, "verification_level"),
        ({"person_id": "P-9999"}, "person_id"),
    ],
)
async def test_malformed_new_case_is_422(
    cms: CheckedClient, change: Dict[str, Any], field: str
) -> None:
    reply = await cms.post("/v1/cases", {**new_case("address_change"), **change})
    assert reply.status == 422 and reply.body["details"]["field"] == field


async def test_person_is_required_except_for_complaints_and_callbacks(cms: CheckedClient) -> None:
    assert (await cms.post("/v1/cases", new_case("contribution_statement", 1, None))).status == 422


@pytest.mark.parametrize(
    "case_type,bad,field",
    [
        ("address_change", {"postcode": "10100"}, "postcode"),
        ("address_change", {"move_date": "01.04.2026"}, "move_date"),
        ("bank_account_change", {"new_account": "NR951234567890123456"}, "new_account"),
        ("child_benefit_application", {"child_national_id": "24051512342"}, "child_national_id"),
        ("child_benefit_application", {"relationship": "uncle"}, "relationship"),
        ("contribution_statement", {"period": "1969"}, "period"),
        ("certificate_of_coverage", {"work_status": "employee"}, "employer_name"),
        ("complaint", {"complaint_text": "Too short"}, "complaint_text"),
        ("callback_request", {"phone_number": "+999412345678"}, "phone_number"),
        ("callback_request", {"time_window": None}, "time_window"),
    ],
)
async def test_fields_are_checked_by_the_handbook_rules(
    cms: CheckedClient, case_type: str, bad: Dict[str, Any], field: str
) -> None:
    body = new_case(case_type)
    body["fields"] = {**body["fields"], **bad}
    reply = await cms.post("/v1/cases", body)
    assert (reply.status, reply.body["code"]) == (422, "invalid_fields")
    assert field in [problem["field"] for problem in reply.body["details"]["fields"]]


async def test_a_case_is_only_visible_to_its_owner(cms: CheckedClient) -> None:
    own = await cms.get("/v1/cases/NSSA-2026-000123", params={"person_id": "P-1001"})
    assert own.body["type"] == "child_benefit_application" and own.body["status"] == "in_review"
    lower_case = await cms.get("/v1/cases/nssa-2026-000123", params={"person_id": "P-1001"})
    assert lower_case.status == 200
    other = await cms.get("/v1/cases/NSSA-2026-000123", params={"person_id": "P-1002"})
    missing = await cms.get("/v1/cases/NSSA-2026-999999", params={"person_id": "P-1001"})
    assert other.status == missing.status == 404
    assert other.body == missing.body  # never says whether it belongs to someone else
    assert (await cms.get("/v1/cases/NSSA-2026-000123")).status == 422


async def test_a_persons_cases_are_newest_first(cms: CheckedClient, clock: FakeClock) -> None:
    clock.advance(minutes=1)
    new = await cms.post("/v1/cases", new_case("contribution_statement"))
    cases = (await cms.get("/v1/persons/P-1001/cases")).body
    assert [case["reference"] for case in cases] == [
        new.body["reference"], "NSSA-2026-000123", "NSSA-2026-000101"
    ]
    assert (await cms.get("/v1/persons/P-1005/cases")).body == []
    assert (await cms.get("/v1/persons/P-9999/cases")).status == 404


async def test_seeded_cases_cover_every_status_with_the_handbook_wording(
    cms: CheckedClient
) -> None:
    seen = {}
    for person in ("P-1001", "P-1002", "P-1003", "P-1004", "P-1006", "P-1007"):
        for case in (await cms.get(f"/v1/persons/{person}/cases")).body:
            seen[case["status"]] = case["status_text"]
    assert seen == STATUS_TEXTS


async def test_status_change_updates_text_and_dates(cms: CheckedClient, clock: FakeClock) -> None:
    engine, today = cms.app[CMS].engine, clock().date()
    # The certificate: its documents are in.
    set_status(engine, "NSSA-2026-000104", "in_review", clock(), today)
    case = (await cms.get("/v1/cases/NSSA-2026-000104", params={"person_id": "P-1003"})).body
    assert case["expected_decision_by"] == "2026-04-10"
    assert case["status_text"] == "A case worker is working on it."
    set_status(engine, "NSSA-2026-000104", "decided", clock(), today)
    case = (await cms.get("/v1/cases/NSSA-2026-000104", params={"person_id": "P-1003"})).body
    assert case["expected_decision_by"] is None
    assert case["status_text"].startswith("A decision has been made.")


async def test_decided_address_and_bank_changes_update_the_person(
    cms: CheckedClient, clock: FakeClock
) -> None:
    address = await cms.post("/v1/cases", new_case("address_change"))
    bank = await cms.post("/v1/cases", new_case("bank_account_change"))
    for reply in (address, bank):
        set_status(cms.app[CMS].engine, reply.body["reference"], "decided", clock(), clock().date())
    person = (await cms.get("/v1/persons/P-1001")).body
    assert person["address"] == {
        "street": "1 Main Street", "postcode": "1010", "city": "Northhaven"
    }
    assert person["bank_account_last4"] == "3456"
