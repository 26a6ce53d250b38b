"""Twilio's Messages API, wrapped once: send one SMS, retried where that is safe.

    SmsSender.send(to, body) -> message sid
      429, 500, 502, 503, 504 and connection errors or timeouts are retried
      with backoff (a 500 may, rarely, have been sent: one duplicate SMS is
      preferred to a lost answer); any other refusal raises SmsNotSent at once
      with Twilio's error code (21610: the number texted STOP to Twilio).

The twilio library's async client does the HTTP (aiohttp); its base URL
`https://api.twilio.com` is swapped for `api_url` (NSSA_TWILIO_API_URL), so
tests and staging reach a fake API on loopback. Every message carries the
StatusCallback URL. Twilio's own environment variables (TWILIO_EDGE, ...)
are not read: configuration comes from bot/settings.py only.

Errors, as the project's tree (bot/errors.py):

    NssaError
      SmsNotSent   Twilio refused the message or stayed unavailable
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.errors import NssaError
from bot.retry import backoff_seconds

__all__ = ["SmsNotSent", "SmsSender", "TWILIO_API_URL", "RETRIED_STATUSES"]

logger = logging.getLogger(__name__)
# Retries wait 1, 2, 4 ... times the backoff (equal jitter, bot/retry.py), at most this.
_LONGEST_WAIT = 30.0

TWILIO_API_URL = "https://api.twilio.com"
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class SmsNotSent(NssaError):
    """Twilio refused the message, or stayed unavailable through every retry."""

    def __init__(self, message: str, *, code: Optional[int] = None, status: Optional[int] = None):
        super().__init__(message)
        self.code = code
        self.status = status


class _BaseUrlHttpClient(AsyncTwilioHttpClient):
    """The library's async HTTP client, sending to `api_url` instead of api.twilio.com.

    One aiohttp session per request, closed also when the connection fails
    (the library's own per-request session is not), and none outlives the
    event loop it was made in.
    """

    def __init__(self, api_url: str, timeout: float) -> None:
        super().__init__(pool_connections=False, timeout=timeout, logger=logger)
        self.api_url = api_url.rstrip("/")

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        params: Optional[Dict[str, object]] = None,
        data: Optional[Dict[str, object]] = None,
        headers: Optional[Dict[str, str]] = None,
        auth: Optional[Tuple[str, str]] = None,
        timeout: Optional[float] = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Twilio's request to the configured base URL; Twilio's Response."""
        if url.startswith(TWILIO_API_URL):
            url = self.api_url + url[len(TWILIO_API_URL):]
        kwargs: Dict[str, Any] = {
            "method": method.upper(), "url": url, "params": params, "data": data,
            "headers": headers, "allow_redirects": allow_redirects,
            "auth": aiohttp.BasicAuth(*auth) if auth else None,
            "timeout": aiohttp.ClientTimeout(total=timeout or self.timeout),
        }
        async with aiohttp.ClientSession() as session:
            async with session.request(**kwargs) as answer:
                result = Response(answer.status, await answer.text(), answer.headers)
        # Not the library's request log: 10 INFO lines per SMS.
        logger.debug("Twilio %s %s: HTTP %s", method, url, result.status_code)
        return result


Sleep = Callable[[float], Awaitable[None]]


class SmsSender:
    """Sends SMS from one Twilio number, reporting status to `status_callback`."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        status_callback: str,
        api_url: str = TWILIO_API_URL,
        timeout: float = 10.0,
        attempts: int = 4,
        backoff: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.from_number = from_number
        self.status_callback = status_callback
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        # environment: not os.environ (TWILIO_EDGE / TWILIO_REGION would move the host).
        self._client = Client(
            account_sid,
            auth_token,
            http_client=_BaseUrlHttpClient(api_url, timeout),
            environment={"TWILIO_EDGE": "", "TWILIO_REGION": ""},
        )

    async def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; Twilio's message sid. Raises SmsNotSent."""
        for attempt in range(1, self._attempts + 1):
            try:
                message = await self._client.messages.create_async(
                    to=to, from_=self.from_number, body=body, status_callback=self.status_callback
                )
                return str(message.sid)
            except TwilioRestException as exc:
                if exc.status not in RETRIED_STATUSES:
                    raise SmsNotSent(
                        f"Twilio refused the message: HTTP {exc.status}, code {exc.code}",
                        code=exc.code, status=exc.status,
                    ) from None
                failure = f"HTTP {exc.status}"
                status: Optional[int] = exc.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                failure, status = type(exc).__name__, None
            if attempt == self._attempts:
                raise SmsNotSent(
                    f"Twilio unavailable after {attempt} attempts ({failure})", status=status
                )
            delay = backoff_seconds(attempt, self._backoff, cap=_LONGEST_WAIT)
            logger.warning("Twilio: %s; trying again in %.1f s", failure, delay)
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover
