"""Staff accounts: a name, a role and an argon2id password hash.

    ROLES      advisor (the queue, conversations, call-backs), editor (the review
               inbox), analyst (the analytics page), admin (the audit log)
    Accounts   add, list, disable, reset (the CLI) and check a sign-in

Passwords are hashed with argon2-cffi's `PasswordHasher` (argon2id, its
defaults: RFC 9106's low-memory profile); a hash made with older parameters is
replaced on the next sign-in. A disabled account cannot sign in and its
sessions end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from bot.errors import NssaError
from bot.store.tables import staff_accounts, staff_sessions, utcnow

__all__ = ["ROLES", "Account", "AccountError", "Accounts", "MIN_PASSWORD", "check_name"]

ROLES = ("advisor", "editor", "analyst", "admin")
MIN_PASSWORD = 12
_NAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
# A hash to check against when the account does not exist, so an unknown name
# takes as long as a wrong password.
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")


class AccountError(NssaError):
    """A staff account cannot be made or changed; the message says why."""


@dataclass(frozen=True)
class Account:
    """A staff account as the console sees it (no hash)."""

    name: str
    role: str
    created_at: datetime
    disabled_at: Optional[datetime]

    @property
    def active(self) -> bool:
        """Whether the account can sign in."""
        return self.disabled_at is None


def check_name(name: str) -> str:
    """The name, lower-cased; AccountError unless 2-64 of a-z, 0-9, '.', '_', '-'."""
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise AccountError(
            f"{name!r} is not a staff name: use 2 to 64 of a-z, 0-9, '.', '_' or '-', "
            "starting with a letter"
        )
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


def _account(row: sa.Row) -> Account:
    return Account(row.name, row.role, row.created_at, row.disabled_at)


class Accounts:
    """The staff accounts in the conversation store's database."""

    def __init__(
        self, engine: Engine, *, hasher: PasswordHasher = _HASHER,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._hasher = hasher
        self._clock = clock

    def add(self, name: str, role: str, password: str) -> Account:
        """A new account; AccountError if the name is taken or a value is not allowed."""
        name = check_name(name)
        if role not in ROLES:
            raise AccountError(f"{role!r} is not a role; use one of {', '.join(ROLES)}")
        _check_password(password)
        now = self._clock()
        with self._engine.begin() as connection:
            if connection.execute(
                sa.select(staff_accounts.c.name).where(staff_accounts.c.name == name)
            ).first():
                raise AccountError(f"there is already a staff account {name!r}")
            connection.execute(staff_accounts.insert().values(
                name=name, role=role, password_hash=self._hasher.hash(password),
                created_at=now, updated_at=now, disabled_at=None,
            ))
        return Account(name, role, now, None)

    def list(self) -> List[Account]:
        """Every account, by name."""
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(staff_accounts).order_by(staff_accounts.c.name))
            return [_account(row) for row in rows]

    def get(self, name: str) -> Optional[Account]:
        """The account called `name`, or None."""
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.select(staff_accounts).where(staff_accounts.c.name == name.strip().lower())
            ).first()
        return _account(row) if row else None

    def disable(self, name: str) -> None:
        """Disable the account and end its sessions; AccountError if there is none."""
        name = check_name(name)
        now = self._clock()
        with self._engine.begin() as connection:
            done = connection.execute(
                staff_accounts.update().where(staff_accounts.c.name == name)
                .values(disabled_at=now, updated_at=now)
            )
            if not done.rowcount:
                raise AccountError(f"there is no staff account {name!r}")
            connection.execute(staff_sessions.delete().where(staff_sessions.c.name == name))

    def reset(self, name: str, password: str) -> None:
        """A new password (the account enabled again); its sessions end."""
        name = check_name(name)
        _check_password(password)
        now = self._clock()
        with self._engine.begin() as connection:
            done = connection.execute(
                staff_accounts.update().where(staff_accounts.c.name == name).values(
                    password_hash=self._hasher.hash(password), disabled_at=None, updated_at=now
                )
            )
            if not done.rowcount:
                raise AccountError(f"there is no staff account {name!r}")
            connection.execute(staff_sessions.delete().where(staff_sessions.c.name == name))

    def authenticate(self, name: str, password: str) -> Optional[Account]:
        """The account when the name and password match and it is active, else None."""
        try:
            name = check_name(name)
        except AccountError:
            name = ""
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.select(staff_accounts).where(staff_accounts.c.name == name)
            ).first() if name else None
        try:
            self._hasher.verify(row.password_hash if row else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        if self._hasher.check_needs_rehash(row.password_hash):
            with self._engine.begin() as connection:
                connection.execute(
                    staff_accounts.update().where(staff_accounts.c.name == name)
                    .values(password_hash=self._hasher.hash(password))
                )
        return _account(row)
