"""A fake Telegram Bot API on loopback: records calls, answers as the real one does.

    api = FakeTelegramApi(token)
    await api.start()                # in the test's event loop, or
    with api.in_thread(): ...        # its own loop in a thread (e2e: Rasa is another process)
    api.url                          # give it as NSSA_TELEGRAM_API_URL
    api.calls("sendMessage")         # [{"chat_id": 42, "text": ..., "reply_markup": {...}}, ...]
    api.fail("sendMessage", 429, retry_after=1)     # the next sendMessage is rate limited
    api.blocked.add(42)              # sendMessage to chat 42: 403, bot blocked by the user

Requests go to /bot<token>/<method> with JSON, form or query parameters, as
python-telegram-bot sends them (JSON-encoded values such as reply_markup are
decoded). A wrong token gets 401, an unknown method 404, like the real API.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from aiohttp import web

from tests.conftest import free_port

__all__ = ["FakeTelegramApi", "recorded", "DATA", "TOKEN", "SECRET"]

# The bot token and webhook secret the tests give the assistant and this fake.
TOKEN = "424242:e2e-telegram-token"
SECRET = "e2e-telegram-secret-0123456789"

DATA = Path(__file__).resolve().parent.parent / "data" / "telegram"
BOT_USER = {"id": 700000001, "is_bot": True, "first_name": "NSSA", "username": "NSSA_help_bot"}


def recorded(
    name: str, *, update_id: Optional[int] = None, chat_id: Optional[int] = None,
    **changes: Any,
) -> Dict[str, Any]:
    """A recorded Update of tests/data/telegram, with its own update_id / chat id if given.

    `changes` replace fields of the update's message (or callback query), e.g. text=.
    """
    body = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    if update_id is not None:
        body["update_id"] = update_id
    kind = next(key for key in body if key != "update_id")
    inner = body[kind]
    if chat_id is not None:
        for holder in (inner, inner.get("message") or {}):
            if "chat" in holder:
                holder["chat"]["id"] = chat_id
        for holder in (inner, inner.get("message") or {}):
            if "from" in holder and not holder["from"].get("is_bot"):
                holder["from"]["id"] = chat_id
    inner.update(changes)
    return body


# Form values as python-telegram-bot encodes them: strings as they are,
# everything else JSON-dumped. Which fields are not strings is per method.
_JSON_FIELDS = {"reply_markup", "allowed_updates", "link_preview_options", "entities"}
_INT_FIELDS = {"chat_id", "message_id", "max_connections", "cache_time"}
_BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification"}


def _decoded(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if name in _JSON_FIELDS or name in _BOOL_FIELDS:
            return json.loads(value)
        if name in _INT_FIELDS and value.lstrip("-").isdigit():
            return int(value)
    except ValueError:
        pass
    return value


class FakeTelegramApi:
    """The Bot API methods the assistant calls, recorded."""

    def __init__(self, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.port = free_port()
        self.records: List[Tuple[str, Dict[str, Any], float]] = []
        self.blocked: set = set()
        self._failures: Dict[str, List[Tuple[int, Dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._next_message_id = 1000
        self._runner: Optional[web.AppRunner] = None
        self.webhook: Dict[str, Any] = {}

    @property
    def url(self) -> str:
        """Base URL of the fake (the Bot API's https://api.telegram.org)."""
        return f"http://127.0.0.1:{self.port}"

    # --- what the tests look at ---

    def calls(self, method: str) -> List[Dict[str, Any]]:
        """Parameters of every call of `method`, in order."""
        with self._lock:
            return [params for name, params, _ in self.records if name == method]

    def times(self, method: str) -> List[float]:
        """When each call of `method` came (time.monotonic)."""
        with self._lock:
            return [at for name, _, at in self.records if name == method]

    def texts(self, chat_id: int) -> List[str]:
        """The texts sent to a chat."""
        return [c["text"] for c in self.calls("sendMessage") if c.get("chat_id") == chat_id]

    def clear(self) -> None:
        """Forget the recorded calls."""
        with self._lock:
            self.records.clear()

    def fail(self, method: str, status: int, times: int = 1, *, retry_after: int = 0,
             description: str = "") -> None:
        """The next `times` calls of `method` get `status` (429 with retry_after, 5xx, 400 ...)."""
        body: Dict[str, Any] = {
            "ok": False,
            "error_code": status,
            "description": description or {429: "Too Many Requests: retry after "
                                           f"{retry_after}", 400: "Bad Request"}.get(
                                               status, "Internal Server Error"),
        }
        if retry_after:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, body)] * times)

    # --- server ---

    async def start(self) -> None:
        """Serve on loopback in the running event loop."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextmanager
    def in_thread(self) -> Iterator["FakeTelegramApi"]:
        """Serve from a thread with its own event loop (for other processes to call)."""
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram API did not start")
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    async def _params(self, request: web.Request) -> Dict[str, Any]:
        params: Dict[str, Any] = {k: _decoded(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            body = await request.json()
            params.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            form = await request.post()
            params.update({k: _decoded(k, v) for k, v in form.items() if isinstance(v, str)})
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        with self._lock:
            self.records.append((method, params, time.monotonic()))
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
        if failure is not None:
            return web.json_response(failure[1], status=failure[0])
        handler = getattr(self, "_" + method, None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        status, result = handler(params)
        if status != 200:
            return web.json_response(result, status=status)
        return web.json_response({"ok": True, "result": result})

    # --- the methods ---

    def _getMe(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        return 200, BOT_USER

    def _sendMessage(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        chat_id = params.get("chat_id")
        text = params.get("text")
        if chat_id in self.blocked:
            return 403, {"ok": False, "error_code": 403,
                         "description": "Forbidden: bot was blocked by the user"}
        if not isinstance(text, str) or not text or len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: message text is empty or too long"}
        with self._lock:
            self._next_message_id += 1
            message_id = self._next_message_id
        message = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": {"id": chat_id, "type": "private"},
            "date": int(time.time()),
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return 200, message

    def _answerCallbackQuery(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        if not params.get("callback_query_id"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
        return 200, True

    def _setWebhook(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        self.webhook = dict(params)
        return 200, True

    def _deleteWebhook(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        self.webhook = {}
        return 200, True

    def _getWebhookInfo(self, params: Dict[str, Any]) -> Tuple[int, Any]:  # noqa: N802
        return 200, {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
            "allowed_updates": self.webhook.get("allowed_updates", []),
        }
