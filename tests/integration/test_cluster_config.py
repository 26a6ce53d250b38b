"""What `run --servers N` writes: HAProxy's configuration and Rasa's endpoints with Redis."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from bot.cluster import (
    cluster_lines,
    cluster_settings,
    haproxy_config,
    local_redis,
    server_settings,
)
from bot.services import write_endpoints
from bot.settings import PROJECT_ROOT, Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"NSSA_VAR_DIR": str(tmp_path), "NSSA_RASA_PORT": "7000",
                                  "NSSA_ACTION_PORT": "7100"}, env_file=Path("/nonexistent"))


def test_each_server_and_its_action_server_have_ports_of_their_own(settings: Settings) -> None:
    servers = [server_settings(settings, number) for number in (1, 2, 3)]
    assert [s.rasa_port for s in servers] == [7001, 7002, 7003]
    assert [s.action_port for s in servers] == [7100, 7101, 7102]
    assert servers[1].action_url == "http://127.0.0.1:7101/webhook"
    assert "Server 3:       Rasa http://127.0.0.1:7003/" in cluster_lines(
        cluster_settings(settings), 3)


def test_haproxy_takes_the_configuration(settings: Settings, tmp_path: Path) -> None:
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(settings, 2))
    haproxy = subprocess.run([str(PROJECT_ROOT / "scripts" / "haproxy.sh"), "path"],
                             capture_output=True, text=True, check=True).stdout.split()[-1]
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = config.read_text()
    assert "bind 127.0.0.1:7000" in text
    assert text.count("server rasa2 127.0.0.1:7002 check") == 2  # REST and socket.io
    assert "cookie NSSA_SERVER insert" in text and "balance source" in text


def test_without_redis_the_endpoints_are_the_projects(settings: Settings) -> None:
    assert write_endpoints(settings, settings.var_dir / "e.yml") == PROJECT_ROOT / "endpoints.yml"


def test_with_redis_rasa_makes_the_shared_lock_store(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints

    from bot.store.locks import SharedLockStore

    for key, value in settings.environment().items():  # as `bot run` gives them to Rasa
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NSSA_ACTION_TOKEN", "a-token-of-sixteen-characters")

    shared = dataclasses.replace(settings, redis_url="redis://:s3cret@10.0.0.5:6380/2")
    path = write_endpoints(shared, settings.var_dir / "run" / "endpoints.yml")
    endpoint = AvailableEndpoints.read_endpoints(str(path)).lock_store
    assert endpoint is not None and endpoint.url == "redis://:s3cret@10.0.0.5:6380/2"
    store = LockStore.create(endpoint)  # as Rasa makes it (no connection until a turn)
    assert isinstance(store, SharedLockStore)
    assert store.connection_kwargs["password"] == "s3cret"
    assert store.connection_kwargs["db"] == 2
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_redis_is_started_here_only_on_loopback(settings: Settings) -> None:
    assert local_redis(cluster_settings(settings)) == ("127.0.0.1", 6379)
    elsewhere = dataclasses.replace(settings, redis_url="redis://cache.internal:6379/0")
    assert local_redis(elsewhere) is None


def test_every_process_knows_each_server_a_new_model_goes_live_on(settings: Settings) -> None:
    from bot.cluster import cluster_processes
    from bot.security import with_local_tokens

    shared = with_local_tokens(cluster_settings(settings))
    processes = cluster_processes(shared, PROJECT_ROOT / "models" / "any.tar.gz", 2)
    staff = next(p for p in processes if p.name == "staff console")
    assert staff.env["NSSA_RASA_SERVERS"] == "http://127.0.0.1:7001,http://127.0.0.1:7002"
    assert [p.name for p in processes if p.name.startswith("Rasa")] == [
        "Rasa server 1", "Rasa server 2"]
