"""Proactive notices: the CMS's events, the citizen's text, and the subscription.

The CMS POSTs an `Event` (cms.openapi.yaml) to the assistant whenever a
case changes status, an appointment is 24 hours away or a payment date
changes. `parse_event()` checks a body against the contract and
`notice_text()` turns it into the short plain text the citizen gets
(service-standards.md, Proactive notices):

- `case.status_changed`: the reference and the status in the words of
  requests-in-chat.md section 8. Never the decision itself, which may go by
  SMS: the CMS's own `status_text` and `text` are not used.
- `appointment.reminder`: the office, "in 24 hours", photo ID, how to change.
- `payment.date_changed`: the event's text when it is a short plain text,
  else a general line pointing to My NSSA.

Every text fits one SMS answer (320 characters).

`subscribe(settings)` registers the assistant's webhook
(`{rasa_url}/webhooks/cms_events/webhook`) with the CMS; call it at start.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from bot.errors import NssaError

if TYPE_CHECKING:
    from actions.api.cms import CmsClient
    from bot.settings import Settings

__all__ = [
    "EVENT_TYPES",
    "InvalidEvent",
    "NOTICE_INTENT",
    "NOTICE_ENTITY",
    "SMS_LIMIT",
    "STATUS_TEXT",
    "CmsEvent",
    "notice_text",
    "parse_event",
    "subscribe",
    "webhook_url",
]

NOTICE_INTENT = "EXTERNAL_notice"
NOTICE_ENTITY = "notice_text"
SMS_LIMIT = 320
WEBHOOK_PATH = "/webhooks/cms_events/webhook"

EVENT_TYPES = frozenset({"case.status_changed", "appointment.reminder", "payment.date_changed"})

# requests-in-chat.md, section 8: what the assistant says about a status.
STATUS_TEXT: Dict[str, str] = {
    "received": "We have received your request.",
    "in_review": "A case worker is working on it.",
    "waiting_for_documents": "We need something from you. Please see our letter or My NSSA.",
    "decided": "A decision has been made. The letter is in My NSSA or on its way by post.",
    "closed": "The case is closed.",
}
_WAITING = frozenset({"received", "in_review", "waiting_for_documents"})

# agency.md, Regional offices; keyed by the reference CMS's office ids.
_OFFICES: Dict[str, str] = {
    "northhaven": "Northhaven Central Office, 12 Harbour Street, 1010 Northhaven",
    "eastmere": "Eastmere Office, 4 Market Square, 2040 Eastmere",
    "westfjord": "Westfjord Office, 27 Quay Road, 3100 Westfjord",
    "southvale": "Southvale Office, 8 Station Avenue, 4200 Southvale",
    "highmoor": "Highmoor Office, 3 Chapel Lane, 5300 Highmoor",
}

_REFERENCE = re.compile(r"^NSSA-[0-9]{4}-[0-9]{6}$")
_CASE_UPDATED = "One of your cases has been updated. You can see it in My NSSA."
_REMINDER_TAIL = (
    "Please bring photo ID. To cancel or change, use My NSSA or call 0800 600 100."
)
_PAYMENT_CHANGED = (
    "The date of one of your payments has changed. You can see the new date in My NSSA "
    "or call 0800 600 100."
)
_MAX_ID = 255  # processed_webhooks.external_id


class InvalidEvent(NssaError, ValueError):
    """A body that is not a CMS `Event`; the message says what is wrong (no values)."""


@dataclass(frozen=True)
class CmsEvent:
    """One CMS event (cms.openapi.yaml `Event`); the rest of the body kept out of repr."""

    event_id: str
    type: str
    person_id: str
    occurred_at: datetime
    case: Optional[Mapping[str, Any]] = field(default=None, repr=False)
    appointment: Optional[Mapping[str, Any]] = field(default=None, repr=False)
    text: Optional[str] = field(default=None, repr=False)


def parse_event(raw: bytes) -> CmsEvent:
    """The event in a webhook body; InvalidEvent if it is not JSON or not an `Event`."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidEvent("the body is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidEvent("the body is not a JSON object")
    values = {}
    for key in ("event_id", "type", "person_id", "occurred_at"):
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InvalidEvent(f"{key} is missing or not a string")
        values[key] = value.strip()
    if len(values["event_id"]) > _MAX_ID or len(values["person_id"]) > 64:
        raise InvalidEvent("event_id or person_id is too long")
    if values["type"] not in EVENT_TYPES:
        raise InvalidEvent("type is not one of the contract's event types")
    try:
        occurred_at = datetime.fromisoformat(values["occurred_at"].replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent("occurred_at is not an RFC 3339 date-time") from None
    if occurred_at.utcoffset() is None:
        raise InvalidEvent("occurred_at has no time zone")
    for key in ("case", "appointment"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise InvalidEvent(f"{key} is not an object")
    if body.get("text") is not None and not isinstance(body["text"], str):
        raise InvalidEvent("text is not a string")
    return CmsEvent(
        event_id=values["event_id"],
        type=values["type"],
        person_id=values["person_id"],
        occurred_at=occurred_at,
        case=body.get("case"),
        appointment=body.get("appointment"),
        text=body.get("text"),
    )


def notice_text(event: CmsEvent) -> str:
    """The plain text the citizen gets for `event`; at most one SMS answer."""
    if event.type == "case.status_changed":
        return _case_text(event.case or {})
    if event.type == "appointment.reminder":
        return _reminder_text(event.appointment or {})
    return _payment_text(event.text)


def _case_text(case: Mapping[str, Any]) -> str:
    reference = case.get("reference")
    status = case.get("status")
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        return _CASE_UPDATED
    if status not in STATUS_TEXT:
        return f"Your case {reference} has been updated. You can see it in My NSSA."
    text = f"Your case {reference} has been updated: {STATUS_TEXT[status]}"
    expected = _date(case.get("expected_decision_by"))
    if expected is not None and status in _WAITING:
        text += f" We expect a decision by {expected:%d.%m.%Y}."
    return text


def _reminder_text(appointment: Mapping[str, Any]) -> str:
    office = _OFFICES.get(str(appointment.get("office_id") or "").lower())
    where = f" at {office}" if office else ""
    return f"Reminder: your appointment{where} is in 24 hours. {_REMINDER_TAIL}"


def _payment_text(text: Optional[str]) -> str:
    plain = " ".join((text or "").split())
    # The CMS's text is meant for the citizen; keep it only if it fits one SMS answer.
    if plain and len(plain) <= SMS_LIMIT and "<" not in plain:
        return plain
    return _PAYMENT_CHANGED


def _date(value: Any) -> Optional[date]:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def webhook_url(settings: "Settings") -> str:
    """Where the CMS delivers events: the `cms_events` channel of the Rasa server."""
    return f"{settings.rasa_url}{WEBHOOK_PATH}"


async def subscribe(settings: "Settings", *, client: Optional["CmsClient"] = None) -> str:
    """Register the webhook with the CMS (idempotent); the subscription id.

    Subscribing the same URL again (every start) keeps one subscription: the
    client derives the Idempotency-Key from URL and secret, and the CMS keys
    subscriptions by URL, replacing the secret. Raises the client's
    `BackendError` when the CMS cannot be reached or refuses.
    """
    from actions.api.cms import CmsClient
    from actions.api.http import RetryPolicy

    if client is not None:
        return await client.subscribe(webhook_url(settings), settings.events_secret)
    retry = RetryPolicy(max_attempts=4, total_timeout=30.0)
    async with CmsClient(settings.cms_url, settings.cms_token, retry=retry) as cms:
        return await cms.subscribe(webhook_url(settings), settings.events_secret)
