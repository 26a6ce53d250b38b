"""bot/instance.py: a throw-away assistant's ports and settings (the bench's and the tests')."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.cluster import server_settings
from bot.instance import accepts, free_ports, isolated_settings, running
from bot.services import ManagedProcess


def test_free_ports_are_consecutive_and_free() -> None:
    first = free_ports(3)
    for port in range(first, first + 3):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # raises if taken


def test_accepts_only_while_something_listens() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert accepts(port)
    assert not accepts(port)


def test_isolated_settings_take_nothing_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NSSA_RASA_PORT", "5005")
    monkeypatch.setenv("NSSA_DATABASE_URL", "sqlite:////elsewhere.db")
    url = f"sqlite:///{tmp_path / 'here.db'}"
    settings = isolated_settings(tmp_path, url, NSSA_RATE_LIMIT_PER_MINUTE="7")
    assert settings.var_dir == tmp_path
    assert settings.database_url == url
    assert settings.rasa_port != 5005
    assert settings.rate_limit_per_minute == 7
    # The local tokens of this var/, as `bot run` makes them.
    assert settings.action_token and (tmp_path / "run" / "tokens.json").is_file()


def test_isolated_settings_of_a_cluster_leave_each_server_a_free_port(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path, "sqlite:///x.db", servers=2)
    ports = {settings.rasa_port, settings.staff_port}
    for number in (1, 2):
        own = server_settings(settings, number)
        ports |= {own.rasa_port, own.action_port}
    assert len(ports) == 6
    for port in ports:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))


def test_running_stops_what_it_started_when_the_block_fails(tmp_path: Path) -> None:
    import sys

    sleeper = ManagedProcess(name="sleeper", argv=[sys.executable, "-c", "import time; "
                                                   "time.sleep(60)"],
                             health_url="", log_path=tmp_path / "sleeper.log",
                             probe=lambda: True)
    with pytest.raises(RuntimeError, match="boom"):
        with running([sleeper]):
            assert sleeper.process is not None and sleeper.process.poll() is None
            raise RuntimeError("boom")
    assert sleeper.process.poll() is not None
