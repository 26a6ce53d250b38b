"""JSON bodies refused above a size and a nesting depth, before they are parsed.

Every endpoint that reads JSON (the channels, the web chat's socket.io
packets, the action server, the reference back-ends) reads it here, so a
10 MB body or `[[[[...` 100,000 deep never reaches the parser (whose
recursion would end in a RecursionError, a 500, or a blocked event loop):

    JsonLimits(max_bytes, max_depth).loads(raw)
        the value, or one of these (all ValueError, so a caller's
        `except ValueError` around json.loads keeps working):

    JsonRefused          a body that is not taken; `status` is the HTTP answer
     +-- JsonTooLarge    over max_bytes (413)
     +-- JsonTooDeep     arrays and objects nested over max_depth (400)
     +-- NotJson         not UTF-8, not JSON, or a string holding half of a
                         surrogate pair ("\ud800": JSON's syntax allows it, but
                         it is no text and no database or encoder takes it) (400)

The limits are settings (NSSA_JSON_MAX_BYTES, NSSA_JSON_MAX_DEPTH in
bot/settings.py); DEFAULT_LIMITS are their defaults. `SocketJson` is the
same as a json module for python-socketio (`AsyncServer(json=...)`).

The depth is measured on the raw text in one linear pass: strings are cut
out first (a bracket inside a string does not nest), then the brackets
left are counted. A string left open runs to the end, as the parser would
read it, so no bracket can hide from the count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import accumulate
from operator import sub
from typing import Any, Union

from bot.errors import NssaError

__all__ = [
    "DEFAULT_LIMITS",
    "JsonLimits",
    "JsonRefused",
    "JsonTooDeep",
    "JsonTooLarge",
    "NotJson",
    "SocketJson",
    "nesting_depth",
]


class JsonRefused(NssaError, ValueError):
    """A JSON body that is not taken; `status` is the HTTP status to answer."""

    status = 400


class JsonTooLarge(JsonRefused):
    """A body over the size limit."""

    status = 413


class JsonTooDeep(JsonRefused):
    """Arrays and objects nested deeper than the limit."""


class NotJson(JsonRefused):
    """A body that is not UTF-8 JSON."""


# A \uXXXX escape of a UTF-16 surrogate: only then can a string hold half a pair.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
# A JSON string, or one left open (then it runs to the end): linear, no backtracking.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# An opener as the signed byte 1, a closer as -1 (0xff).
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def nesting_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in `raw` (0 for a scalar), without parsing it."""
    if b'\\"' in raw:
        outside = _STRING.sub(b"", raw)
    else:
        # No quote is escaped, so every string ends at the next quote: what is
        # not between an odd quote and the next is outside the strings (as the
        # expression finds, in C: the expression and a Python function a
        # bracket were a third of the action server's CPU on a call).
        outside = b"".join(raw.split(b'"')[::2])
    brackets = outside.translate(None, _NOT_BRACKETS)
    openers = brackets.count(b"[") + brackets.count(b"{")
    if openers <= 1:
        return openers
    # The depth after each bracket is the running sum of +1 an opener, -1 a
    # closer (added in C, not a Python function a bracket), ...
    sums = list(accumulate(memoryview(brackets.translate(_STEPS)).cast("b")))
    if min(sums) >= 0:
        return max(sums)
    # ... but never below 0: a surplus closer cannot hide the openers after
    # it. Then the depth is the running sum less the lowest one so far.
    lows = accumulate(sums, min, initial=0)
    next(lows)
    return max(0, max(map(sub, sums, lows)))


@dataclass(frozen=True)
class JsonLimits:
    """The largest body (bytes) and the deepest nesting a JSON reader takes."""

    max_bytes: int = 64 * 1024
    max_depth: int = 32

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_depth <= 0:
            raise ValueError("max_bytes and max_depth must be above 0")

    @classmethod
    def from_settings(cls, settings: Any) -> "JsonLimits":
        """The limits of the settings (NSSA_JSON_MAX_BYTES, NSSA_JSON_MAX_DEPTH)."""
        return cls(settings.json_max_bytes, settings.json_max_depth)

    def check(self, raw: Union[bytes, str]) -> bytes:
        """`raw` as bytes if it is within the limits; JsonTooLarge or JsonTooDeep otherwise."""
        data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
        if len(data) > self.max_bytes:
            raise JsonTooLarge(f"the body is over {self.max_bytes} bytes")
        if nesting_depth(data) > self.max_depth:
            raise JsonTooDeep(f"the JSON nests deeper than {self.max_depth}")
        return data

    def loads(self, raw: Union[bytes, str]) -> Any:
        """The JSON value of `raw`, checked against the limits first."""
        data = self.check(raw)
        try:
            value = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError):
            # Not UTF-8, bad JSON, or an integer over Python's digit limit.
            raise NotJson("the body is not JSON") from None
        if _SURROGATE_ESCAPE.search(data):
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise NotJson("the body holds a string that is not Unicode text") from None
        return value


DEFAULT_LIMITS = JsonLimits()


class SocketJson:
    """A json module for python-socketio: its packets are read within the limits."""

    def __init__(self, limits: JsonLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits

    @staticmethod
    def dumps(value: Any, *args: Any, **kwargs: Any) -> str:
        """As json.dumps."""
        return json.dumps(value, *args, **kwargs)

    def loads(self, raw: Union[bytes, str], *args: Any, **kwargs: Any) -> Any:
        """As json.loads, refusing what is over the limits (a ValueError)."""
        return self.limits.loads(raw)
