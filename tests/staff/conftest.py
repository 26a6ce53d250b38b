"""The staff console on a test server: real database, real reference CMS, a recorded assistant.

The Rasa server's internal routes are answered by an httpx MockTransport
that records each call (the browser tests drive the real Rasa server).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import Engine

from backends.cms import create_app as create_cms_app
from bot.store.db import create_engine_for
from bot.store.schema import upgrade
from bot.store.tables import person_conversations
from clients.cms import CmsClient
from staff.accounts import Accounts
from staff.assistant import Assistant
from staff.console import Console
from staff.sessions import Sessions, SignInLimit
from staff.web import create_app
from tests.backends.conftest import TOKEN, cms_settings_for

PASSWORD = "correct horse battery"
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)

# Rasa's `events` table, the columns the console reads (Rasa makes it in production).
_events = sa.Table(
    "events", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Staff:
    """The console under test and what it called."""

    client: TestClient
    console: Console
    engine: Engine
    clock: Clock
    calls: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)

    async def sign_in(self, name: str, password: str = PASSWORD) -> "Caller":
        form = await self.client.get("/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', await form.text())
        assert token, "the sign-in form has a CSRF token"
        answer = await self.client.post(
            "/sign-in", data={"csrf_token": token.group(1), "name": name, "password": password},
            headers={"Accept": "application/json"},
        )
        assert answer.status == 200, await answer.text()
        body = await answer.json()
        # Each caller sends its own cookie: the client's jar keeps none.
        self.client.session.cookie_jar.clear()
        return Caller(self, body["csrf_token"], answer.cookies["nssa_staff"].value)

    def say_event(self, conversation_id: str, type_name: str, text: str,
                  **extra: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(_events.insert().values(
                sender_id=conversation_id, type_name=type_name, timestamp=NOW.timestamp(),
                data=json.dumps({"event": type_name, "text": text, **extra})))

    def verified(self, conversation_id: str, person_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(person_conversations.insert().values(
                person_id=person_id, conversation_id=conversation_id, channel="webchat",
                updated_at=NOW))


@dataclass
class Caller:
    """One signed-in member of staff: their CSRF token and session cookie."""

    staff: Staff
    csrf: str
    cookie: str

    async def call(self, method: str, path: str, body: Any = None, *, csrf: Optional[str] = "",
                   ) -> Tuple[int, Any]:
        headers = {"Cookie": f"nssa_staff={self.cookie}"}
        token = self.csrf if csrf == "" else csrf
        if token is not None:
            headers["X-CSRF-Token"] = token
        response = await self.staff.client.request(method, path, json=body, headers=headers)
        try:
            return response.status, await response.json()
        except ValueError:
            return response.status, await response.text()

    async def page(self, path: str) -> Tuple[int, str]:
        response = await self.staff.client.get(
            path, headers={"Cookie": f"nssa_staff={self.cookie}"}, allow_redirects=False)
        return response.status, await response.text()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An engine on the test database (SQLite, or PostgreSQL with --postgres-url) upgraded."""
    upgrade(store_url)
    engine = create_engine_for(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
async def staff(engine: Engine, tmp_path: Path) -> AsyncIterator[Staff]:
    _events.create(engine, checkfirst=True)
    clock = Clock()
    cms_app = create_cms_app(cms_settings_for(tmp_path / "cms"))
    async with TestServer(cms_app) as cms_server:
        cms_url = str(cms_server.make_url("")).rstrip("/")
        calls: List[Tuple[str, Dict[str, Any]]] = []

        def internal(request: httpx.Request) -> httpx.Response:
            assert request.headers["Authorization"] == "Bearer internal-api-token-0123"
            calls.append((request.url.path, json.loads(request.content)))
            return httpx.Response(200, json={"status": "ok"})

        assistant = Assistant("http://rasa.test", "internal-api-token-0123",
                              transport=httpx.MockTransport(internal))
        console = Console(engine, assistant, lambda: CmsClient(cms_url, TOKEN), clock=clock)
        accounts = Accounts(engine, clock=clock)
        for name, role in (("alice", "advisor"), ("bob", "advisor"), ("erin", "editor"),
                           ("ada", "admin")):
            accounts.add(name, role, PASSWORD)
        app = create_app(console, Sessions(engine, clock=clock),
                         SignInLimit(engine, clock=clock), secure_cookies=False)
        async with TestClient(TestServer(app)) as client:
            yield Staff(client, console, engine, clock, calls)
