"""`python -m bot run` as `make run` starts it: a crash is never silent (issue 8, finding 6).

- A second run while the first holds the ports stops before starting
  anything, naming each busy port's setting, with a non-zero exit code.
- `kill -9` of the Rasa server: it is restarted (logged) and answers again.
- A service that keeps crashing (5 times in 5 minutes) stops everything,
  with exit code 3 and no child left behind.
- SIGTERM stops every child within 30 s, exit code 0, no orphans.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import free_port
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

RUNNING = "The NSSA Assistant is running."
SETTINGS = ("NSSA_RASA_PORT", "NSSA_ACTION_PORT", "NSSA_CMS_URL", "NSSA_HOUSING_URL",
            "NSSA_STAFF_PORT")


def run_env(var: Path, model: Path) -> Dict[str, str]:
    """The environment of one `bot run`: own var/, free ports, the trained model."""
    return {
        **os.environ,
        "NSSA_ENV_FILE": "/nonexistent",
        "NSSA_VAR_DIR": str(var),
        "NSSA_MODEL_DIR": str(model.parent),
        "NSSA_RASA_PORT": str(free_port()),
        "NSSA_ACTION_PORT": str(free_port()),
        "NSSA_STAFF_PORT": str(free_port()),
        "NSSA_CMS_URL": f"http://127.0.0.1:{free_port()}",
        "NSSA_HOUSING_URL": f"http://127.0.0.1:{free_port()}",
        "PYTHONUNBUFFERED": "1",
    }


class Run:
    """One `python -m bot run --no-train` in a process group of its own, output in a file."""

    def __init__(self, env: Dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--no-train"], cwd=PROJECT_ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pids(self, name: str = r"[\w ]+?") -> List[int]:
        """The pids of the children started so far (of service `name`), in order."""
        return [int(pid) for pid in re.findall(rf"Started {name} \(pid (\d+)\)", self.output())]

    def wait_running(self, timeout: float = 300) -> None:
        wait_until(lambda: RUNNING in self.output() or self.process.poll() is not None,
                   "the assistant to start", timeout)
        assert RUNNING in self.output(), self.output()[-3000:]

    def rasa_answers(self) -> bool:
        url = f"http://127.0.0.1:{self.env['NSSA_RASA_PORT']}/webhooks/rest/"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Kill whatever is left (a failed test), the children's groups included."""
        for pid in [self.process.pid, *self.pids()]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait(30)


def gone(pid: int) -> bool:
    """Whether no process (and no process group) of that id is left."""
    for kill in (os.kill, os.killpg):
        try:
            kill(pid, 0)
            return False
        except ProcessLookupError:
            continue
    return True


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Run]:
    var = tmp_path_factory.mktemp("run-first")
    run = Run(run_env(var, model), var / "run.out")
    try:
        run.wait_running()
        yield run
    finally:
        run.stop()


def test_a_second_run_while_the_ports_are_taken_fails_naming_them(
    first: Run, tmp_path: Path
) -> None:
    second = Run({**first.env, "NSSA_VAR_DIR": str(tmp_path)}, tmp_path / "second.out")
    try:
        code = second.process.wait(120)
    finally:
        second.stop()
    output = second.output()
    assert code != 0, output[-2000:]
    for setting in SETTINGS:
        assert setting in output, (setting, output[-2000:])
    assert RUNNING not in output and second.pids() == []
    assert first.process.poll() is None and first.rasa_answers()


def test_the_staff_console_runs_and_its_url_is_printed(first: Run) -> None:
    url = f"http://127.0.0.1:{first.env['NSSA_STAFF_PORT']}/"
    assert f"Staff console: {url}" in first.output()
    with urllib.request.urlopen(f"{url}sign-in", timeout=10) as page:
        assert page.status == 200 and b"Sign in" in page.read()


def test_a_killed_rasa_server_is_restarted(first: Run) -> None:
    killed = first.pids("Rasa server")[-1]
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: re.search(r"Rasa server .*restart", first.output()),
               "the restart to be logged", timeout=30)
    wait_until(lambda: first.pids("Rasa server")[-1] != killed and first.rasa_answers(),
               "the Rasa server to answer again", timeout=300)
    assert first.process.poll() is None


def test_a_service_that_keeps_crashing_stops_everything_with_exit_code_3(first: Run) -> None:
    deadline = time.monotonic() + 300
    killed = set()
    while first.process.poll() is None and time.monotonic() < deadline:
        pid = first.pids("Rasa server")[-1]
        if pid not in killed:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            killed.add(pid)
        time.sleep(0.2)
    assert first.process.poll() == 3, first.output()[-3000:]
    assert "crashed 5 times" in first.output()
    assert all(gone(pid) for pid in first.pids()), "a child outlived bot run"


def test_sigterm_stops_every_child_within_30_s(
    tmp_path_factory: pytest.TempPathFactory, model: Path
) -> None:
    var = tmp_path_factory.mktemp("run-term")
    run = Run(run_env(var, model), var / "run.out")
    try:
        run.wait_running()
        children = run.pids()
        # CMS, Housing Office, action server, Rasa, worker, staff console
        assert len(children) == 6
        run.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = run.process.wait(40)
        assert time.monotonic() - started < 30
        assert code == 0, run.output()[-2000:]
        assert all(gone(pid) for pid in children), "a child outlived bot run"
    finally:
        run.stop()
