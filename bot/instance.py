"""A throw-away assistant on this machine: free loopback ports, its own var/ and database.

    free_ports(count)
        the first of `count` consecutive free ports on loopback
    accepts(port, host)
        whether something accepts connections there now
    isolated_settings(var, database_url, servers=1, **environ)
        settings on free ports for `servers` Rasa servers (HAProxy's port
        first when several), the reference back-ends embedded, tokens made
        in `var`; `environ` adds or overrides settings (NSSA_REDIS_URL ...)
    running(processes, report)
        the processes started for the length of a `with`, stopped after
        (on failure and Ctrl-C too)
    running_cluster(settings, model, servers, report)
        the database upgraded, then bot/cluster.py's processes running

Used by `make bench` (bot/bench/run.py) for its set-ups and by the e2e and
cluster tests (tests/e2e/conftest.py, tests/cluster/conftest.py), so they
start an assistant or a cluster the same way.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from typing import Callable, Iterator, List

from bot.services import ManagedProcess, start_all, stop_all
from bot.settings import Settings, load_settings

__all__ = ["accepts", "free_ports", "isolated_settings", "running", "running_cluster"]

Report = Callable[[str], None]


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int = 1) -> int:
    """The first of `count` consecutive free ports on loopback."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        if first + count < 65535 and all(_free(p) for p in range(first, first + count)):
            return first
    raise RuntimeError("no free ports")


def accepts(port: int, host: str = "127.0.0.1", timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections on (host, port) now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def isolated_settings(var: Path, database_url: str, servers: int = 1, **environ: str) -> Settings:
    """Settings of an assistant of its own: `var`, `database_url`, free ports (module docstring).

    Nothing is read from the environment or `.env`: only what is given here.
    """
    from bot.security import with_local_tokens

    settings = load_settings(environ={
        "NSSA_VAR_DIR": str(var),
        "NSSA_DATABASE_URL": database_url,
        # Several servers: HAProxy on the first port, Rasa server i on the i-th after it.
        "NSSA_RASA_PORT": str(free_ports(servers + 1 if servers > 1 else 1)),
        "NSSA_ACTION_PORT": str(free_ports(servers)),
        "NSSA_STAFF_PORT": str(free_ports()),
        "NSSA_CMS_URL": f"http://127.0.0.1:{free_ports()}",
        "NSSA_HOUSING_URL": f"http://127.0.0.1:{free_ports()}",
        **environ,
    }, env_file=Path("/nonexistent"))
    return with_local_tokens(settings)


@contextlib.contextmanager
def running(
    processes: List[ManagedProcess], report: Report = lambda line: None
) -> Iterator[List[ManagedProcess]]:
    """The processes started (in order) while the `with` lasts; all stopped after."""
    start_all(processes, report=report)
    try:
        yield processes
    finally:
        report("  stopping ...")
        stop_all(processes)


@contextlib.contextmanager
def running_cluster(
    settings: Settings, model: Path, servers: int, report: Report = lambda line: None
) -> Iterator[List[ManagedProcess]]:
    """`servers` Rasa servers behind HAProxy (bot/cluster.py) on an upgraded database.

    The settings need NSSA_REDIS_URL (isolated_settings(..., NSSA_REDIS_URL=...)).
    """
    from bot.cluster import cluster_processes
    from bot.store.schema import upgrade

    upgrade(settings.database_url)
    with running(cluster_processes(settings, model, servers), report) as processes:
        yield processes
