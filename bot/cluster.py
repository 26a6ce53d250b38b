"""Several Rasa servers on this machine behind HAProxy: `python -m bot run --servers N`.

    cluster_processes(settings, model, servers)
        in start order: Redis (when NSSA_REDIS_URL is on this machine), the
        reference back-ends (if embedded), N pairs of an action server and a
        Rasa server, HAProxy, then one outbox worker and one staff console
    haproxy_config(settings, servers)
        the load balancer's configuration (written to var/run/haproxy.cfg)

Addresses (all from the settings, README "Several servers"):

    HAProxy          NSSA_HOST:NSSA_RASA_PORT, where citizens and the
                     project's own processes talk to the assistant
    Rasa server i    NSSA_HOST:NSSA_RASA_PORT+i (i = 1..N)
    action server i  NSSA_ACTION_HOST:NSSA_ACTION_PORT+i-1, called by Rasa
                     server i only
    Redis            NSSA_REDIS_URL (default redis://127.0.0.1:6379/0);
                     started here, data in var/redis-<port>/, when its host
                     is this machine's loopback; used as it is otherwise

What the servers share: the conversation store (PostgreSQL: SQLite is one
file on one machine, so the CLI starts scripts/postgres.sh when the
database is SQLite), and in Redis: Rasa's lock store (a conversation's
turns never run in two servers at once), the web chat's socket.io rooms
(python-socketio's AsyncRedisManager) and the per-sender rate limits
(channels/rate_limit.py).

Balancing: plain HTTP (REST, webhooks, the internal API) goes round robin
to the servers that answer their health check (every 2 s, 10 s allowed: a
busy server answers late, it is not dead); a server that refuses a
connection is out of the rotation at once, and that request is sent to
another server (`retry-on conn-failure`, never after the request reached a
server, so a message is never handled twice). /socket.io is sticky, as socket.io's long polling
needs every request of a session on the server holding it: a cookie
(NSSA_SERVER) pins a browser to its server, and a client without cookies is
pinned by its address (`balance source`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import subprocess
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

from bot.services import (
    ManagedProcess,
    ServiceError,
    background_processes,
    conversation_servers,
    reference_backends,
)
from bot.setting_values import reachable_host
from bot.settings import PROJECT_ROOT, Settings

__all__ = [
    "DEFAULT_REDIS_URL",
    "cluster_processes",
    "cluster_lines",
    "cluster_settings",
    "on_postgres",
    "postgres_while",
    "haproxy_config",
    "local_redis",
    "server_settings",
]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cluster_settings(settings: Settings) -> Settings:
    """The settings with a Redis URL (the default one on this machine if unset)."""
    return dataclasses.replace(settings, redis_url=settings.redis_url or DEFAULT_REDIS_URL)


def local_redis(settings: Settings) -> Optional[Tuple[str, int]]:
    """(host, port) of the Redis to start here, or None when it runs elsewhere."""
    if not settings.redis_url:
        return None
    url = urlsplit(settings.redis_url)
    if url.hostname not in _LOOPBACK:
        return None
    return url.hostname or "127.0.0.1", url.port or 6379


def server_settings(settings: Settings, number: int) -> Settings:
    """The settings of the `number`-th Rasa server (from 1) and its action server."""
    action_port = settings.action_port + number - 1
    return dataclasses.replace(
        settings,
        rasa_port=settings.rasa_port + number,
        action_port=action_port,
        action_url=f"http://{reachable_host(settings.action_host)}:{action_port}/webhook",
    )


def haproxy_config(settings: Settings, servers: int) -> str:
    """HAProxy's configuration for `servers` Rasa servers (module docstring)."""
    lines = []
    for number in range(1, servers + 1):
        own = server_settings(settings, number)
        lines.append(f"    server rasa{number} {reachable_host(own.host)}:{own.rasa_port} "
                     f"check cookie s{number}")
    members = "\n".join(lines)
    return f"""# Written by `python -m bot run --servers {servers}` (bot/cluster.py).
global
    maxconn 4096
    # `show stat` on this socket: requests per server, which are up.
    stats socket {settings.var_dir / "run" / "haproxy.sock"} mode 600 level user

defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    timeout http-request 30s
    # A busy server answers its health check late, a dead one refuses at once:
    # checks every 2 s may take 10 s; a refused connection of real traffic
    # takes the server out at once (and the request goes to another).
    timeout check 10s
    default-server inter 2s fall 3 rise 1 observe layer4 error-limit 1 on-error mark-down
    option redispatch
    retries 2
    retry-on conn-failure

frontend assistant
    bind {settings.host}:{settings.rasa_port}
    acl socketio path_beg /socket.io
    use_backend socketio if socketio
    default_backend rasa

backend rasa
    balance roundrobin
    option httpchk GET /
{members}

backend socketio
    balance source
    cookie NSSA_SERVER insert indirect nocache httponly
    option httpchk GET /
{members}
"""


