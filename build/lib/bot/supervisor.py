"""`python -m bot run` as a supervisor: ports checked first, crashed services restarted.

    busy_ports   before anything starts: a message naming the setting of
                 each port that cannot be listened on (another instance, or
                 another program, holds it)
    Supervisor   watches the started services: one that exits is logged
                 with its log's tail and started again after a backoff
                 (bot/retry.py: 1 s doubling, at most 30 s); a
                 service that crashes CRASH_LIMIT times within CRASH_WINDOW
                 seconds ends the watch with EXIT_CRASH_LOOP

Exit codes of `python -m bot run` (README, "Exit codes"):

    0  stopped by Ctrl-C (SIGINT) or SIGTERM: every child stopped
    2  did not start: a bad or unsafe setting, a busy port, no model, the
       database, or a service that did not become healthy
    3  a service crashed 5 times within 5 minutes: everything was stopped
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from typing import Callable, Deque, Dict, List, Sequence

from bot.retry import backoff_seconds
from bot.services import ManagedProcess

__all__ = [
    "CRASH_LIMIT",
    "CRASH_WINDOW",
    "EXIT_CRASH_LOOP",
    "EXIT_NOT_STARTED",
    "EXIT_STOPPED",
    "Supervisor",
    "busy_ports",
]

logger = logging.getLogger(__name__)

EXIT_STOPPED = 0
EXIT_NOT_STARTED = 2
EXIT_CRASH_LOOP = 3
CRASH_LIMIT = 5
CRASH_WINDOW = 300.0
_FIRST_WAIT = 1.0  # seconds
_LONGEST_WAIT = 30.0


def busy_ports(processes: Sequence[ManagedProcess]) -> List[str]:
    """One message per service whose port cannot be listened on now, naming its setting."""
    problems = []
    for process in processes:
        if process.listens is None:
            continue
        setting, host, port = process.listens
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As the servers do: a port in TIME_WAIT is free, a listening one is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                problems.append(
                    f"{setting}: the {process.name} cannot listen on {host}:{port} "
                    f"({exc.strerror or exc}); another instance or program holds it: stop "
                    f"it, or set {setting} to another port"
                )
    return problems


class Supervisor:
    """Restarts services that exit; gives up when one keeps crashing."""

    def __init__(
        self,
        processes: Sequence[ManagedProcess],
        *,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[ManagedProcess, int], float] = (
            lambda _, crashes: backoff_seconds(crashes, _FIRST_WAIT, _LONGEST_WAIT)
        ),
    ) -> None:
        self.processes = list(processes)
        self._clock = clock
        self._wait = wait
        self._crashes: Dict[str, Deque[float]] = {p.name: deque() for p in self.processes}
        self._restart_at: Dict[str, float] = {}

    def watch(self, stopping: threading.Event, interval: float = 1.0) -> int:
        """Watch until `stopping` is set (EXIT_STOPPED) or a crash loop (EXIT_CRASH_LOOP)."""
        while not stopping.wait(interval):
            if not self.check():
                return EXIT_CRASH_LOOP
        return EXIT_STOPPED

    def check(self) -> bool:
        """One round: restart what is due, note what exited; False on a crash loop."""
        now = self._clock()
        for process in self.processes:
            due = self._restart_at.get(process.name)
            if due is not None:
                if now >= due:
                    del self._restart_at[process.name]
                    process.start()
                    logger.warning("Restarted the %s.", process.name)
                continue
            if process.process is None or process.process.poll() is None:
                continue
            if not self._crashed(process, now):
                return False
        return True

    def _crashed(self, process: ManagedProcess, now: float) -> bool:
        """Log the exit and schedule a restart; False when it crashed too often."""
        assert process.process is not None
        code = process.process.returncode
        crashes = self._crashes[process.name]
        crashes.append(now)
        while crashes and now - crashes[0] > CRASH_WINDOW:
            crashes.popleft()
        tail = process.log_tail(15)
        if len(crashes) >= CRASH_LIMIT:
            logger.error(
                "The %s crashed %d times in %d minutes (last exit code %s); stopping "
                "everything.\n%s", process.name, len(crashes), CRASH_WINDOW // 60, code, tail,
            )
            return False
        delay = self._wait(process, len(crashes))
        logger.error(
            "The %s exited with code %s (crash %d of %d allowed in %d minutes); restarting "
            "it in %.1f s. Its log ends:\n%s", process.name, code, len(crashes), CRASH_LIMIT,
            CRASH_WINDOW // 60, delay, tail,
        )
        self._restart_at[process.name] = now + delay
        return True
