"""Start and stop the assistant's processes: back-ends, action server, Rasa, worker.

Used by `python -m bot run` (with bot/supervisor.py watching them) and by
the end-to-end tests, so both run the assistant the same way. Rasa runs
without its HTTP API (SECURITY.md); the action server is the project's own
entry point behind NSSA_ACTION_TOKEN (bot/action_server.py).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from bot.channels_config import write_credentials
from bot.errors import NssaError
from bot.settings import PROJECT_ROOT, Settings
from bot.training import latest_model

__all__ = [
    "ManagedProcess",
    "ServiceError",
    "assistant_processes",
    "background_processes",
    "conversation_servers",
    "process_environment",
    "write_endpoints",
    "reference_backends",
    "start_all",
    "stop_all",
]

logger = logging.getLogger(__name__)


class ServiceError(NssaError):
    """A service did not start or did not become healthy."""


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@dataclass
class ManagedProcess:
    """One child process with a health URL and a log file."""

    name: str
    argv: List[str]
    health_url: str
    log_path: Path
    health_headers: Dict[str, str] = field(default_factory=dict)
    # Statuses of the health URL that mean "up".
    up_statuses: Tuple[int, ...] = (200,)
    env: Dict[str, str] = field(default_factory=dict)
    # (setting, host, port) the process listens on: checked free before start.
    listens: Optional[Tuple[str, str, int]] = None
    # Without a health URL: "up" when this says so (e.g. a port accepts), else when it runs.
    probe: Optional[Callable[[], bool]] = None
    process: Optional[subprocess.Popen] = None
    _log: Optional[IO[bytes]] = None

    def start(self) -> None:
        """Start the process, logging to `log_path`."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log is not None:
            self._log.close()  # a restart: the earlier run's handle
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        logger.info("Started %s (pid %s), log %s", self.name, self.process.pid, self.log_path)

    def healthy(self) -> bool:
        """True when the health URL answers 200 (no URL: the probe, or when the process runs)."""
        if not self.health_url:
            running = self.process is not None and self.process.poll() is None
            return running and (self.probe is None or self.probe())
        request = urllib.request.Request(self.health_url, headers=self.health_headers)
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status in self.up_statuses
        except urllib.error.HTTPError as exc:
            return exc.code in self.up_statuses
        except (urllib.error.URLError, OSError):
            return False

    def wait_healthy(self, timeout: float) -> None:
        """Wait until healthy; raise `ServiceError` with the log's tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}"
                )
            if self.healthy():
                return
            time.sleep(0.5)
        raise ServiceError(f"{self.name} not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 15) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after `timeout`."""
        self.terminate()
        self.finish(time.monotonic() + timeout)

    def terminate(self) -> None:
        """Send SIGTERM to the process group (its children too), if it runs."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def finish(self, deadline: float) -> None:
        """Wait for the exit until `deadline` (monotonic), then SIGKILL the group."""
        if self.process is not None:
            try:
                self.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("The %s did not stop in time; killed.", self.name)
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()
            # Anything the process left in its group goes with it.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._log is not None:
            self._log.close()
            self._log = None


def reference_backends(settings: Settings, log_dir: Path) -> List[ManagedProcess]:
    """The project's own CMS and Housing Office servers, on the configured URLs."""
    cms = urlsplit(settings.cms_url)
    housing = urlsplit(settings.housing_url)
    cms_env = {
        "NSSA_CMS_HOST": cms.hostname or "127.0.0.1",
        "NSSA_CMS_PORT": str(cms.port or 80),
        "NSSA_CMS_TOKEN": settings.cms_token,
        "NSSA_CMS_DATABASE_URL": f"sqlite:///{settings.var_dir / 'cms' / 'cms.db'}",
        "NSSA_CMS_OTP_LOG": str(settings.var_dir / "cms" / "otp.log"),
    }
    housing_env = {
        "NSSA_HOUSING_HOST": housing.hostname or "127.0.0.1",
        "NSSA_HOUSING_PORT": str(housing.port or 80),
        "NSSA_HOUSING_API_KEY": settings.housing_api_key,
        "NSSA_HOUSING_DATABASE_URL": f"sqlite:///{settings.var_dir / 'housing' / 'housing.db'}",
    }
    return [
        ManagedProcess(
            name="reference CMS",
            argv=[sys.executable, "-m", "backends.cms"],
            health_url=f"{settings.cms_url}/v1/health",
            log_path=log_dir / "cms.log",
            env=cms_env,
            listens=("NSSA_CMS_URL", cms_env["NSSA_CMS_HOST"], int(cms_env["NSSA_CMS_PORT"])),
        ),
        ManagedProcess(
            name="reference Housing Office",
            argv=[sys.executable, "-m", "backends.housing"],
            # The contract has no health path: an unknown application
            # number answers 404, which shows the server is up.
            health_url=f"{settings.housing_url}/intake/v2/applications/HO-00000000",
            health_headers={"X-Api-Key": settings.housing_api_key},
            up_statuses=(200, 404),
            log_path=log_dir / "housing.log",
            env=housing_env,
            listens=("NSSA_HOUSING_URL", housing_env["NSSA_HOUSING_HOST"],
                     int(housing_env["NSSA_HOUSING_PORT"])),
        ),
    ]


def assistant_processes(
    settings: Settings, model: Path, log_dir: Optional[Path] = None
) -> List[ManagedProcess]:
    """Reference back-ends (if embedded), action server, Rasa, worker and staff console, in order.

    The settings need their action and API tokens (`bot.security.with_local_tokens`).
    """
    log_dir = log_dir or settings.var_dir / "log"
    backends = reference_backends(settings, log_dir) if settings.embedded_backends else []
    servers = conversation_servers(settings, model, log_dir)
    return [*backends, *servers, *background_processes(settings, log_dir)]


