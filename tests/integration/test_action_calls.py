"""The action server takes the calls Rasa really sends: the whole domain and tracker.

A call carries the domain as Rasa serializes it and every event of the
conversation, far over the 64 KiB other endpoints take. The first version
of the body limits refused them all with 413 (the e2e conversations
showed it); this test builds such a call from the project's own domain.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterator

import httpx
import pytest
from rasa.shared.core.domain import Domain
from sanic import Sanic

from bot.settings import PROJECT_ROOT

TOKEN = "test-action-token-0123456789"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    from bot.action_server import create_app

    loop = asyncio.new_event_loop()
    app = create_app(TOKEN)
    app.asgi = True
    loop.run_until_complete(app._startup())
    yield loop, httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                  base_url="http://actions", timeout=60)
    loop.close()


def rasa_call(events: int) -> Dict[str, Any]:
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml")).as_dict()
    parse = {"text": "when is my pension paid",
             "intent": {"name": "ask_pension", "confidence": 0.9},
             "entities": [{"entity": "topic", "value": "pension", "start": 0, "end": 4}],
             "intent_ranking": [{"name": f"intent_{i}", "confidence": 0.01} for i in range(10)]}
    history = [{"event": "user", "timestamp": 1.0 + i, "text": parse["text"],
                "parse_data": parse, "input_channel": "rest"} for i in range(events)]
    return {
        "next_action": "action_session_start", "sender_id": "rest-me", "version": "3.6.21",
        "domain": domain,
        "tracker": {"sender_id": "rest-me", "slots": {"language": "en", "identity_level": 1.0},
                    "latest_message": parse, "events": history, "paused": False,
                    "followup_action": None, "active_loop": {},
                    "latest_action_name": "action_listen"},
    }


def test_a_call_with_the_whole_domain_and_a_long_conversation_runs(client: Any) -> None:
    loop, http = client
    body = json.dumps(rasa_call(events=300)).encode()
    assert len(body) > 256 * 1024  # far over what the channels take
    answer = loop.run_until_complete(http.post(
        "/webhook", content=body, headers={"Authorization": f"Bearer {TOKEN}",
                                           "Content-Type": "application/json"}))
    assert answer.status_code == 200, answer.text[:300]
    assert "events" in answer.json()
