"""Clients of the back-end systems: the NSSA CMS and the Housing Office.

Each system is wrapped once (`cms.py`, `housing.py`) on the shared retry and
timeout machinery of `http.py`; errors are in `errors.py`. Nothing here does
I/O at import time or in a constructor: a client opens its connection pool
on first use. Build clients in the settings wiring, and pass an
`httpx.AsyncClient` or transport in tests.
"""

from clients.cms import (
    Address,
    Appointment,
    Case,
    CmsClient,
    Identity,
    Office,
    Otp,
    OtpCheck,
    Person,
)
from clients.errors import (
    BackendError,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
    CredentialsRejected,
    IdempotencyConflict,
    NoPhoneOnRecord,
    NotFound,
    SlotTaken,
    VerificationRequired,
)
from clients.housing import HousingClient, HousingStatus, Receipt, housing_application
from clients.http import RetryPolicy, idempotency_key

__all__ = [
    "CmsClient",
    "Identity",
    "Otp",
    "OtpCheck",
    "Address",
    "Person",
    "Case",
    "Office",
    "Appointment",
    "HousingClient",
    "Receipt",
    "HousingStatus",
    "housing_application",
    "RetryPolicy",
    "idempotency_key",
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
