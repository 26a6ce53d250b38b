"""What every CMS handler needs, kept on the application, and the shared helpers.

`CmsContext` bundles the settings, engine, clock, code generator and the
event deliverer; `idempotent()` runs a creating POST under its
Idempotency-Key; `error_response()` renders an `ApiError` as the contract's
`Error`.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Dict, Tuple

from aiohttp import web
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from backends.cms.events import Deliverer
from backends.cms.settings import CmsSettings
from backends.cms.store import remember_response, replayed_response
from backends.common import ApiError, Clock, fingerprint, read_json_object

__all__ = ["CMS", "CmsContext", "error_response", "idempotent", "new_code"]

logger = logging.getLogger(__name__)

Create = Callable[[Connection, Dict[str, Any]], Dict[str, Any]]


def new_code() -> str:
    """A random 6-digit one-time code."""
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass
class CmsContext:
    """The server's dependencies; tests hand in their own clock and code generator."""

    settings: CmsSettings
    engine: Engine
    clock: Clock
    deliverer: Deliverer
    new_code: Callable[[], str] = new_code
    fail_counts: Dict[str, int] = field(default_factory=dict)

    def now(self) -> datetime:
        """The current time (aware UTC)."""
        return self.clock()

    def today(self) -> date:
        """Today in Northland office time."""
        return self.clock().astimezone(self.settings.timezone).date()


CMS = web.AppKey("cms", CmsContext)


def error_response(error: ApiError) -> web.Response:
    """The contract's `Error` body: code, message and optional details."""
    body: Dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return web.json_response(body, status=error.status, headers=error.headers)


async def idempotent(request: web.Request, create: Create) -> Tuple[int, Dict[str, Any]]:
    """Run `create(connection, body)` once per Idempotency-Key.

    A new key: 201 and the created body. The same key and body again: 200 and
    the original body, nothing new. The same key with another body (or
    another path): 409 `idempotency_conflict`. Without a key: 422.
    """
    context = request.app[CMS]
    key = request.headers.get("Idempotency-Key")
    if key is None:
        raise ApiError(422, "idempotency_key_required", "The Idempotency-Key header is required.")
    if not 1 <= len(key) <= 128:
        raise ApiError(422, "invalid_idempotency_key", "Idempotency-Key must be 1-128 characters.")
    body, canonical = await read_json_object(request, 422, "invalid_body")
    request_print = fingerprint(request.method, request.path, canonical)
    for attempt in range(2):
        try:
            with context.engine.begin() as connection:
                seen = replayed_response(connection, key)
                if seen is not None:
                    if seen[0] != request_print:
                        raise ApiError(
                            409,
                            "idempotency_conflict",
                            "This Idempotency-Key was used with a different request.",
                        )
                    return 200, seen[1]
                result = create(connection, body)
                remember_response(connection, key, request_print, result, context.now())
                return 201, result
        except IntegrityError:
            # Another request won a race (same key, or the same slot); look again.
            if attempt:
                raise
            logger.info("Retrying a creation after a conflicting write")
    raise AssertionError("unreachable")
