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
    """Length limits of a free-text field, and the answer when it is empty."""

    minimum: int
    maximum: int
    empty: str
    single_line: bool = True


# From the field tables of requests-in-chat.md. account_holder_name and
# contact_name have no limit there; they take the 1-100 of the other names.
TEXT_LIMITS: Mapping[str, TextLimit] = MappingProxyType(
    {
        "child_first_name": TextLimit(1, 50, "utter_invalid_empty_child_first_name"),
        "child_last_name": TextLimit(1, 50, "utter_invalid_empty_child_last_name"),
        "street": TextLimit(1, 100, "utter_invalid_empty_street"),
        "city": TextLimit(1, 50, "utter_invalid_empty_city"),
        "account_holder_name": TextLimit(1, 100, "utter_invalid_empty_account_holder_name"),
        "employer_name": TextLimit(1, 100, "utter_invalid_empty_employer_name"),
        "work_address_abroad": TextLimit(1, 200, "utter_invalid_empty_work_address_abroad"),
        "full_name": TextLimit(1, 100, "utter_invalid_empty_full_name"),
        "name": TextLimit(1, 100, "utter_invalid_empty_name"),
        "contact_name": TextLimit(1, 100, "utter_invalid_empty_name"),
        "topic": TextLimit(1, 200, "utter_invalid_empty_topic"),
        "complaint_text": TextLimit(10, 2000, "utter_invalid_empty_complaint_text",
                                    single_line=False),
    }
)


def text_length(
    text: Any,
    minimum: int,
    maximum: int,
    empty: str = "utter_invalid_empty",
    single_line: bool = True,
) -> str:
    """Return the trimmed text if it has from `minimum` to `maximum` characters (else `empty`)."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    value = _EDGES.sub("", _CONTROL.sub("", value.replace("\r\n", "\n")))
    if single_line:
        value = " ".join(value.split())
    if not value:
        raise ValidationError(empty)
    if len(value) < minimum:
        raise ValidationError("utter_invalid_too_short", minimum=f"{minimum:,}")
    if len(value) > maximum:
        raise ValidationError(
            "utter_invalid_too_long", length=f"{len(value):,}", maximum=f"{maximum:,}"
        )
    return value


def text_field(field: str, text: Any) -> str:
    """Return the text for a field of TEXT_LIMITS ("complaint_text", "street", ...)."""
    limit = TEXT_LIMITS[field]
    return text_length(text, limit.minimum, limit.maximum, limit.empty, limit.single_line)
