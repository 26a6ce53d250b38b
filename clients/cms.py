"""Client of the NSSA Case Management System (`backends/cms.openapi.yaml`, v1.0).

The records it returns and their parsers are `clients.cms_records`
(re-exported here). Every request carries the service token as
`Authorization: Bearer`; every creating POST carries the caller's
`Idempotency-Key` (see `clients.http.idempotency_key`). A replay of the same key and body answers
200 with the original result, which the creating methods return with
`created=False`. That also happens when an earlier attempt of the same call
timed out after the CMS had acted: either way there is one case.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote

import httpx

from clients.cms_records import (
    Address,
    Appointment,
    Case,
    Identity,
    Office,
    Otp,
    OtpCheck,
    Person,
    parse_address,
    parse_case,
)
from clients.errors import (
    BackendError,
    IdempotencyConflict,
    NoPhoneOnRecord,
    SlotTaken,
    VerificationRequired,
)
from clients.http import (
    CMS_TIMEOUT,
    BackendHttp,
    Clock,
    RetryPolicy,
    Sleep,
    Transport,
    as_list,
    as_optional_text,
    as_text,
    format_datetime,
    is_whole,
    iso_date,
    parse_datetime,
)
from clients.http import idempotency_key as derive_key

__all__ = [
    "CmsClient", "Identity", "Otp", "OtpCheck", "Address", "Person", "Case", "Office",
    "Appointment", "CASE_TYPES", "ANONYMOUS_CASE_TYPES", "CHANNELS",
]

ANONYMOUS_CASE_TYPES = frozenset({"complaint", "callback_request"})
CASE_TYPES = ANONYMOUS_CASE_TYPES | {
    "child_benefit_application", "address_change", "bank_account_change",
    "contribution_statement", "certificate_of_coverage",
}
CHANNELS = frozenset({"web", "telegram", "sms", "other"})
_ERRORS = {
    (403, "verification_required"): VerificationRequired,
    (409, "idempotency_conflict"): IdempotencyConflict,
    (409, "slot_taken"): SlotTaken,
    (422, "no_phone"): NoPhoneOnRecord,
}


class CmsClient:
    """Async client of the CMS; the settings give the base URL and the service token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client: Optional[httpx.AsyncClient] = None,
        transport: Optional[Transport] = None,
        retry: Optional[RetryPolicy] = None,
        timeout: httpx.Timeout = CMS_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if not token:
            raise ValueError("the CMS service token is empty")
        self._http = BackendHttp(
            "cms", base_url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout,
            error_parser=_error_fields, specific_errors=_ERRORS, client=client,
            transport=transport, retry=retry, sleep=sleep, clock=clock,
        )

    async def aclose(self) -> None:
        """Close the connection pool (only one this client built)."""
        await self._http.aclose()

    async def __aenter__(self) -> "CmsClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def health(self) -> bool:
        """True when the CMS answers its liveness check (one attempt; never raises)."""
        op = "health"
        try:
            response = await self._http.send("GET", "/v1/health", operation=op, max_attempts=1)
            with self._http.body(response, op, 200) as data:
                return data["status"] == "ok"
        except BackendError:
            return False

    async def verify_identity(self, national_id: str, date_of_birth: Any) -> Optional[Identity]:
        """Level 1: the person with this national ID and date of birth (a date), or None."""
        body = {"national_id": national_id, "date_of_birth": iso_date(date_of_birth)}
        op = "verify_identity"
        response = await self._http.send("POST", "/v1/identity/verify", operation=op, body=body)
        if response.status_code == 404:
            return None
        with self._http.body(response, op, 200) as data:
            return Identity(
                person_id=as_text(data["person_id"]),
                level=int(data["level"]),
                phone_last4=as_optional_text(data.get("phone_last4")),
                preferred_language=as_optional_text(data.get("preferred_language")),
            )

    async def send_otp(self, person_id: str, *, idempotency_key: str) -> Otp:
        """Level 2: the CMS texts a code to the phone on record; NoPhoneOnRecord when none."""
        op = "send_otp"
        response = await self._http.send(
            "POST", "/v1/identity/otp", operation=op, body={"person_id": person_id},
            headers=_idempotency(idempotency_key),
        )
        with self._http.body(response, op, 200, 201) as data:
            return Otp(
                otp_id=as_text(data["otp_id"]),
                expires_at=parse_datetime(data["expires_at"]),
                sent_to_last4=as_text(data["sent_to_last4"]),
            )

    async def check_otp(self, otp_id: str, code: str) -> OtpCheck:
        """Check a code: 200 ok, 401 wrong_code (attempts_left), 410 expired or locked."""
        op = "check_otp"
        response = await self._http.send(
            "POST", f"/v1/identity/otp/{_seg(otp_id)}/check", operation=op, body={"code": code},
            idempotent=False,  # each arrival uses up one of the 3 attempts
        )
        if response.status_code in (401, 410):
            error = self._http.error(response, op)
            kind = getattr(error, "code", "")
            left = getattr(error, "details", {}).get("attempts_left")
            left = left if is_whole(left) else None
            if (response.status_code, kind) == (401, "wrong_code"):
                return OtpCheck(ok=False, attempts_left=left)
            if (response.status_code, kind) == (410, "expired"):
                return OtpCheck(ok=False, attempts_left=left, expired=True)
            if (response.status_code, kind) == (410, "locked"):
                return OtpCheck(ok=False, attempts_left=0, locked=True)
            raise error
        with self._http.body(response, op, 200) as data:
            return OtpCheck(ok=True, level=int(data["level"]), person_id=as_text(data["person_id"]))

    async def get_person(self, person_id: str) -> Person:
        """What the assistant may show about a verified person; NotFound on 404."""
        op = "get_person"
        response = await self._http.send("GET", f"/v1/persons/{_seg(person_id)}", operation=op)
        with self._http.body(response, op, 200) as data:
            return Person(
                person_id=as_text(data["person_id"]),
                first_name=as_text(data["first_name"]),
                address=parse_address(data["address"]),
                bank_account_last4=as_optional_text(data.get("bank_account_last4")),
                phone_last4=as_optional_text(data.get("phone_last4")),
            )

    async def list_cases(self, person_id: str) -> List[Case]:
        """The person's cases, newest first."""
        op = "list_cases"
        path = f"/v1/persons/{_seg(person_id)}/cases"
        response = await self._http.send("GET", path, operation=op)
        with self._http.body(response, op, 200) as data:
            cases = [parse_case(item) for item in as_list(data)]
        # The contract promises this order; sorting keeps it whatever a server does.
        return sorted(cases, key=lambda case: case.created_at, reverse=True)

    async def get_case(self, reference: str, person_id: str) -> Optional[Case]:
        """One of the person's cases, or None (also when it is someone else's)."""
        op = "get_case"
        path = f"/v1/cases/{_seg(reference.strip().upper())}"
        response = await self._http.send("GET", path, operation=op, params={"person_id": person_id})
        if response.status_code == 404:
            return None
        with self._http.body(response, op, 200) as data:
            return parse_case(data)

    async def create_case(
        self,
        case_type: str,
        fields: Mapping[str, Any],
        channel: str,
        person_id: Optional[str] = None,
        verification_level: int = 0,
        *,
        idempotency_key: str,
    ) -> Tuple[Case, bool]:
        """Open a case: (case, created); created is False for a replay of the same key."""
        if case_type not in CASE_TYPES or channel not in CHANNELS:
            raise ValueError(f"unknown case type {case_type!r} or channel {channel!r}")
        if verification_level not in (0, 1, 2):
            raise ValueError("verification_level must be 0, 1 or 2")
        if person_id is None and case_type not in ANONYMOUS_CASE_TYPES:
            raise ValueError(f"a {case_type} case needs a person_id")
        body: Dict[str, Any] = {"type": case_type, "fields": dict(fields), "channel": channel}
        body["verification_level"] = verification_level
        if person_id is not None:
            body["person_id"] = person_id
        response = await self._http.send(
            "POST", "/v1/cases", operation="create_case", body=body,
            headers=_idempotency(idempotency_key),
        )
        with self._http.body(response, "create_case", 200, 201) as data:
            return parse_case(data), response.status_code == 201

    async def offices(self) -> List[Office]:
        """The regional offices."""
        response = await self._http.send("GET", "/v1/offices", operation="offices")
        with self._http.body(response, "offices", 200) as data:
            return [
                Office(
                    office_id=as_text(item["office_id"]),
                    name=as_text(item["name"]),
                    address=parse_address(item["address"]) if item.get("address") else None,
                )
                for item in as_list(data)
            ]

    async def free_slots(self, office_id: str, date: Any) -> List[datetime]:
        """Starts of the free 20-minute slots on a date, earliest first; NotFound on 404."""
        op = "free_slots"
        response = await self._http.send(
            "GET", f"/v1/offices/{_seg(office_id)}/slots", operation=op,
            params={"date": iso_date(date)},
        )
        with self._http.body(response, op, 200) as data:
            return sorted(parse_datetime(item["start"]) for item in as_list(data))

    async def book_appointment(
        self, office_id: str, start: datetime, person_id: str, topic: str, *, idempotency_key: str
    ) -> Tuple[Appointment, bool]:
        """Book a slot (start: aware datetime): (appointment, created); SlotTaken if gone."""
        op = "book_appointment"
        body = {
            "office_id": office_id,
            "start": format_datetime(start),
            "person_id": person_id,
            "topic": topic,
        }
        response = await self._http.send(
            "POST", "/v1/appointments", operation=op, body=body,
            headers=_idempotency(idempotency_key),
        )
        with self._http.body(response, op, 200, 201) as data:
            appointment = Appointment(
                appointment_id=as_text(data["appointment_id"]),
                office_id=as_text(data["office_id"]),
                start=parse_datetime(data["start"]),
            )
        return appointment, response.status_code == 201

    async def subscribe(
        self, url: str, secret: str, *, idempotency_key: Optional[str] = None
    ) -> str:
        """Register a URL for signed event deliveries; the subscription id.

        Without a key, one is derived from the URL and secret, so subscribing
        again at every start-up does not add a second subscription.
        """
        if len(secret) < 16:
            raise ValueError("the subscription secret needs at least 16 characters")
        key = idempotency_key or derive_key("subscription", url, secret)
        response = await self._http.send(
            "POST", "/v1/subscriptions", operation="subscribe",
            body={"url": url, "secret": secret}, headers=_idempotency(key),
        )
        with self._http.body(response, "subscribe", 200, 201) as data:
            return as_text(data["subscription_id"])


def _error_fields(body: Any) -> Tuple[str, str, Mapping[str, Any]]:
    details = body.get("details")
    details = details if isinstance(details, dict) else {}
    return str(body["code"]), str(body.get("message", "")), details


def _idempotency(key: str) -> Mapping[str, str]:
    if not isinstance(key, str) or not 1 <= len(key) <= 128:
        raise ValueError("an Idempotency-Key has 1 to 128 characters")
    return {"Idempotency-Key": key}


def _seg(value: str) -> str:
    """One path segment, quoted so that no value can change the path."""
    if not value:
        raise ValueError("an empty path segment")
    return quote(value, safe="")
