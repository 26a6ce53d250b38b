"""The action server: rasa_sdk's app behind NSSA_ACTION_TOKEN, on NSSA_ACTION_HOST.

rasa-sdk 3.6 has no authentication and listens on every interface, so the
project starts its own (`python -m bot actions`, which `bot run` uses):

    GET  /health     200, open: it says nothing but "ok" (the health check)
    POST /webhook    the actions; without `Authorization: Bearer
    GET  /actions    <NSSA_ACTION_TOKEN>` 401, with another token 403, and
                     nothing runs: the check comes before any handler

Rasa sends the token with every call (endpoints.yml, `action_endpoint:
headers:`). The server listens on NSSA_ACTION_HOST (127.0.0.1 by default).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from bot.security import bearer_refusal
from bot.settings import Settings

__all__ = ["OPEN_PATHS", "create_app", "serve"]

logger = logging.getLogger(__name__)

# Paths answered without the token.
OPEN_PATHS = frozenset({"/health"})


def create_app(token: str, package: str = "actions") -> Any:
    """rasa_sdk's Sanic app for `package`, every path but OPEN_PATHS behind `token`."""
    if not token:
        raise ValueError("the action server needs a token (NSSA_ACTION_TOKEN)")
    from rasa_sdk.endpoint import create_app as sdk_app
    from sanic import response
    from sanic.request import Request

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

    return app


def serve(settings: Settings) -> None:
    """Run the action server until SIGINT or SIGTERM (one worker, as rasa_sdk does)."""
    from rasa_sdk import utils

    if not settings.action_token:
        raise ValueError("the action server needs NSSA_ACTION_TOKEN")
    utils.configure_colored_logging(settings.log_level)
    utils.update_sanic_log_level()
    app = create_app(settings.action_token)
    logger.info("Action server on http://%s:%d", settings.action_host, settings.action_port)
    app.run(settings.action_host, settings.action_port, workers=1)
