"""The Rasa server's internal routes the console calls (channels/internal.py).

Behind `Authorization: Bearer NSSA_API_TOKEN`, on the Rasa server's address:
an advisor's message said into a conversation (delivered on the citizen's
own channel and stored as the advisor's turn), the identity check started
in a conversation, and the hand-back told to the assistant. The HTTP
transport is a parameter, so tests hand in their own.
"""

from __future__ import annotations

from typing import Any, Dict, Optional
from urllib.parse import quote

import httpx

from bot.errors import NssaError

__all__ = ["Assistant", "AssistantUnavailable"]


class AssistantUnavailable(NssaError):
    """The Rasa server did not take the request (down, or refused it)."""


class Assistant:
    """A client of the internal routes the console needs."""

    def __init__(
        self, rasa_url: str, api_token: str, *,
        transport: Optional[httpx.AsyncBaseTransport] = None, timeout: float = 30.0,
    ) -> None:
        self._base = f"{rasa_url.rstrip('/')}/webhooks/internal/conversations"
        self._headers = {"Authorization": f"Bearer {api_token}"}
        self._transport = transport
        self._timeout = timeout

    async def _post(self, conversation_id: str, route: str, body: Dict[str, Any]) -> Any:
        url = f"{self._base}/{quote(conversation_id, safe='')}/{route}"
        try:
            async with httpx.AsyncClient(transport=self._transport,
                                         timeout=self._timeout) as client:
                response = await client.post(url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise AssistantUnavailable(f"the assistant cannot be reached: {exc}") from None
        if response.status_code >= 300:
            try:
                reason = response.json().get("reason")
            except ValueError:
                reason = None
            raise AssistantUnavailable(
                f"the assistant answered {response.status_code}: {reason or response.text[:200]}"
            )
        return response.json()

    async def say(self, conversation_id: str, advisor: str, text: str) -> Any:
        """Deliver the advisor's message to the citizen and store it as the advisor's turn."""
        return await self._post(conversation_id, "advisor_message",
                                {"advisor": advisor, "text": text})

    async def ask_to_verify(self, conversation_id: str, advisor: str) -> Any:
        """Start the assistant's identity check in the conversation."""
        return await self._post(conversation_id, "verify_identity", {"advisor": advisor})

    async def hand_back(self, conversation_id: str, advisor: str) -> Any:
        """Give the conversation back to the assistant, which tells the citizen."""
        return await self._post(conversation_id, "hand_back", {"advisor": advisor})