def process_environment(settings: Settings) -> Dict[str, str]:
    """The variables every process of the assistant gets from these settings."""
    # Rasa and rasa_sdk read LOG_LEVEL: NSSA_LOG_LEVEL=DEBUG makes them log at DEBUG too
    # (personal numbers masked, bot/privacy.py).
    return {
        **settings.environment(),
        "PYTHONPATH": str(PROJECT_ROOT),
        "LOG_LEVEL": settings.log_level,
    }


def conversation_servers(
    settings: Settings, model: Path, log_dir: Path, number: Optional[int] = None
) -> List[ManagedProcess]:
    """An action server and the Rasa server calling it, on the settings' ports.

    `number`: the n-th pair of several (bot/cluster.py), named and logged apart.
    """
    if not (settings.action_token and settings.api_token):
        raise ServiceError("NSSA_ACTION_TOKEN and NSSA_API_TOKEN are needed to start the "
                           "assistant (bot.security.with_local_tokens gives them)")
    env = process_environment(settings)
    suffix = f" {number}" if number is not None else ""
    file_suffix = f"-{number}" if number is not None else ""
    # credentials.yml less the channels not configured (bot/channels_config.py).
    credentials = settings.var_dir / "run" / "credentials.yml"
    write_credentials(settings, credentials)
    endpoints = write_endpoints(settings, settings.var_dir / "run" / "endpoints.yml")
    actions = ManagedProcess(
        name=f"action server{suffix}",
        argv=[sys.executable, "-m", "bot", "actions"],
        health_url=f"{settings.action_url.rsplit('/', 1)[0]}/health",
        log_path=log_dir / f"actions{file_suffix}.log",
        env=env,
        listens=("NSSA_ACTION_PORT", settings.action_host, settings.action_port),
    )
    # The model folder when the model is its latest: Rasa takes the latest one
    # (by mtime, as bot.training.latest_model), so a server restarted by the
    # supervisor after a go-live (bot/review) comes back with the live model.
    latest = latest_model(settings.model_dir) if model.parent == settings.model_dir else None
    rasa = ManagedProcess(
        name=f"Rasa server{suffix}",
        argv=[
            _bin("rasa"), "run", "--model", str(model.parent if latest == model else model),
            "--endpoints", str(endpoints), "--credentials", str(credentials),
            "--interface", settings.host, "--port", str(settings.rasa_port),
            "--log-file", str(log_dir / f"rasa-debug{file_suffix}.log"),
        ],
        # Rasa listens only once its model is loaded; its HTTP API is not opened.
        health_url=f"{settings.rasa_url}/",
        log_path=log_dir / f"rasa{file_suffix}.log",
        env=env,
        listens=("NSSA_RASA_PORT", settings.host, settings.rasa_port),
    )
    return [actions, rasa]


def background_processes(settings: Settings, log_dir: Path) -> List[ManagedProcess]:
    """The outbox worker and the staff console (one of each, however many Rasa servers)."""
    env = process_environment(settings)
    worker = ManagedProcess(
        name="outbox worker",
        argv=[sys.executable, "-m", "bot", "worker", "--interval", "2"],
        health_url="",
        log_path=log_dir / "worker.log",
        env=env,
    )
    staff = ManagedProcess(
        name="staff console",
        argv=[sys.executable, "-m", "bot", "staff", "serve"],
        health_url=f"{settings.staff_url}/health",
        log_path=log_dir / "staff.log",
        env=env,
        listens=("NSSA_STAFF_PORT", settings.staff_host, settings.staff_port),
    )
    return [worker, staff]


def write_endpoints(settings: Settings, target: Path) -> Path:
    """endpoints.yml as it is, or (NSSA_REDIS_URL set) with the shared lock store added.

    With the lock store in Redis (bot/store/locks.py), one conversation's
    turns never run in two Rasa servers at once: each turn holds the
    conversation's lock.
    """
    source = PROJECT_ROOT / "endpoints.yml"
    if not settings.redis_url:
        return source
    lock_store = {
        "type": "bot.store.locks.SharedLockStore",
        "url": settings.redis_url,
        "key_prefix": "nssa",
    }
    import yaml

    target.parent.mkdir(parents=True, exist_ok=True)
    # Appended as text: endpoints.yml's ${...} values must stay plain for Rasa to expand.
    target.write_text(
        source.read_text(encoding="utf-8")
        + "\n# Added by `python -m bot run` (NSSA_REDIS_URL is set):\n"
        + yaml.safe_dump({"lock_store": lock_store}, sort_keys=False),
        encoding="utf-8",
    )
    target.chmod(0o600)
    return target


def start_all(
    processes: List[ManagedProcess],
    timeout: float = 240,
    report: Callable[[str], None] = lambda line: None,
) -> None:
    """Start each process and wait for it, telling `report` how far it is; stop all on failure."""
    try:
        for number, process in enumerate(processes, start=1):
            started = time.monotonic()
            report(f"[{number}/{len(processes)}] Starting the {process.name} "
                   f"(log {process.log_path}) ...")
            process.start()
            process.wait_healthy(timeout)
            report(f"[{number}/{len(processes)}] The {process.name} is up "
                   f"({time.monotonic() - started:.1f} s).")
    except BaseException:
        stop_all(processes)
        raise


def stop_all(processes: List[ManagedProcess], timeout: float = 20) -> None:
    """Stop every process: SIGTERM to all at once, SIGKILL to any left after `timeout`."""
    for process in reversed(processes):
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in reversed(processes):
        process.finish(deadline)
