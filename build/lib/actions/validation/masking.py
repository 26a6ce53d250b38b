"""Showing only the last 4 digits of personal numbers (identity-and-privacy.md).

`mask_personal_numbers` (hiding such numbers in free text) lives in
`bot/privacy.py`, because the conversation store and the logs use it too.
"""

from __future__ import annotations

import re
from typing import Any, Dict

from actions.validation._base import clean
from bot.privacy import mask_personal_numbers

__all__ = ["last4", "ending", "mask", "mask_personal_numbers"]


def last4(value: Any) -> str:
    """Return the last 4 digits of a number, ignoring everything but digits."""
    return re.sub(r"[^0-9]", "", clean(value))[-4:]


def ending(value: Any) -> Dict[str, Any]:
    """"ending 3456" for a national ID, account or phone number, as a response variable."""
    return {"term": "term_ending", "vars": {"digits": last4(value)}}


def mask(value: Any) -> str:
    """Return a number with every character but the last 4 replaced by "*"."""
    compact = re.sub(r"[^0-9A-Za-z]", "", clean(value))
    if len(compact) <= 4:
        return "*" * len(compact)
    return "*" * (len(compact) - 4) + compact[-4:]
