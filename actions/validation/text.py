"""Free text: names, addresses, topics and complaints, by their length limits.

Lengths count characters (Unicode code points after NFC), not bytes, so
"Zoë" is 3 characters however it was typed.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple

from actions.validation._base import ValidationError

__all__ = ["TextLimit", "TEXT_LIMITS", "text_length", "text_field"]

# Any Unicode space, and the invisible characters (zero-width, direction marks)
# that keyboards and copying leave at the edges.
_EDGE = r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]+"
_EDGES = re.compile(f"^{_EDGE}|{_EDGE}$")
# Control characters other than tab and newline never belong in an answer.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class TextLimit(NamedTuple):
    """Length limits of a free-text field, and how to name it when it is empty."""

    minimum: int
    maximum: int
    what: str
    single_line: bool = True


# From the field tables of requests-in-chat.md. account_holder_name and
# contact_name have no limit there; they take the 1-100 of the other names.
TEXT_LIMITS: Mapping[str, TextLimit] = MappingProxyType(
    {
        "child_first_name": TextLimit(1, 50, "the child's first name"),
        "child_last_name": TextLimit(1, 50, "the child's last name"),
        "street": TextLimit(1, 100, "the street and house number"),
        "city": TextLimit(1, 50, "the town or city"),
        "account_holder_name": TextLimit(1, 100, "the name of the account holder"),
        "employer_name": TextLimit(1, 100, "the name of your employer"),
        "work_address_abroad": TextLimit(1, 200, "the address of the workplace abroad"),
        "full_name": TextLimit(1, 100, "your full name"),
        "name": TextLimit(1, 100, "your name"),
        "contact_name": TextLimit(1, 100, "your name"),
        "topic": TextLimit(1, 200, "what it is about"),
        "complaint_text": TextLimit(10, 2000, "what happened", single_line=False),
    }
)


def text_length(
    text: Any,
    minimum: int,
    maximum: int,
    what: str = "your answer",
    single_line: bool = True,
) -> str:
    """Return the trimmed text if it has from `minimum` to `maximum` characters."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    value = _EDGES.sub("", _CONTROL.sub("", value.replace("\r\n", "\n")))
    if single_line:
        value = " ".join(value.split())
    if not value:
        raise ValidationError(f"Please type {what}.")
    if len(value) < minimum:
        raise ValidationError(
            f"This is too short. Please use at least {minimum:,} characters."
        )
    if len(value) > maximum:
        raise ValidationError(
            f"This is too long: {len(value):,} characters. Please use at most {maximum:,}."
        )
    return value


def text_field(field: str, text: Any) -> str:
    """Return the text for a field of TEXT_LIMITS ("complaint_text", "street", ...)."""
    limit = TEXT_LIMITS[field]
    return text_length(text, limit.minimum, limit.maximum, limit.what, limit.single_line)
