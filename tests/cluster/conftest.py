"""Two Rasa servers behind HAProxy on PostgreSQL and Redis, as `make cluster` runs them."""

from __future__ import annotations

import csv
import io
import json
import socket
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from bot.cluster import cluster_processes, server_settings
from bot.services import ManagedProcess, start_all, stop_all
from bot.settings import Settings, load_settings
from tests.conftest import free_port
from tests.e2e.conftest import Assistant

SERVERS = 2


def _free_run(length: int) -> int:
    """The first of `length` consecutive free ports (HAProxy, then each Rasa server)."""
    for _ in range(50):
        first = free_port()
        ports = range(first, first + length)
        if all(_free(port) for port in ports):
            return first
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Cluster(Assistant):
    """The assistant behind the load balancer (its REST and web chat at settings.rasa_url)."""

    def server(self, number: int) -> Settings:
        """The settings of Rasa server `number` (its own URL: `.rasa_url`)."""
        return server_settings(self.settings, number)

    def rasa(self, number: int) -> ManagedProcess:
        """The process of Rasa server `number`."""
        return self.process(f"Rasa server {number}")

    def requests_per_server(self) -> Dict[str, int]:
        """HAProxy's count of requests each Rasa server got (backend `rasa`), from its socket."""
        path = str(self.settings.var_dir / "run" / "haproxy.sock")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(path)
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {row["svname"]: int(row.get("req_tot") or row["stot"]) for row in rows
                if row["pxname"] == "rasa" and row["svname"].startswith("rasa")}

    def send_to(self, url: str, sender: str, message: str) -> List[Dict[str, Any]]:
        """POST one message to the REST channel at `url` (a server's own or the balancer's)."""
        request = urllib.request.Request(
            f"{url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, model: Path, postgres_url: str
) -> Iterator[Cluster]:
    """Redis, 2 action servers, 2 Rasa servers, HAProxy, worker and staff console."""
    var = tmp_path_factory.mktemp("var-cluster")
    settings = load_settings(
        environ={
            "NSSA_VAR_DIR": str(var),
            "NSSA_DATABASE_URL": postgres_url,
            "NSSA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
            "NSSA_RASA_PORT": str(_free_run(SERVERS + 1)),
            "NSSA_ACTION_PORT": str(_free_run(SERVERS)),
            "NSSA_STAFF_PORT": str(free_port()),
            "NSSA_CMS_URL": f"http://127.0.0.1:{free_port()}",
            "NSSA_HOUSING_URL": f"http://127.0.0.1:{free_port()}",
            "NSSA_RATE_LIMIT_PER_MINUTE": "1000",
        },
        env_file=Path("/nonexistent"),
    )
    from bot.security import with_local_tokens
    from bot.store.schema import upgrade

    settings = with_local_tokens(settings)
    upgrade(settings.database_url)
    processes = cluster_processes(settings, model, SERVERS)
    start_all(processes)
    try:
        yield Cluster(settings, processes)
    finally:
        stop_all(processes)
