"""Checks of an `Application` body (housing.openapi.yaml), field by field."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from backends.common import parse_date

__all__ = ["application_problems"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(
    problems: List[str], where: str, value: Any, required: bool = True, max_length: int = 0
) -> None:
    if value is None:
        if required:
            problems.append(f"{where} is required")
        return
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where} must be a non-empty string")
    elif max_length and len(value) > max_length:
        problems.append(f"{where} must be at most {max_length} characters")


def _object(problems: List[str], where: str, value: Any) -> Dict[str, Any]:
    if value is None:
        problems.append(f"{where} is required")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where} must be an object")
        return {}
    return value


def application_problems(body: Dict[str, Any]) -> List[str]:
    """What is wrong with an application body; empty when it is valid."""
    problems: List[str] = []
    _text(problems, "clientReference", body.get("clientReference"), max_length=64)
    _text(problems, "sourceSystem", body.get("sourceSystem"), required=False)

    applicant = _object(problems, "applicant", body.get("applicant"))
    if applicant:
        national_id = applicant.get("nationalId")
        if not isinstance(national_id, str) or not re.fullmatch(r"[0-9]{11}", national_id):
            problems.append("applicant.nationalId must be 11 digits")
        _text(problems, "applicant.fullName", applicant.get("fullName"))
        if parse_date(applicant.get("dateOfBirth")) is None:
            problems.append("applicant.dateOfBirth must be a date YYYY-MM-DD")
        _text(problems, "applicant.phone", applicant.get("phone"), required=False)
        _text(problems, "applicant.email", applicant.get("email"), required=False)

    size = body.get("householdSize")
    if not _is_int(size) or not 1 <= size <= 20:
        problems.append("householdSize must be a whole number from 1 to 20")
    rent = body.get("monthlyRentCents")
    if not _is_int(rent) or rent < 0:
        problems.append("monthlyRentCents must be a whole number of cents, 0 or more")
    income = body.get("monthlyHouseholdIncomeCents")
    if income is not None and (not _is_int(income) or income < 0):
        problems.append("monthlyHouseholdIncomeCents must be a whole number of cents, 0 or more")

    address = _object(problems, "address", body.get("address"))
    if address:
        for part in ("street", "postcode", "city"):
            _text(problems, f"address.{part}", address.get(part))
    return problems
