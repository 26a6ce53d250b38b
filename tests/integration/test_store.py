"""The conversation store on a real database, and start-up errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.errors import StoreError
from bot.settings import PROJECT_ROOT
from bot.store import check_database, create_engine_for


def test_sqlite_store_is_created_with_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'nssa.db'}"
    check_database(url)
    assert (tmp_path / "new").is_dir()


def test_rasa_sql_tracker_store_keeps_a_conversation(database_url: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    url = database_url
    check_database(url)
    store = SQLTrackerStore(Domain.empty(), host=url)
    tracker = DialogueStateTracker("citizen-1", slots=[])
    tracker.update(UserUttered("Hello ÅØ 👋 ü"))
    tracker.update(BotUttered("Hello."))
    import asyncio

    asyncio.run(store.save(tracker))
    with create_engine_for(url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name FROM events WHERE sender_id = 'citizen-1'")
        ).fetchall()
    assert [r[0] for r in rows] == ["user", "bot"]
    restored = asyncio.run(store.retrieve("citizen-1"))
    assert restored.latest_message.text == "Hello ÅØ 👋 ü"


def test_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"NSSA_DATABASE_URL=postgresql://u:\*\*\*@127.0.0.1:1/x"):
        check_database("postgresql://u:secret@127.0.0.1:1/x")


def test_bad_setting_stops_start_up_with_its_name() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--no-train"],
        cwd=PROJECT_ROOT,
        env={"NSSA_RASA_PORT": "not-a-port", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Configuration error: Setting NSSA_RASA_PORT='not-a-port' is not valid" in result.stderr


def test_unusable_database_stops_start_up(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--no-train"],
        cwd=PROJECT_ROOT,
        env={"NSSA_DATABASE_URL": f"sqlite:///{blocker}/nssa.db", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "NSSA_DATABASE_URL" in result.stderr