def _installed(script: str) -> str:
    """The path a project script (scripts/redis.sh, scripts/haproxy.sh) installs and prints."""
    try:
        result = subprocess.run([str(PROJECT_ROOT / "scripts" / script), "path"],
                                capture_output=True, text=True, check=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ServiceError(f"scripts/{script} could not install its program: {exc}") from None
    return result.stdout.strip().splitlines()[-1]


def redis_process(settings: Settings, log_dir: Path) -> Optional[ManagedProcess]:
    """Redis on this machine's loopback, its data in var/redis-<port>/; None if elsewhere."""
    from bot.instance import accepts

    local = local_redis(settings)
    if local is None:
        return None
    host, port = local
    data = settings.var_dir / f"redis-{port}"
    data.mkdir(parents=True, exist_ok=True)
    return ManagedProcess(
        name="Redis",
        argv=[_installed("redis.sh"), "--bind", host, "--port", str(port),
              "--dir", str(data), "--protected-mode", "yes", "--save", "", "--appendonly", "no",
              "--daemonize", "no"],
        health_url="",
        log_path=log_dir / "redis.log",
        listens=("NSSA_REDIS_URL", host, port),
        probe=lambda: accepts(port, host),
    )


def cluster_processes(
    settings: Settings, model: Path, servers: int, log_dir: Optional[Path] = None
) -> List[ManagedProcess]:
    """Every process of the cluster, in start order (module docstring).

    The settings need a Redis URL (`cluster_settings`) and their tokens.
    """
    if servers < 1:
        raise ServiceError("--servers needs at least 1")
    if not settings.redis_url:
        raise ServiceError("several servers need NSSA_REDIS_URL (cluster_settings gives one)")
    log_dir = log_dir or settings.var_dir / "log"
    # A model going live (bot/review) is sent to every server, not to HAProxy.
    settings = dataclasses.replace(settings, rasa_servers=settings.rasa_servers or tuple(
        server_settings(settings, number).rasa_url for number in range(1, servers + 1)))
    redis = redis_process(settings, log_dir)
    processes: List[ManagedProcess] = [redis] if redis is not None else []
    if settings.embedded_backends:
        processes += reference_backends(settings, log_dir)
    for number in range(1, servers + 1):
        pair = conversation_servers(server_settings(settings, number), model, log_dir, number)
        processes += pair
    config = settings.var_dir / "run" / "haproxy.cfg"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(haproxy_config(settings, servers), encoding="utf-8")
    processes.append(ManagedProcess(
        name="load balancer (HAProxy)",
        argv=[_installed("haproxy.sh"), "-f", str(config), "-db"],
        # Up once it listens and passes a request to a Rasa server.
        health_url=f"{settings.rasa_url}/",
        log_path=log_dir / "haproxy.log",
        listens=("NSSA_RASA_PORT", settings.host, settings.rasa_port),
    ))
    return processes + background_processes(settings, log_dir)


def _postgres_script(command: str) -> subprocess.CompletedProcess:
    """Run `scripts/postgres.sh command` (PGTEST_PORT its port); raises ServiceError on OSError."""
    try:
        return subprocess.run([str(PROJECT_ROOT / "scripts" / "postgres.sh"), command],
                              capture_output=True, text=True, check=False, timeout=900)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ServiceError(f"scripts/postgres.sh {command} failed: {exc}") from None


def on_postgres(settings: Settings, report: Callable[[str], None] = lambda line: None) -> Settings:
    """The settings on PostgreSQL: several servers cannot share an SQLite file.

    An SQLite database is replaced by scripts/postgres.sh's server (started,
    and installed from Debian's packages if missing; PGTEST_PORT its port).
    Left running: `postgres_while` stops it again when its caller ends.
    """
    if not settings.database_url.startswith("sqlite"):
        return settings
    report("Several servers share PostgreSQL, not an SQLite file: starting "
           "scripts/postgres.sh ...")
    result = _postgres_script("start")
    if result.returncode != 0:
        raise ServiceError(f"PostgreSQL did not start (scripts/postgres.sh): {result.stderr}")
    return dataclasses.replace(settings, database_url=result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def postgres_while(
    settings: Settings, report: Callable[[str], None] = lambda line: None
) -> Iterator[Settings]:
    """`on_postgres` for the length of a `with`: the server it started is stopped at the end.

    Stopped whether the block ends, fails or is interrupted (Ctrl-C), the
    start itself included; a server that was already running when the block
    began (`scripts/postgres.sh status`) is someone else's and left running.
    """
    if not settings.database_url.startswith("sqlite"):
        yield settings
        return
    already = _postgres_script("status").returncode == 0
    try:
        yield on_postgres(settings, report)
    finally:
        if not already:
            report("Stopping the PostgreSQL started for this run (scripts/postgres.sh stop) ...")
            _postgres_script("stop")


def cluster_lines(settings: Settings, servers: int) -> str:
    """Where each part of the cluster listens, for `run --servers N` to print."""
    from bot.store import redact_url

    lines = [f"  Load balancer:  HAProxy on {settings.rasa_url}/ "
             f"({settings.var_dir / 'run' / 'haproxy.cfg'}; /socket.io sticky)\n"]
    for number in range(1, servers + 1):
        own = server_settings(settings, number)
        lines.append(f"  Server {number}:       Rasa {own.rasa_url}/, "
                     f"actions {own.action_url.rsplit('/', 1)[0]}/\n")
    lines.append(f"  Shared:         {redact_url(settings.database_url)} (conversations), "
                 f"{redact_url(settings.redis_url or '')} (locks, web chat rooms, rate limits)\n")
    return "".join(lines)
