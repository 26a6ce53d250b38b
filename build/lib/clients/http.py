"""What every back-end client shares: timeouts, retries, JSON and idempotency keys.

`BackendHttp.send` sends one request with retries and returns the first
response whose status is not worth retrying; the service clients (`cms.py`,
`housing.py`) read it with `BackendHttp.body` or turn it into an error.

Retries (`RetryPolicy`):
- Retried: 429, 502, 503, 504, connection errors and timeouts, up to
  `max_attempts` attempts in all. Never another 4xx; a 500 is not retried.
- Wait: the `Retry-After` seconds when the server gives them, else
  exponential backoff with jitter (`backoff_delay`).
- A `Retry-After` longer than `max_retry_after` is not shortened: we stop at
  once and raise `BackendUnavailable` with `retry_after`, so the caller keeps
  the request and sends it when the server asked (the Housing Office's nightly
  maintenance lasts hours). The same when the wait would pass `total_timeout`.
- A request that is not idempotent (the one-time code check: each try uses up
  an attempt) is retried only when the server cannot have processed it: 429,
  503 and failures before anything was sent.

Logs carry the system, the operation name, the status or error class, the
attempt and the wait: never URLs (they hold person ids), headers or bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import json
import logging
import math
import random
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, Iterator, Mapping, Optional, Tuple, Type

import httpx

from bot.retry import backoff_seconds
from clients.errors import (
    BackendError,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
    CredentialsRejected,
    NotFound,
)

__all__ = [
    "CMS_TIMEOUT", "HOUSING_TIMEOUT", "RETRY_STATUSES", "RetryPolicy", "BackendHttp",
    "build_http_client", "idempotency_key", "retry_after_seconds", "backoff_delay",
    "encode_json", "parse_datetime", "format_datetime", "iso_date",
    "as_text", "as_optional_text", "as_list", "is_whole", "Transport", "Sleep", "Clock",
]

logger = logging.getLogger(__name__)

CMS_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=10.0, pool=3.0)
# The Housing Office may take up to 10 s to answer.
HOUSING_TIMEOUT = httpx.Timeout(connect=3.0, read=15.0, write=15.0, pool=3.0)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_UNPROCESSED_STATUSES = frozenset({429, 503})  # the server says it did not act
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_BY_STATUS: Dict[int, Type[BackendRejected]] = {401: CredentialsRejected, 404: NotFound}

Transport = httpx.AsyncBaseTransport
Sleep = Callable[[float], Awaitable[Any]]
Clock = Callable[[], float]
# The JSON of a 4xx body -> (code, message, details), in each system's own error shape.
ErrorParser = Callable[[Any], Tuple[str, str, Mapping[str, Any]]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one call."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    # The deadline of one call in seconds, attempts and waits included; None: no bound.
    total_timeout: Optional[float] = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays must not be negative")
        if self.total_timeout is not None and self.total_timeout <= 0:
            raise ValueError("total_timeout must be positive")


def build_http_client(
    timeout: httpx.Timeout, transport: Optional[Transport] = None
) -> httpx.AsyncClient:
    """A new `httpx.AsyncClient`: the factory a client calls on its first request."""
    return httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False)


def idempotency_key(*parts: Any) -> str:
    """A stable key (64 hex characters) for one confirmed request.

    Pass the conversation id first, then the request kind and the confirmed
    form values: `idempotency_key(sender_id, "address_change", form)`. The
    parts are encoded as canonical JSON (keys sorted, dates in ISO form) and
    hashed with SHA-256, so:
    - the same conversation confirming the same values gives the same key: a
      retry, or a resend after a crash, cannot open a second case;
    - any changed value gives a new key, so a corrected form is a new request
      (a changed body under an old key would get 409 idempotency_conflict);
    - it fits the CMS `Idempotency-Key` (1-128) and the Housing Office
      `clientReference` (64), and shows none of the values; the conversation id
      keeps it from being guessed back from, say, a national ID alone.
    """
    if not parts:
        raise ValueError("idempotency_key needs at least one part")
    return hashlib.sha256(encode_json(list(parts))).hexdigest()


def retry_after_seconds(value: Optional[str], *, now: Optional[datetime] = None) -> Optional[float]:
    """Seconds a `Retry-After` header asks for (seconds or HTTP date); None if absent or bad."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """The wait after failed attempt `attempt` (from 1): exponential, capped, equal jitter."""
    return backoff_seconds(attempt, policy.base_delay, policy.max_delay, rng)


def encode_json(value: Any) -> bytes:
    """Canonical JSON bytes (keys sorted): the same values always give the same body."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)?$")


def parse_datetime(value: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (no offset: UTC)."""
    match = _RFC3339.match(value.strip())
    if not match:
        raise ValueError("not an RFC 3339 timestamp")
    stamp, fraction, offset = match.groups()
    # Python 3.10's fromisoformat takes neither "Z" nor fractions other than 3 or 6 digits.
    text = stamp.replace("t", "T").replace(" ", "T")
    if fraction:
        text += "." + (fraction + "00000")[:6]
    parsed = datetime.fromisoformat(text + ("" if offset in (None, "Z", "z") else offset))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC (`2026-03-02T09:20:00Z`)."""
    if value.utcoffset() is None:
        raise ValueError("a naive datetime has no place in the contract: give a time zone")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def iso_date(value: Any) -> str:
    """A date, or `YYYY-MM-DD` text, as `YYYY-MM-DD`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return date.fromisoformat(value.strip()).isoformat()
    raise ValueError("expected a date or YYYY-MM-DD")


def as_text(value: Any) -> str:
    """A string field of a body (TypeError otherwise)."""
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def as_optional_text(value: Any) -> Optional[str]:
    """A nullable string field of a body."""
    return None if value is None else as_text(value)


def as_list(value: Any) -> list:
    """A list body (TypeError otherwise)."""
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def is_whole(value: Any) -> bool:
    """True for an int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool)


