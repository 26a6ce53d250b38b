"""What each Telegram update becomes once its id is recorded (channels/telegram.py).

What each update becomes, in a private chat (groups get a note that the
assistant answers only in a private chat; channel posts are ignored):

    text               the Gate (channels.common), then Rasa; a whole-text
                       continuity code joins its conversation (conversation_of)
    /start [payload]   a greeting (`/greet`); a payload that is a live
                       continuity code joins its conversation first
                       (t.me/<bot>?start=<code>)
    /help              the help answer (`/ask_help`); other /commands get a note
    callback query     always answered (answerCallbackQuery); the button's
                       payload goes to Rasa; an unknown or expired button gets
                       a polite text instead
    edited message     a polite note: send the correction as a new message. An
                       edit can come long after the original and would be taken
                       as the answer to whatever question is open now.
    photo, voice, sticker, location, contact, document, ...
                       "I can only read text messages"
    anything else      ignored (only message, edited_message and
                       callback_query are in ALLOWED_UPDATES anyway)

The Rasa sender id is the conversation id of the chat
(ChannelIdentities.conversation_for); the chat id, names and phone numbers
never reach Rasa.

`UpdateHandling` is the part of `TelegramInput` that does this; the webhook,
its HTTP contract and the deduplication stay in channels/telegram.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage

from bot.i18n.languages import from_hint
from bot.store.store import Store
from channels.common import CONTINUED_MESSAGE, Gate, clean_text, conversation_of, unforged
from channels.handover import pass_on
from channels.telegram_api import CHANNEL, TelegramOutput
from channels.telegram_text import Pacer, payload_for
from channels.texts import conversation_language, say

__all__ = ["UpdateHandling", "Progress", "Handler", "GREET", "HELP", "hint"]

# The channel's logger: its records read as before the module was split out.
logger = logging.getLogger("channels.telegram")

GREET = "/greet"
HELP = "/ask_help"

Handler = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class Progress:
    """Whether handling an update did something that a redelivery must not repeat."""

    lasting: bool = False


def hint(update: Any) -> Optional[str]:
    """The language the citizen's Telegram app is set to (`language_code`), if any."""
    user = getattr(update, "effective_user", None)
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) else None


