"""Client of the Housing Office intake system (`backends/housing.openapi.yaml`, v2.3).

A partner institution with its own conventions: `X-Api-Key`, camelCase
fields, `{"error": {"type", "detail"}}` errors, and duplicate protection by
`clientReference` instead of an idempotency header. A second POST with a
known `clientReference` answers 409 with the existing application number:
`submit` returns that as a receipt with `duplicate=True`, not as an error,
because the application is with the Housing Office either way (it also
happens when an earlier attempt of the same call timed out after arriving).

The system is slow (answers may take 10 s: read timeout 15 s) and closed every
night from 01:00 to 03:00 (503): `submit` then raises `BackendUnavailable`
after its retries, and the caller keeps the application and sends it later
with the same `clientReference`.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Tuple
from urllib.parse import quote

import httpx

from clients.errors import BackendProtocolError
from clients.http import (
    HOUSING_TIMEOUT,
    BackendHttp,
    Clock,
    RetryPolicy,
    Sleep,
    Transport,
    as_text,
    is_whole,
    iso_date,
    parse_datetime,
)

__all__ = [
    "SOURCE_SYSTEM",
    "HousingClient",
    "Receipt",
    "HousingStatus",
    "housing_application",
]

SOURCE_SYSTEM = "nssa-assistant"
_NATIONAL_ID = re.compile(r"^[0-9]{11}$")


@dataclass(frozen=True)
class Receipt:
    """The Housing Office's receipt; `duplicate` when it had the clientReference already."""

    application_number: str
    state: str
    duplicate: bool = False
    estimated_decision_days: Optional[int] = None


@dataclass(frozen=True)
class HousingStatus:
    """Where an application stands at the Housing Office."""

    application_number: str
    state: str
    last_change: Optional[datetime] = None


def housing_application(
    client_reference: str,
    national_id: str,
    full_name: str,
    date_of_birth: Any,
    street: str,
    postcode: str,
    city: str,
    household_size: int,
    monthly_rent_cents: int,
    monthly_household_income_cents: Optional[int],
    phone: Optional[str] = None,
) -> Dict[str, Any]:
    """An application in the contract's camelCase shape.

    `client_reference` is the idempotency key of the confirmed form
    (`idempotency_key(sender_id, "housing_allowance", form)`): the same form
    sent twice is one application. Errors name the field, never its value.
    """
    if not 1 <= len(client_reference) <= 64:
        raise ValueError("client_reference must have 1 to 64 characters")
    if not _NATIONAL_ID.match(national_id):
        raise ValueError("national_id must be 11 digits")
    if not full_name.strip():
        raise ValueError("full_name is empty")
    if not is_whole(household_size) or not 1 <= household_size <= 20:
        raise ValueError("household_size must be a whole number from 1 to 20")
    amounts = {"monthly_rent_cents": monthly_rent_cents}
    if monthly_household_income_cents is not None:
        amounts["monthly_household_income_cents"] = monthly_household_income_cents
    for name, cents in amounts.items():
        if not is_whole(cents) or cents < 0:
            raise ValueError(f"{name} must be a whole number of cents, 0 or more")
    applicant: Dict[str, Any] = {
        "nationalId": national_id,
        "fullName": full_name.strip(),
        "dateOfBirth": iso_date(date_of_birth),
    }
    if phone:
        applicant["phone"] = phone
    application: Dict[str, Any] = {
        "clientReference": client_reference,
        "sourceSystem": SOURCE_SYSTEM,
        "applicant": applicant,
        "householdSize": household_size,
        "monthlyRentCents": monthly_rent_cents,
        "address": {"street": street, "postcode": postcode, "city": city},
    }
    if monthly_household_income_cents is not None:
        application["monthlyHouseholdIncomeCents"] = monthly_household_income_cents
    return application


class HousingClient:
    """Async client of the Housing Office intake API; base URL and key come from the settings."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        client: Optional[httpx.AsyncClient] = None,
        transport: Optional[Transport] = None,
        retry: Optional[RetryPolicy] = None,
        timeout: httpx.Timeout = HOUSING_TIMEOUT,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if not api_key:
            raise ValueError("the Housing Office API key is empty")
        self._http = BackendHttp(
            "housing",
            base_url,
            headers={"X-Api-Key": api_key},
            timeout=timeout,
            error_parser=_error_fields,
            client=client,
            transport=transport,
            # Slow answers: fewer attempts than the CMS.
            retry=retry or RetryPolicy(max_attempts=3),
            sleep=sleep,
            clock=clock,
        )

    async def aclose(self) -> None:
        """Close the connection pool (only one this client built)."""
        await self._http.aclose()

    async def __aenter__(self) -> "HousingClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()

    async def submit(self, application: Mapping[str, Any]) -> Receipt:
        """Forward an application (see `housing_application`): 202 new, 409 duplicate."""
        if not application.get("clientReference"):
            raise ValueError("an application needs its clientReference")
        op = "submit"
        path = "/intake/v2/applications"
        response = await self._http.send("POST", path, operation=op, body=dict(application))
        if response.status_code != 409:
            return self._receipt(response, op, 200, 201, 202)
        try:
            return self._receipt(response, op, 409)
        except BackendProtocolError:
            # A 409 without a receipt is an error body after all: report it as one.
            raise self._http.error(response, op) from None

    async def status(self, application_number: str) -> Optional[HousingStatus]:
        """Where an application stands, or None when the Housing Office does not know it."""
        op = "status"
        number = quote(application_number.strip().upper(), safe="")
        response = await self._http.send("GET", f"/intake/v2/applications/{number}", operation=op)
        if response.status_code == 404:
            return None
        with self._http.body(response, op, 200) as data:
            last_change = data.get("lastChange")
            return HousingStatus(
                application_number=as_text(data["applicationNumber"]),
                state=as_text(data["state"]),
                last_change=parse_datetime(last_change) if last_change else None,
            )

    def _receipt(self, response: httpx.Response, operation: str, *statuses: int) -> Receipt:
        with self._http.body(response, operation, *statuses) as data:
            days = data.get("estimatedDecisionDays")
            return Receipt(
                application_number=as_text(data["applicationNumber"]),
                state=as_text(data["state"]),
                duplicate=response.status_code == 409,
                estimated_decision_days=days if is_whole(days) else None,
            )


def _error_fields(body: Any) -> Tuple[str, str, Mapping[str, Any]]:
    error = body["error"]
    return str(error["type"]), str(error.get("detail", "")), {}
