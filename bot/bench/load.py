"""Conversations at once over Rasa's REST channel, timed; a server's CPU time and memory.

    QUESTIONS               citizens' questions of the handbook's topics
    run_load(url, conversations, turns, report)
                            `conversations` conversations at once, each sending
                            `turns` questions one after another (a citizen
                            waits for the answer before asking again); every
                            message's time to its answer
    LoadResult              throughput (answered messages per second) and the
                            50th, 95th and 99th percentile of the answer time
    ProcessUsage.of(pids)   CPU seconds and resident memory of processes, read
                            from /proc (Linux), children included

The clients are aiohttp (installed with rasa), one task per conversation.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, List, Optional

__all__ = ["QUESTIONS", "LoadResult", "ProcessUsage", "run_load", "percentile"]

QUESTIONS = [
    "how much is the child benefit for two children",
    "what is the state pension age",
    "how do i apply for unemployment benefit",
    "when is the pension paid this month",
    "what documents do i need for sickness benefit",
    "how long is parental leave",
    "can i get housing support if i rent",
    "how do i get my contribution statement",
    "what are your opening hours",
    "am i covered if i work abroad",
    "how do i report a change of address",
    "what is a survivor's pension",
    "how is the disability allowance assessed",
    "do you answer by email",
    "how much is the unemployment benefit",
    "who can get child benefit",
]


def percentile(values: List[float], share: float) -> float:
    """The `share` (0..1) percentile of `values`, nearest rank; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))
    return ordered[rank]


@dataclass
class LoadResult:
    """The answer times of one load run."""

    conversations: int
    seconds: float
    latencies: List[float] = field(default_factory=list)
    failures: int = 0

    @property
    def throughput(self) -> float:
        """Answered messages per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, share: float) -> float:
        """A percentile of the answer time, in milliseconds."""
        return percentile(self.latencies, share) * 1000


@dataclass
class ProcessUsage:
    """CPU seconds (user and system) and resident memory of a set of processes."""

    cpu_seconds: float
    rss_mb: float

    @classmethod
    def of(cls, pids: Iterable[int]) -> "ProcessUsage":
        """Read /proc for the processes and their children (0 where a process is gone)."""
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = 0.0
        rss = 0.0
        for pid in _with_children(list(pids)):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            cpu += (int(stat[11]) + int(stat[12])) / ticks  # utime, stime
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
        return cls(cpu, rss)


def _with_children(pids: List[int]) -> List[int]:
    found = list(pids)
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        found += _with_children([int(child) for child in children])
    return found


async def _conversation(
    session: object, url: str, number: int, turns: int, questions: List[str],
    result: LoadResult, done: Callable[[], None],
) -> None:
    import aiohttp

    assert isinstance(session, aiohttp.ClientSession)
    sender = f"bench-{uuid.uuid4().hex[:12]}-{number}"
    asked = itertools.islice(itertools.cycle(questions), number, number + turns)
    for question in asked:
        started = time.perf_counter()
        try:
            async with session.post(f"{url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": question}) as answer:
                body = await answer.json(content_type=None)
                ok = answer.status == 200 and isinstance(body, list) and len(body) > 0
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            ok = False
        if ok:
            result.latencies.append(time.perf_counter() - started)
        else:
            result.failures += 1
        done()


async def _run(
    url: str, conversations: int, turns: int, report: Callable[[int, int], None],
    questions: List[str],
) -> LoadResult:
    import aiohttp

    result = LoadResult(conversations, 0.0)
    total = conversations * turns
    counter = itertools.count(1)

    def done() -> None:
        number = next(counter)
        if number % max(1, total // 10) == 0 or number == total:
            report(number, total)

    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(
            _conversation(session, url, number, turns, questions, result, done)
            for number in range(conversations)
        ))
        result.seconds = time.perf_counter() - started
    return result


def run_load(
    url: str,
    conversations: int,
    turns: int,
    report: Callable[[int, int], None] = lambda done, total: None,
    questions: Optional[List[str]] = None,
) -> LoadResult:
    """`conversations` REST conversations at once against `url`, `turns` questions each."""
    return asyncio.run(_run(url, conversations, turns, report, questions or QUESTIONS))