class UpdateHandling:
    """Messages, commands, buttons and edits of a private chat, as the module docstring says."""

    # Given by TelegramInput.
    _app: Any
    _gate: Gate
    _pacer: Pacer

    @property
    def store(self) -> Store:
        """The channels' store."""
        raise NotImplementedError

    @property
    def bot(self) -> Any:
        """The python-telegram-bot Bot."""
        raise NotImplementedError

    def get_output_channel(self) -> TelegramOutput:
        """An output channel that reaches every conversation with a Telegram chat."""
        raise NotImplementedError

    @classmethod
    def name(cls) -> Text:
        """The channel's name."""
        return CHANNEL

    async def _note(self, update: Any, chat: str, name: str) -> str:
        """One of the channel's notes in the language of the chat's conversation."""
        try:
            conversation = await asyncio.to_thread(
                self.store.identities.conversation_for, CHANNEL, chat)
        except Exception:
            logger.warning("Telegram: the chat's conversation could not be read for a note")
            conversation = None
        return say(name, await conversation_language(self._app, conversation, hint(update)))

    async def _dispatch(self, update: Any, on_new_message: Handler, progress: Progress) -> str:
        if update.callback_query is not None:
            return await self._callback(update, on_new_message, progress)
        message = update.message or update.edited_message
        if message is None:
            return "ignored"
        chat = str(message.chat.id)
        output = self.get_output_channel()
        if message.chat.type != "private":
            if update.message is not None and message.text:
                progress.lasting = True
                await output.send_to_chat(chat, say("telegram_private_only",
                                                    from_hint(hint(update))))
                return "not_private"
            return "ignored"
        if update.edited_message is not None:
            progress.lasting = True
            await output.send_to_chat(chat, await self._note(update, chat, "telegram_edited"))
            return "edited"
        if message.text is None:
            if message.effective_attachment is None:
                return "ignored"  # a service message (pinned, timer changed, ...)
            return await self._unsupported(update, chat, output, progress)
        # Cleaned first: an invisible character before "/" must not hide a command.
        text = clean_text(message.text)
        if text.startswith("/"):
            command, argument = _command(text)
            if command == "start":
                return await self._start(update, chat, argument, on_new_message, progress)
            if command == "help":
                return await self._to_rasa(update, chat, HELP, on_new_message, progress)
            progress.lasting = True
            await output.send_to_chat(chat, await self._note(update, chat,
                                                             "telegram_unknown_command"))
            return "unknown_command"
        return await self._to_rasa(update, chat, text, on_new_message, progress, joinable=True)

    async def _unsupported(
        self, update: Any, chat: str, output: TelegramOutput, progress: Progress
    ) -> str:
        key = await asyncio.to_thread(self.store.identities.conversation_for, CHANNEL, chat)
        lang = await conversation_language(self._app, key, hint(update))
        verdict = self._gate.check(key, None, lang)
        progress.lasting = True
        reply = verdict.reply if verdict.reason == "rate_limited" else None
        await output.send_to_chat(chat, reply or say("telegram_unsupported", lang))
        return "unsupported"

    async def _start(
        self, update: Any, chat: str, payload: str, on_new_message: Handler, progress: Progress
    ) -> str:
        # A deep link t.me/<bot>?start=<payload>: a live continuity code joins
        # its conversation (the continuity hook, channels.common.conversation_of).
        return await self._to_rasa(update, chat, GREET, on_new_message, progress,
                                    start_payload=payload)

    async def _callback(self, update: Any, on_new_message: Handler, progress: Progress) -> str:
        query = update.callback_query
        output = self.get_output_channel()
        message = query.message
        if message is None or message.chat.type != "private":
            progress.lasting = True
            await output.answer_callback(query.id, say("telegram_expired_button",
                                                       from_hint(hint(update))))
            return "callback_elsewhere"
        payload = await asyncio.to_thread(payload_for, query.data, self.store.buttons)
        progress.lasting = True
        if payload is None:
            note = await self._note(update, str(message.chat.id), "telegram_expired_button")
            await output.answer_callback(query.id, note)
            return "callback_expired"
        await output.answer_callback(query.id)
        return await self._to_rasa(update, str(message.chat.id), payload, on_new_message, progress)

    async def _to_rasa(
        self,
        update: Any,
        chat: str,
        text: str,
        on_new_message: Handler,
        progress: Progress,
        *,
        joinable: bool = False,
        start_payload: str = "",
    ) -> str:
        """Through the Gate (keyed by the chat's conversation) to Rasa, as that conversation.

        The Gate comes before any continuity code is tried, so codes cannot be
        guessed faster than the rate limit. `joinable`: the text itself may be
        a code; `start_payload`: a /start payload may be one.
        """
        store = self.store
        conversation = await asyncio.to_thread(store.identities.conversation_for, CHANNEL, chat)
        verdict = self._gate.check(conversation, text)
        if not verdict.ok:
            progress.lasting = True
            lang = await conversation_language(self._app, conversation, hint(update))
            verdict = self._gate.check_again(verdict, lang)
            await self.get_output_channel().send_to_chat(chat, verdict.reply or "")
            return f"refused_{verdict.reason}"
        text = verdict.text
        if joinable:
            conversation, text = await conversation_of(store, CHANNEL, chat, text)
        elif start_payload:
            joined, said = await conversation_of(store, CHANNEL, chat, start_payload)
            if said == CONTINUED_MESSAGE:
                conversation, text = joined, CONTINUED_MESSAGE
        if text not in (GREET, HELP, CONTINUED_MESSAGE):
            # A button's payload only if the bot just offered it (callback data can be forged).
            text = await unforged(self._app, conversation, text)
        output = TelegramOutput(self.bot, store, self._pacer, known={conversation: chat})
        message = UserMessage(
            text,
            output,
            conversation,
            input_channel=self.name(),
            message_id=f"telegram-{update.update_id}",
            # The app's language: the language identifier's hint (never a name or id).
            metadata={"language": hint(update)} if hint(update) else None,
        )
        progress.lasting = True
        # Only stored, unanswered, while an advisor holds the conversation.
        await pass_on(self._app, store, on_new_message, message)
        return "handled"


def _command(text: str) -> Tuple[str, str]:
    """('start', 'ABC123') for '/start@NSSA_help_bot ABC123'."""
    head, _, argument = text[1:].partition(" ")
    return head.split("@", 1)[0].lower(), argument.strip()
