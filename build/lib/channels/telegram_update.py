"""What a Telegram update must look like before the channel reads it.

Telegram's Bot API documents each field's type; python-telegram-bot takes
what it is given (a `text` of 12345, a message without its chat), and the
channel would then fail on it while handling the update. Such an update is
permanently bad: delivering it again cannot help, so the channel
acknowledges it (200) and logs it instead of asking for redelivery.

    problem(update)   None for a usable update, else what is wrong with it
                      (naming the field, never a value)

Only the parts the channel reads are checked: `message`, `edited_message`
and `callback_query` (channels/telegram.py); other update types are ignored
by the channel anyway.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = ["problem"]

_MESSAGES = ("message", "edited_message")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _message_problem(name: str, message: Any) -> Optional[str]:
    if not isinstance(message, Mapping):
        return f"{name} is not an object"
    chat = message.get("chat")
    if not isinstance(chat, Mapping):
        return f"{name} has no chat"
    if not _whole(chat.get("id")) or not isinstance(chat.get("type"), str):
        return f"{name}.chat has no whole-number id or no type"
    for field in ("text", "caption"):
        if message.get(field) is not None and not isinstance(message[field], str):
            return f"{name}.{field} is not a string"
    sender = message.get("from")
    if sender is not None and (not isinstance(sender, Mapping) or not _whole(sender.get("id"))):
        return f"{name}.from has no whole-number id"
    return None


def problem(update: Mapping[str, Any]) -> Optional[str]:
    """What makes `update` (a decoded JSON object) unusable, or None."""
    for name in _MESSAGES:
        if name in update:
            found = _message_problem(name, update[name])
            if found:
                return found
    if "callback_query" in update:
        query = update["callback_query"]
        if not isinstance(query, Mapping) or not isinstance(query.get("id"), str):
            return "callback_query has no id"
        if query.get("data") is not None and not isinstance(query["data"], str):
            return "callback_query.data is not a string"
        if query.get("message") is not None:
            return _message_problem("callback_query.message", query["message"])
    return None
