"""Prints, as JSON, the idempotency keys the actions send for fixed conversations and forms.

Run in a fresh interpreter by tests/unit/test_idempotency_keys.py
(`python -m tests.unit.key_probe`), so a key that depends on the process
(`hash()`, a random value, a clock) shows as a key that differs from the
pinned one. The back ends are httpx.MockTransport fakes that record what
was sent; the outbox and the forwarded applications live in a temporary
SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import httpx
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.appointments import ActionSubmitAppointment
from actions.citizen_requests.housing_submit import ActionSubmitHousing
from actions.citizen_requests.otp import ActionAskOtpCode
from actions.citizen_requests.submit import ActionSubmitStatement
from bot.store.db import create_engine_for
from bot.store.forwarded import ForwardedApplications
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from clients.cms import CmsClient
from clients.housing import HousingClient
from clients.http import RetryPolicy

__all__ = ["CONVERSATION", "probe"]

CONVERSATION = "webchat-0123456789abcdef0123456789abcdef"
VERIFIED = {"person_id": "P-1001", "identity_level": 1.0}
STATEMENT = {"statement_period": "2024", "statement_delivery": "online",
             "statement_language": "english", "confirm": True}
HOUSING = {
    "confirm": True, "full_name": "Anna Berg", "street": "Harbour Street 12", "postcode": "3100",
    "city": "Eastmere", "household_size": 2, "monthly_rent": 75000,
    "monthly_household_income": 180000, "housing_phone": "0412345678",
    "verified_national_id": "85031212345", "verified_date_of_birth": "1985-03-12",
}
APPOINTMENT = {"appointment_office": "eastmere", "appointment_date": "2026-12-01",
               "appointment_start_time": "2026-12-01T09:20:00Z",
               "appointment_topic": "my pension application", "confirm": True}


def _tracker(slots: Dict[str, Any], form: str) -> Tracker:
    latest = {"text": "1", "intent": {"name": "affirm", "confidence": 0.99}}
    user = {"event": "user", "text": "1", "parse_data": latest, "input_channel": "webchat",
            "timestamp": time.time()}
    return Tracker(
        sender_id=CONVERSATION, slots={**VERIFIED, "identity_at": time.time(), **slots},
        latest_message=latest, events=[user], paused=False, followup_action=None,
        active_loop={"name": form}, latest_action_name="action_listen",
    )


def _cms(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    if request.url.path == "/v1/identity/otp":
        return httpx.Response(201, json={"otp_id": "OTP-1", "expires_at": "2026-11-25T10:05:00Z",
                                         "sent_to_last4": "5678"})
    if request.url.path == "/v1/cases":
        return httpx.Response(201, json={
            "reference": "NSSA-2026-000500", "type": body["type"], "status": "received",
            "created_at": "2026-11-25T10:00:00Z"})
    return httpx.Response(201, json={"appointment_id": "APT-000001",
                                     "office_id": body["office_id"], "start": body["start"]})


def _housing(request: httpx.Request) -> httpx.Response:
    return httpx.Response(202, json={"applicationNumber": "HO-44444444", "state": "QUEUED"})


async def probe(database: Path) -> Dict[str, str]:
    """The keys of a statement, a housing application, an appointment and a one-time code."""
    url = f"sqlite:///{database}"
    upgrade(url)
    outbox, forwarded = Outbox(create_engine_for(url)), ForwardedApplications(
        create_engine_for(url))
    saved = bootstrap.outbox, bootstrap.forwarded_applications
    bootstrap.outbox = lambda: outbox  # type: ignore[assignment]
    bootstrap.forwarded_applications = lambda: forwarded  # type: ignore[assignment]
    try:
        return await _submit_all()
    finally:
        bootstrap.outbox, bootstrap.forwarded_applications = saved
        bootstrap.use_factories()


async def _submit_all() -> Dict[str, str]:
    sent: List[httpx.Request] = []

    def recorded(handler: Any) -> httpx.MockTransport:
        return httpx.MockTransport(lambda request: sent.append(request) or handler(request))

    once = RetryPolicy(max_attempts=1)
    bootstrap.use_factories(
        cms=lambda: CmsClient("http://cms.test", "token", transport=recorded(_cms), retry=once),
        housing=lambda: HousingClient("http://housing.test", "key", transport=recorded(_housing),
                                      retry=once),
    )
    await ActionSubmitStatement().run(
        CollectingDispatcher(), _tracker(STATEMENT, "statement_form"), {})
    await ActionSubmitHousing().run(CollectingDispatcher(), _tracker(HOUSING, "housing_form"), {})
    await ActionSubmitAppointment().run(
        CollectingDispatcher(), _tracker(APPOINTMENT, "appointment_form"), {})
    await ActionAskOtpCode().run(CollectingDispatcher(), _tracker({}, "bank_form"), {})
    cases, housing, appointments, codes = (
        [r for r in sent if r.url.path == path]
        for path in ("/v1/cases", "/intake/v2/applications", "/v1/appointments",
                     "/v1/identity/otp")
    )
    return {
        "cms_case": cases[0].headers["Idempotency-Key"],
        "housing_application": json.loads(housing[0].content)["clientReference"],
        "appointment": appointments[0].headers["Idempotency-Key"],
        "otp": codes[0].headers["Idempotency-Key"],
    }


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        keys = asyncio.run(probe(Path(folder) / "store.db"))
    json.dump(keys, sys.stdout)
