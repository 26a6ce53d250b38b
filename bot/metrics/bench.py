"""A seeded benchmark: many conversations in a throw-away store, the figures timed.

`python -m bot metrics-bench [--conversations 100000]` writes the
conversations into a new SQLite file (or an empty PostgreSQL database given
with `--url`), in the shape Rasa's SQL tracker store writes them (same
`events` columns and index) together with their summaries
(`bot.store.summaries`, as the tracker store keeps them while it stores the
events), then times `compute_metrics` on them: all of them, and the last 30
days. A tenth of the conversations answer "Did this help?".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from typing import Any, Callable, Dict, List, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.metrics.report import compute_metrics
from bot.store import summaries
from bot.store.summaries import CALLBACK_ACTION, FALLBACK_INTENT, HANDOVER_ACTION

__all__ = ["create_events_table", "seed", "run_bench"]

CHANNELS = ("webchat", "webchat", "webchat", "telegram", "sms")
INTENTS = ("ask_pension", "ask_child_benefit", "case_status", "change_address",
           "ask_housing", "greet", "thank")


def create_events_table(engine: Engine) -> sa.Table:
    """Rasa's `events` table as its SQL tracker store makes it (for benchmarks and tests)."""
    metadata = sa.MetaData()
    table = sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    metadata.create_all(engine)
    return table


def _user(sender: str, at: float, intent: str, channel: str, closest: str) -> Dict[str, Any]:
    data = {"event": "user", "timestamp": at, "text": "...", "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9},
                           "intent_ranking": [{"name": intent}, {"name": closest}]}}
    return {"sender_id": sender, "type_name": "user", "timestamp": at, "intent_name": intent,
            "action_name": None, "data": json.dumps(data)}


def _other(sender: str, at: float, kind: str, name: str, value: Any = None) -> Dict[str, Any]:
    data = {"event": kind, "timestamp": at, "name": name}
    if kind == "slot":
        data["value"] = value
    return {"sender_id": sender, "type_name": kind, "timestamp": at, "intent_name": None,
            "action_name": name if kind != "bot" else None, "data": json.dumps(data)}


def seed(engine: Engine, conversations: int, days: int = 365, seed_value: int = 12) -> None:
    """Write `conversations` random conversations over the last `days` days, summarised."""
    table = create_events_table(engine)
    summaries.ensure(engine)
    rng = random.Random(seed_value)
    end = time.time()
    batch: List[Dict[str, Any]] = []
    deltas: List[summaries.Delta] = []
    with engine.begin() as connection:
        for number in range(conversations):
            sender = f"bench-{number}"
            first = len(batch)
            at = end - rng.random() * days * 86400
            channel = rng.choice(CHANNELS)
            batch.append(_other(sender, at, "action", "action_session_start"))
            for _ in range(rng.randint(1, 4)):
                at += 20
                if rng.random() < 0.1:
                    batch.append(_user(sender, at, FALLBACK_INTENT, channel, rng.choice(INTENTS)))
                    batch.append(_other(sender, at + 1, "action", "utter_not_sure"))
                else:
                    intent = rng.choice(INTENTS)
                    batch.append(_user(sender, at, intent, channel, "greet"))
                    batch.append(_other(sender, at + 1, "action", f"utter_{intent}"))
                batch.append(_other(sender, at + 1, "bot", ""))
            roll = rng.random()
            if roll < 0.05:
                batch.append(_other(sender, at + 2, "action", HANDOVER_ACTION))
            elif roll < 0.08:
                batch.append(_other(sender, at + 2, "action", CALLBACK_ACTION))
            elif roll < 0.18:
                answer = "yes" if rng.random() < 0.8 else "no"
                batch.append(_other(sender, at + 3, "slot", "satisfaction", answer))
            deltas.append(summaries.delta(
                sender, (json.loads(row["data"]) for row in batch[first:])))
            if len(batch) >= 20000:
                connection.execute(table.insert(), batch)
                summaries.record(connection, deltas)
                batch, deltas = [], []
        if batch:
            connection.execute(table.insert(), batch)
            summaries.record(connection, deltas)
    if engine.dialect.name == "postgresql":
        # A store in use has its statistics kept by autovacuum; a table filled
        # a second ago has none, and the planner then loops where it should hash.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("ANALYZE conversation_summaries, conversation_counts"))


def _timed(work: Callable[[], Any], repeat: int) -> Tuple[Any, float, float]:
    """The result of `work`, and its best wall-clock and CPU seconds of `repeat` runs."""
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu


def run_bench(engine: Engine, conversations: int, repeat: int = 3) -> Dict[str, Any]:
    """Seed, then time the figures (all time, and the last 30 days), best of `repeat`.

    The wall-clock figure is what the analyst waits for; the CPU figure is
    this process's own work (the database's, for SQLite, included), which a
    busy machine does not inflate. `load_average` says how busy it was.
    """
    started = time.perf_counter()
    seed(engine, conversations)
    seeded = time.perf_counter() - started
    figures, year, year_cpu = _timed(lambda: compute_metrics(engine), repeat)
    month_start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    _, month, month_cpu = _timed(lambda: compute_metrics(engine, since=month_start), repeat)
    return {"conversations": figures["conversations"], "csat": figures["csat"],
            "csat_answers": figures["csat_answers"], "seed_seconds": round(seeded, 2),
            "metrics_seconds": round(year, 3), "metrics_cpu_seconds": round(year_cpu, 3),
            "metrics_30_days_seconds": round(month, 3),
            "metrics_30_days_cpu_seconds": round(month_cpu, 3),
            "database": engine.dialect.name,
            "load_average": [round(x, 2) for x in os.getloadavg()]}
