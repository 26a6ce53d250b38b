"""The address questions of a request: street and house number, postcode, town.

A citizen often types the whole address at the first question ("12 Birch
Road, 4021 Highmoor"): the street keeps its part, and the postcode and town
found after it answer their own questions, so they are not asked again.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Dict, Optional, Sequence, Text, Tuple

from actions.citizen_requests.questions import Field
from actions.validation import ValidationError, postcode, text_field

__all__ = ["address_fields", "street", "postcode_and_town"]

# The street, then a 4-digit Northland postcode and the town, to the end.
_WHOLE = re.compile(r"^\s*(?P<street>.*?\S)\s*[,\s]\s*(?P<postcode>\d{4})\s+"
                    r"(?P<town>[^\d,]*[^\d\s,.])[\s.]*$")


def _parts(text: Any) -> Optional[Tuple[Text, Text, Text]]:
    match = _WHOLE.match(str(text or ""))
    if not match or not re.search(r"\d", match.group("street")):
        return None  # "Highmoor 4021 Westfjord" has no house number: not a whole address
    return match.group("street").rstrip(" ,"), match.group("postcode"), match.group("town")


def street(text: Any) -> Text:
    """The street and house number, without a postcode and town typed after them."""
    parts = _parts(text)
    return text_field("street", parts[0] if parts else text)


def postcode_and_town(text: Text) -> Dict[Text, Any]:
    """The postcode and town typed after the street, when both are valid; else nothing."""
    parts = _parts(text)
    if not parts:
        return {}
    try:
        return {"postcode": postcode(parts[1]), "city": text_field("city", parts[2])}
    except ValidationError:
        return {}


def address_fields() -> Sequence[Field]:
    """Street and house number, postcode, town or city."""
    return (
        Field("street", "Street and house number", street, free_text=True,
              extra=postcode_and_town),
        Field("postcode", "Postcode", postcode),
        Field("city", "Town or city", partial(text_field, "city"), free_text=True),
    )
