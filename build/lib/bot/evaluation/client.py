"""A running assistant reached the way an integration reaches it.

Messages go to Rasa's REST channel (`POST /webhooks/rest/webhook`); what the
assistant did is read from the stored conversation (`StoredEvents`: the
conversation store, read as the Rasa server reads it, with the project's
tracker store and key; Rasa's HTTP API is closed, SECURITY.md). Sender "x"
talks in conversation "rest-x" (channels/rest.py). One-time codes come from
the reference CMS's development "SMS" log (`<var>/cms/otp.log`, one line per
code: `... code=NNNNNN`).
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bot.evaluation.turns import Turn, turn_of

__all__ = ["RestAssistant", "Session", "StoredEvents"]

_CODE = re.compile(r"code=(\d{6})")
# channels/rest.py CONVERSATION_PREFIX: the REST channel's own namespace.
_REST_CONVERSATION = "rest-{sender}"


@dataclass
class StoredEvents:
    """Every event of a conversation, read from the conversation store."""

    database_url: str
    store_key: str
    _store: Any = None

    def __call__(self, conversation_id: str) -> List[Dict[str, Any]]:
        """The conversation's events as Rasa's tracker state lists them (none if unknown)."""
        from rasa.shared.core.domain import Domain
        from rasa.shared.core.trackers import EventVerbosity

        from bot.settings import PROJECT_ROOT
        from bot.store.tracker import PrivateSQLTrackerStore

        if self._store is None:
            self._store = PrivateSQLTrackerStore(
                Domain.load(str(PROJECT_ROOT / "domain.yml")),
                host=self.database_url, store_key=self.store_key,
            )
        tracker = asyncio.run(self._store.retrieve_full_tracker(conversation_id))
        if tracker is None:
            return []
        return list(tracker.current_state(EventVerbosity.ALL).get("events") or [])


@dataclass
class RestAssistant:
    """The Rasa server at `rasa_url`; `otp_log` is the reference CMS's code log."""

    rasa_url: str
    otp_log: Optional[Path] = None
    timeout: float = 60.0
    stored: Optional[Callable[[str], List[Dict[str, Any]]]] = None

    def _request(self, url: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.loads(response.read() or b"null")

    def send(self, sender: str, message: str) -> List[Dict[str, Any]]:
        """POST one message from `sender`; the bot's messages."""
        url = f"{self.rasa_url}/webhooks/rest/webhook"
        return list(self._request(url, {"sender": sender, "message": message}) or [])

    def events(self, sender: str) -> List[Dict[str, Any]]:
        """Every stored event of the sender's conversation."""
        if self.stored is None:
            raise ValueError("RestAssistant needs `stored` to read what the assistant did")
        return self.stored(_REST_CONVERSATION.format(sender=sender))

    def otp_offset(self) -> int:
        """The code log's current size: codes after it belong to what follows."""
        if self.otp_log is None or not self.otp_log.is_file():
            return 0
        return self.otp_log.stat().st_size

    def code_since(self, offset: int) -> Optional[str]:
        """The latest one-time code written after `offset`, if any."""
        if self.otp_log is None or not self.otp_log.is_file():
            return None
        with self.otp_log.open("rb") as handle:
            handle.seek(offset)
            codes = _CODE.findall(handle.read().decode("utf-8", "replace"))
        return codes[-1] if codes else None

    def session(self, prefix: str) -> "Session":
        """A new conversation with a sender nobody used."""
        return Session(self, f"eval-{prefix}-{uuid.uuid4().hex[:10]}")


@dataclass
class Session:
    """One conversation: one sender, its turns in order."""

    assistant: RestAssistant
    sender: str
    _seen: int = 0
    _otp_offset: int = -1

    def say(self, message: str) -> Turn:
        """Send `message` (with `{otp}` filled in); the turn it made."""
        if self._otp_offset < 0:
            self._otp_offset = self.assistant.otp_offset()
        if "{otp}" in message:
            code = self.assistant.code_since(self._otp_offset) or "000000"
            message = message.replace("{otp}", code)
        try:
            messages = self.assistant.send(self.sender, message)
            events = self.assistant.events(self.sender)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Turn(error=f"no answer: {exc}")
        turn = turn_of(messages, events[self._seen:])
        self._seen = len(events)
        return turn
