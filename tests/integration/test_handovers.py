"""The hand-over queue (bot/store/handovers.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any, List

import pytest
from sqlalchemy.engine import Engine

from bot.store.handovers import HandoverConflict, Handovers

START = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def _minutes(n: float) -> datetime:
    return START + timedelta(minutes=n)


class TestQueue:
    def test_a_request_waits_once_per_open_conversation(self, engine: Engine) -> None:
        store = Handovers(engine)
        first = store.request("web-1", "webchat", "asked twice", 1, now=START)
        again = store.request("web-1", "webchat", "distress", 2, now=_minutes(1))
        assert again == first
        assert (first.state, first.reason, first.identity_level) == ("waiting", "asked twice", 1)
        assert first.waiting_since == START

    def test_many_processes_requesting_at_once_make_one(self, engine: Engine) -> None:
        store = Handovers(engine)
        with ThreadPoolExecutor(8) as pool:
            ids = set(pool.map(
                lambda _: store.request("tg-1", "telegram", "distress", now=START).id, range(12)
            ))
        assert len(ids) == 1 and len(store.queue()) == 1

    def test_the_queue_is_oldest_first_with_places(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("b", "webchat", "distress", now=_minutes(2))
        store.request("a", "telegram", "complaint", now=_minutes(1))
        store.request("c", "webchat", "self-harm", now=_minutes(3))
        assert [h.sender_id for h in store.queue(_minutes(4))] == ["a", "b", "c"]
        assert [store.position(s) for s in ("a", "b", "c", "nobody")] == [1, 2, 3, None]

    def test_the_expected_wait_grows_with_the_place_and_stays_within_ten_minutes(
        self, engine: Engine
    ) -> None:
        store = Handovers(engine)
        for n in range(5):
            store.request(f"s{n}", "webchat", "distress", now=_minutes(n))
        store.set_present("ana", True, now=_minutes(5))
        assert store.expected_wait("s0", now=_minutes(5)) == timedelta(minutes=3)
        assert store.expected_wait("s1", now=_minutes(5)) == timedelta(minutes=6)
        assert store.expected_wait("s4", now=_minutes(5)) == timedelta(minutes=10)
        store.set_present("ben", True, now=_minutes(5))
        assert store.expected_wait("s1", now=_minutes(5)) == timedelta(minutes=3)
        assert store.expected_wait("nobody", now=_minutes(5)) is None

    def test_the_expected_wait_learns_from_recent_takes(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("old", "webchat", "distress", now=START)
        store.take("old", "ana", now=_minutes(5))
        store.request("new", "webchat", "distress", now=_minutes(6))
        assert store.expected_wait("new", now=_minutes(6)) == timedelta(minutes=5)

    @pytest.mark.parametrize("bad", [
        {"reason": "bored"}, {"identity_level": -1}, {"sender_id": ""}, {"channel": ""},
    ])
    def test_bad_requests_are_refused_by_name(self, engine: Engine, bad: dict) -> None:
        values = {"sender_id": "s", "channel": "webchat", "reason": "distress",
                  "identity_level": 0, **bad}
        with pytest.raises(ValueError, match=next(iter(bad))):
            Handovers(engine).request(**values)


class TestAdvisors:
    def test_take_makes_the_advisor_the_holder_and_leaves_the_queue(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("web-1", "webchat", "distress", now=START)
        assert store.holder("web-1") is None
        held = store.take("web-1", "ana", now=_minutes(2))
        assert (held.state, held.advisor, held.taken_at) == ("held", "ana", _minutes(2))
        assert store.holder("web-1") == "ana"
        assert store.queue() == [] and store.position("web-1") is None
        assert [h.sender_id for h in store.held("ana")] == ["web-1"]

    def test_of_two_advisors_taking_at_once_one_wins(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("web-1", "webchat", "distress", now=START)
        names = [f"advisor{n}" for n in range(8)]

        def take(name: str) -> bool:
            try:
                store.take("web-1", name, now=_minutes(1))
                return True
            except HandoverConflict:
                return False

        with ThreadPoolExecutor(8) as pool:
            won: List[bool] = list(pool.map(take, names))
        assert won.count(True) == 1
        assert store.holder("web-1") == names[won.index(True)]

    def test_transfer_hand_back_and_close(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("web-1", "webchat", "complaint", now=START)
        store.take("web-1", "ana", now=_minutes(1))
        with pytest.raises(HandoverConflict, match="ben does not hold it"):
            store.transfer("web-1", "ben", "cy", now=_minutes(2))
        assert store.transfer("web-1", "ana", "ben", now=_minutes(2)).advisor == "ben"
        with pytest.raises(HandoverConflict):
            store.hand_back("web-1", "ana", now=_minutes(3))
        back = store.hand_back("web-1", "ben", now=_minutes(3))
        assert (back.state, back.ended_at) == ("handed_back", _minutes(3))
        assert store.holder("web-1") is None and store.get("web-1") is None
        # The next offer is a new hand-over of the same conversation.
        second = store.request("web-1", "webchat", "asked twice", now=_minutes(4))
        assert second.id != back.id and second.state == "waiting"
        store.take("web-1", "cy", now=_minutes(5))
        with pytest.raises(ValueError, match="outcome"):
            store.close("web-1", "cy", "solved", now=_minutes(6))
        closed = store.close("web-1", "cy", "call-back arranged", now=_minutes(6))
        assert (closed.state, closed.outcome) == ("closed", "call-back arranged")
        assert [h.id for h in store.history(sender_id="web-1")] == [second.id, back.id]

    def test_nothing_to_take_is_a_conflict(self, engine: Engine) -> None:
        with pytest.raises(HandoverConflict, match="no open hand-over"):
            Handovers(engine).take("nobody", "ana", now=START)


class TestPresence:
    def test_presence_expires_unless_refreshed(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.set_present("ana", True, now=START)
        store.set_present("ben", True, now=START)
        store.set_present("cy", False, now=START)
        assert store.advisors_present(_minutes(1)) == ["ana", "ben"]
        store.set_present("ana", True, now=_minutes(1.5))
        assert store.advisors_present(_minutes(2.5)) == ["ana"]
        store.set_present("ana", False, now=_minutes(2.6))
        assert store.advisors_present(_minutes(2.7)) == []


class TestExpiry:
    def test_waiting_over_ten_minutes_expires_until_told(self, engine: Engine) -> None:
        store = Handovers(engine)
        store.request("late", "webchat", "distress", now=START)
        store.request("soon", "telegram", "distress", now=_minutes(5))
        store.request("taken", "webchat", "distress", now=START)
        store.take("taken", "ana", now=_minutes(9))
        assert store.expire(_minutes(9.9)) == []
        expired = store.expire(_minutes(10))
        assert [h.sender_id for h in expired] == ["late"] and expired[0].state == "expired"
        assert store.get("late") is None and [h.sender_id for h in store.queue()] == ["soon"]
        # Not told yet: it comes back; told, it does not.
        assert [h.sender_id for h in store.expire(_minutes(11))] == ["late"]
        assert store.told(expired[0].id, now=_minutes(11)) is True
        assert store.told(expired[0].id, now=_minutes(11)) is False
        assert [h.sender_id for h in store.expire(_minutes(16))] == ["soon"]
        # An expired conversation can be placed in the queue again.
        assert store.request("late", "webchat", "asked twice", now=_minutes(17)).state == "waiting"


class TestWorkerExpiry:
    """bot/worker.py's job: expire, tell, and tell again next round if it failed."""

    async def test_a_citizen_not_told_is_told_next_round(self, engine: Engine) -> None:
        from bot.worker import expire_handovers

        store = Handovers(engine)
        store.request("a", "webchat", "distress", now=START)
        store.request("b", "telegram", "distress", now=START)
        reachable = {"a"}
        told: List[str] = []

        async def tell(handover: Any) -> bool:
            if handover.sender_id in reachable:
                told.append(handover.sender_id)
                return True
            return False

        assert await expire_handovers(store, tell, now=_minutes(10)) == 1
        reachable.add("b")
        assert await expire_handovers(store, tell, now=_minutes(11)) == 1
        assert await expire_handovers(store, tell, now=_minutes(12)) == 0
        assert told == ["a", "b"]
