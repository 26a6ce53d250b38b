"""The action server: rasa_sdk's app behind NSSA_ACTION_TOKEN, on NSSA_ACTION_HOST.

rasa-sdk 3.6 has no authentication and listens on every interface, so the
project starts its own (`python -m bot actions`, which `bot run` uses):

    GET  /health     200, open: it says nothing but "ok" (the health check)
    POST /webhook    the actions; without `Authorization: Bearer
    GET  /actions    <NSSA_ACTION_TOKEN>` 401, with another token 403, and
                     nothing runs: the check comes before any handler

Rasa sends the token with every call (endpoints.yml, `action_endpoint:
headers:`). The server listens on NSSA_ACTION_HOST (127.0.0.1 by default).

After the token, a call's body is checked before rasa_sdk reads it:
    413  over CALL_MAX_BYTES, 32 MiB (a deflated body: once inflated). Not
         NSSA_JSON_MAX_BYTES: Rasa sends the whole tracker and the domain
         with every call, far over 64 KiB; only Rasa, with the token, gets
         this far
    400  not JSON, nested deeper than NSSA_JSON_MAX_DEPTH, or no action
         call Rasa could send with this domain (bot/action_calls.py)
An action that fails is logged with its traceback and answered 500 without
the call's body (rasa_sdk's own handler sends the body back).
"""

from __future__ import annotations

import logging
import zlib
from typing import Any, Optional

from bot.action_calls import problem, slot_types
from bot.json_limits import DEFAULT_LIMITS, JsonLimits, JsonRefused, NotJson
from bot.security import bearer_refusal
from bot.settings import PROJECT_ROOT, Settings

__all__ = ["CALL_LIMITS", "CALL_MAX_BYTES", "OPEN_PATHS", "create_app", "serve"]

logger = logging.getLogger(__name__)

CALL_MAX_BYTES = 32 * 1024 * 1024
CALL_LIMITS = JsonLimits(CALL_MAX_BYTES, DEFAULT_LIMITS.max_depth)

# Paths answered without the token.
OPEN_PATHS = frozenset({"/health"})


def _body(request: Any, limits: JsonLimits) -> Any:
    """The call's JSON within `limits`; JsonRefused otherwise (inflated with a cap if deflated)."""
    raw = request.body or b""
    if request.headers.get("Content-Encoding") == "deflate":
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, limits.max_bytes + 1)
        except zlib.error:
            raise NotJson("the body is not deflated data") from None
    return limits.loads(raw)


def create_app(token: str, package: str = "actions",
               limits: JsonLimits = CALL_LIMITS) -> Any:
    """rasa_sdk's Sanic app for `package`, every path but OPEN_PATHS behind `token`."""
    if not token:
        raise ValueError("the action server needs a token (NSSA_ACTION_TOKEN)")
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response
    from sanic.exceptions import SanicException
    from sanic.request import Request

    types = slot_types(PROJECT_ROOT / "domain.yml")
    # No CORS origins: only Rasa calls this server, never a browser.
    app = sdk_app(package, cors_origins=None)

    @app.on_request
    async def locked(request: Request) -> Optional[Any]:
        if request.path in OPEN_PATHS:
            return None
        refusal = bearer_refusal(request.headers.get("Authorization"), token)
        if refusal is None:
            return None
        logger.warning("Action server: %s %s refused (%d: %s token)", request.method,
                       request.path, refusal, "no" if refusal == 401 else "wrong")
        return response.json(
            {"error": "unauthorized" if refusal == 401 else "forbidden"},
            status=refusal, headers={"WWW-Authenticate": "Bearer"},
        )

    @app.on_request
    async def readable(request: Request) -> Optional[Any]:
        if request.method != "POST":
            return None
        try:
            call = _body(request, limits)
            wrong = problem(call, types)
        except JsonRefused as exc:
            wrong, status = str(exc), exc.status
        else:
            status = 400
        if wrong is None:
            if request.headers.get("Content-Encoding") != "deflate":
                # rasa_sdk reads `request.json`: the call parsed once, not twice.
                request.parsed_json = call
            return None
        logger.warning("Action server: %s refused (%d: %s)", request.path, status, wrong)
        return response.json({"error": wrong}, status=status)

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> Any:
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.json({"error": str(exception)}, status=exception.status_code)
        logger.error("Action server: %s failed", request.path, exc_info=exception)
        return response.json({"error": "the action failed"}, status=500)

    return app


def serve(settings: Settings) -> None:
    """Run the action server until SIGINT or SIGTERM (one worker, as rasa_sdk does)."""
    from rasa_sdk import utils

    if not settings.action_token:
        raise ValueError("the action server needs NSSA_ACTION_TOKEN")
    utils.configure_colored_logging(settings.log_level)
    utils.update_sanic_log_level()
    app = create_app(settings.action_token,
                     limits=JsonLimits(CALL_MAX_BYTES, settings.json_max_depth))
    logger.info("Action server on http://%s:%d", settings.action_host, settings.action_port)
    app.run(settings.action_host, settings.action_port, workers=1)
