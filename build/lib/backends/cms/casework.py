"""Case rules from the handbook's requests-in-chat.md and service-standards.md.

Case types with their fields and identity levels, the plain-language status
texts, decision times, and the number formats (national ID, bank account,
phone). The CMS checks formats and required fields; the business rules that
need a conversation ("must be yes", date windows) are the assistant's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from backends.cms.agency import add_working_days
from backends.common import parse_date

__all__ = [
    "CASE_TYPES",
    "CHANNELS",
    "STATUSES",
    "STATUS_TEXTS",
    "CaseType",
    "coverage_decision_due",
    "decision_due",
    "field_errors",
    "missing_or_wrong",
    "required_level",
    "valid_bank_account",
    "valid_national_id",
]

STATUS_TEXTS: Dict[str, str] = {
    "received": "We have received your request.",
    "in_review": "A case worker is working on it.",
    "waiting_for_documents": "We need something from you. Please see our letter or My NSSA.",
    "decided": "A decision has been made. The letter is in My NSSA or on its way by post.",
    "closed": "The case is closed.",
}
STATUSES: Tuple[str, ...] = tuple(STATUS_TEXTS)
CHANNELS = ("web", "telegram", "sms", "other")

Check = Callable[[Any], Optional[str]]


def valid_national_id(value: str) -> bool:
    """11 digits YYMMDDNNNNC with the check digit of requests-in-chat.md."""
    if not re.fullmatch(r"\d{11}", value):
        return False
    remainder = sum(int(digit) * weight for weight, digit in enumerate(value[:10], 1)) % 11
    return remainder != 10 and remainder == int(value[10])


def valid_bank_account(value: str) -> bool:
    """NR + 2 check digits + 16 digits, check digits as for an IBAN (mod 97)."""
    if not re.fullmatch(r"NR\d{18}", value):
        return False
    rearranged = value[4:] + value[:4]
    digits = "".join(str(ord(char) - 55) if char.isalpha() else char for char in rearranged)
    return int(digits) % 97 == 1


def _text(low: int, high: int) -> Check:
    def check(value: Any) -> Optional[str]:
        if not isinstance(value, str) or not low <= len(value.strip()) <= high:
            return f"must be text of {low} to {high} characters"
        return None

    return check


def _one_of(*options: str) -> Check:
    def check(value: Any) -> Optional[str]:
        return None if value in options else f"must be one of {', '.join(options)}"

    return check


def _pattern(regex: str, what: str) -> Check:
    def check(value: Any) -> Optional[str]:
        return None if isinstance(value, str) and re.fullmatch(regex, value) else f"must be {what}"

    return check


def _date(value: Any) -> Optional[str]:
    return None if parse_date(value) else "must be a date YYYY-MM-DD"


def _yes_no(value: Any) -> Optional[str]:
    return None if value in (True, False, "yes", "no") else "must be yes or no (or true/false)"


def _national_id(value: Any) -> Optional[str]:
    ok = isinstance(value, str) and valid_national_id(value)
    return None if ok else "must be a valid national ID number (11 digits)"


def _bank_account(value: Any) -> Optional[str]:
    ok = isinstance(value, str) and valid_bank_account(value)
    return None if ok else "must be a valid NR account: NR + 2 check digits + 16 digits"


def _period(value: Any) -> Optional[str]:
    if value == "all" or (
        isinstance(value, (int, str)) and str(value).isdigit() and 1970 <= int(value) <= 2025
    ):
        return None
    return "must be all or a year from 1970 to 2025"


_PHONE = _pattern(r"0\d{9}", "a Northland phone number: 10 digits starting with 0")
_REFERENCE = _pattern(r"NSSA-\d{4}-\d{6}", "a case reference NSSA-YYYY-NNNNNN")


@dataclass(frozen=True)
class CaseType:
    """A request that opens a case: its fields and the identity level it needs."""

    name: str
    level: int
    required: Mapping[str, Check]
    optional: Mapping[str, Check]
    anonymous: bool = False


CASE_TYPES: Dict[str, CaseType] = {
    case_type.name: case_type
    for case_type in (
        CaseType(
            "child_benefit_application",
            1,
            {
                "child_national_id": _national_id,
                "child_first_name": _text(1, 50),
                "child_last_name": _text(1, 50),
                "child_date_of_birth": _date,
                "relationship": _one_of("parent", "step_parent", "foster_parent", "guardian"),
                "child_lives_with_applicant": _yes_no,
                "lives_with_since": _date,
                "pay_to_account_on_record": _yes_no,
            },
            {},
        ),
        CaseType(
            "address_change",
            2,
            {
                "street": _text(1, 100),
                "postcode": _pattern(r"\d{4}", "4 digits"),
                "city": _text(1, 50),
                "move_date": _date,
            },
            {},
        ),
        CaseType(
            "bank_account_change",
            2,
            {"new_account": _bank_account, "account_holder_name": _text(1, 100)},
            {},
        ),
        CaseType(
            "contribution_statement",
            1,
            {
                "period": _period,
                "delivery": _one_of("online", "post"),
                "language": _one_of("northlandic", "english"),
            },
            {},
        ),
        CaseType(
            "certificate_of_coverage",
            1,
            {
                "work_status": _one_of("employee", "self_employed"),
                "country": _text(1, 100),
                "start_date": _date,
                "end_date": _date,
                "work_address_abroad": _text(1, 200),
            },
            {
                "employer_name": _text(1, 100),
                "employer_registration_number": _pattern(r"ER\d{8}", "ER + 8 digits"),
            },
        ),
        CaseType(
            "complaint",
            1,
            {
                "complaint_topic": _one_of(
                    "service", "staff", "waiting_time", "decision", "online_services", "other"
                ),
                "complaint_text": _text(10, 2000),
                "wants_reply": _yes_no,
            },
            {"case_reference": _REFERENCE, "contact_name": _text(1, 100), "contact_phone": _PHONE},
            anonymous=True,
        ),
        CaseType(
            "callback_request",
            1,
            {
                "name": _text(1, 100),
                "phone_number": _PHONE,
                "time_window": _one_of("morning", "afternoon"),
                "topic": _text(1, 200),
            },
            {},
            anonymous=True,
        ),
    )
}
_EMPLOYER_FIELDS = ("employer_name", "employer_registration_number")


def required_level(case_type: CaseType, person_id: Optional[str]) -> int:
    """Level 2 for address and bank changes, 1 with a person, 0 for anonymous ones."""
    if person_id is None and case_type.anonymous:
        return 0
    return case_type.level


def field_errors(case_type: CaseType, fields: Mapping[str, Any]) -> Dict[str, str]:
    """What is wrong with `fields` for `case_type`, by field name; empty when fine."""
    errors: Dict[str, str] = {}
    for name, check in case_type.required.items():
        if name not in fields or fields[name] in (None, ""):
            errors[name] = "is required"
        else:
            problem = check(fields[name])
            if problem:
                errors[name] = problem
    for name, check in case_type.optional.items():
        if fields.get(name) not in (None, ""):
            problem = check(fields[name])
            if problem:
                errors[name] = problem
    if case_type.name == "certificate_of_coverage" and fields.get("work_status") == "employee":
        for name in _EMPLOYER_FIELDS:
            if fields.get(name) in (None, ""):
                errors[name] = "is required for employees"
    return errors


def decision_due(case_type: str, fields: Mapping[str, Any], start: date) -> Optional[date]:
    """The expected decision date for a case whose clock starts on `start`.

    Certificates of coverage are decided 10 working days after all documents
    are in, so their date is set when the case goes into review.
    """
    if case_type == "contribution_statement":
        if fields.get("delivery") == "post":
            return add_working_days(start, 10)
        return start + timedelta(days=1)
    days = {
        "child_benefit_application": 15,
        "address_change": 2,
        "bank_account_change": 2,
        "complaint": 15,
        "callback_request": 2,
    }.get(case_type)
    return add_working_days(start, days) if days else None


def coverage_decision_due(documents_complete: date) -> date:
    """A certificate of coverage: 10 working days after all documents are in."""
    return add_working_days(documents_complete, 10)


def missing_or_wrong(errors: Mapping[str, str]) -> List[Dict[str, str]]:
    """The errors as a list for an Error's `details`."""
    return [{"field": name, "problem": problem} for name, problem in sorted(errors.items())]
