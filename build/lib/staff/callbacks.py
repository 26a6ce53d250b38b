"""The call-back requests the assistant has sent to the CMS, for advisors.

Every confirmed request goes through the outbox (kind `cms_case`,
actions/citizen_requests/sending.py) before the CMS gets it, and keeps the
CMS's reference once delivered. The CMS contract has no listing of cases
across people (../shared/backends/cms.openapi.yaml), so the list comes from
there: the reference the CMS gave, the name, phone number, time window and
topic the citizen confirmed, and the day the 2-working-day promise falls due
(weekends and the handbook's public holidays skipped: actions/validation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from actions.validation.working_days import add_working_days
from bot.store.tables import outbox

__all__ = ["CallBack", "call_backs", "due_by"]

KIND = "cms_case"
CASE_TYPE = "callback_request"


def due_by(asked: date, working_days: int = 2) -> date:
    """The day `working_days` working days after `asked` (weekends and public holidays skipped)."""
    return add_working_days(asked, working_days)


@dataclass(frozen=True)
class CallBack:
    """One call-back request."""

    asked_at: datetime
    reference: Optional[str]
    state: str  # pending (not at the CMS yet) | delivered | failed
    name: str
    phone_number: str
    time_window: str
    topic: str
    due: date
    conversation_id: str

    def as_json(self) -> Dict[str, Any]:
        """The request for the JSON API."""
        return {"asked_at": self.asked_at.isoformat(), "reference": self.reference,
                "state": self.state, "name": self.name, "phone_number": self.phone_number,
                "time_window": self.time_window, "topic": self.topic,
                "due": self.due.isoformat(), "conversation_id": self.conversation_id}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def call_backs(connection: Connection, limit: int = 200) -> List[CallBack]:
    """The newest call-back requests first (at most `limit`)."""
    rows = connection.execute(
        sa.select(outbox.c.conversation_id, outbox.c.payload, outbox.c.state, outbox.c.result,
                  outbox.c.created_at)
        .where(outbox.c.kind == KIND).order_by(outbox.c.created_at.desc()).limit(limit * 5)
    )
    found: List[CallBack] = []
    for row in rows:
        try:
            payload = json.loads(row.payload)
            result = json.loads(row.result) if row.result else {}
        except ValueError:
            continue
        if not isinstance(payload, dict) or payload.get("case_type") != CASE_TYPE:
            continue
        fields = payload.get("fields")
        if not isinstance(fields, dict):
            fields = {}
        reference = result.get("reference") if isinstance(result, dict) else None
        found.append(CallBack(
            asked_at=row.created_at, reference=reference if isinstance(reference, str) else None,
            state=row.state, name=_text(fields.get("name")),
            phone_number=_text(fields.get("phone_number")),
            time_window=_text(fields.get("time_window")), topic=_text(fields.get("topic")),
            due=due_by(row.created_at.date()), conversation_id=row.conversation_id,
        ))
        if len(found) >= limit:
            break
    return found
