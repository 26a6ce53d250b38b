"""The web chat's socket.io server and what a packet may carry (channels/webchat.py).

MAX_PACKET_BYTES   a larger socket.io packet closes the connection; below
it an over-long message still arrives and gets the
Gate's polite answer
PACKET_LIMITS      a packet's JSON, checked before it is parsed
LimitedServer      python-socketio's AsyncServer, dropping a malformed
packet with a warning
metadata(data)     a message's `customData` when a small JSON object
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Optional

from socketio import AsyncServer

from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused

__all__ = ["MAX_METADATA_CHARS", "MAX_PACKET_BYTES", "PACKET_LIMITS", "LimitedServer", "metadata"]

# The web chat's logger: its records read as before the module was split out.
logger = logging.getLogger("channels.webchat")

# What a client may attach to a message (rasa-webchat's customData): a small
# JSON object, kept as the message's metadata.
MAX_METADATA_CHARS = 1000
# socket.io packets above this close the connection; below it an over-long
# message still arrives and gets the Gate's polite answer.
MAX_PACKET_BYTES = 256 * 1024
_METADATA_LIMITS = JsonLimits(MAX_METADATA_CHARS * 4, 8)
# A packet's JSON: as large as a packet may be (the Gate answers an over-long
# message politely), as deep as any other JSON (NSSA_JSON_MAX_DEPTH).
PACKET_LIMITS = JsonLimits(MAX_PACKET_BYTES, DEFAULT_LIMITS.max_depth)


class LimitedServer(AsyncServer):
    """python-socketio's server, dropping a malformed packet with a warning.

    Its JSON module (`SocketJson`) refuses a packet over the limits with a
    ValueError while the packet is decoded, and python-socketio 5 fails on
    a packet that is no socket.io packet (an event that is no list, a bad
    id: KeyError, TypeError, ValueError) before any handler runs; it would
    log each as a crash with its traceback. Nothing was said, so nothing is
    answered. The handlers run as tasks of their own (async_handlers), so
    their failures are not caught here: they log and apologise themselves.
    """

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except JsonRefused as exc:
            logger.warning("Web chat: a socket.io packet was dropped: %s", exc)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            logger.warning("Web chat: a malformed socket.io packet was dropped (%s)",
                           type(exc).__name__)

    async def _handle_event(self, eio_sid: str, namespace: Any, id: Any, data: Any) -> None:
        # An event is a list led by its name; python-socketio looks the name up
        # in a task of its own, where a list for a name fails unseen.
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            logger.warning("Web chat: a socket.io event without a name was dropped")
            return
        await super()._handle_event(eio_sid, namespace, id, data)


def metadata(data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """rasa-webchat's `customData` (or Rasa's `metadata`) when a small JSON object."""
    value = data.get("customData", data.get("metadata"))
    if isinstance(value, str):
        try:
            value = _METADATA_LIMITS.loads(value)
        except JsonRefused:
            return None
    if not isinstance(value, dict) or not value:
        return None
    try:
        if len(json.dumps(value)) > MAX_METADATA_CHARS:
            return None
    except (TypeError, ValueError):
        return None
    return value
