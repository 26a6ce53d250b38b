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

from bot.cluster import server_settings
from bot.instance import free_ports, isolated_settings, running_cluster
from bot.services import ManagedProcess
from bot.settings import Settings
from tests.e2e.conftest import Assistant

SERVERS = 2


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
    settings = isolated_settings(
        tmp_path_factory.mktemp("var-cluster"), postgres_url, SERVERS,
        NSSA_REDIS_URL=f"redis://127.0.0.1:{free_ports()}/0",
        NSSA_RATE_LIMIT_PER_MINUTE="1000",
    )
    with running_cluster(settings, model, SERVERS) as processes:
        yield Cluster(settings, processes)
