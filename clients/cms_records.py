"""What the CMS client returns (`backends/cms.openapi.yaml`, v1.0), and its parsers.

Frozen dataclasses, personal details (names, street, postcode) kept out of
their repr so that a logged record never shows them. `clients.cms` re-exports
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Optional

from clients.http import as_optional_text, as_text, parse_datetime

__all__ = [
    "Identity", "Otp", "OtpCheck", "Address", "Person", "Case", "Office", "Appointment",
    "parse_address", "parse_case",
]


@dataclass(frozen=True)
class Identity:
    """A level 1 match of national ID and date of birth."""

    person_id: str
    level: int
    phone_last4: Optional[str]
    preferred_language: Optional[str] = None


@dataclass(frozen=True)
class Otp:
    """A one-time code the CMS sent by SMS."""

    otp_id: str
    expires_at: datetime
    sent_to_last4: str


@dataclass(frozen=True)
class OtpCheck:
    """The outcome of checking a one-time code; `ok` means level 2."""

    ok: bool
    level: Optional[int] = None
    person_id: Optional[str] = None
    attempts_left: Optional[int] = None
    expired: bool = False
    locked: bool = False


@dataclass(frozen=True)
class Address:
    """A Northland postal address (street and postcode kept out of repr)."""

    street: str = field(repr=False)
    postcode: str = field(repr=False)
    city: str


@dataclass(frozen=True)
class Person:
    """What the assistant may show about a verified person (name and address out of repr)."""

    person_id: str
    first_name: str = field(repr=False)
    address: Address = field(repr=False)
    bank_account_last4: Optional[str] = None
    phone_last4: Optional[str] = None


@dataclass(frozen=True)
class Case:
    """An NSSA case."""

    reference: str
    case_type: str
    status: str
    created_at: datetime
    updated_at: Optional[datetime] = None
    expected_decision_by: Optional[date] = None
    status_text: Optional[str] = None


@dataclass(frozen=True)
class Office:
    """A regional office."""

    office_id: str
    name: str
    address: Optional[Address] = None


@dataclass(frozen=True)
class Appointment:
    """A booked office appointment."""

    appointment_id: str
    office_id: str
    start: datetime


def parse_address(data: Any) -> Address:
    """An address of the CMS's JSON."""
    street, postcode, city = (as_text(data[key]) for key in ("street", "postcode", "city"))
    return Address(street=street, postcode=postcode, city=city)


def parse_case(data: Any) -> Case:
    """A case of the CMS's JSON."""
    updated_at, decision_by = data.get("updated_at"), data.get("expected_decision_by")
    return Case(
        reference=as_text(data["reference"]),
        case_type=as_text(data["type"]),
        status=as_text(data["status"]),
        created_at=parse_datetime(data["created_at"]),
        updated_at=parse_datetime(updated_at) if updated_at else None,
        expected_decision_by=date.fromisoformat(decision_by) if decision_by else None,
        status_text=as_optional_text(data.get("status_text")),
    )
