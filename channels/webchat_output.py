"""The web chat's output: a bot message to every open socket of a conversation.

Each socket joins the socket.io room of its session (channels/webchat.py), so
`send_to_conversation` reaches every open tab of the conversation: the bot's
answers, the CMS's proactive notices and an advisor's messages.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Text, Union

from rasa.core.channels.channel import OutputChannel
from socketio import AsyncServer

from channels.webchat_format import widget_message

__all__ = ["WebchatOutput"]


class WebchatOutput(OutputChannel):
    """Sends to every open socket of a conversation (its socket.io room)."""

    @classmethod
    def name(cls) -> Text:
        """Same name as the input channel, so the tracker records "webchat"."""
        return "webchat"

    def __init__(self, sio: AsyncServer, bot_message_evt: Text = "bot_uttered") -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def send_to_conversation(self, conversation_id: Text, message: Dict[Text, Any]) -> None:
        """Emit one `bot_uttered` to every socket in the conversation's room."""
        await self.sio.emit(self.bot_message_evt, message, room=conversation_id)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """One bot message as one `bot_uttered`, in the widget's format."""
        payload = widget_message(message)
        if payload:
            await self.send_to_conversation(recipient_id, payload)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Send a text."""
        await self.send_to_conversation(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send a text with buttons (quick replies, and links for URL buttons)."""
        await self.send_to_conversation(recipient_id, widget_message({"text": text,
                                                                      "buttons": buttons}))

    async def send_quick_replies(
        self,
        recipient_id: Text,
        text: Text,
        quick_replies: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        """Send a text with quick replies."""
        await self.send_to_conversation(
            recipient_id, widget_message({"text": text, "quick_replies": quick_replies})
        )

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        """Send an image as an attachment."""
        await self.send_to_conversation(recipient_id, widget_message({"image": image}))

    async def send_attachment(  # type: ignore[override]
        self, recipient_id: Text, attachment: Union[Text, Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send an attachment."""
        await self.send_to_conversation(recipient_id, {"attachment": attachment})

    async def send_elements(
        self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Send carousel elements as the widget's generic template."""
        await self.send_to_conversation(
            recipient_id, widget_message({"elements": list(elements)})
        )

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Send a custom payload as is, under `custom`."""
        await self.send_to_conversation(recipient_id, {"custom": json_message})
