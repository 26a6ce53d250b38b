"""The web chat's message formats: Rasa's bot messages as rasa-webchat's, and the transcript.

- widget_message: one Rasa bot message (text, buttons, image, ...) as one
  `bot_uttered` of the rasa-webchat protocol
- transcript: a conversation's events as the citizen saw them, for the
  page's history after a reload
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterable, List, Text

from rasa.shared.core.events import BotUttered, UserUttered

__all__ = ["widget_message", "language_metadata", "transcript", "log_tag", "HISTORY_LIMIT"]

HISTORY_LIMIT = 200
EXTERNAL_PREFIX = "EXTERNAL: "


def widget_message(message: Dict[Text, Any]) -> Dict[Text, Any]:
    """A Rasa bot message (text, buttons, quick_replies, image, ...) as one `bot_uttered`.

    Buttons with a payload become `quick_replies`, as Rasa's own socket.io
    channel sends them; buttons with a URL become `buttons` of type web_url.
    """
    out: Dict[Text, Any] = {}
    if message.get("text"):
        out["text"] = str(message["text"])
    replies: List[Dict[Text, Any]] = []
    links: List[Dict[Text, Any]] = []
    for button in [*(message.get("buttons") or []), *(message.get("quick_replies") or [])]:
        if not isinstance(button, dict) or not button.get("title"):
            continue
        title = str(button["title"])
        if button.get("url") or button.get("type") == "web_url":
            links.append({"type": "web_url", "title": title, "url": str(button.get("url", ""))})
        else:
            replies.append({"content_type": "text", "title": title,
                            "payload": str(button.get("payload", title))})
    if replies:
        out["quick_replies"] = replies
    if links:
        out["buttons"] = links
    if message.get("image"):
        out["attachment"] = {"type": "image", "payload": {"src": str(message["image"])}}
    elif message.get("attachment"):
        out["attachment"] = message["attachment"]
    elif message.get("elements"):
        out["attachment"] = {
            "type": "template",
            "payload": {"template_type": "generic", "elements": message["elements"]},
        }
    if message.get("custom"):
        out["custom"] = message["custom"]
    if out and isinstance(message.get("language"), str):
        out["metadata"] = language_metadata(message["language"])
    if out and message.get("advisor"):
        # A live advisor's message (channels/handover.py): the page says who wrote it.
        out["metadata"] = {**out.get("metadata", {}), "advisor": True}
    return out


def language_metadata(code: str) -> Dict[Text, Any]:
    """`metadata` of a bot_uttered: the language its text is in (bot/i18n/nlg.py).

    The page sets lang and dir from it. In `metadata`, because rasa-webchat
    takes a message with any other extra key for something other than text,
    and drops `metadata` before it shows a message.
    """
    from bot.i18n.languages import language

    return {"lang": language(code).code, "dir": language(code).direction}


def transcript(events: Iterable[Any], limit: int = HISTORY_LIMIT) -> List[Dict[Text, Any]]:
    """The conversation as the citizen saw it: their messages and the bot's, oldest first.

    A button press is shown as the button's title (its payload is what Rasa
    stored); the CMS's triggered intents are not the citizen's words and are left out.
    """
    messages: List[Dict[Text, Any]] = []
    last_buttons: Dict[str, str] = {}
    for event in events:
        if isinstance(event, UserUttered):
            text = event.text or ""
            intent = (event.intent or {}).get("name") or ""
            if not text or text.startswith(EXTERNAL_PREFIX) or intent.startswith("EXTERNAL_"):
                continue
            messages.append({"sender": "user", "text": last_buttons.get(text, text)})
        elif isinstance(event, BotUttered):
            shown = widget_message({"text": event.text, **(event.data or {}),
                                    "language": (event.metadata or {}).get("language"),
                                    "advisor": bool((event.metadata or {}).get("advisor"))})
            if not shown:
                continue
            buttons = [{"title": b["title"], "payload": b["payload"]}
                       for b in shown.get("quick_replies", [])]
            last_buttons = {b["payload"]: b["title"] for b in buttons}
            entry: Dict[Text, Any] = {"sender": "bot", "text": shown.get("text", "")}
            if buttons:
                entry["buttons"] = buttons
            if shown.get("buttons"):
                entry["links"] = shown["buttons"]
            if shown.get("attachment"):
                entry["attachment"] = shown["attachment"]
            if shown.get("metadata", {}).get("lang"):
                entry["lang"], entry["dir"] = shown["metadata"]["lang"], shown["metadata"]["dir"]
            if shown.get("metadata", {}).get("advisor"):
                entry["advisor"] = True
            messages.append(entry)
    return messages[-limit:]


def log_tag(session_id: Any) -> str:
    """A session in the logs: a short hash, as the id itself opens the conversation."""
    digest = hashlib.sha256(str(session_id).encode("utf-8", "replace")).hexdigest()
    return f"session#{digest[:10]}"
