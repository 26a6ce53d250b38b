"""Reading and writing the CMS database: one function per operation.

Every function takes an open `Connection` inside the caller's transaction, so
a handler's checks and writes commit together. Rows are turned into the
contract's JSON shapes here (`case_json`, `person_json`, ...).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from backends.cms.casework import STATUS_TEXTS, coverage_decision_due, decision_due
from backends.cms.seed import seed
from backends.cms.tables import appointments, cases, idempotency_keys, metadata, otps, persons
from backends.common import as_utc, create_engine_for, rfc3339

__all__ = [
    "OTP_ATTEMPTS",
    "OTP_VALID",
    "appointment_json",
    "booked_starts",
    "case_json",
    "check_otp",
    "create_appointment",
    "create_case",
    "create_otp",
    "find_case",
    "find_person",
    "list_cases",
    "match_identity",
    "naive",
    "open_database",
    "person_json",
    "remember_response",
    "replayed_response",
    "update_case_status",
]

OTP_VALID = timedelta(minutes=5)
OTP_ATTEMPTS = 3


def naive(moment: datetime) -> datetime:
    """An aware datetime as naive UTC, how the tables store time."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def open_database(url: str, now: datetime) -> Engine:
    """An engine on `url`; creates the tables and the demo data when new."""
    engine = create_engine_for(url)
    with engine.begin() as connection:
        is_new = not sa.inspect(connection).has_table("persons")
        metadata.create_all(connection)
        if is_new:
            seed(connection, naive(now))
    return engine


# ---------------------------------------------------------------- persons


def match_identity(connection: Connection, national_id: str, date_of_birth: str) -> Optional[Row]:
    """The person with this national ID and date of birth, or None."""
    return connection.execute(
        sa.select(persons).where(
            persons.c.national_id == national_id, persons.c.date_of_birth == date_of_birth
        )
    ).first()


def find_person(connection: Connection, person_id: str) -> Optional[Row]:
    """The person with this id, or None."""
    return connection.execute(sa.select(persons).where(persons.c.person_id == person_id)).first()


def person_json(row: Row) -> Dict[str, Any]:
    """What the assistant may show about a person."""
    return {
        "person_id": row.person_id,
        "first_name": row.first_name,
        "address": {"street": row.street, "postcode": row.postcode, "city": row.city},
        "bank_account_last4": row.bank_account_last4,
        "phone_last4": row.phone_last4,
    }


# ---------------------------------------------------------------- one-time codes


def _code_hash(otp_id: str, code: str) -> str:
    return hashlib.sha256(f"{otp_id}:{code}".encode("utf-8")).hexdigest()


def create_otp(connection: Connection, person: Row, code: str, now: datetime) -> Dict[str, Any]:
    """Store a new code for `person` (earlier open codes stop working); the Otp body."""
    connection.execute(
        sa.update(otps)
        .where(otps.c.person_id == person.person_id, otps.c.state == "open")
        .values(state="superseded")
    )
    otp_id = f"otp_{secrets.token_hex(12)}"
    expires = now + OTP_VALID
    connection.execute(
        sa.insert(otps).values(
            otp_id=otp_id,
            person_id=person.person_id,
            code_hash=_code_hash(otp_id, code),
            sent_to_last4=person.phone_last4,
            created_at=naive(now),
            expires_at=naive(expires),
            attempts_left=OTP_ATTEMPTS,
            state="open",
        )
    )
    return {"otp_id": otp_id, "expires_at": rfc3339(expires), "sent_to_last4": person.phone_last4}


def check_otp(connection: Connection, otp_id: str, code: str, now: datetime) -> Tuple[str, Any]:
    """Check `code`; records the attempt.

    Returns ("ok", person_id), ("wrong", attempts_left), ("locked", None),
    ("expired", None), ("used", None) or ("unknown", None).
    """
    row = connection.execute(sa.select(otps).where(otps.c.otp_id == otp_id)).first()
    if row is None:
        return "unknown", None
    if row.state == "used":
        return "used", None
    if row.state == "locked":
        return "locked", None
    if row.state == "superseded" or now >= as_utc(row.expires_at):
        return "expired", None
    if hmac.compare_digest(row.code_hash, _code_hash(otp_id, code)):
        connection.execute(sa.update(otps).where(otps.c.otp_id == otp_id).values(state="used"))
        return "ok", row.person_id
    left = row.attempts_left - 1
    state = "locked" if left <= 0 else "open"
    connection.execute(
        sa.update(otps).where(otps.c.otp_id == otp_id).values(attempts_left=left, state=state)
    )
    return ("locked", None) if left <= 0 else ("wrong", left)


# ---------------------------------------------------------------- cases


def case_json(row: Row) -> Dict[str, Any]:
    """A case as the contract's `Case`."""
    return {
        "reference": row.reference,
        "type": row.type,
        "status": row.status,
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "expected_decision_by": row.expected_decision_by,
        "status_text": STATUS_TEXTS[row.status],
    }


def _case_row(connection: Connection, reference: str) -> Optional[Row]:
    return connection.execute(sa.select(cases).where(cases.c.reference == reference)).first()