class BackendHttp:
    """One back-end system: base URL, headers, timeouts, retry policy and error mapping."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        error_parser: ErrorParser,
        specific_errors: Optional[Mapping[Tuple[int, str], Type[BackendRejected]]] = None,
        client: Optional[httpx.AsyncClient] = None,
        transport: Optional[Transport] = None,
        retry: Optional[RetryPolicy] = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        rng: Optional[random.Random] = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{name} base URL must start with http:// or https://")
        if client is not None and transport is not None:
            raise ValueError("give a client or a transport, not both")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self._headers = {"Accept": "application/json", **headers}
        self._error_parser = error_parser
        self._specific = dict(specific_errors or {})
        self._client = client
        self._owns_client = client is None
        self._transport = transport
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:  # built on first use: constructing does no I/O
            self._client = build_http_client(self.timeout, self._transport)
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool if this object built it."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        body: Any = None,
        params: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        idempotent: bool = True,
        max_attempts: Optional[int] = None,
    ) -> httpx.Response:
        """Send with retries: the first response not retried, or BackendUnavailable."""
        attempts = max_attempts or self.retry.max_attempts
        all_headers = {**self._headers, **(headers or {})}
        content = None if body is None else encode_json(body)
        if content is not None:
            all_headers["Content-Type"] = "application/json"
        url, started, attempt = self.base_url + path, self._clock(), 0
        while True:
            attempt += 1
            status: Optional[int] = None
            retry_after: Optional[float] = None
            failure: Optional[httpx.TransportError] = None
            try:
                timeout = self._attempt_timeout(started)
                response = await self._http().request(
                    method, url, params=params, headers=all_headers, content=content,
                    timeout=timeout,
                )
            except httpx.TransportError as exc:
                failure, reason = exc, type(exc).__name__
                retryable = isinstance(exc, _RETRY_ERRORS) and (
                    idempotent or isinstance(exc, _NOT_SENT_ERRORS)
                )
            else:
                status = response.status_code
                if status not in RETRY_STATUSES:
                    return response
                reason = f"HTTP {status}"
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                retryable = idempotent or status in _UNPROCESSED_STATUSES
            wait = self._wait(attempt, attempts, retry_after, started) if retryable else None
            if wait is None:
                logger.warning(
                    "%s %s: %s on attempt %d; giving up", self.name, operation, reason, attempt
                )
                raise BackendUnavailable(
                    self.name, reason, status=status, attempts=attempt, retry_after=retry_after
                ) from failure
            logger.warning(
                "%s %s: %s on attempt %d of %d; retrying in %.2f s",
                self.name, operation, reason, attempt, attempts, wait
            )
            await self._sleep(wait)

    def _wait(
        self, attempt: int, attempts: int, retry_after: Optional[float], started: float
    ) -> Optional[float]:
        """Seconds to wait before the next attempt, or None to give up now."""
        if attempt >= attempts:
            return None
        if retry_after is not None and retry_after > self.retry.max_retry_after:
            return None
        if retry_after is not None:
            wait = retry_after
        else:
            wait = backoff_delay(attempt, self.retry, self._rng)
        total = self.retry.total_timeout
        if total is not None and self._clock() - started + wait >= total:
            return None
        return wait

    def _attempt_timeout(self, started: float) -> httpx.Timeout:
        """The timeouts, shortened to the time left before `total_timeout`."""
        if self.retry.total_timeout is None:
            return self.timeout
        # _wait refuses to start an attempt past the end, so some time is always left.
        left = max(0.1, self.retry.total_timeout - (self._clock() - started))
        t = self.timeout
        return httpx.Timeout(
            connect=_clip(t.connect, left),
            read=_clip(t.read, left),
            write=_clip(t.write, left),
            pool=_clip(t.pool, left),
        )

    def error(self, response: httpx.Response, operation: str) -> BackendError:
        """The error for a response the operation does not expect."""
        status = response.status_code
        if 400 <= status < 500:
            try:
                code, message, details = self._error_parser(response.json())
            except (ValueError, TypeError, KeyError, AttributeError):
                code, message, details = "", response.reason_phrase, {}
            cls = self._specific.get((status, code)) or _BY_STATUS.get(status, BackendRejected)
            return cls(status, code, message, details, backend=self.name)
        if status >= 500:
            return BackendUnavailable(self.name, f"HTTP {status}", status=status)
        reason = f"unexpected HTTP {status} for {operation}"
        return BackendProtocolError(self.name, reason, status=status)

    @contextlib.contextmanager
    def body(self, response: httpx.Response, operation: str, *statuses: int) -> Iterator[Any]:
        """The JSON body of an expected status, to be read in the `with` block.

        Another status raises its error (`error`). A body that is not JSON or
        lacks a field raises BackendProtocolError naming the field, never a value.
        """
        if response.status_code not in statuses:
            raise self.error(response, operation)
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            reason = f"{operation}: body is not JSON"
            raise BackendProtocolError(self.name, reason, status=status) from None
        try:
            yield data
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing field {exc.args[0]!r}" if isinstance(exc, KeyError) else "bad field"
            raise BackendProtocolError(self.name, f"{operation}: {what}", status=status) from None


def _clip(value: Optional[float], limit: float) -> float:
    return limit if value is None else min(value, limit)
