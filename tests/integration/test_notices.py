"""Proactive notices on a real database, over HTTP, and through a real Rasa agent.

Every store test runs on an SQLite file and on PostgreSQL (`database_url`;
pass `--postgres-url`), each PostgreSQL test in a schema of its own. The
Rasa tests train a small model from data/core/notices.yml and the domain
lines of DOMAIN (the same lines domain.yml has for the notices, in
domain.yml) and run the channel in Rasa's own Sanic app.
"""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT
from bot.store import ProcessedWebhooks, create_engine_for
from bot.store.persons import Persons
from bot.store.schema import alembic_config, current_revision, head_revision, upgrade
from channels.cms_events import SOURCE, CmsEventsInput
from tests.conftest import free_port

DATA = PROJECT_ROOT / "tests" / "data" / "cms_events"
SECRET = "test-events-secret-0123456789"
EVENT_ID = "evt_5f1c0d2a9b8e7f6a5b4c3d2e"
CASE_NOTICE = (
    "Your case NSSA-2026-000123 has been updated: A decision has been made. "
    "The letter is in My NSSA or on its way by post."
)


def recorded(name: str) -> Dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several Rasa apps in one process: Sanic allows it in test mode only.

    (One app name per process otherwise, and its start-up rewrites of the
    class's methods fail the second time.)
    """
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def persons(url: str) -> Iterator[Persons]:
    engine = create_engine_for(url)
    yield Persons(engine)
    engine.dispose()


# --- schema --------------------------------------------------------------------


class TestSchema:
    def test_revision_0002_adds_the_two_tables(self, url: str) -> None:
        assert current_revision(url) == head_revision()
        engine = create_engine_for(url)
        try:
            inspector = sa.inspect(engine)
            assert {"person_conversations", "notice_opt_outs"} <= set(inspector.get_table_names())
            assert inspector.get_pk_constraint("person_conversations")["constrained_columns"] == [
                "person_id"
            ]
            assert inspector.get_pk_constraint("notice_opt_outs")["name"] == "pk_notice_opt_outs"
        finally:
            engine.dispose()

    def test_upgrade_from_0001_keeps_the_outbox_and_downgrade_drops_only_ours(
        self, database_url: str, tmp_path: Path
    ) -> None:
        if make_url(database_url).get_backend_name() == "postgresql":
            pytest.skip("the up-and-down run uses a file of its own")
        url = f"sqlite:///{tmp_path / 'steps.db'}"
        upgrade(url, "0001")
        engine = create_engine_for(url)
        try:
            ProcessedWebhooks(engine).first_time("telegram", "1")
            upgrade(url)
            assert current_revision(url) == head_revision()
            assert not ProcessedWebhooks(engine).first_time("telegram", "1")
            command.downgrade(alembic_config(url), "0001")
            tables = set(sa.inspect(engine).get_table_names())
            assert "person_conversations" not in tables and "notice_opt_outs" not in tables
            assert {"outbox", "processed_webhooks"} <= tables
        finally:
            engine.dispose()


# --- the persons repository ------------------------------------------------------


class TestPersons:
    def test_remember_and_find_the_conversation(self, persons: Persons) -> None:
        assert persons.conversation_of("P-1001") is None
        persons.remember("P-1001", "conv-1", "rest")
        found = persons.conversation_of("P-1001")
        assert (found.person_id, found.conversation_id, found.channel) == (
            "P-1001", "conv-1", "rest"
        )
        assert found.updated_at.tzinfo is not None
        assert persons.conversation_of("P-1002") is None

    def test_the_latest_conversation_replaces_the_earlier(self, url: str) -> None:
        times = iter([datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
                      datetime(2026, 3, 2, 10, tzinfo=timezone.utc)])
        engine = create_engine_for(url)
        try:
            persons = Persons(engine, clock=lambda: next(times))
            persons.remember("P-1001", "conv-web", "rest")
            persons.remember("P-1001", "conv-tg", "telegram")
            found = persons.conversation_of("P-1001")
            assert (found.conversation_id, found.channel) == ("conv-tg", "telegram")
            assert found.updated_at == datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
            with engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT count(*) FROM person_conversations"))
                assert rows.scalar_one() == 1
        finally:
            engine.dispose()

    def test_opt_out_and_in(self, persons: Persons) -> None:
        assert not persons.opted_out("P-1001")
        assert persons.opt_out("P-1001") is True
        assert persons.opt_out("P-1001") is False  # already out: nothing changes
        assert persons.opted_out("P-1001") and not persons.opted_out("P-1002")
        assert persons.opt_in("P-1001") is True
        assert persons.opt_in("P-1001") is False
        assert not persons.opted_out("P-1001")

    def test_opting_out_keeps_the_conversation(self, persons: Persons) -> None:
        persons.remember("P-1001", "conv-1", "rest")
        persons.opt_out("P-1001")
        assert persons.conversation_of("P-1001") is not None

    @pytest.mark.parametrize(
        "args, message",
        [(("", "c", "rest"), "person_id"), (("P-1", "", "rest"), "conversation_id"),
         (("P-1", "c", ""), "channel"), (("P-1", "c" * 256, "rest"), "conversation_id")],
    )
    def test_bad_values_are_refused_by_name(self, persons: Persons, args, message) -> None:
        with pytest.raises(ValueError, match=message):
            persons.remember(*args)

    def test_concurrent_remember_and_opt_out_from_threads(self, persons: Persons) -> None:
        def work(i: int) -> None:
            persons.remember("P-1001", f"conv-{i}", "rest")
            persons.opt_out("P-1001")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(work, range(12)))
        assert persons.opted_out("P-1001")
        assert persons.conversation_of("P-1001").conversation_id.startswith("conv-")


# --- the channel over HTTP, in Rasa's own Sanic app ----------------------------------


class RecordingAgent:
    """Stands in for rasa's Agent: records the notices; `fail` raises once."""

    def __init__(self) -> None:
        from rasa.core.lock_store import InMemoryLockStore

        self.domain = type("D", (), {"intents": ["EXTERNAL_notice"]})()
        self.lock_store = InMemoryLockStore()
        self.processor = self
        self.told: List[str] = []
        self.fail = 0

    def is_ready(self) -> bool:
        return True

    async def get_tracker(self, conversation_id: str) -> Any:
        from rasa.shared.core.trackers import DialogueStateTracker

        return DialogueStateTracker(conversation_id, slots=[])

    async def fetch_tracker_and_update_session(self, conversation_id: str, output=None) -> Any:
        return await self.get_tracker(conversation_id)

    async def trigger_intent(self, intent_name, entities, output_channel, tracker) -> None:
        await asyncio.sleep(0.05)  # let a concurrent duplicate arrive meanwhile
        if self.fail:
            self.fail -= 1
            raise RuntimeError("action server down")
        self.told.append(entities[0]["value"])


async def serve(channel: CmsEventsInput, agent: Any) -> Any:
    """Rasa's app without the HTTP API, the channel registered as `rasa run` does."""
    from rasa.core.run import configure_app

    port = free_port()
    app = configure_app(input_channels=[channel], enable_api=False, port=port,
                        conversation_id=None, use_uvloop=False)
    app.ctx.agent = agent
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                     access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server, f"http://127.0.0.1:{port}/webhooks/cms_events"


@pytest.fixture
async def running(url: str) -> Any:
    engine = create_engine_for(url)
    persons = Persons(engine)
    persons.remember("P-1001", "conv-anna", "rest")
    channel = CmsEventsInput(SECRET, database_url=url)
    agent = RecordingAgent()
    server, base = await serve(channel, agent)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield client, agent, persons
    finally:
        server.close()
        await server.wait_closed()
        engine.dispose()


async def post(client: httpx.AsyncClient, name: str) -> httpx.Response:
    delivery = recorded(name)
    return await client.post("/webhook", content=delivery["body"].encode("utf-8"),
                             headers=delivery["headers"])


class TestOverHttp:
    async def test_health(self, running) -> None:
        client, _, _ = running
        response = await client.get("/")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})

    @pytest.mark.parametrize(
        "name", ["case_status_changed", "unknown_person", "forged_signature", "malformed",
                 "not_an_event", "wrong_secret"],
    )
    async def test_recorded_delivery(self, running, name: str) -> None:
        client, agent, _ = running
        response = await post(client, name)
        assert response.status_code == recorded(name)["expect_status"]
        assert agent.told == ([CASE_NOTICE] if name == "case_status_changed" else [])

    async def test_concurrent_duplicates_are_told_once(self, running) -> None:
        client, agent, _ = running
        answers = await asyncio.gather(*(post(client, "case_status_changed") for _ in range(4)))
        assert sorted(r.json()["status"] for r in answers) == ["duplicate"] * 3 + ["notified"]
        assert agent.told == [CASE_NOTICE]

    async def test_failure_is_503_and_the_cms_retry_is_told(self, running) -> None:
        client, agent, _ = running
        agent.fail = 1
        first = await post(client, "case_status_changed")
        assert first.status_code == 503
        retry = await post(client, "case_status_changed")
        assert (retry.status_code, retry.json()) == (200, {"status": "notified"})
        assert agent.told == [CASE_NOTICE]

    async def test_opted_out_person_is_answered_200_and_told_nothing(self, running) -> None:
        client, agent, persons = running
        persons.opt_out("P-1001")
        response = await post(client, "case_status_changed")
        assert (response.status_code, response.json()) == (200, {"status": "opted_out"})
        assert agent.told == []

    async def test_database_down_is_503_never_500(self, tmp_path: Path) -> None:
        channel = CmsEventsInput(SECRET, database_url="postgresql://u:p@127.0.0.1:1/none")
        agent = RecordingAgent()
        server, base = await serve(channel, agent)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                response = await post(client, "case_status_changed")
        finally:
            server.close()
            await server.wait_closed()
        assert response.status_code == 503
        assert agent.told == [], "nothing is told when the event cannot be recorded"


