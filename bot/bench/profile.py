"""Where a turn's time goes: `python -m bot bench --profile`.

The Rasa agent runs in this process with the project's endpoints (its
tracker store on a fresh SQLite file, the action server started on a free
port, the translating NLG), and each part of a turn is timed around the
Rasa call that does it:

    tracker load      the tracker store's `retrieve` (rows read, unsealed)
    tracker save      its `save` (the new events masked, sealed, written)
    NLU               the processor's `parse_message`
    policies          the processor's next-action prediction
    action server     custom actions, round trip (`RemoteAction.run`: the
                      tracker and the domain sent, the answer read)
    responses         the NLG's `generate` outside custom actions
    other             the rest of `handle_message` (events applied, ...)

The floor is the same model's `Agent.handle_text` with Rasa's in-memory
tracker store, no action server and no masking: what Rasa itself costs.

Beside the wall-clock times, the CPU time of each run (`cpu`: this process,
its store threads and the action server, its child, from /proc) is given:
on a shared machine the wall-clock floor swings with the other processes'
load (12 to 37 ms a turn for the same model), the CPU time much less.
Conversations are fresh, `turns` questions each, one after another, so the
session start is counted as a citizen meets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Tuple

from bot.bench.load import QUESTIONS
from bot.settings import Settings

__all__ = ["breakdown", "render_breakdown"]

PARTS = ["tracker load", "tracker save", "NLU", "policies", "action server", "responses",
         "other"]


class _Timer:
    """Seconds per part; what runs inside a custom action counts as the action server's."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = defaultdict(float)
        self._in_action = 0

    def wrap_async(self, part: str, function: Callable[..., Awaitable[Any]]) -> Callable:
        """`function`, its time added to `part`."""
        async def timed(*args: Any, **kwargs: Any) -> Any:
            action = part == "action server"
            self._in_action += action
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self._in_action -= action
                if action or not self._in_action:
                    self.seconds[part] += time.perf_counter() - started
        return timed

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable:
        """`function` (not a coroutine), its time added to `part`."""
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - started
        return timed


@contextlib.contextmanager
def _remote_actions_timed(timer: _Timer) -> Iterator[None]:
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction.run
    timed = timer.wrap_async("action server", original)
    RemoteAction.run = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        RemoteAction.run = original  # type: ignore[method-assign]


def _instrument(agent: Any, timer: _Timer) -> None:
    store = agent.tracker_store
    store.retrieve = timer.wrap_async("tracker load", store.retrieve)
    store.save = timer.wrap_async("tracker save", store.save)
    processor = agent.processor
    processor.parse_message = timer.wrap_async("NLU", processor.parse_message)
    processor.predict_next_with_tracker_if_should = timer.wrap(
        "policies", processor.predict_next_with_tracker_if_should)
    processor.nlg.generate = timer.wrap_async("responses", processor.nlg.generate)


async def _turns(agent: Any, conversations: int, turns: int, prefix: str) -> Tuple[float, int]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    total = 0.0
    count = 0
    for number in range(conversations):
        for turn in range(turns):
            question = QUESTIONS[(number + turn) % len(QUESTIONS)]
            started = time.perf_counter()
            await agent.handle_message(UserMessage(question, CollectingOutputChannel(),
                                                   f"{prefix}-{number}"))
            total += time.perf_counter() - started
            count += 1
    return total, count


async def _ours(model: Path, conversations: int, turns: int) -> Tuple[Dict[str, float], int]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    from bot.services import write_endpoints
    from bot.settings import load_settings

    settings = load_settings()
    endpoints = AvailableEndpoints.read_endpoints(
        str(write_endpoints(settings, settings.var_dir / "run" / "endpoints.yml")))
    # As `rasa run` loads it: the endpoints' tracker store, lock store, NLG, actions.
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    await _turns(agent, 1, 2, "warm")
    timer = _Timer()
    _instrument(agent, timer)
    before = _cpu()
    with _remote_actions_timed(timer):
        total, count = await _turns(agent, conversations, turns, f"profile-{time.time_ns()}")
    parts = dict(timer.seconds)
    parts["other"] = total - sum(parts.values())
    parts["total"] = total
    parts["cpu"] = _cpu() - before
    return {part: seconds * 1000 / count for part, seconds in parts.items()}, count


