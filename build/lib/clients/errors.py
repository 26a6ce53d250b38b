"""Errors of the back-end clients (CMS and Housing Office).

    NssaError                        (bot.errors)
     +-- BackendError                a back-end system could not do what we asked
          +-- BackendUnavailable     not reachable, or still 429/502/503/504 after the retries
          +-- BackendRejected        answered 4xx: status, code, message, details
          |    +-- CredentialsRejected   401: our token or API key was refused
          |    +-- NotFound              404 where the method has no "None" answer
          |    +-- VerificationRequired  403 verification_required
          |    +-- IdempotencyConflict   409 idempotency_conflict (same key, other body)
          |    +-- SlotTaken             409 slot_taken
          |    +-- NoPhoneOnRecord       422 no_phone
          +-- BackendProtocolError   answered something its contract does not allow

httpx errors never leave `clients`: they become `BackendUnavailable`.
`BackendUnavailable` means "keep the request and send it again later" (its
`retry_after` says when, if the server said); `BackendRejected` means
"sending it again unchanged will not help".

The string of an error names the system, the status and the error code only.
The server's message and details can echo what the citizen typed, so they are
kept in attributes and never put in the string that ends up in logs.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.errors import NssaError

__all__ = [
    "BackendError",
    "BackendUnavailable",
    "BackendRejected",
    "CredentialsRejected",
    "NotFound",
    "VerificationRequired",
    "IdempotencyConflict",
    "SlotTaken",
    "NoPhoneOnRecord",
    "BackendProtocolError",
]


class BackendError(NssaError):
    """A back-end system could not do what we asked; `backend` names it."""

    def __init__(self, message: str, *, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


class BackendUnavailable(BackendError):
    """The system could not be reached or kept answering 429/502/503/504."""

    def __init__(
        self,
        backend: str,
        reason: str,
        *,
        status: Optional[int] = None,
        attempts: int = 1,
        retry_after: Optional[float] = None,
    ) -> None:
        plural = "" if attempts == 1 else "s"
        message = f"{backend} unavailable after {attempts} attempt{plural}: {reason}"
        super().__init__(message, backend=backend)
        self.reason = reason
        self.status = status
        self.attempts = attempts
        self.retry_after = retry_after


class BackendRejected(BackendError):
    """The system answered 4xx: sending the same request again will not help."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str = "",
        details: Optional[Mapping[str, Any]] = None,
        *,
        backend: str = "",
    ) -> None:
        text = f"{backend or 'back end'} rejected the request: HTTP {status} {code}"
        super().__init__(text.rstrip(), backend=backend)
        self.status = status
        self.code = code
        self.message = message
        self.details: Mapping[str, Any] = dict(details or {})


class CredentialsRejected(BackendRejected):
    """401: the service token or API key was refused (check the setting)."""


class NotFound(BackendRejected):
    """404 from a method that has no "not found" answer of its own."""


class VerificationRequired(BackendRejected):
    """403 verification_required: the identity level is too low for this case type."""


class IdempotencyConflict(BackendRejected):
    """409 idempotency_conflict: the key was used before with a different body."""


class SlotTaken(BackendRejected):
    """409 slot_taken: the appointment slot was booked meanwhile."""


class NoPhoneOnRecord(BackendRejected):
    """422 no_phone: no phone on record, so no one-time code (level 2) in the chat."""


class BackendProtocolError(BackendError):
    """The system answered something its contract does not allow (status or body)."""

    def __init__(self, backend: str, reason: str, *, status: Optional[int] = None) -> None:
        super().__init__(f"{backend} broke its contract: {reason}", backend=backend)
        self.reason = reason
        self.status = status