# --- a real Rasa agent ---------------------------------------------------------------

# The notices part of domain.yml, as a domain of its own.
DOMAIN = """
version: "3.1"
session_config:
  session_expiration_time: 15
  carry_over_slots_to_new_session: false
intents:
  - greet
  - stop_notices
  - start_notices
  - EXTERNAL_notice
entities:
  - notice_text
slots:
  notice_text:
    type: text
    influence_conversation: false
    mappings:
      - type: from_entity
        entity: notice_text
        intent: EXTERNAL_notice
actions:
  - action_stop_notices
  - action_start_notices
responses:
  utter_greet:
    - text: Hello.
"""

CONFIG = """
recipe: default.v1
language: en
assistant_id: notices-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
policies:
  - name: RulePolicy
"""

GREET = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi
    - good morning
    - hey there
    - hello there
"""


@pytest.fixture(scope="module")
def notices_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small model: data/core/notices.yml with the domain lines of DOMAIN."""
    from rasa.model_training import train

    folder = tmp_path_factory.mktemp("notices-model")
    (folder / "domain.yml").write_text(DOMAIN)
    (folder / "config.yml").write_text(CONFIG)
    (folder / "greet.yml").write_text(GREET)
    result = train(
        domain=str(folder / "domain.yml"),
        config=str(folder / "config.yml"),
        training_files=[str(PROJECT_ROOT / "data" / "core" / "notices.yml"),
                        str(folder / "greet.yml")],
        output=str(folder / "models"),
    )
    assert result.code == 0 and result.model, "training the notices model failed"
    return result.model


