"""Demo people and cases written into a new CMS database.

Every national ID number passes the check digit and starts with the date of
birth; every bank account passes mod 97; phones are Northland numbers. The
database keeps only the last 4 digits of accounts and phones. Case dates are
relative to the moment the database is created, so statuses and expected
dates stay plausible whenever you start. `backends/README.md` lists the same
people for users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from backends.cms.casework import coverage_decision_due, decision_due
from backends.cms.tables import cases, persons

__all__ = ["DEMO_CASES", "DEMO_PEOPLE", "DemoCase", "DemoPerson", "seed"]


@dataclass(frozen=True)
class DemoPerson:
    """A person on record."""

    person_id: str
    first_name: str
    last_name: str
    national_id: str
    date_of_birth: str
    street: str
    postcode: str
    city: str
    phone: Optional[str]
    bank_account: Optional[str]
    preferred_language: str = "en"


@dataclass(frozen=True)
class DemoCase:
    """An existing case: created and last changed that many days before seeding."""

    reference: str
    person_id: str
    type: str
    status: str
    created_days_ago: int
    updated_days_ago: int
    fields: Dict[str, Any] = field(default_factory=dict)


DEMO_PEOPLE: Tuple[DemoPerson, ...] = (
    DemoPerson("P-1001", "Anna", "Berg", "85031212345", "1985-03-12",
               "5 Birch Lane", "1020", "Northhaven", "0412345678", "NR884001203456781234"),
    DemoPerson("P-1002", "Erik", "Dahl", "58073022089", "1958-07-30",
               "22 Fjord Road", "3110", "Westfjord", "0423456789", "NR644002987654320098"),
    DemoPerson("P-1003", "Mira", "Haddad", "92110544109", "1992-11-05",
               "9 Mill Lane", "2041", "Eastmere", "0434567890", "NR394003555511117790", "ar"),
    # No phone on record: level 2 (one-time code) is not possible.
    DemoPerson("P-1004", "Jonas", "Falk", "79012331582", "1979-01-23",
               "41 Station Avenue", "4200", "Southvale", None, "NR504004100020003000"),
    # No bank account on record, and no cases.
    DemoPerson("P-1005", "Sofia", "Nowak", "01061855216", "2001-06-18",
               "17 Moor Road", "5300", "Highmoor", "0445678901", None, "pl"),
    DemoPerson("P-1006", "Oksana", "Kovalenko", "88090260757", "1988-09-02",
               "60 Market Street", "2040", "Eastmere", "0456789012", "NR334005864209753124", "uk"),
    DemoPerson("P-1007", "Lars", "Holm", "61042718425", "1961-04-27",
               "8 Quay Road", "3100", "Westfjord", "0467890123", "NR544006731905284466"),
)

_CHILD = {
    "child_national_id": "24051512341",
    "child_first_name": "Lea",
    "child_last_name": "Berg",
    "child_date_of_birth": "2024-05-15",
    "relationship": "parent",
    "child_lives_with_applicant": "yes",
    "lives_with_since": "2024-05-15",
    "pay_to_account_on_record": "yes",
}
_COVERAGE = {
    "work_status": "employee",
    "employer_name": "Fjord Logistics Ltd",
    "employer_registration_number": "ER12345678",
    "country": "Germany",
    "start_date": "2027-02-01",
    "end_date": "2027-12-31",
    "work_address_abroad": "Hafenstrasse 1, 20457 Hamburg",
}

DEMO_CASES: Tuple[DemoCase, ...] = (
    DemoCase("NSSA-2026-000066", "P-1007", "certificate_of_coverage", "closed", 120, 95, _COVERAGE),
    DemoCase("NSSA-2026-000078", "P-1006", "child_benefit_application", "decided", 90, 72,
             {**_CHILD, "child_national_id": "19082034579", "child_first_name": "Daryna",
              "child_last_name": "Kovalenko", "child_date_of_birth": "2019-08-20",
              "lives_with_since": "2019-08-20"}),
    DemoCase("NSSA-2026-000087", "P-1002", "bank_account_change", "closed", 70, 68,
             {"new_account": "NR644002987654320098", "account_holder_name": "Erik Dahl"}),
    DemoCase("NSSA-2026-000101", "P-1001", "contribution_statement", "decided", 40, 39,
             {"period": "all", "delivery": "online", "language": "english"}),
    DemoCase("NSSA-2026-000104", "P-1003", "certificate_of_coverage", "waiting_for_documents",
             20, 18,
             {**_COVERAGE, "employer_name": "Eastmere Tech AS", "country": "Sweden"}),
    DemoCase("NSSA-2026-000112", "P-1004", "complaint", "in_review", 14, 12,
             {"complaint_topic": "waiting_time",
              "complaint_text": "I waited 50 minutes at the office.", "wants_reply": "yes"}),
    DemoCase("NSSA-2026-000119", "P-1007", "contribution_statement", "in_review", 10, 9,
             {"period": "2024", "delivery": "post", "language": "northlandic"}),
    DemoCase("NSSA-2026-000123", "P-1001", "child_benefit_application", "in_review", 8, 6, _CHILD),
    DemoCase("NSSA-2026-000124", "P-1002", "address_change", "received", 2, 2,
             {"street": "3 Harbour View", "postcode": "1010", "city": "Northhaven",
              "move_date": "2026-12-01"}),
    DemoCase("NSSA-2026-000125", "P-1006", "bank_account_change", "received", 1, 1,
             {"new_account": "NR884001203456781234", "account_holder_name": "Oksana Kovalenko"}),
)


def _expected(case: DemoCase, created: datetime, updated: datetime) -> Optional[str]:
    if case.status in ("decided", "closed"):
        return None
    if case.type == "certificate_of_coverage":
        # The clock starts when all documents are in (the case went into review).
        if case.status != "in_review":
            return None
        return coverage_decision_due(updated.date()).isoformat()
    due = decision_due(case.type, case.fields, created.date())
    return due.isoformat() if due else None


def seed(connection: Connection, now: datetime) -> None:
    """Write the demo people and their cases (`now` is naive UTC)."""
    connection.execute(
        sa.insert(persons),
        [
            {
                "person_id": p.person_id,
                "national_id": p.national_id,
                "date_of_birth": p.date_of_birth,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "street": p.street,
                "postcode": p.postcode,
                "city": p.city,
                "bank_account_last4": p.bank_account[-4:] if p.bank_account else None,
                "phone_last4": p.phone[-4:] if p.phone else None,
                "preferred_language": p.preferred_language,
            }
            for p in DEMO_PEOPLE
        ],
    )
    rows = []
    for case in DEMO_CASES:
        created = now - timedelta(days=case.created_days_ago)
        updated = now - timedelta(days=case.updated_days_ago)
        year, number = case.reference.split("-")[1:]
        rows.append(
            {
                "reference": case.reference,
                "year": int(year),
                "number": int(number),
                "person_id": case.person_id,
                "type": case.type,
                "status": case.status,
                "channel": "web",
                "verification_level": 2 if case.type.endswith("_change") else 1,
                "fields": case.fields,
                "created_at": created,
                "updated_at": updated,
                "expected_decision_by": _expected(case, created, updated),
            }
        )
    connection.execute(sa.insert(cases), rows)
