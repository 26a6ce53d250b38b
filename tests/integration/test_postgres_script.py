"""Issue 8, finding 7: scripts/postgres.sh works from a clone in a folder only its owner enters.

A home folder such as /root is mode 700: when the data directory lived in
the checkout, `initdb` (run as the postgres user when the caller is root)
could not enter it and `make test` failed on its first PostgreSQL test.
The repository is cloned into such a folder here and the script started,
queried, stopped and removed from there, on a port of its own.
"""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import PROJECT_ROOT
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                reason="PostgreSQL is not installed (make test installs it)")


def script(clone: Path, command: str, port: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["scripts/postgres.sh", command], cwd=clone, capture_output=True, text=True,
        env={**os.environ, "PGTEST_PORT": str(port)}, timeout=240,
    )


def test_start_query_stop_remove_from_a_clone_in_a_mode_700_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    clone = home / "nssa"
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], check=True,
                   timeout=120)
    port = free_port()
    started = script(clone, "start", port)
    try:
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url == f"postgresql://nssa@127.0.0.1:{port}/nssa"
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1 + 1")).scalar_one() == 2
        engine.dispose()
        assert script(clone, "url", port).stdout.strip() == url
    finally:
        stopped = script(clone, "stop", port)
        removed = script(clone, "remove", port)
    assert stopped.returncode == 0, stopped.stderr
    assert removed.returncode == 0, removed.stderr
    # Stopped: nothing answers on the port any more.
    with pytest.raises(sa.exc.OperationalError):
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect()
