"""Proactive notices: the CMS's events, the citizen's text, and the subscription.

The CMS POSTs an `Event` (cms.openapi.yaml) to the assistant whenever a
case changes status, an appointment is 24 hours away or a payment date
changes. `parse_event()` checks a body against the contract and
`notice()` turns it into the response the citizen gets, with its variables,
said in the language of their conversation (`notice_text()` is its English
text; service-standards.md, Proactive notices):

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
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple

from bot.errors import NssaError
from bot.i18n.catalogue import EnglishTerms
from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused

if TYPE_CHECKING:
    from bot.settings import Settings
    from clients.cms import CmsClient

__all__ = [
    "EVENT_TYPES",
    "InvalidEvent",
    "NOTICE_INTENT",
    "NOTICE_ENTITY",
    "SMS_LIMIT",
    "STATUS_TEXT",
    "CmsEvent",
    "NOTICE_NAME_ENTITY",
    "NOTICE_VARS_ENTITY",
    "notice",
    "notice_entities",
    "notice_text",
    "told_notice",
    "parse_event",
    "subscribe",
    "webhook_url",
]

NOTICE_INTENT = "EXTERNAL_notice"
NOTICE_ENTITY = "notice_text"
# The response and its variables (JSON), told by actions/notices.py ActionTellNotice.
NOTICE_NAME_ENTITY = "notice"
NOTICE_VARS_ENTITY = "notice_vars"
SMS_LIMIT = 320
WEBHOOK_PATH = "/webhooks/cms_events/webhook"

EVENT_TYPES = frozenset({"case.status_changed", "appointment.reminder", "payment.date_changed"})

# requests-in-chat.md, section 8: what the assistant says about a status (texts.yml).
STATUS_TEXT = EnglishTerms(
    "term_status_", ("received", "in_review", "waiting_for_documents", "decided", "closed"))
_WAITING = frozenset({"received", "in_review", "waiting_for_documents"})

# agency.md, Regional offices; keyed by the reference CMS's office ids (names: texts.yml).
_ADDRESSES: Dict[str, str] = {
    "northhaven": "12 Harbour Street, 1010 Northhaven",
    "eastmere": "4 Market Square, 2040 Eastmere",
    "westfjord": "27 Quay Road, 3100 Westfjord",
    "southvale": "8 Station Avenue, 4200 Southvale",
    "highmoor": "3 Chapel Lane, 5300 Highmoor",
}

_REFERENCE = re.compile(r"^NSSA-[0-9]{4}-[0-9]{6}$")
Notice = Tuple[str, Dict[str, Any]]
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


def parse_event(raw: bytes, limits: JsonLimits = DEFAULT_LIMITS) -> CmsEvent:
    """The event in a webhook body; InvalidEvent if not JSON within `limits` or not an `Event`."""
    try:
        body = limits.loads(raw)
    except JsonRefused as exc:
        raise InvalidEvent(str(exc)) from None
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


def notice(event: CmsEvent) -> Notice:
    """The response (data/core/notices.yml) and variables of `event`'s notice."""
    if event.type == "case.status_changed":
        return _case_notice(event.case or {})
    if event.type == "appointment.reminder":
        return _reminder_notice(event.appointment or {})
    return _payment_notice(event.text)


def notice_text(event: CmsEvent) -> str:
    """The notice's English text; at most one SMS answer."""
    from bot.i18n.catalogue import default_catalogue

    name, variables = notice(event)
    return default_catalogue().text(name, "en", **variables)[0]


def notice_entities(event: CmsEvent) -> List[Dict[str, Any]]:
    """The entities of EXTERNAL_notice: the English text, the response and its variables."""
    name, variables = notice(event)
    return [
        {"entity": NOTICE_ENTITY, "value": notice_text(event)},
        {"entity": NOTICE_NAME_ENTITY, "value": name},
        {"entity": NOTICE_VARS_ENTITY, "value": json.dumps(variables, ensure_ascii=False)},
    ]


def told_notice(entities: List[Dict[str, Any]], lang: str) -> Optional[Notice]:
    """The response and variables EXTERNAL_notice's entities name, for a conversation in `lang`.

    The CMS writes its own payment text in English: a conversation in
    another language gets the general line instead. None when the entities
    name no notice response (the English `notice_text` is said then).
    """
    found = {e.get("entity"): e.get("value") for e in entities}
    name = found.get(NOTICE_NAME_ENTITY)
    try:
        variables = json.loads(found.get(NOTICE_VARS_ENTITY) or "{}")
    except (TypeError, ValueError):
        return None
    if not isinstance(name, str) or not name.startswith("utter_notice_") \
            or not isinstance(variables, dict):
        return None
    if name == "utter_notice_payment_text" and lang != "en":
        return "utter_notice_payment_changed", {}
    return name, variables


def _case_notice(case: Mapping[str, Any]) -> Notice:
    reference = case.get("reference")
    status = case.get("status")
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        return "utter_notice_case_updated", {}
    if status not in STATUS_TEXT:
        return "utter_notice_case_changed", {"reference": reference}
    variables: Dict[str, Any] = {"reference": reference,
                                 "status": {"term": f"term_status_{status}"}}
    expected = _date(case.get("expected_decision_by"))
    if expected is not None and status in _WAITING:
        return "utter_notice_case_status_expected", {**variables, "date": f"{expected:%d.%m.%Y}"}
    return "utter_notice_case_status", variables


def _reminder_notice(appointment: Mapping[str, Any]) -> Notice:
    office_id = str(appointment.get("office_id") or "").lower()
    if office_id not in _ADDRESSES:
        return "utter_notice_reminder", {}
    office = [{"term": f"term_office_{office_id}"}, ", " + _ADDRESSES[office_id]]
    return "utter_notice_reminder_office", {"office": office}


def _payment_notice(text: Optional[str]) -> Notice:
    plain = " ".join((text or "").split())
    # The CMS's text is meant for the citizen; keep it only if it fits one SMS answer.
    if plain and len(plain) <= SMS_LIMIT and "<" not in plain:
        return "utter_notice_payment_text", {"text": plain}
    return "utter_notice_payment_changed", {}


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
    from clients.cms import CmsClient
    from clients.http import RetryPolicy

    if client is not None:
        return await client.subscribe(webhook_url(settings), settings.events_secret)
    retry = RetryPolicy(max_attempts=4, total_timeout=30.0)
    async with CmsClient(settings.cms_url, settings.cms_token, retry=retry) as cms:
        return await cms.subscribe(webhook_url(settings), settings.events_secret)
