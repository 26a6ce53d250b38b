"""The figures on recorded conversations with known answers (bot/metrics/).

The conversations are written by the project's own tracker store (Rasa's
SQL tracker store, masked) into SQLite and PostgreSQL, with a hand-over
taken after 90 seconds and requests in the outbox; every figure is known.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any, Iterator, List

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from bot.metrics import compute_metrics
from bot.store.db import create_engine_for
from bot.store.summaries import rebuild
from bot.store.tables import handovers, outbox
from bot.store.tracker import PrivateSQLTrackerStore

DAY = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)  # a Monday


def _said(intent: str, channel: str, at: float, closest: str = "greet") -> UserUttered:
    ranking = [{"name": intent, "confidence": 0.4}, {"name": closest, "confidence": 0.3}]
    return UserUttered("my number is 85031212345, zqx", {"name": intent, "confidence": 0.4},
                       parse_data={"intent": {"name": intent, "confidence": 0.4},
                                   "intent_ranking": ranking, "entities": []},
                       input_channel=channel, timestamp=at)


def _answered(action: str, at: float) -> List[Event]:
    return [ActionExecuted(action, timestamp=at), BotUttered("the reply zqy", timestamp=at),
            ActionExecuted("action_listen", timestamp=at)]


def _conversations() -> dict:
    t = DAY.timestamp()
    week_later = t + 8 * 86400
    return {
        # Answered: contained.
        "c1": [_said("ask_pension", "webchat", t), *_answered("utter_pension", t + 1)],
        # Not understood at the end: a fallback, not contained.
        "c2": [_said("nlu_fallback", "telegram", t + 60, closest="ask_housing"),
               *_answered("utter_not_sure", t + 61)],
        # A fallback in the middle, understood at the end, "Yes": contained.
        "c3": [_said("ask_pension", "webchat", t + 3600), *_answered("utter_pension", t + 3601),
               _said("nlu_fallback", "webchat", t + 3610, closest="ask_housing"),
               *_answered("utter_not_sure", t + 3611),
               _said("change_address", "webchat", t + 3620), *_answered("utter_ok", t + 3621),
               _said("helped_yes", "webchat", t + 3630),
               SlotSet("satisfaction", "yes", timestamp=t + 3631),
               *_answered("utter_thanks", t + 3631)],
        # Handed over, then "No": not contained.
        "c4": [_said("complaint", "sms", week_later), *_answered("action_handover", week_later),
               _said("helped_no", "sms", week_later + 5),
               SlotSet("satisfaction", "no", timestamp=week_later + 6)],
        # A call-back requested: not contained.
        "c5": [_said("request_callback", "webchat", week_later + 3600),
               ActiveLoop("callback_form", timestamp=week_later + 3601),
               ActionExecuted("action_submit_callback", timestamp=week_later + 3602),
               BotUttered("we will call", timestamp=week_later + 3602),
               ActiveLoop(None, timestamp=week_later + 3603)],
        # A session with nothing typed: not a conversation.
        "c6": [ActionExecuted("action_session_start", timestamp=t),
               _said("EXTERNAL_notice", "webchat", t + 1)],
    }


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="metrics-key")
    for sender, events in _conversations().items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    engine = create_engine_for(url)
    requested = DAY + dt.timedelta(days=8)
    with engine.begin() as connection:
        connection.execute(handovers.insert(), [
            {"conversation_id": "c4", "channel": "sms", "reason": "complaint",
             "identity_level": 0, "state": "closed", "requested_at": requested,
             "taken_at": requested + dt.timedelta(seconds=90), "updated_at": requested},
            {"conversation_id": "c9", "channel": "webchat", "reason": "not_understood",
             "identity_level": 0, "state": "expired", "requested_at": requested, "taken_at": None,
             "updated_at": requested},
        ])
        common = {"channel": "webchat", "payload": "{}", "attempts": 1,
                  "next_attempt_at": requested, "created_at": requested}
        connection.execute(outbox.insert(), [
            {**common, "kind": "callback", "conversation_id": "c5", "idempotency_key": "k1",
             "state": "delivered"},
            {**common, "kind": "complaint", "conversation_id": "c7", "idempotency_key": "k2",
             "state": "failed"},
        ])
    yield engine
    engine.dispose()


def test_metrics_known_answers(engine: Engine) -> None:
    figures = compute_metrics(engine)
    assert (figures["conversations"], figures["messages"], figures["contained"]) == (5, 9, 2)
    assert (figures["fallbacks"], figures["handovers"], figures["callbacks"]) == (2, 1, 1)
    assert figures["containment_rate"] == 0.4
    assert figures["fallback_rate"] == 0.4
    assert figures["handover_rate"] == 0.2
    assert (figures["csat"], figures["csat_answers"]) == (0.5, 2)
    assert {name: b["conversations"] for name, b in figures["by_channel"].items()} == {
        "sms": 1, "telegram": 1, "webchat": 3}
    assert figures["by_channel"]["webchat"]["contained"] == 2
    assert figures["unanswered"] == [{"closest_answer": "ask_housing", "messages": 2}]
    assert figures["by_topic"][0] == {"topic": "ask_pension", "conversations": 2, "messages": 2,
                                      "csat": 1.0, "csat_answers": 1}
    assert figures["by_channel"]["sms"]["csat"] == 0.0
    assert figures["by_channel"]["webchat"]["csat_answers"] == 1
    assert figures["requests"] == {
        "callback": {"started": 1, "sent": 1, "failed": 0, "pending": 0},
        "complaint": {"started": 0, "sent": 0, "failed": 1, "pending": 0},
    }
    assert figures["handover_reasons"] == {"complaint": 1, "not_understood": 1}
    assert figures["advisor_wait_median_seconds"] == 90.0
    assert figures["busiest_hours"][0] == {"hour_utc": 9, "conversations": 3}
    cost = figures["cost"]
    assert cost["contacts_handled"] == 2
    assert cost["estimated_saving"] == round(2 * (2.83 - 0.15), 2)


def test_metrics_per_week_and_since(engine: Engine) -> None:
    weekly = compute_metrics(engine, period="week")
    assert {key: b["conversations"] for key, b in weekly["by_period"].items()} == {
        "2026-W45": 3, "2026-W46": 2}
    later = compute_metrics(engine, since=DAY + dt.timedelta(days=7))
    assert (later["conversations"], later["contained"], later["csat"]) == (2, 0, 0.0)
    assert later["advisor_wait_median_seconds"] == 90.0


def test_metrics_hold_no_personal_data(engine: Engine) -> None:
    text = json.dumps(compute_metrics(engine))
    for private in ("85031212345", "zqx", "zqy", "\"c1\"", "\"c4\""):
        assert private not in text


def test_metrics_cli_json(url: str, engine: Engine) -> None:
    from bot.cli import cli

    result = CliRunner().invoke(cli, ["metrics", "--json", "--since", "2026-11-01"],
                                env={"NSSA_DATABASE_URL": url, "NSSA_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key in ("conversations", "fallbacks", "containment_rate", "fallback_rate",
                "handover_rate", "csat", "by_channel"):
        assert key in figures
    assert figures["conversations"] == 5


def test_metrics_cli_refuses_a_bad_date(url: str) -> None:
    from bot.cli import cli

    result = CliRunner().invoke(cli, ["metrics", "--since", "yesterday"],
                                env={"NSSA_DATABASE_URL": url})
    assert result.exit_code == 2
    assert "2026-01-31" in result.output


def test_metrics_on_a_store_without_events(url: str) -> None:
    engine = create_engine_for(url)
    try:
        figures: Any = compute_metrics(engine)
    finally:
        engine.dispose()
    assert figures["conversations"] == 0
    assert (figures["csat"], figures["containment_rate"]) == (None, None)


def _summary_rows(engine: Engine) -> tuple:
    from bot.store.summaries import counts, summaries

    with engine.connect() as connection:
        return (sorted(tuple(r) for r in connection.execute(sa.select(summaries))),
                sorted(tuple(r) for r in connection.execute(sa.select(counts))))


def test_summaries_kept_turn_by_turn_are_those_of_a_rebuild(url: str) -> None:
    # The tracker store adds each turn's events to the summary as it stores them;
    # recomputing them all from `events` must give exactly the same rows.
    store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="metrics-key")
    for sender, events in _conversations().items():
        for end in range(1, len(events) + 1):
            asyncio.run(store.save(DialogueStateTracker.from_events(sender, events[:end])))
    store.engine.dispose()
    engine = create_engine_for(url)
    try:
        kept = _summary_rows(engine)
        figures = compute_metrics(engine)
        with engine.begin() as connection:
            assert rebuild(connection) == len(_conversations())
        assert _summary_rows(engine) == kept
        assert compute_metrics(engine) == figures
        assert (figures["conversations"], figures["contained"], figures["csat"]) == (5, 2, 0.5)
    finally:
        engine.dispose()


def test_a_store_made_before_the_summaries_is_summarised_on_first_use(engine: Engine) -> None:
    from bot.store.summaries import counts, summaries

    with engine.begin() as connection:
        counts.drop(connection)
        summaries.drop(connection)
    figures = compute_metrics(engine)
    assert (figures["conversations"], figures["messages"], figures["contained"]) == (5, 9, 2)


def test_erasing_a_conversation_erases_its_summary(engine: Engine) -> None:
    from bot.store.retention import Retention

    Retention(engine).erase("c1")
    figures = compute_metrics(engine)
    assert (figures["conversations"], figures["contained"]) == (4, 1)
    assert figures["by_topic"][0] == {"topic": "ask_pension", "conversations": 1,
                                      "messages": 1, "csat": 1.0, "csat_answers": 1}


def test_metrics_rebuild_cli_makes_the_summaries_again(url: str, engine: Engine) -> None:
    from bot.cli import cli
    from bot.store.summaries import summaries

    kept = _summary_rows(engine)
    with engine.begin() as connection:
        connection.execute(sa.delete(summaries))
    assert compute_metrics(engine)["conversations"] == 0
    result = CliRunner().invoke(cli, ["metrics-rebuild"],
                                env={"NSSA_DATABASE_URL": url, "NSSA_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output
    assert "6 conversations summarised" in result.output
    assert _summary_rows(engine) == kept


def test_a_failed_summary_never_loses_the_turn(url: str) -> None:
    from bot.store.summaries import counts

    store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="metrics-key")
    with store.engine.begin() as connection:
        counts.drop(connection)  # the summary's update fails from now on
    events = _conversations()["c1"]
    asyncio.run(store.save(DialogueStateTracker.from_events("c1", events)))
    stored = asyncio.run(store.retrieve("c1"))
    store.engine.dispose()
    assert stored is not None and len(stored.events) == len(events)
