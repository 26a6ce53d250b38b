"""The integration tests' database: the shared test database at the newest revision."""

from __future__ import annotations

from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.store.db import create_engine_for
from bot.store.schema import upgrade


@pytest.fixture
def url(store_url: str) -> str:
    """The test database (SQLite file or PostgreSQL schema) at the newest revision."""
    upgrade(store_url)
    return store_url


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """An engine on the upgraded test database."""
    engine = create_engine_for(url)
    yield engine
    engine.dispose()
