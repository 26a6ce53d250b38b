"""The real assistant: action server and Rasa server on free ports, own SQLite file."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
import socketio

from bot.instance import isolated_settings, running
from bot.services import ManagedProcess, assistant_processes
from bot.settings import Settings
from tests.fakes import telegram_api, twilio_api

pytestmark = pytest.mark.e2e

_senders = itertools.count(1)


@dataclass
class Assistant:
    """A running assistant reached over Rasa's REST channel."""

    settings: Settings
    # The running services, in start order (a fault test stops and starts one).
    processes: List[ManagedProcess] = field(default_factory=list)
    _tracker_store: Any = None

    def process(self, name: str) -> ManagedProcess:
        """The service of that name ("action server", "Rasa server", ...)."""
        return next(p for p in self.processes if p.name == name)

    def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        """POST one message; return the bot's messages."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        headers = {"Content-Type": "application/json"}
        if self.settings.rest_token:
            headers["Authorization"] = f"Bearer {self.settings.rest_token}"
        request = urllib.request.Request(
            f"{self.settings.rasa_url}/webhooks/rest/webhook", data=body, headers=headers
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def trigger_intent(
        self, conversation_id: str, name: str, entities: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]:
        """Run an intent in a conversation through the internal API (with NSSA_API_TOKEN)."""
        from urllib.parse import quote

        request = urllib.request.Request(
            f"{self.settings.rasa_url}/webhooks/internal/conversations/"
            f"{quote(conversation_id, safe='')}/trigger_intent",
            data=json.dumps({"name": name, "entities": entities or {}}).encode(),
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {self.settings.api_token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())["messages"]

    @staticmethod
    def conversation(sender: str) -> str:
        """The conversation id of a REST sender: the REST channel's own namespace."""
        return f"rest-{sender}"

    def ask(self, message: str, sender: str = "") -> str:
        """The bot's texts for `message` from a new (or given) sender, joined."""
        sender = sender or f"e2e-{next(_senders)}"
        return "\n".join(m.get("text", "") for m in self.send(sender, message))

    def texts(self, sender: str, *messages: str) -> List[str]:
        """Send the messages in turn; the bot's texts for the last one."""
        reply: List[Dict[str, Any]] = []
        for message in messages:
            reply = self.send(sender, message)
        return [m.get("text", "") for m in reply]

    def cms_cases(self) -> List[List[str]]:
        """Every case of the reference CMS, newest first, as the admin CLI lists them."""
        env = {
            **os.environ,
            "NSSA_CMS_DATABASE_URL": f"sqlite:///{self.settings.var_dir / 'cms' / 'cms.db'}",
        }
        result = subprocess.run(
            [sys.executable, "-m", "backends.cms", "admin", "list-cases"],
            capture_output=True, text=True, env=env, check=True, timeout=60,
        )
        return [line.split() for line in result.stdout.splitlines() if line.startswith("NSSA-")]

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The stored conversation as Rasa's tracker state, read from the store.

        Rasa's HTTP API is closed (SECURITY.md): the test reads the store as
        the Rasa server does, with the project's tracker store and key.
        """
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import EventVerbosity

        from bot.settings import PROJECT_ROOT
        from bot.store.tracker import PrivateSQLTrackerStore

        if self._tracker_store is None:
            self._tracker_store = PrivateSQLTrackerStore(
                Domain.load(str(PROJECT_ROOT / "domain.yml")),
                host=self.settings.database_url, store_key=self.settings.store_key,
            )
        # In a thread of its own: the browser tests call this with Playwright's loop running.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            found = pool.submit(
                asyncio.run, self._tracker_store.retrieve_full_tracker(conversation_id)
            ).result()
        assert found is not None, f"no stored conversation {conversation_id}"
        return found.current_state(EventVerbosity.ALL)

    def bot_texts(self, conversation_id: str) -> List[str]:
        """Every bot text of the stored conversation (proactive notices included)."""
        events = self.tracker(conversation_id)["events"]
        return [e.get("text") or "" for e in events if e["event"] == "bot"]


def wait_until(check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
    """`check()`'s first true value, asked every half second; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what} ({timeout:.0f} s)")


