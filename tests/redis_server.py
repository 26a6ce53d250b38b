"""A throw-away Redis for tests: Debian's redis-server (scripts/redis.sh) on a free port."""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.instance import accepts
from bot.settings import PROJECT_ROOT
from tests.conftest import free_port

__all__ = ["running_redis"]


@contextmanager
def running_redis(data_dir: Path) -> Iterator[str]:
    """A Redis on loopback with its data in `data_dir`; yields its URL, stops it after."""
    binary = subprocess.run([str(PROJECT_ROOT / "scripts" / "redis.sh"), "path"],
                            capture_output=True, text=True, check=True,
                            timeout=900).stdout.split()[-1]
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not accepts(port, timeout=0.5):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
