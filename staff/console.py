"""The console's operations: who may do what, what is written to the audit log.

`Console` is what the JSON API and the pages both call, so a rule holds the
same on both. The rules (README, "Staff console"):

    advisor  the queue, presence, the call-back list; a conversation's
             transcript when it waits in the queue, is held by them, or
             was last held by them; take a waiting one; say, ask to verify,
             the person's cases, transfer, hand back and close only while
             they hold it
    admin    the audit log
    editor   the review inbox (staff/review.py, on bot/review)
    analyst  the analytics page (staff/analytics.py)

A refusal is a `Refused` with the HTTP status the API answers: 403 for a
conversation another advisor holds or one not assigned to them, 404 when
the conversation has no hand-over, 409 when its state changed (taken by a
colleague first), 422 for a bad value, 503 when the assistant or the CMS
cannot be reached. Every opening of a conversation, a person's cases or the
call-back list is written to the audit log before the data is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.errors import NssaError
from bot.store.handovers import Handover, HandoverConflict, Handovers
from bot.store.tables import OUTCOMES, person_conversations, utcnow
from clients.cms import CmsClient
from clients.errors import BackendError
from staff.accounts import Accounts
from staff.assistant import Assistant, AssistantUnavailable
from staff.audit import AuditLog
from staff.callbacks import call_backs
from staff.sessions import Session
from staff.transcript import identity_level, latest_event_id, transcript

__all__ = ["ADVISOR", "ADMIN", "Console", "Refused", "MAX_MESSAGE"]

ADVISOR = ("advisor",)
ADMIN = ("admin",)
MAX_MESSAGE = 2000


class Refused(NssaError):
    """The operation is refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Opened:
    """A conversation as the advisor sees it."""

    handover: Handover
    turns: List[Dict[str, Any]]
    latest: int
    mine: bool
    person_known: bool
    level: Optional[int] = None

    def as_json(self) -> Dict[str, Any]:
        """The conversation for the JSON API (the identity level as it is now)."""
        level = self.handover.identity_level if self.level is None else self.level
        return {**handover_json(self.handover), "identity_level": level,
                "held_by_me": self.mine,
                "person_verified": self.person_known, "turns": self.turns,
                "latest_event": self.latest}


def handover_json(item: Handover, now: Optional[datetime] = None) -> Dict[str, Any]:
    """A hand-over for the JSON API (no personal data)."""
    now = now or utcnow()
    return {
        "conversation_id": item.conversation_id, "channel": item.channel,
        "reason": item.reason, "identity_level": item.identity_level, "state": item.state,
        "advisor": item.advisor, "outcome": item.outcome,
        "waiting_since": item.requested_at.isoformat(),
        "waiting_seconds": int((now - item.requested_at).total_seconds()),
    }


