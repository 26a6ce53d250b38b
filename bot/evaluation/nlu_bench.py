"""`python -m bot nlu-bench`: how long the trained model takes to understand a message.

The model is loaded as the Rasa server loads it (`Agent.load`, every language
in it) and each message goes through the whole NLU pipeline of config.yml
(tokenizer, `AnswerClassifier` with its regex overrides, language
identification, `ConversationContext` with a conversation's tracker, the
FallbackClassifier), as `MessageProcessor.parse_message` does for a message
that arrives. The messages are the frozen questions of every language
(evaluation/frozen/<lang>/questions.yml), so short, long, typed and scripted texts
all count. The first messages warm the pipeline up and are not timed.

Prints the count, p50, p95 and the slowest parse in milliseconds of wall
time, p50 and p95 of the CPU time the process spent on a parse, the
process's peak memory and the load average: on a shared machine the wall
times grow with the load, the CPU times much less.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple

from bot.evaluation.frozen_set import EVAL_DIR, QUESTIONS, load_rows

__all__ = ["BenchResult", "bench_texts", "run_bench", "render"]

_WARM_UP = 20


@dataclass(frozen=True)
class BenchResult:
    """Parse times of one run, in milliseconds."""

    milliseconds: List[float]
    cpu_milliseconds: List[float]
    peak_rss_mib: float
    load: float

    def quantile(self, q: float, cpu: bool = False) -> float:
        """The time below which a share `q` of the parses took (wall, or CPU)."""
        times = self.cpu_milliseconds if cpu else self.milliseconds
        return statistics.quantiles(times, n=100)[int(q * 100) - 1]


def bench_texts(eval_dir: Path = EVAL_DIR) -> List[str]:
    """The frozen questions of every language, in file order."""
    texts: List[str] = []
    for path in sorted(eval_dir.glob(f"*/{QUESTIONS}")):
        texts.extend(str(row["text"]) for row in load_rows(path) if row.get("text"))
    return texts


async def _parse_all(model: Path, texts: Sequence[str]) -> Tuple[List[float], List[float]]:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    processor = agent.processor
    assert processor is not None, f"{model} has no trained model"
    wall: List[float] = []
    cpu: List[float] = []
    for index, text in enumerate([*texts[:_WARM_UP], *texts]):
        sender = f"bench-{index}"
        tracker = DialogueStateTracker.from_events(sender, [])
        started, started_cpu = time.perf_counter(), time.process_time()
        await processor.parse_message(UserMessage(text, sender_id=sender), tracker)
        if index >= _WARM_UP:
            wall.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
    return wall, cpu


def run_bench(model: Path, texts: Sequence[str]) -> BenchResult:
    """Parse every text with the model; the times, peak memory and load average."""
    wall, cpu = asyncio.run(_parse_all(model, texts))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return BenchResult(wall, cpu, peak, os.getloadavg()[0])


def render(result: BenchResult, model: Path) -> str:
    """The figures, one line each."""
    return "\n".join([
        f"model            {model.name}",
        f"messages         {len(result.milliseconds)}",
        f"p50 ms           {result.quantile(0.5):.1f}",
        f"p95 ms           {result.quantile(0.95):.1f}",
        f"max ms           {max(result.milliseconds):.1f}",
        f"CPU p50 ms       {result.quantile(0.5, cpu=True):.1f}",
        f"CPU p95 ms       {result.quantile(0.95, cpu=True):.1f}",
        f"peak RSS MiB     {result.peak_rss_mib:.0f}",
        f"load average     {result.load:.1f}",
    ])
