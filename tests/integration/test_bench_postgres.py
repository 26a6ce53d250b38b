"""`python -m bot bench` stops the PostgreSQL it started (scripts/postgres.sh), and only that.

The bench runs as a user runs it, in a subprocess on a port of its own
(PGTEST_PORT), with the current model recorded in its throw-away var/ so it
trains nothing of ours. It is made to fail as soon as it reaches stock Rasa
(var/bench is a file, so the stock project cannot be written), or stopped
by SIGINT (Ctrl-C) once its PostgreSQL answers. The block that does it
(bot/cluster.py `postgres_while`) is also tested alone, ending normally.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator

import pytest

from bot.instance import accepts
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                reason="PostgreSQL is not installed (make test installs it)")

SCRIPT = str(PROJECT_ROOT / "scripts" / "postgres.sh")


@pytest.fixture
def port() -> Iterator[int]:
    """A port of the test's own for scripts/postgres.sh; its server removed after."""
    chosen = free_port()
    yield chosen
    subprocess.run([SCRIPT, "remove"], env={**os.environ, "PGTEST_PORT": str(chosen)},
                   capture_output=True, timeout=120, check=False)


@pytest.fixture
def bench_env(tmp_path: Path, model: Path, project_settings: Settings, port: int
              ) -> Dict[str, str]:
    """The bench's environment: its own var/ (the current model recorded) and port."""
    var = tmp_path / "var"
    var.mkdir()
    shutil.copy(project_settings.var_dir / "model-fingerprint.json", var)
    return {**os.environ, "PGTEST_PORT": str(port), "NSSA_VAR_DIR": str(var),
            "NSSA_DATABASE_URL": f"sqlite:///{tmp_path / 'nssa.db'}",
            "NSSA_MODEL_DIR": str(model.parent)}


def bench(env: Dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "bench", "--quick", "--no-cluster"], cwd=PROJECT_ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def failing(env: Dict[str, str]) -> Dict[str, str]:
    """The bench fails once it has started PostgreSQL: var/bench is a file."""
    (Path(env["NSSA_VAR_DIR"]) / "bench").write_text("not a folder")
    return env


def test_a_failed_bench_stops_the_postgresql_it_started(bench_env, port: int) -> None:
    assert not accepts(port)
    run = bench(failing(bench_env))
    output, _ = run.communicate(timeout=300)
    assert run.returncode != 0, output
    assert "starting scripts/postgres.sh" in output
    assert not accepts(port), output


def test_an_interrupted_bench_stops_the_postgresql_it_started(bench_env, port: int) -> None:
    run = bench(bench_env)
    try:
        deadline = time.monotonic() + 240
        while not accepts(port):
            assert run.poll() is None, run.communicate()[0]
            assert time.monotonic() < deadline, "the bench's PostgreSQL never answered"
            time.sleep(0.2)
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0, output
    assert not accepts(port), output


def test_a_postgresql_already_running_is_left_running(bench_env, port: int) -> None:
    started = subprocess.run([SCRIPT, "start"], env=bench_env, capture_output=True, text=True,
                             timeout=240)
    assert started.returncode == 0, started.stderr
    run = bench(failing(bench_env))
    output, _ = run.communicate(timeout=300)
    assert run.returncode != 0, output
    assert accepts(port), output


def test_postgres_while_stops_its_server_when_the_block_ends(tmp_path: Path, port: int,
                                                              monkeypatch) -> None:
    from bot.cluster import postgres_while
    from bot.settings import load_settings

    monkeypatch.setenv("PGTEST_PORT", str(port))
    settings = load_settings(environ={"NSSA_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"},
                             env_file=Path("/nonexistent"))
    with postgres_while(settings) as on_postgres:
        assert on_postgres.database_url == f"postgresql://nssa@127.0.0.1:{port}/nssa"
        assert accepts(port)
    assert not accepts(port)


def test_postgres_while_leaves_a_postgresql_database_alone(port: int, monkeypatch) -> None:
    from bot.cluster import postgres_while
    from bot.settings import load_settings

    monkeypatch.setenv("PGTEST_PORT", str(port))
    url = "postgresql://someone@db.example:5432/nssa"
    settings = load_settings(environ={"NSSA_DATABASE_URL": url}, env_file=Path("/nonexistent"))
    with postgres_while(settings) as same:
        assert same.database_url == url
        assert not accepts(port)
