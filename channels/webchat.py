"""The web chat: the rasa-webchat widget's socket.io protocol, and the project's chat page.

Socket.io (python-socketio, at `/socket.io` on the Rasa server), as the
published rasa-webchat widget and Rasa's own `socketio` channel speak it:

    client -> session_request {"session_id": <kept id or null>}
    server -> session_confirm "<session id>"
    client -> user_uttered {"message": "...", "session_id": "...", "customData": {...}}
    server -> bot_uttered {"text": "...", "quick_replies": [...], "buttons": [...],
                           "attachment": {...}}
    client -> history_request {}             (the project's widget only)
    server -> history {"session_id": "...", "messages": [{"sender": "user"|"bot",
                                                          "text": "...", "buttons": [...]}]}

The session id IS the Rasa conversation id (`webchat-` and 32 hex digits,
128 random bits: knowing it is what lets a browser continue the
conversation). A kept id is continued only when it is well formed and the
store holds its conversation; anything else (malformed, too long, unknown,
deleted or expired) gets a fresh id, so a reload continues the same
conversation and a stale one starts afresh. Each socket joins the room of its
session, so `WebchatOutput.send_to_conversation` reaches every open tab of a
conversation: the bot's answers, the CMS's proactive notices and an
advisor's messages. With NSSA_REDIS_URL the rooms span every Rasa server
(python-socketio's AsyncRedisManager); the load balancer keeps each socket
on one server (README, "Several servers").

Every text goes through the shared `Gate` (empty, too long, too fast): a
message it stops is answered with its polite text and never reaches Rasa. A
message Rasa fails on is logged with its traceback and answered with an
apology, never left unanswered.

HTTP, under /webhooks/webchat/: GET / the chat page (webchat_static/index.html),
/widget.js and /widget.css its widget (no build step, no CDN), /texts.json
its labels in every offered language (texts.yml `webchat_*`), /health.

Languages: every `bot_uttered` carries `metadata: {lang, dir}` and every
history message `lang` and `dir`: the language its text is in
(bot/i18n/nlg.py); the page sets them on the message's element. The page
sends the browser's language as `customData.language`, the hint the language
identifier uses until the citizen writes enough.

credentials.yml (every key optional):

    channels.webchat.WebchatInput:
      socketio_path: /socket.io
      cors_allowed_origins: "*"     # pages on other sites may embed rasa-webchat
      max_message_chars: 2000       # default NSSA_MAX_MESSAGE_CHARS
      rate_limit_per_minute: 20     # default NSSA_RATE_LIMIT_PER_MINUTE
"""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.json_limits import JsonLimits, SocketJson
from bot.store.store import Store
from channels.common import Gate, unforged
from channels.handover import pass_on
from channels.texts import conversation_language, page_texts, say
from channels.webchat_format import language_metadata, log_tag, transcript
from channels.webchat_output import WebchatOutput
from channels.webchat_socket import MAX_PACKET_BYTES, PACKET_LIMITS, LimitedServer
from channels.webchat_socket import metadata as _metadata

