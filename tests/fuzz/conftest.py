"""The fuzz suite's tally, event loop and crash watch.

Every endpoint's test sends its generated bodies through `Tally.record`,
which counts answers by status and fails on a 5xx at once. At the end of
the run the counts and times are printed and written to
results/fuzz.json (the README quotes them).

The servers are driven in-process where the endpoint allows (the channels'
`receive`, Sanic apps over ASGI, aiohttp's test client); the web chat's
socket.io runs on a live server on loopback. Hypothesis runs each test
derandomized (the same bodies every run) and without deadlines.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

# ≥ 1,000 bodies per endpoint: hypothesis runs exactly this many when none fails.
EXAMPLES = 1000
FUZZ = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    suppress_health_check=list(HealthCheck),
)
RESULTS = Path(__file__).resolve().parents[2] / "results" / "fuzz.json"


class Tally:
    """Answers per endpoint, by status, and the time spent."""

    def __init__(self) -> None:
        self.counts: Dict[str, Counter] = {}
        self.seconds: Dict[str, float] = {}

    def record(self, endpoint: str, status: int, body: Any = None) -> None:
        self.counts.setdefault(endpoint, Counter())[status] += 1
        assert status < 500, f"{endpoint} answered {status} to {body!r:.300}"

    def total(self, endpoint: str) -> int:
        return sum(self.counts.get(endpoint, Counter()).values())

    def report(self) -> Dict[str, Any]:
        return {
            endpoint: {"bodies": sum(counts.values()),
                       "by_status": {str(k): v for k, v in sorted(counts.items())},
                       "5xx": sum(v for k, v in counts.items() if k >= 500),
                       "seconds": round(self.seconds.get(endpoint, 0.0), 1)}
            for endpoint, counts in sorted(self.counts.items())
        }


TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


class Timer:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __enter__(self) -> "Timer":
        self.start = time.monotonic()
        return self

    def __exit__(self, *_: Any) -> None:
        TALLY.seconds[self.endpoint] = (TALLY.seconds.get(self.endpoint, 0.0)
                                        + time.monotonic() - self.start)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for one test: servers start in it and each body is run to completion."""
    running = asyncio.new_event_loop()
    yield running
    running.run_until_complete(running.shutdown_asyncgens())
    running.close()


class CrashWatch(logging.Handler):
    """Log records with a traceback: a crash the caller may not have seen."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.crashes: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.crashes.append(f"{record.name}: {record.getMessage()[:200]}")


@pytest.fixture
def crashes() -> Iterator[CrashWatch]:
    """Every traceback logged during the test (the test asserts there are none)."""
    watch = CrashWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    yield watch
    root.removeHandler(watch)


class Rows:
    """Rows in every table of a database, counted in one statement."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        with engine.connect() as connection:
            self.names = sa.inspect(connection).get_table_names()
        self.query = sa.text("SELECT " + ", ".join(
            f'(SELECT count(*) FROM "{name}")' for name in self.names))

    def __call__(self) -> Dict[str, int]:
        with self.engine.connect() as connection:
            return dict(zip(self.names, connection.execute(self.query).one(), strict=True))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The counts and times, printed and written to results/fuzz.json."""
    report = TALLY.report()
    if not report:
        return
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write = terminalreporter.write_line
    write("")
    write(f"Fuzz suite (results/fuzz.json): {'endpoint':<40} bodies  5xx  seconds  statuses")
    for endpoint, row in report.items():
        write(f"  {endpoint:<62} {row['bodies']:>6} {row['5xx']:>4} {row['seconds']:>8}  "
              + ", ".join(f"{k}: {v}" for k, v in row["by_status"].items()))
    write(f"  {'total':<62} {sum(r['bodies'] for r in report.values()):>6} "
          f"{sum(r['5xx'] for r in report.values()):>4} "
          f"{round(sum(r['seconds'] for r in report.values()), 1):>8}")
