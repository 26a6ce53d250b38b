"""Generated calls against the action server (bot/action_server.py), in-process over ASGI.

Bodies shaped like Rasa's action calls (a real action's name or another,
a tracker with the domain's slots holding plausible or arbitrary values)
or not at all, with the token or without. The back-ends it would call are
a closed port on loopback and its store a throw-away SQLite file, so the
actions that run meet a back-end that is down. No 5xx, no traceback, and
the server still answers after.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
import yaml
from hypothesis import given
from sanic import Sanic

from bot.settings import PROJECT_ROOT
from tests.conftest import free_port
from tests.fuzz.bodies import Maker, nested, one_of, seeds, text_or
from tests.fuzz.conftest import FUZZ, CrashWatch, Tally, Timer

TOKEN = "fuzz-action-token-0123456789"
ENDPOINT = "Action server POST /webhook"


def _domain() -> Dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


DOMAIN = _domain()
ACTIONS: List[str] = [a for a in DOMAIN["actions"] if not a.startswith("utter_")]
SLOTS: List[str] = sorted(DOMAIN["slots"])


TYPES: Dict[str, str] = {name: str(spec.get("type")) for name, spec in DOMAIN["slots"].items()}
PLAUSIBLE: Dict[str, List[Any]] = {
    "text": ["P-1003", "1", "all", "2026-03-26T09:00:00Z", "en", "850412-1234", "", "yes",
             "NSSA-2026-000123", "harbour", "1960-04-12"],
    "float": [0, 1, 2.5, -1, 10**9, 1e308],
    "bool": [True, False],
}
PLAUSIBLE["any"] = PLAUSIBLE["text"] + PLAUSIBLE["float"] + PLAUSIBLE["bool"] + [["a"], {}]


def _slot_value(maker: Maker, name: str) -> Any:
    if maker.chance(0.1):
        return None
    if maker.chance(0.7):
        return maker.pick(PLAUSIBLE.get(TYPES[name], PLAUSIBLE["any"]))
    return maker.text(30) if TYPES[name] in ("text", "any") else maker.value()


def _slots(maker: Maker) -> Dict[str, Any]:
    return {name: _slot_value(maker, name)
            for name in (maker.pick(SLOTS) for _ in range(maker.r.randrange(12)))}


def well_formed(maker: Maker) -> Dict[str, Any]:
    """A call as Rasa sends it: a real action, a tracker of the domain's slots."""
    return {
        "next_action": maker.pick(ACTIONS), "version": "3.6.21", "domain": {},
        "tracker": {
            "sender_id": maker.pick(["rest-me", "webchat-" + "0" * 32, "sms-1"]),
            "slots": _slots(maker), "events": [],
            "latest_message": {"text": maker.text(30), "intent": {"name": "inform"},
                               "entities": []},
            "active_loop": {"name": maker.pick([None, "appointment_form", maker.text(10)])},
            "latest_action_name": "action_listen",
        },
    }


CALL = nested({
    "next_action": lambda m: m.pick(ACTIONS) if m.chance(0.7) else m.text(30),
    "sender_id": text_or("rest-me"),
    "version": one_of("3.6.21", "0.1", 3),
    "domain": lambda m: {} if m.chance(0.8) else m.value(),
    "tracker": nested({
        "sender_id": text_or("rest-me", "webchat-" + "0" * 32),
        "slots": _slots,
        "latest_message": nested({"text": text_or("hi"),
                                  "intent": nested({"name": text_or("greet"),
                                                    "confidence": one_of(0.9)}),
                                  "entities": lambda m: [m.value()]}),
        "events": lambda m: [m.value() for _ in range(m.r.randrange(3))],
        "active_loop": lambda m: {"name": m.text(20)} if m.chance(0.5) else {},
        "latest_action_name": text_or("action_listen"),
    }, present=0.95),
}, present=0.97)


@pytest.fixture
def action_server(tmp_path: Path, loop: asyncio.AbstractEventLoop,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.AsyncClient]:
    closed = f"http://127.0.0.1:{free_port()}"
    for key, value in {"NSSA_VAR_DIR": str(tmp_path), "NSSA_CMS_URL": closed,
                       "NSSA_HOUSING_URL": closed,
                       "NSSA_DATABASE_URL": f"sqlite:///{tmp_path / 'nssa.db'}"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(Sanic, "test_mode", True)
    from bot.action_server import create_app

    app = create_app(TOKEN)
    app.asgi = True
    loop.run_until_complete(app._startup())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://actions",
                               timeout=60)
    yield client
    loop.run_until_complete(client.aclose())


def test_action_server(action_server: httpx.AsyncClient, loop: asyncio.AbstractEventLoop,
                       tally: Tally, crashes: CrashWatch) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        maker = Maker(seed)
        body = (json.dumps(well_formed(maker)).encode() if maker.chance(0.5)
                else maker.body(CALL))
        headers = {**(auth if maker.chance(0.9) else {}), "Content-Type": "application/json"}
        answer = loop.run_until_complete(action_server.post("/webhook", content=body,
                                                            headers=headers))
        tally.record(ENDPOINT, answer.status_code, body)

    with Timer(ENDPOINT):
        one()
    assert loop.run_until_complete(action_server.get("/health")).status_code == 200
    listed = loop.run_until_complete(action_server.get("/actions", headers=auth))
    assert listed.status_code == 200 and len(listed.json()) >= len(ACTIONS)
    assert not crashes.crashes, crashes.crashes