def _cpu() -> float:
    """CPU seconds of this process and its children (the action server) so far."""
    from bot.bench.load import ProcessUsage

    return ProcessUsage.of([os.getpid()]).cpu_seconds


async def _floor(model: Path, conversations: int, turns: int) -> Tuple[float, float]:
    import logging

    from rasa.core.agent import Agent

    # No action server: Rasa logs the custom session start it cannot run.
    logging.getLogger("rasa.core.processor").setLevel(logging.CRITICAL)
    logging.getLogger("rasa.core.actions.action").setLevel(logging.CRITICAL)
    agent = Agent.load(str(model))
    for text in QUESTIONS[:2]:
        await agent.handle_text(text, sender_id="warm")
    started = time.perf_counter()
    cpu = _cpu()
    count = 0
    for number in range(conversations):
        for turn in range(turns):
            await agent.handle_text(QUESTIONS[(number + turn) % len(QUESTIONS)],
                                    sender_id=f"floor-{number}")
            count += 1
    return (time.perf_counter() - started) * 1000 / count, (_cpu() - cpu) * 1000 / count


def breakdown(
    settings: Settings, model: Path, conversations: int = 10, turns: int = 5,
    report: Callable[[str], None] = lambda line: None, database_url: Optional[str] = None,
) -> Tuple[Dict[str, float], Dict[str, float]]:
    """(ms per turn of each part, the floor's), with the action server running.

    Each has its CPU ms per turn under "cpu"; the floor its time under "total".

    The tracker store is on a fresh SQLite file, or on `database_url` (an
    empty database: `--postgres` gives a fresh PostgreSQL one).
    """
    from bot.instance import free_ports
    from bot.security import with_local_tokens
    from bot.services import conversation_servers, start_all, stop_all
    from bot.settings import load_settings

    var = settings.var_dir / "bench" / "profile"
    database = var / "nssa.db"
    for suffix in ("", "-wal", "-shm"):  # the write-ahead log's files too
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    port = free_ports()
    environ = {**os.environ, "NSSA_VAR_DIR": str(var), "NSSA_DATABASE_URL":
               database_url or f"sqlite:///{database}", "NSSA_ACTION_PORT": str(port),
               "NSSA_MODEL_DIR": str(settings.model_dir)}
    own = with_local_tokens(load_settings(environ=environ))
    from bot.store.schema import upgrade

    upgrade(own.database_url)
    actions = conversation_servers(own, model, var / "log")[0]
    start_all([actions], report=report)
    saved = dict(os.environ)
    os.environ.update(own.environment())
    # As `rasa run` configures Rasa's structured log: at the settings' level, not DEBUG.
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(getattr(logging, own.log_level))
    try:
        report(f"profiling {conversations} conversations of {turns} turns in this process ...")
        parts, _ = asyncio.run(_ours(model, conversations, turns))
        report("the floor: Agent.handle_text, in-memory tracker store, no action server ...")
        wall, cpu = asyncio.run(_floor(model, conversations, turns))
        floor = {"total": wall, "cpu": cpu}
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stop_all([actions])
    return parts, floor


def render_breakdown(
    parts: Dict[str, float], floor: Dict[str, float], load: Optional[str] = None
) -> str:
    """The breakdown as a table, ms per turn, then the CPU time of both runs."""
    lines: List[str] = [f"{'part':<16} {'ms/turn':>8}"]
    for part in PARTS:
        lines.append(f"{part:<16} {parts.get(part, 0.0):>8.1f}")
    lines.append(f"{'total':<16} {parts['total']:>8.1f}")
    lines.append(f"{'floor':<16} {floor['total']:>8.1f}   (Agent.handle_text; total/floor "
                 f"{parts['total'] / max(floor['total'], 1e-9):.2f})")
    lines.append(f"{'CPU ms/turn':<16} {parts['cpu']:>8.1f}   (with the action server; floor "
                 f"{floor['cpu']:.1f}, ratio {parts['cpu'] / max(floor['cpu'], 1e-9):.2f})")
    if load:
        lines.append(load)
    return "\n".join(lines)
