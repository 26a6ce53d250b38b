"""Shared fixtures: settings for a throw-away var/ and the current model."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.settings import Settings, load_settings


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--postgres-url`: a PostgreSQL database the store tests also run on."""
    parser.addoption(
        "--postgres-url",
        default=None,
        help="PostgreSQL URL (scripts/postgres.sh start prints one); `make test` passes it",
    )


# pytest-timeout: a fast test that hangs fails after `timeout` (pyproject.toml)
# and names itself; tests that start the Rasa servers or train get longer.
SLOW_TEST_TIMEOUT = 900


def pytest_collection_modifyitems(items: list) -> None:
    """Give end-to-end, browser and training tests the longer timeout."""
    for item in items:
        if item.get_closest_marker("timeout") is None and any(
            item.get_closest_marker(name) for name in ("e2e", "slow", "browser", "cluster")
        ):
            item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT))


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> str:
    """The test PostgreSQL database, emptied; skips where none was given."""
    url = request.config.getoption("--postgres-url")
    if not url:
        pytest.skip("no --postgres-url given (make test starts one)")
    import sqlalchemy as sa

    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nssa.db'}"
    return request.getfixturevalue("postgres_url")


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


@pytest.fixture
def store_url(database_url: str) -> Iterator[str]:
    """The test database, empty; on PostgreSQL a fresh schema first in search_path."""
    if make_url(database_url).get_backend_name() != "postgresql":
        yield database_url
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
