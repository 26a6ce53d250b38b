"""Signed-in sessions and the sign-in rate limit, in the database.

    Sessions      start(name) -> (cookie token, CSRF token); find(token) the
                  signed-in account and its CSRF token, or None when unknown,
                  expired (8 hours after sign-in, 30 minutes idle) or the
                  account disabled; end(token)
    SignInLimit   5 failed sign-ins for a name, or 20 from one address,
                  within 15 minutes: sign-in refused until the oldest ages out

The cookie carries a 256-bit random token; the table keeps its SHA-256 only.
Each session has its own CSRF token (OWASP's synchronizer token pattern),
compared in constant time (`csrf_matches`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store.tables import staff_accounts, staff_sessions, staff_sign_in_failures, utcnow

__all__ = [
    "ABSOLUTE",
    "IDLE",
    "Session",
    "Sessions",
    "SignInLimit",
    "csrf_matches",
    "new_token",
]

ABSOLUTE = timedelta(hours=8)
IDLE = timedelta(minutes=30)
# `seen_at` is written at most this often, so polling does not write every second.
_TOUCH = timedelta(minutes=1)


def new_token() -> str:
    """A 256-bit random token, URL-safe."""
    return secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def csrf_matches(given: Optional[str], expected: str) -> bool:
    """Whether the CSRF token given is the session's (constant time)."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


@dataclass(frozen=True)
class Session:
    """A signed-in member of staff."""

    name: str
    role: str
    csrf_token: str


class Sessions:
    """Sessions in the conversation store's database."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock

    def start(self, name: str) -> Tuple[str, str]:
        """A new session for `name`: (cookie token, CSRF token)."""
        token, csrf = new_token(), new_token()
        now = self._clock()
        with self._engine.begin() as connection:
            # Expired sessions of anyone go as a new one starts.
            connection.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
            connection.execute(staff_sessions.insert().values(
                token_hash=_digest(token), name=name, csrf_token=csrf,
                created_at=now, seen_at=now, expires_at=now + ABSOLUTE,
            ))
        return token, csrf

    def find(self, token: Optional[str]) -> Optional[Session]:
        """The session of the cookie's token, or None (unknown, expired, disabled)."""
        if not token or len(token) > 128:
            return None
        now = self._clock()
        query = (
            sa.select(staff_sessions, staff_accounts.c.role, staff_accounts.c.disabled_at)
            .join(staff_accounts, staff_accounts.c.name == staff_sessions.c.name)
            .where(staff_sessions.c.token_hash == _digest(token))
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or row.disabled_at is not None:
            return None
        if now >= row.expires_at or now - row.seen_at >= IDLE:
            self.end(token)
            return None
        if now - row.seen_at >= _TOUCH:
            with self._engine.begin() as connection:
                connection.execute(staff_sessions.update()
                                   .where(staff_sessions.c.token_hash == row.token_hash)
                                   .values(seen_at=now))
        return Session(row.name, row.role, row.csrf_token)

    def end(self, token: str) -> None:
        """Sign out: the session is deleted."""
        with self._engine.begin() as connection:
            connection.execute(
                staff_sessions.delete().where(staff_sessions.c.token_hash == _digest(token))
            )


class SignInLimit:
    """Failed sign-ins counted per name and per address over a window."""

    def __init__(
        self, engine: Engine, *, per_name: int = 5, per_address: int = 20,
        window: timedelta = timedelta(minutes=15), clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self.per_name = per_name
        self.per_address = per_address
        self.window = window
        self._clock = clock

    def retry_after(self, name: str, address: str) -> Optional[int]:
        """Seconds until a sign-in for `name` from `address` is allowed; None if it is now."""
        now = self._clock()
        since = now - self.window
        failures = staff_sign_in_failures
        waits = []
        with self._engine.connect() as connection:
            for column, value, limit in ((failures.c.name, name, self.per_name),
                                         (failures.c.address, address, self.per_address)):
                times = connection.execute(
                    sa.select(failures.c.at).where(column == value, failures.c.at > since)
                    .order_by(failures.c.at.desc()).limit(limit)
                ).scalars().all()
                if len(times) >= limit:
                    # Allowed again when the oldest of the last `limit` ages out.
                    waits.append((times[-1] + self.window - now).total_seconds())
        return max(1, int(max(waits)) + 1) if waits else None

    def failed(self, name: str, address: str) -> None:
        """Count a failed sign-in (names cut to 64 characters, old rows removed)."""
        now = self._clock()
        with self._engine.begin() as connection:
            connection.execute(staff_sign_in_failures.delete()
                               .where(staff_sign_in_failures.c.at < now - self.window))
            connection.execute(staff_sign_in_failures.insert().values(
                name=name[:64], address=address[:64], at=now
            ))