async def _agent(model: str, url: str) -> Any:
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return Agent.load(model, tracker_store=SQLTrackerStore(Domain.empty(), host=url))


async def _start_conversation(agent: Any, conversation_id: str, channel: str,
                              minutes_ago: float = 1) -> None:
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        UserUttered,
    )

    at = time.time() - minutes_ago * 60
    tracker = await agent.processor.get_tracker(conversation_id)
    for event in (ActionExecuted("action_session_start", timestamp=at),
                  SessionStarted(timestamp=at), ActionExecuted("action_listen", timestamp=at),
                  UserUttered("hello", {"name": "greet", "confidence": 1.0},
                              input_channel=channel, timestamp=at),
                  ActionExecuted("utter_greet", timestamp=at),
                  BotUttered("Hello.", timestamp=at),
                  ActionExecuted("action_listen", timestamp=at)):
        tracker.update(event)
    await agent.tracker_store.save(tracker)


def _bot_texts(tracker: Any) -> List[str]:
    return [e.text for e in tracker.events if e.type_name == "bot"]


@pytest.mark.slow
class TestWithRasa:
    async def test_notice_is_told_in_the_conversation(self, notices_model, url) -> None:
        agent = await _agent(notices_model, url)
        await _start_conversation(agent, "conv-anna", "rest")
        Persons(create_engine_for(url)).remember("P-1001", "conv-anna", "rest")
        channel = CmsEventsInput(SECRET, database_url=url)
        server, base = await serve(channel, agent)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                response = await post(client, "case_status_changed")
        finally:
            server.close()
            await server.wait_closed()
        assert (response.status_code, response.json()) == (200, {"status": "notified"})
        tracker = await agent.tracker_store.retrieve("conv-anna")
        assert _bot_texts(tracker)[-1] == CASE_NOTICE
        assert tracker.get_slot("notice_text") == CASE_NOTICE
        external = [e for e in tracker.events if e.type_name == "user"][-1]
        assert external.intent_name == "EXTERNAL_notice"
        assert external.input_channel == "rest"  # the conversation keeps its channel

    async def test_a_conversation_that_ended_gets_a_new_session_first(
        self, notices_model, url
    ) -> None:
        agent = await _agent(notices_model, url)
        await _start_conversation(agent, "conv-old", "rest", minutes_ago=60)
        Persons(create_engine_for(url)).remember("P-1001", "conv-old", "rest")
        channel = CmsEventsInput(SECRET, database_url=url)
        app = type("App", (), {"ctx": type("Ctx", (), {"agent": agent, "input_channels": []})})
        delivery = recorded("payment_date_changed")
        status, _ = await channel.receive(delivery["body"].encode(), delivery["headers"], app)
        assert status == 200
        tracker = await agent.tracker_store.retrieve_full_tracker("conv-old")
        starts = [e for e in tracker.events if e.type_name == "session_started"]
        assert len(starts) == 2
        assert _bot_texts(tracker)[-1] == "Your pension is paid on 18 December."
        # The new session starts empty: only the notice's slot is set.
        current = await agent.tracker_store.retrieve("conv-old")
        assert current.get_slot("notice_text") == "Your pension is paid on 18 December."

    async def test_the_real_agents_failure_is_503_and_leaves_the_conversation_alone(
        self, notices_model, url, monkeypatch
    ) -> None:
        agent = await _agent(notices_model, url)
        await _start_conversation(agent, "conv-anna", "rest")
        Persons(create_engine_for(url)).remember("P-1001", "conv-anna", "rest")
        before = len((await agent.tracker_store.retrieve("conv-anna")).events)

        async def broken(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("policy crashed")

        monkeypatch.setattr(agent.processor, "_run_prediction_loop", broken)
        channel = CmsEventsInput(SECRET, database_url=url)
        app = type("App", (), {"ctx": type("Ctx", (), {"agent": agent, "input_channels": []})})
        delivery = recorded("case_status_changed")
        status, _ = await channel.receive(delivery["body"].encode(), delivery["headers"], app)
        assert status == 503
        assert len((await agent.tracker_store.retrieve("conv-anna")).events) == before
        assert ProcessedWebhooks(create_engine_for(url)).first_time(SOURCE, EVENT_ID)