__all__ = [
    "WebchatInput",
    "WebchatOutput",
    "STATIC_DIR",
    "new_session_id",
    "valid_session_id",
]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("webchat_static")
# The page and its two files; nothing else under the folder is served.
STATIC_FILES = {
    "index.html": "text/html; charset=utf-8",
    "widget.js": "text/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    # The page runs only its own files; 'self' also covers its ws:/wss: socket.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' https: data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

SESSION_PREFIX = "webchat-"
_SESSION_ID = re.compile(r"webchat-[0-9a-f]{32}")


def __getattr__(name: str) -> str:
    """SORRY_REPLY: the apology in English (texts.yml `webchat_sorry`), on use."""
    if name == "SORRY_REPLY":
        return say("webchat_sorry")
    raise AttributeError(name)


def new_session_id() -> str:
    """A fresh conversation id for the web chat: `webchat-` and 128 random bits in hex."""
    return f"{SESSION_PREFIX}{secrets.token_hex(16)}"


def valid_session_id(value: Any) -> bool:
    """Whether `value` has the form of a web chat session id (nothing else is looked up)."""
    return isinstance(value, str) and _SESSION_ID.fullmatch(value) is not None


class WebchatInput(InputChannel):
    """The web chat: socket.io for the widgets, and the chat page."""

    @classmethod
    def name(cls) -> Text:
        """The URL slug: /webhooks/webchat/."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebchatInput":
        """Limits from credentials.yml, else from the project's settings."""
        credentials = credentials or {}
        from bot.errors import NssaError
        from bot.settings import load_settings

        try:
            settings = load_settings()
        except NssaError as exc:
            raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        max_chars = credentials.get("max_message_chars")
        per_minute = credentials.get("rate_limit_per_minute")
        max_chars = max_chars if max_chars is not None else settings.max_message_chars
        per_minute = per_minute if per_minute is not None else settings.rate_limit_per_minute
        try:
            gate = Gate.with_limits(int(max_chars), int(per_minute), settings.redis_url,
                                    cls.name())
        except (TypeError, ValueError):
            raise RasaException(
                f"The {cls.name()} channel needs max_message_chars and rate_limit_per_minute "
                f"above 0 (NSSA_MAX_MESSAGE_CHARS, NSSA_RATE_LIMIT_PER_MINUTE); got "
                f"{max_chars!r} and {per_minute!r}."
            ) from None
        database_url = credentials.get("database_url")
        if database_url is None:
            from bot.errors import NssaError
            from bot.settings import load_settings

            try:
                database_url = load_settings().database_url
            except NssaError as exc:
                raise RasaException(f"The {cls.name()} channel cannot start: {exc}") from None
        return cls(
            gate,
            redis_url=settings.redis_url,
            socketio_path=str(credentials.get("socketio_path") or "/socket.io"),
            cors_allowed_origins=credentials.get("cors_allowed_origins", "*"),
            database_url=str(database_url),
            limits=JsonLimits(MAX_PACKET_BYTES, settings.json_max_depth),
        )

    def __init__(
        self,
        gate: Gate,
        *,
        socketio_path: str = "/socket.io",
        cors_allowed_origins: Union[str, List[str], None] = "*",
        static_dir: Path = STATIC_DIR,
        user_message_evt: str = "user_uttered",
        bot_message_evt: str = "bot_uttered",
        database_url: Optional[str] = None,
        limits: JsonLimits = PACKET_LIMITS,
        redis_url: Optional[str] = None,
    ) -> None:
        self.gate = gate
        # Several Rasa servers: their sockets' rooms joined through Redis.
        self.redis_url = redis_url
        # The hand-overs' store (channels/handover.py); None: never held (tests).
        self._database_url = database_url
        self.limits = limits
        self.socketio_path = socketio_path
        self.cors_allowed_origins = cors_allowed_origins
        self.static_dir = static_dir
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.sio: Optional[AsyncServer] = None
        self._app: Any = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        """An output that reaches any web chat conversation open on this server."""
        if self.sio is None:
            return None
        return WebchatOutput(self.sio, self.bot_message_evt)

    # --- the conversation store, through the Rasa agent of this server ----------

    def _store(self) -> Optional[Store]:
        if self._database_url is None:
            return None
        return Store.for_url(self._database_url)

    def _tracker_store(self) -> Any:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        return getattr(agent, "tracker_store", None)

    async def _known(self, session_id: str) -> bool:
        store = self._tracker_store()
        if store is None:
            return False
        tracker = await store.retrieve(session_id)
        return tracker is not None and len(tracker.events) > 0

    async def _history(self, session_id: str) -> List[Dict[Text, Any]]:
        store = self._tracker_store()
        if store is None:
            return []
        tracker = await store.retrieve_full_tracker(session_id)
        return transcript(tracker.events) if tracker is not None else []

    # --- HTTP and socket.io -------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The page, its files and health; the socket.io server attached to the app."""
        sio = LimitedServer(
            async_mode="sanic",
            # Through Redis, an emit to a conversation's room reaches its sockets
            # on every server: a notice or an advisor's message handled by server
            # B reaches a browser connected to server A.
            client_manager=(AsyncRedisManager(self.redis_url, channel="nssa-webchat")
                            if self.redis_url else None),
            cors_allowed_origins=self.cors_allowed_origins,
            max_http_buffer_size=MAX_PACKET_BYTES,
            # Each packet's JSON within the size and depth limits, checked before
            # it is parsed; a refused packet is dropped with a warning.
            json=SocketJson(self.limits),
        )
        self.sio = sio
        webchat = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)

        @webchat.listener("before_server_start")
        async def remember_app(app: Any, _: Any) -> None:
            self._app = app

        @webchat.route("/", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return self._static("index.html")

        @webchat.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.route("/texts.json", methods=["GET"])
        async def texts(_: Request) -> HTTPResponse:
            return response.json(page_texts(), headers=SECURITY_HEADERS,
                                 ensure_ascii=False)

        @webchat.route("/<name:str>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            return self._static(name)

        @sio.on("connect")
        async def connect(sid: str, environ: Dict, auth: Any = None) -> bool:
            logger.debug("Web chat socket %s connected", sid)
            return True

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            await self._confirm(sid, wanted)

        @sio.on(self.user_message_evt)
        async def user_uttered(sid: str, data: Any = None) -> None:
            await self._handle_message(sid, data, on_new_message)

        @sio.on("history_request")
        async def history_request(sid: str, _: Any = None) -> None:
            session_id = (await sio.get_session(sid)).get("session_id")
            messages: List[Dict[Text, Any]] = []
            if session_id:
                try:
                    messages = await self._history(session_id)
                except Exception:
                    logger.exception("Web chat history of %s not read", log_tag(session_id))
            await sio.emit("history", {"session_id": session_id, "messages": messages}, to=sid)

        return webchat

    def _static(self, name: str) -> HTTPResponse:
        name = name or "index.html"  # /webhooks/webchat/ reaches the file route with ""
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            return response.json({"status": "not_found"}, status=404)
        body = (self.static_dir / name).read_bytes()
        return response.raw(body, content_type=content_type, headers=SECURITY_HEADERS)

    async def _confirm(self, sid: str, wanted: Any) -> str:
        """Join the socket to its conversation: the kept one if the store has it, else a new one."""
        assert self.sio is not None
        session_id = None
        if valid_session_id(wanted):
            try:
                if await self._known(wanted):
                    session_id = wanted
            except Exception:
                logger.exception("Web chat session %s not looked up; a new one is given",
                                 log_tag(wanted))
        elif wanted:
            logger.info("Web chat: a malformed session id was replaced by a new one")
        session_id = session_id or new_session_id()
        async with self.sio.session(sid) as session:
            previous = session.get("session_id")
            session["session_id"] = session_id
        if previous and previous != session_id:
            await self.sio.leave_room(sid, previous)
        await self.sio.enter_room(sid, session_id)
        await self.sio.emit("session_confirm", session_id, to=sid)
        return session_id

    async def _handle_message(
        self, sid: str, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        assert self.sio is not None
        data = data if isinstance(data, dict) else {}
        session_id = (await self.sio.get_session(sid)).get("session_id")
        if session_id is None:
            # A client that skipped session_request: give it its session now.
            session_id = await self._confirm(sid, data.get("session_id"))
        text = data.get("message")
        metadata = _metadata(data)
        hint = metadata.get("language") if metadata else None
        verdict = self.gate.check(session_id, text if isinstance(text, str) else "")
        if not verdict.ok:
            logger.info("Web chat message of %s not passed on: %s",
                        log_tag(session_id), verdict.reason)
            lang = await conversation_language(self._app, session_id, hint)
            verdict = self.gate.check_again(verdict, lang)
            await self.sio.emit(self.bot_message_evt, {"text": verdict.reply,
                                                       "metadata": language_metadata(lang)},
                                to=sid)
            return
        try:
            # A typed "/intent{...}" is words unless a button just offered it.
            text = await unforged(self._app, session_id, verdict.text)
            # Only stored, unanswered, while an advisor holds the conversation.
            await pass_on(self._app, self._store(), on_new_message, UserMessage(
                text,
                WebchatOutput(self.sio, self.bot_message_evt),
                session_id,
                input_channel=self.name(),
                metadata=metadata,
            ))
        except Exception:
            logger.exception("Web chat message of %s not handled", log_tag(session_id))
            lang = await conversation_language(self._app, session_id, hint)
            await self.sio.emit(self.bot_message_evt, {"text": say("webchat_sorry", lang),
                                                       "metadata": language_metadata(lang)},
                                to=sid)
