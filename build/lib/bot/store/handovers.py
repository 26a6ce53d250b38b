"""Hand-overs to live advisors: the queue, who holds which conversation, who is present.

The shared state of issue 11, on the conversation store's database, so every
Rasa server, the action server, the worker and the staff console see the same
queue (nothing of it lives in one process's memory):

    request      the assistant places a conversation in the queue (waiting);
                 idempotent: a conversation has at most one open hand-over
    queue        the waiting ones, oldest first; `position`, `expected_wait`
    take         an advisor takes a waiting one (held); one advisor wins
    transfer     the holder gives it to a colleague (still held)
    hand_back    the holder gives it back to the assistant (handed_back)
    close        the holder ends it with an outcome (closed)
    holder       the advisor holding a conversation, or None: while someone
                 holds it the assistant does not answer (channels/handover.py)
    expire       waiting longer than `wait_limit` (10 minutes): expired, for the
                 worker to give the citizen the outside-hours offer; `told`
                 marks that done
    set_present / advisors_present
                 the console refreshes an advisor's presence; one not seen
                 for `presence_ttl` (2 minutes) counts as away

A hand-over's states: waiting -> held -> handed_back | closed, and
waiting -> expired. Every change is one `UPDATE ... WHERE state = ...`, so of
two advisors taking the same conversation at once exactly one succeeds; the
other gets `HandoverConflict` (the console answers 409).

`now` is a parameter of every method that reads or writes the time (default:
the repository's clock), so tests and the worker inject their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, List, Optional

import sqlalchemy as sa

from bot.errors import NssaError
from bot.store._sql import (
    Bind,
    check_text,
    insert_new,
    rowcount,
    session_factory_for,
    transaction,
    upsert,
)
from bot.store.tables import (
    CLOSED,
    EXPIRED,
    HANDED_BACK,
    HELD,
    OUTCOMES,
    WAITING,
    advisor_presence,
    handovers,
    utcnow,
)

__all__ = [
    "Handover",
    "Handovers",
    "HandoverConflict",
    "REASONS",
    "OUTCOMES",
    "WAIT_LIMIT",
    "PRESENCE_TTL",
]

# Why the assistant offered a person (service-standards.md, "When the
# assistant hands over to a person"); self-harm comes after the crisis wording.
REASONS = ("complaint", "asked twice", "not understood", "distress", "self-harm")

WAIT_LIMIT = timedelta(minutes=10)
PRESENCE_TTL = timedelta(minutes=2)
# The expected wait per place in the queue when no hand-over was taken lately.
DEFAULT_TURN = timedelta(minutes=3)

_OPEN = (WAITING, HELD)


class HandoverConflict(NssaError):
    """The hand-over is not in a state that allows this (taken by another, closed, none)."""


@dataclass(frozen=True)
class Handover:
    """One hand-over of a conversation to a person."""

    id: int
    conversation_id: str
    channel: str
    reason: str
    identity_level: int
    state: str
    requested_at: datetime
    updated_at: datetime
    advisor: Optional[str] = None
    outcome: Optional[str] = None
    taken_at: Optional[datetime] = None
    ended_at: Optional[datetime] = None
    told_at: Optional[datetime] = None

    @property
    def sender_id(self) -> str:
        """The conversation id, as Rasa calls it."""
        return self.conversation_id

    @property
    def waiting_since(self) -> datetime:
        """When the assistant placed it in the queue."""
        return self.requested_at

    @property
    def open(self) -> bool:
        """Waiting or held."""
        return self.state in _OPEN


def _handover(row: sa.engine.Row) -> Handover:
    values = dict(row._mapping)
    values.pop("open_conversation", None)
    return Handover(**values)


class Handovers:
    """The hand-overs repository; each method is one transaction.

    `bind` is an Engine or a session factory; `clock` gives the aware time.
    """

    def __init__(
        self,
        bind: Bind,
        *,
        clock: Callable[[], datetime] = utcnow,
        wait_limit: timedelta = WAIT_LIMIT,
        presence_ttl: timedelta = PRESENCE_TTL,
    ) -> None:
        if wait_limit <= timedelta(0) or presence_ttl <= timedelta(0):
            raise ValueError("wait_limit and presence_ttl must be positive")
        self._sessions = session_factory_for(bind)
        self._clock = clock
        self.wait_limit = wait_limit
        self.presence_ttl = presence_ttl

    # --- the assistant's side -------------------------------------------------

    def request(
        self,
        sender_id: str,
        channel: str,
        reason: str,
        identity_level: int = 0,
        now: Optional[datetime] = None,
    ) -> Handover:
        """Place the conversation in the queue; its open hand-over if it has one already."""
        check_text("sender_id", sender_id, handovers.c.conversation_id)
        check_text("channel", channel, handovers.c.channel)
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {', '.join(REASONS)}")
        if not isinstance(identity_level, int) or identity_level < 0:
            raise ValueError("identity_level must be a whole number from 0")
        now = now or self._clock()
        values = {
            "conversation_id": sender_id,
            "open_conversation": sender_id,
            "channel": channel,
            "reason": reason,
            "identity_level": identity_level,
            "state": WAITING,
            "requested_at": now,
            "updated_at": now,
        }
        with transaction(self._sessions, "handovers request") as session:
            insert_new(session, handovers, values, ("open_conversation",))
            row = session.execute(_open_of(sender_id)).first()
        if row is None:  # closed by another process in between: there is none open
            raise HandoverConflict("the hand-over was closed as it was placed")
        return _handover(row)

    def get(self, sender_id: str) -> Optional[Handover]:
        """The conversation's open (waiting or held) hand-over, or None."""
        with transaction(self._sessions, "handovers get") as session:
            row = session.execute(_open_of(sender_id)).first()
        return _handover(row) if row is not None else None

    def holder(self, sender_id: str) -> Optional[str]:
        """The advisor holding the conversation, or None (the assistant answers it)."""
        statement = sa.select(handovers.c.advisor).where(
            handovers.c.open_conversation == sender_id, handovers.c.state == HELD
        )
        with transaction(self._sessions, "handovers holder") as session:
            return session.execute(statement).scalar_one_or_none()

    def queue(self, now: Optional[datetime] = None) -> List[Handover]:
        """The waiting hand-overs, oldest first (`now` is accepted for symmetry, not needed)."""
        statement = (
            sa.select(handovers)
            .where(handovers.c.state == WAITING)
            .order_by(handovers.c.requested_at, handovers.c.id)
        )
        with transaction(self._sessions, "handovers queue") as session:
            return [_handover(row) for row in session.execute(statement)]

    def position(self, sender_id: str) -> Optional[int]:
        """The conversation's place in the queue (1 is next), or None if it is not waiting."""
        waiting = self.queue()
        for place, item in enumerate(waiting, start=1):
            if item.conversation_id == sender_id:
                return place
        return None

    def expected_wait(self, sender_id: str, now: Optional[datetime] = None) -> Optional[timedelta]:
        """How long the conversation may still wait, at most `wait_limit`; None if not waiting.

        The recent mean time from request to take (else DEFAULT_TURN) per
        place in the queue, shared by the advisors present.
        """
        now = now or self._clock()
        place = self.position(sender_id)
        if place is None:
            return None
        advisors = max(1, len(self.advisors_present(now)))
        turn = self._recent_turn(now)
        return min(self.wait_limit, turn * math.ceil(place / advisors))

    def _recent_turn(self, now: datetime) -> timedelta:
        statement = (
            sa.select(handovers.c.requested_at, handovers.c.taken_at)
            .where(handovers.c.taken_at > now - timedelta(days=7))
            .order_by(handovers.c.taken_at.desc())
            .limit(20)
        )
        with transaction(self._sessions, "handovers recent") as session:
            waits = [taken - requested for requested, taken in session.execute(statement)]
        waits = [w for w in waits if w >= timedelta(0)]
        if not waits:
            return DEFAULT_TURN
        return max(timedelta(minutes=1), sum(waits, timedelta(0)) / len(waits))

    def expire(self, now: Optional[datetime] = None) -> List[Handover]:
        """Expire what waited over `wait_limit`; every expired one whose citizen is not told yet.

        The worker tells each citizen (the outside-hours offer) and then calls
        `told`; one it could not tell comes back on the next call.
        """
        now = now or self._clock()
        expiring = sa.update(handovers).where(
            handovers.c.state == WAITING, handovers.c.requested_at <= now - self.wait_limit
        ).values(state=EXPIRED, open_conversation=None, ended_at=now, updated_at=now)
        untold = (
            sa.select(handovers)
            .where(handovers.c.state == EXPIRED, handovers.c.told_at.is_(None))
            .order_by(handovers.c.requested_at, handovers.c.id)
        )
        with transaction(self._sessions, "handovers expire") as session:
            session.execute(expiring)
            return [_handover(row) for row in session.execute(untold)]

    def told(self, handover_id: int, now: Optional[datetime] = None) -> bool:
        """Mark an expired hand-over's citizen as told; False if it was already."""
        statement = (
            sa.update(handovers)
            .where(handovers.c.id == handover_id, handovers.c.told_at.is_(None))
            .values(told_at=now or self._clock())
        )
        with transaction(self._sessions, "handovers told") as session:
            return rowcount(session, statement) == 1

    # --- the advisors' side ----------------------------------------------------

    def take(self, sender_id: str, advisor: str, now: Optional[datetime] = None) -> Handover:
        """The advisor takes the waiting conversation; HandoverConflict if it is not waiting."""
        check_text("advisor", advisor, handovers.c.advisor)
        now = now or self._clock()
        return self._change(
            sender_id,
            (handovers.c.state == WAITING,),
            {"state": HELD, "advisor": advisor, "taken_at": now, "updated_at": now},
            "it is not waiting (taken by someone else, or ended)",
        )

    def transfer(
        self, sender_id: str, from_advisor: str, to_advisor: str, now: Optional[datetime] = None
    ) -> Handover:
        """The holder gives the conversation to a colleague."""
        check_text("to_advisor", to_advisor, handovers.c.advisor)
        now = now or self._clock()
        return self._change(
            sender_id,
            (handovers.c.state == HELD, handovers.c.advisor == from_advisor),
            {"advisor": to_advisor, "updated_at": now},
            f"{from_advisor} does not hold it",
        )

    def hand_back(self, sender_id: str, advisor: str, now: Optional[datetime] = None) -> Handover:
        """The holder gives the conversation back to the assistant."""
        now = now or self._clock()
        return self._change(
            sender_id,
            (handovers.c.state == HELD, handovers.c.advisor == advisor),
            {"state": HANDED_BACK, "open_conversation": None, "ended_at": now, "updated_at": now},
            f"{advisor} does not hold it",
        )

    def close(
        self, sender_id: str, advisor: str, outcome: str, now: Optional[datetime] = None
    ) -> Handover:
        """The holder ends the conversation with an outcome (answered, call-back arranged, ...)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        now = now or self._clock()
        return self._change(
            sender_id,
            (handovers.c.state == HELD, handovers.c.advisor == advisor),
            {
                "state": CLOSED,
                "outcome": outcome,
                "open_conversation": None,
                "ended_at": now,
                "updated_at": now,
            },
            f"{advisor} does not hold it",
        )

    def held(self, advisor: Optional[str] = None) -> List[Handover]:
        """The held hand-overs (of one advisor, or all), longest held first."""
        statement = sa.select(handovers).where(handovers.c.state == HELD)
        if advisor is not None:
            statement = statement.where(handovers.c.advisor == advisor)
        statement = statement.order_by(handovers.c.taken_at, handovers.c.id)
        with transaction(self._sessions, "handovers held") as session:
            return [_handover(row) for row in session.execute(statement)]

    def history(self, limit: int = 100, sender_id: Optional[str] = None) -> List[Handover]:
        """Ended hand-overs (handed back, closed, expired), latest first."""
        statement = sa.select(handovers).where(
            handovers.c.state.in_((HANDED_BACK, CLOSED, EXPIRED))
        )
        if sender_id is not None:
            statement = statement.where(handovers.c.conversation_id == sender_id)
        statement = statement.order_by(handovers.c.ended_at.desc(), handovers.c.id.desc())
        with transaction(self._sessions, "handovers history") as session:
            return [_handover(row) for row in session.execute(statement.limit(limit))]

    def _change(
        self, sender_id: str, conditions: tuple, values: dict, refusal: str
    ) -> Handover:
        with transaction(self._sessions, "handovers change") as session:
            row = session.execute(_open_of(sender_id)).first()
            if row is None:
                raise HandoverConflict(f"no open hand-over of this conversation: {refusal}")
            statement = (
                sa.update(handovers).where(handovers.c.id == row.id, *conditions).values(**values)
            )
            if rowcount(session, statement) != 1:
                raise HandoverConflict(f"cannot change the hand-over: {refusal}")
            changed = session.execute(
                sa.select(handovers).where(handovers.c.id == row.id)
            ).one()
        return _handover(changed)

    # --- presence ----------------------------------------------------------------

    def set_present(self, advisor: str, present: bool, now: Optional[datetime] = None) -> None:
        """Mark the advisor present (refresh it at least every `presence_ttl`) or away."""
        check_text("advisor", advisor, advisor_presence.c.advisor)
        values = {"advisor": advisor, "present": bool(present), "seen_at": now or self._clock()}
        with transaction(self._sessions, "advisor_presence set") as session:
            upsert(session, advisor_presence, values, ("advisor",), ("present", "seen_at"))

    def advisors_present(self, now: Optional[datetime] = None) -> List[str]:
        """The advisors marked present and seen within `presence_ttl`, by name."""
        now = now or self._clock()
        statement = (
            sa.select(advisor_presence.c.advisor)
            .where(
                advisor_presence.c.present == sa.true(),
                advisor_presence.c.seen_at > now - self.presence_ttl,
            )
            .order_by(advisor_presence.c.advisor)
        )
        with transaction(self._sessions, "advisor_presence list") as session:
            return list(session.execute(statement).scalars())


def _open_of(sender_id: str) -> sa.Select:
    return sa.select(handovers).where(handovers.c.open_conversation == sender_id)
