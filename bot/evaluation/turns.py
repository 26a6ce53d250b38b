"""One turn of a conversation as the frozen evaluation sees it.

The reply comes from the REST channel (what the citizen reads); what the
assistant did comes from the conversation's stored events (Rasa's tracker):
the intent it read, the responses it sent (`utter_action` of each bot event),
the actions it ran and the requests (forms) it started, the language the
message was read in (its parse data's `language`, bot/i18n/langid.py) and the
languages the replies were in (each bot event's `language`, bot/i18n/nlg.py).
The privacy notice is told once the first message's language is known: it
comes after the citizen's message but before any action of the turn other
than its own (`NOTICE_ACTION`; a notice after another action is an answer:
"show me the privacy notice").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Sequence

from bot.evaluation.matching import joined, normalise

__all__ = ["NOTICE_ACTION", "NOTICE_RESPONSE", "ROUTE_WORDS", "Turn", "turn_of", "message_text"]

# The consent notice that opens every conversation (actions/session.py
# CONSENT_RESPONSE; tests/unit/test_eval_scoring.py keeps the two equal).
NOTICE_RESPONSE = "utter_privacy/notice"
# The action that tells it before a new conversation's first answer
# (bot/notice_first.py; actions/session.py NOTICE_ACTION, kept equal by a
# test): running it is not acting on the message.
NOTICE_ACTION = "action_privacy_notice"

# Actions and responses that route a message to distress, the crisis line or
# a hand-over to a person (utter_distress, utter_crisis, utter_handover,
# utter_complaint_escalate, or any later action so named).
ROUTE_WORDS = ("distress", "crisis", "handover", "hand_over", "escalate")


def message_text(message: Mapping[str, Any]) -> str:
    """A REST message as the citizen sees it: the text and its buttons' titles."""
    text = str(message.get("text") or "")
    titles = [str(b.get("title") or "") for b in message.get("buttons") or []]
    titles = [t for t in titles if t]
    return f"{text} [{' | '.join(titles)}]" if titles else text


@dataclass
class Turn:
    """What the assistant said and did for one message."""

    messages: List[str] = field(default_factory=list)
    notices: List[str] = field(default_factory=list)
    intent: str = ""
    confidence: float = 0.0
    responses: List[str] = field(default_factory=list)
    actions: List[str] = field(default_factory=list)
    forms: List[str] = field(default_factory=list)
    detected: str = ""
    languages: List[str] = field(default_factory=list)
    error: str = ""

    @property
    def first_message(self) -> str:
        """The first message the citizen sees, the privacy notice included."""
        return self.messages[0] if self.messages else ""

    @property
    def reply(self) -> str:
        """The reply that is scored: every message but the session's privacy notice."""
        messages = list(self.messages)
        for notice in self.notices:
            key = normalise(notice)[:80]
            for index, message in enumerate(messages):
                if normalise(message)[:80] == key:
                    del messages[index]
                    break
        return joined(messages)

    @property
    def policy_answers(self) -> List[str]:
        """Handbook answers sent for the message (`pension/amount`)."""
        return [r[len("utter_"):] for r in self.responses if "/" in r]

    @property
    def routes(self) -> List[str]:
        """Distress, crisis and hand-over actions or responses of the turn."""
        names = [n for n in self.responses + self.actions if "/" not in n]
        return [n for n in dict.fromkeys(names) if any(w in n for w in ROUTE_WORDS)]

    @property
    def answered(self) -> str:
        """What the assistant did, in one line: answers, started requests, other responses."""
        parts = self.policy_answers + [f"start {f}" for f in self.forms]
        others = [r for r in self.responses if "/" not in r]
        parts += [r for r in dict.fromkeys(others)]
        head = f"{self.intent} {self.confidence:.2f}" if self.intent else "no intent"
        return f"[{head}] " + (", ".join(parts) if parts else "nothing")


def turn_of(messages: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]) -> Turn:
    """The turn made of the REST messages and the tracker events it added.

    Events before the citizen's message belong to the start of a session (the
    privacy notice, an offer to go on with a paused request); what the
    assistant did for the message comes after it.
    """
    turn = Turn(messages=[message_text(m) for m in messages])
    after_user = acted = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            after_user = True
            parse: Dict[str, Any] = event.get("parse_data") or {}
            intent: Dict[str, Any] = parse.get("intent") or {}
            turn.intent = str(intent.get("name") or "")
            turn.confidence = float(intent.get("confidence") or 0.0)
            turn.detected = str(parse.get("language") or "")
        elif kind == "bot":
            metadata: Dict[str, Any] = event.get("metadata") or {}
            name = str(metadata.get("utter_action") or "")
            if name == NOTICE_RESPONSE and event.get("text") and not acted:
                turn.notices.append(str(event["text"]))
            elif after_user:
                if name:
                    turn.responses.append(name)
                if metadata.get("language") and event.get("text"):
                    turn.languages.append(str(metadata["language"]))
        elif kind == "action" and after_user and event.get("name") != NOTICE_ACTION:
            acted = True
            name = str(event.get("name") or "")
            if name and name != "action_listen":
                turn.actions.append(name)
        elif kind == "active_loop" and after_user and event.get("name"):
            turn.forms.append(str(event["name"]))
    return turn
