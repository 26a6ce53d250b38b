"""Shared fixtures: settings for a throw-away var/ and the current model."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def project_settings() -> Settings:
    """The project's own settings (models/ and the shared handbook)."""
    return load_settings(environ={}, env_file=Path("/nonexistent"))


@pytest.fixture(scope="session")
def model(project_settings: Settings) -> Path:
    """The current model, trained if the data changed (`make test` trains first)."""
    from bot.training import ensure_model

    return ensure_model(project_settings)
