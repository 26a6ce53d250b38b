"""Twilio's form-encoded webhooks: read, and checked field by field (channels/sms.py).

MAX_FORM_BYTES          a larger body is refused (413) before it is read
FIELD_LIMITS            the longest From, MessageSid, MessageStatus and
ErrorCode the store keeps
parse_form(raw)         the form (blank values kept: Twilio signs them),
None if the body is no form
field_problem(form, required)
what is wrong with a field, naming it, never its
value (a From is a phone number)
"""

from __future__ import annotations

from typing import List, Optional, Tuple
from urllib.parse import parse_qs

__all__ = ["MAX_FORM_BYTES", "FIELD_LIMITS", "Form", "parse_form", "field_problem"]

# Twilio's forms are a few KiB at most (a 1600-character body, escaped).
MAX_FORM_BYTES = 64 * 1024
# The longest value of each field the store keeps (bot/store/tables.py);
# Twilio's own are far shorter (a MessageSid is 34 characters).
FIELD_LIMITS = {"From": 128, "MessageSid": 64, "MessageStatus": 32, "ErrorCode": 16}


class Form(dict):
    """Form fields as lists of values, as RequestValidator reads them (`getlist`)."""

    def getlist(self, key: str) -> List[str]:
        """Every value of a field."""
        return self[key]

    def first(self, key: str) -> Optional[str]:
        """The first value of a field, None if it is absent."""
        values = self.get(key)
        return values[0] if values else None


def parse_form(raw: bytes) -> Optional[Form]:
    """The form of a body, blank values kept (Twilio signs them); None if not a form."""
    try:
        text = raw.decode("utf-8")
        return Form(parse_qs(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError):
        return None


def field_problem(form: Form, required: Tuple[str, ...]) -> Optional[str]:
    """What is wrong with the form's From, MessageSid, MessageStatus or ErrorCode, if anything.

    Names the field, never its value (a From is a phone number).
    """
    for name, limit in FIELD_LIMITS.items():
        value = form.first(name)
        if value is None or (not value and name not in required):
            continue
        if not value.strip() or not value.isprintable():
            return f"{name} is blank or not printable"
        if len(value) > limit:
            return f"{name} is over {limit} characters"
    return None