class Console:
    """The operations of the staff console, on the shared database."""

    def __init__(
        self, engine: Engine, assistant: Assistant,
        cms: Callable[[], CmsClient], *, clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.handovers = Handovers(engine, clock=clock)
        self.accounts = Accounts(engine, clock=clock)
        self.audit = AuditLog(engine, clock=clock)
        self._assistant = assistant
        self._cms = cms
        self._clock = clock

    # --- reading ------------------------------------------------------------------

    def queue(self) -> List[Handover]:
        """The waiting hand-overs, oldest first."""
        return self.handovers.queue(self._clock())

    def mine(self, who: Session) -> List[Handover]:
        """The conversations `who` holds."""
        return self.handovers.held(who.name)

    def ended(self, who: Session, limit: int = 20) -> List[Handover]:
        """The conversations `who` handed back or closed lately, latest first (their history)."""
        return [item for item in self.handovers.history(200)
                if item.advisor == who.name][:limit]

    def present(self, who: Session) -> bool:
        """Whether `who` is marked present (and seen lately)."""
        return who.name in self.handovers.advisors_present(self._clock())

    def advisors_present(self) -> List[str]:
        """The advisors present now."""
        return self.handovers.advisors_present(self._clock())

    def colleagues(self, who: Session) -> List[str]:
        """The other active advisors, to transfer to."""
        return [a.name for a in self.accounts.list()
                if a.role == "advisor" and a.active and a.name != who.name]

    def _find(self, who: Session, conversation_id: str) -> Handover:
        """The hand-over `who` may open; Refused (403/404) if none."""
        item = self.handovers.get(conversation_id)
        if item is None:
            ended = self.handovers.history(limit=1, sender_id=conversation_id)
            if not ended:
                raise Refused(404, "no hand-over of this conversation")
            item = ended[0]
            if item.advisor != who.name:
                raise Refused(403, "this conversation is not assigned to you")
            return item
        if item.state == "held" and item.advisor != who.name:
            raise Refused(403, f"{item.advisor} holds this conversation")
        return item

    def _held(self, who: Session, conversation_id: str) -> Handover:
        item = self._find(who, conversation_id)
        if item.state != "held" or item.advisor != who.name:
            raise Refused(403, "take the conversation first: only its holder can do this")
        return item

    def _person(self, conversation_id: str) -> Optional[str]:
        with self.engine.connect() as connection:
            return connection.execute(
                sa.select(person_conversations.c.person_id)
                .where(person_conversations.c.conversation_id == conversation_id)
            ).scalar()

    def open(self, who: Session, conversation_id: str, how: str = "api") -> Opened:
        """The conversation's hand-over and transcript (audited)."""
        item = self._find(who, conversation_id)
        self.audit.write(who.name, "open conversation", conversation_id, how)
        with self.engine.connect() as connection:
            turns = [t.as_json() for t in transcript(connection, conversation_id)]
            latest = latest_event_id(connection, conversation_id)
            level = identity_level(connection, conversation_id)
        mine = item.state == "held" and item.advisor == who.name
        return Opened(item, turns, latest, mine, self._person(conversation_id) is not None,
                      level)

    def watch(self, who: Session, conversation_id: str) -> None:
        """Check `who` may follow the conversation live, and audit it."""
        self._find(who, conversation_id)
        self.audit.write(who.name, "open conversation", conversation_id, "live updates")

    def may_open(self, who: Session, conversation_id: str) -> None:
        """Refused (403/404) unless `who` may still open the conversation."""
        self._find(who, conversation_id)

    def new_turns(self, conversation_id: str, after: int) -> List[Dict[str, Any]]:
        """Turns after event id `after` (the stream's; it checked `may_open` first, no audit)."""
        with self.engine.connect() as connection:
            return [t.as_json() for t in transcript(connection, conversation_id, after)]

    def identity(self, conversation_id: str) -> Dict[str, Any]:
        """The identity level now, and whether a verified person is known (for live updates)."""
        with self.engine.connect() as connection:
            level = identity_level(connection, conversation_id)
        known = self._person(conversation_id) is not None
        return {"identity_level": level, "person_verified": known}

    def latest(self, conversation_id: str) -> int:
        """The conversation's newest event id."""
        with self.engine.connect() as connection:
            return latest_event_id(connection, conversation_id)

    async def cases(self, who: Session, conversation_id: str) -> Dict[str, Any]:
        """The verified person's cases from the CMS (audited)."""
        self._held(who, conversation_id)
        person_id = self._person(conversation_id)
        if person_id is None:
            raise Refused(409, "the citizen has not verified their identity in this conversation")
        self.audit.write(who.name, "open person's cases", person_id,
                         f"conversation {conversation_id}")
        try:
            async with self._cms() as cms:
                found = await cms.list_cases(person_id)
        except BackendError as exc:
            raise Refused(503, f"the CMS cannot be reached: {exc}") from None
        return {"person_id": person_id, "cases": [{
            "reference": c.reference, "type": c.case_type, "status": c.status,
            "status_text": c.status_text, "created_at": c.created_at.isoformat(),
            "expected_decision_by": c.expected_decision_by.isoformat()
            if c.expected_decision_by else None,
        } for c in found]}

    def call_backs(self, who: Session) -> List[Dict[str, Any]]:
        """The call-back requests (audited: names and phone numbers)."""
        self.audit.write(who.name, "open call-back list", "call-back requests")
        with self.engine.connect() as connection:
            return [c.as_json() for c in call_backs(connection)]

    # --- acting -------------------------------------------------------------------

    def set_present(self, who: Session, present: bool) -> None:
        """Mark `who` present or away."""
        self.handovers.set_present(who.name, present, self._clock())

    def take(self, who: Session, conversation_id: str) -> Handover:
        """`who` takes the waiting conversation: the assistant pauses for it."""
        self._find(who, conversation_id)
        try:
            item = self.handovers.take(conversation_id, who.name, self._clock())
        except HandoverConflict as exc:
            raise Refused(409, str(exc)) from None
        self.audit.write(who.name, "take conversation", conversation_id)
        return item

    async def say(self, who: Session, conversation_id: str, text: Any) -> None:
        """Send the advisor's message to the citizen."""
        if not isinstance(text, str) or not text.strip():
            raise Refused(422, "write a message")
        if len(text) > MAX_MESSAGE:
            raise Refused(422, f"a message has at most {MAX_MESSAGE} characters")
        self._held(who, conversation_id)
        await self._call(self._assistant.say(conversation_id, who.name, text.strip()))

    async def ask_to_verify(self, who: Session, conversation_id: str) -> None:
        """Ask the citizen to verify their identity (the assistant's check runs)."""
        self._held(who, conversation_id)
        self.audit.write(who.name, "ask to verify identity", conversation_id)
        await self._call(self._assistant.ask_to_verify(conversation_id, who.name))

    def transfer(self, who: Session, conversation_id: str, to: Any) -> Handover:
        """Give the conversation to a colleague."""
        self._held(who, conversation_id)
        if not isinstance(to, str) or to not in self.colleagues(who):
            raise Refused(422, "transfer to an active advisor other than yourself")
        try:
            item = self.handovers.transfer(conversation_id, who.name, to, self._clock())
        except HandoverConflict as exc:
            raise Refused(409, str(exc)) from None
        self.audit.write(who.name, "transfer conversation", conversation_id, f"to {to}")
        return item

    async def hand_back(self, who: Session, conversation_id: str) -> None:
        """Give the conversation back to the assistant."""
        self._held(who, conversation_id)
        await self._call(self._assistant.hand_back(conversation_id, who.name))
        self.audit.write(who.name, "hand back conversation", conversation_id)

    def close(self, who: Session, conversation_id: str, outcome: Any) -> Handover:
        """End the conversation with an outcome."""
        self._held(who, conversation_id)
        if outcome not in OUTCOMES:
            raise Refused(422, f"the outcome is one of: {', '.join(OUTCOMES)}")
        try:
            item = self.handovers.close(conversation_id, who.name, outcome, self._clock())
        except HandoverConflict as exc:
            raise Refused(409, str(exc)) from None
        self.audit.write(who.name, "close conversation", conversation_id, outcome)
        return item

    @staticmethod
    async def _call(call: Any) -> Any:
        try:
            return await call
        except AssistantUnavailable as exc:
            raise Refused(503, str(exc)) from None
