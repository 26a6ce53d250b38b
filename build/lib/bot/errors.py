"""The project's exception tree.

    NssaError
     +-- SettingsError        a setting is missing or has a bad value
     +-- ContentError         a data file breaks a content rule (file and line)
     +-- StoreError           the conversation store cannot be reached or used

Third-party errors (SQLAlchemy, httpx, Twilio, Telegram) are converted to
these at the adapter boundary.
"""

from __future__ import annotations

__all__ = ["NssaError", "SettingsError", "ContentError", "StoreError"]


class NssaError(Exception):
    """Base class of every error the project raises on purpose."""


class SettingsError(NssaError, ValueError):
    """A setting is missing or its value cannot be used; the message names it."""


class ContentError(NssaError):
    """A content file breaks a rule; the message names the file and line."""


class StoreError(NssaError):
    """The conversation store cannot be reached or used."""
