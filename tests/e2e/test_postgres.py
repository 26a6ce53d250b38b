"""One setting switches the conversation store to PostgreSQL; nothing else changes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import run_assistant

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def assistant_on_postgres(tmp_path_factory, model: Path, postgres_url: str):
    yield from run_assistant(tmp_path_factory.mktemp("var-pg"), model, postgres_url)


def test_conversation_is_stored_in_postgresql(assistant_on_postgres, postgres_url) -> None:
    reply = assistant_on_postgres.ask("how much is child benefit", sender="pg-1")
    assert "€215.00" in reply
    engine = sa.create_engine(postgres_url, future=True)
    with engine.connect() as connection:
        texts = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = 'rest-pg-1' AND type_name = 'user'")
        ).scalars().all()
    engine.dispose()
    assert any("how much is child benefit" in t for t in texts)