def run_assistant(
    var: Path,
    model: Path,
    database_url: str,
    backend_env: Optional[Dict[str, str]] = None,
    settings_env: Optional[Dict[str, str]] = None,
) -> Iterator[Assistant]:
    """Start every service on free ports with the given store; stop them after.

    `backend_env` goes to the reference back-ends (e.g. their failure modes);
    `settings_env` adds settings (e.g. NSSA_TELEGRAM_TOKEN, which opens a channel).
    """
    from bot.store.schema import upgrade

    # As `bot run`: the action server's and the internal API's tokens of this var/.
    settings = isolated_settings(var, database_url, **(settings_env or {}))
    upgrade(settings.database_url)
    processes = assistant_processes(settings, model)
    for process in processes:
        if process.name.startswith("reference"):
            process.env.update(backend_env or {})
    with running(processes):
        yield Assistant(settings, processes)


def run_with_all_channels(
    var: Path,
    model: Path,
    backend_env: Optional[Dict[str, str]] = None,
    settings_env: Optional[Dict[str, str]] = None,
) -> Iterator[Tuple[Assistant, telegram_api.FakeTelegramApi, twilio_api.FakeTwilio]]:
    """The assistant with web chat, Telegram and SMS open; the fake platforms beside it.

    As `run_assistant` on an SQLite file in `var`, with the fake Bot API and
    the fake Twilio on loopback, stopped after.
    """
    twilio = twilio_api.FakeTwilio().start()
    api = telegram_api.FakeTelegramApi(telegram_api.TOKEN)
    try:
        with api.in_thread():
            yield from (
                (assistant, api, twilio) for assistant in run_assistant(
                    var, model, f"sqlite:///{var / 'nssa.db'}", backend_env=backend_env,
                    settings_env={
                        "NSSA_TELEGRAM_TOKEN": telegram_api.TOKEN,
                        "NSSA_TELEGRAM_SECRET": telegram_api.SECRET,
                        "NSSA_TELEGRAM_API_URL": api.url,
                        "NSSA_TWILIO_ACCOUNT_SID": twilio_api.ACCOUNT_SID,
                        "NSSA_TWILIO_AUTH_TOKEN": twilio_api.AUTH_TOKEN,
                        "NSSA_TWILIO_FROM": twilio_api.TWILIO_NUMBER,
                        "NSSA_TWILIO_API_URL": twilio.url,
                        **(settings_env or {}),
                    },
                )
            )
    finally:
        twilio.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The assistant on the embedded default: an SQLite file."""
    var = tmp_path_factory.mktemp("var")
    yield from run_assistant(var, model, f"sqlite:///{var / 'nssa.db'}")

class WebChat:
    """A browser's side of the web chat: the rasa-webchat protocol over socket.io."""

    def __init__(self, assistant: "Assistant") -> None:
        self.client = socketio.SimpleClient()
        self.client.connect(assistant.settings.rasa_url, socketio_path="/socket.io",
                            transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": None})
        event, self.session_id = self.client.receive(timeout=30)
        assert event == "session_confirm"

    def send(self, text: str) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def read_until(self, until: str, timeout: float = 120) -> List[str]:
        """The bot's texts up to and including one containing `until`."""
        said: List[str] = []
        deadline = time.monotonic() + timeout
        while not any(until in t for t in said):
            event, data = self.client.receive(timeout=max(1, deadline - time.monotonic()))
            if event == "bot_uttered":
                said.append(data.get("text") or "")
        return said

    def say(self, text: str, until: str) -> List[str]:
        self.send(text)
        return self.read_until(until)

    def silent(self, seconds: float) -> bool:
        """True if the bot sends nothing for `seconds`."""
        try:
            event, _ = self.client.receive(timeout=seconds)
        except socketio.exceptions.TimeoutError:
            return True
        return event != "bot_uttered"

    def close(self) -> None:
        self.client.disconnect()