def create_case(
    connection: Connection,
    *,
    case_type: str,
    person_id: Optional[str],
    fields: Dict[str, Any],
    channel: str,
    level: int,
    now: datetime,
    today: date,
) -> Dict[str, Any]:
    """Open a case with the next reference of the year; the Case body."""
    year = today.year
    last = connection.execute(
        sa.select(sa.func.max(cases.c.number)).where(cases.c.year == year)
    ).scalar()
    number = (last or 0) + 1
    reference = f"NSSA-{year:04d}-{number:06d}"
    due = decision_due(case_type, fields, today)
    connection.execute(
        sa.insert(cases).values(
            reference=reference,
            year=year,
            number=number,
            person_id=person_id,
            type=case_type,
            status="received",
            channel=channel,
            verification_level=level,
            fields=fields,
            created_at=naive(now),
            updated_at=naive(now),
            expected_decision_by=due.isoformat() if due else None,
        )
    )
    row = _case_row(connection, reference)
    assert row is not None
    return case_json(row)


def find_case(
    connection: Connection, reference: str, person_id: Optional[str] = None
) -> Optional[Row]:
    """The case, or None; with `person_id`, only when it is that person's."""
    row = _case_row(connection, reference)
    if row is None or (person_id is not None and row.person_id != person_id):
        return None
    return row


def list_cases(connection: Connection, person_id: Optional[str] = None) -> List[Row]:
    """A person's cases (or everyone's), newest first."""
    query = sa.select(cases).order_by(cases.c.created_at.desc(), cases.c.reference.desc())
    if person_id is not None:
        query = query.where(cases.c.person_id == person_id)
    return list(connection.execute(query))


def update_case_status(
    connection: Connection, reference: str, status: str, now: datetime, today: date
) -> Optional[Tuple[str, Row]]:
    """Set a case's status; (old status, new row), or None when there is no such case.

    Decided and closed cases have no expected date any more; a certificate of
    coverage gets its date when it goes into review (all documents are in).
    """
    row = _case_row(connection, reference)
    if row is None:
        return None
    if row.status == status:
        return row.status, row
    due = row.expected_decision_by
    if status in ("decided", "closed"):
        due = None
    elif row.type == "certificate_of_coverage" and status == "in_review":
        due = coverage_decision_due(today).isoformat()
    connection.execute(
        sa.update(cases)
        .where(cases.c.reference == reference)
        .values(status=status, updated_at=naive(now), expected_decision_by=due)
    )
    if status == "decided":
        _apply_decided_change(connection, row)
    new_row = _case_row(connection, reference)
    assert new_row is not None
    return row.status, new_row


def _apply_decided_change(connection: Connection, row: Row) -> None:
    # A decided address or bank change updates the record the assistant reads.
    fields = row.fields or {}
    if row.person_id is None:
        return
    values: Dict[str, Any] = {}
    if row.type == "address_change":
        values = {k: fields[k] for k in ("street", "postcode", "city") if fields.get(k)}
    elif row.type == "bank_account_change" and isinstance(fields.get("new_account"), str):
        values = {"bank_account_last4": fields["new_account"][-4:]}
    if values:
        connection.execute(
            sa.update(persons).where(persons.c.person_id == row.person_id).values(**values)
        )


# ---------------------------------------------------------------- appointments


def appointment_json(row: Row) -> Dict[str, Any]:
    """An appointment as the contract's `Appointment`."""
    return {
        "appointment_id": row.appointment_id,
        "office_id": row.office_id,
        "start": rfc3339(row.start),
    }


def booked_starts(connection: Connection, office_id: str, first: datetime, last: datetime) -> set:
    """Booked slot starts (aware UTC) of an office between two moments."""
    rows = connection.execute(
        sa.select(appointments.c.start).where(
            appointments.c.office_id == office_id,
            appointments.c.start >= naive(first),
            appointments.c.start <= naive(last),
        )
    )
    return {as_utc(start) for (start,) in rows}


def create_appointment(
    connection: Connection, office_id: str, start: datetime, person_id: str, topic: str,
    now: datetime,
) -> Dict[str, Any]:
    """Book a slot (the caller checked it is free); the Appointment body."""
    count = connection.execute(sa.select(sa.func.count()).select_from(appointments)).scalar()
    appointment_id = f"APT-{(count or 0) + 1:06d}"
    connection.execute(
        sa.insert(appointments).values(
            appointment_id=appointment_id,
            office_id=office_id,
            start=naive(start),
            person_id=person_id,
            topic=topic,
            created_at=naive(now),
        )
    )
    return {"appointment_id": appointment_id, "office_id": office_id, "start": rfc3339(start)}


# ---------------------------------------------------------------- idempotency


def replayed_response(connection: Connection, key: str) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(fingerprint, stored response) for an Idempotency-Key seen before."""
    row = connection.execute(
        sa.select(idempotency_keys).where(idempotency_keys.c.key == key)
    ).first()
    return (row.fingerprint, row.response) if row else None


def remember_response(
    connection: Connection, key: str, fingerprint: str, response: Any, now: datetime
) -> None:
    """Keep the response created under an Idempotency-Key."""
    connection.execute(
        sa.insert(idempotency_keys).values(
            key=key, fingerprint=fingerprint, response=response, created_at=naive(now)
        )
    )
