"""bot/json_limits.py: size and depth refused before parsing; ordinary JSON read as json does."""

from __future__ import annotations

import json
import random
import time

import pytest

from bot.json_limits import (
    DEFAULT_LIMITS,
    JsonLimits,
    JsonTooDeep,
    JsonTooLarge,
    NotJson,
    SocketJson,
    nesting_depth,
)
from bot.settings import load_settings


@pytest.mark.parametrize("raw, depth", [
    (b"1", 0), (b'"x"', 0), (b"[]", 1), (b"[[1]]", 2), (b'{"a": {"b": [1, [2]]}}', 4),
    (b'{"a": "[[[[{{{{"}', 1),             # brackets inside a string do not nest
    (b'["\\"[[[", [1]]', 2),              # nor after an escaped quote
    (b'"[[[[', 0),                         # an open string runs to the end
    (b'[1, "a\\\\"]', 1),                  # an escaped backslash ends no string early
    (b"][][", 1),
])
def test_nesting_depth(raw: bytes, depth: int) -> None:
    assert nesting_depth(raw) == depth


def _scanned_depth(raw: bytes) -> int:
    """The depth read a byte at a time: strings (escapes too) skipped, never below 0."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == ord("\\"):
                escaped = True
            elif byte == ord('"'):
                in_string = False
        elif byte == ord('"'):
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth = max(0, depth - 1)
    return deepest


def test_nesting_depth_is_the_byte_scan_s_on_any_bytes() -> None:
    # With and without escaped quotes (the two ways strings are skipped) and surplus closers.
    rng = random.Random(13)
    for alphabet in (b'[]{}"\\ a1,:', b'[]{}" a1', b"[[]]{}"):
        for _ in range(5000):
            raw = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
            assert nesting_depth(raw) == _scanned_depth(raw), raw


def test_nesting_is_measured_in_linear_time() -> None:
    # Many quotes and backslashes, no closing quote: no regular-expression backtracking.
    start = time.monotonic()
    nesting_depth(b'"\\"' * 200_000)
    nesting_depth(b"[" * 600_000)
    assert time.monotonic() - start < 2


def test_too_deep_is_refused_before_parsing_as_a_400() -> None:
    limits = JsonLimits(1_000_000, 32)
    assert limits.loads(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(JsonTooDeep, match="deeper than 32") as refused:
        limits.loads(b"[" * 33 + b"]" * 33)
    assert refused.value.status == 400
    # Far past Python's recursion limit: refused, never a RecursionError.
    with pytest.raises(JsonTooDeep):
        limits.loads(b"[" * 200_000)


def test_too_large_is_a_413_and_not_json_a_400() -> None:
    with pytest.raises(JsonTooLarge) as refused:
        JsonLimits(10, 5).loads(b'{"a": "0123456789"}')
    assert refused.value.status == 413
    for raw in (b"", b"not json", b"\xff\xfe", b"[1,", b"9" * 5000):
        with pytest.raises(NotJson, match="the body is not JSON"):
            DEFAULT_LIMITS.loads(raw)
    with pytest.raises(ValueError):  # so `except ValueError` around json.loads still catches it
        DEFAULT_LIMITS.loads(b"[" * 100)


def test_ordinary_bodies_read_as_json_reads_them() -> None:
    body = {"sender": "a", "message": "ünïcode [{", "n": [1, 2.5, None, True]}
    raw = json.dumps(body).encode()
    assert DEFAULT_LIMITS.loads(raw) == DEFAULT_LIMITS.loads(raw.decode()) == body


def test_socket_json_is_a_json_module_within_the_limits() -> None:
    module = SocketJson(JsonLimits(100, 2))
    assert module.loads(module.dumps([1, {"a": 2}], separators=(",", ":"))) == [1, {"a": 2}]
    with pytest.raises(ValueError):
        module.loads("[[[1]]]")


def test_the_limits_are_settings() -> None:
    settings = load_settings(environ={"NSSA_JSON_MAX_BYTES": "1000", "NSSA_JSON_MAX_DEPTH": "8"})
    assert JsonLimits.from_settings(settings) == JsonLimits(1000, 8)
    defaults = load_settings(environ={})
    assert JsonLimits.from_settings(defaults) == DEFAULT_LIMITS
    with pytest.raises(ValueError, match="NSSA_JSON_MAX_DEPTH"):
        load_settings(environ={"NSSA_JSON_MAX_DEPTH": "0"})


def test_half_a_surrogate_pair_is_not_text() -> None:
    # JSON's syntax allows "\ud800"; no encoder or database takes it (the fuzz suite found it).
    assert DEFAULT_LIMITS.loads(b'["\\ud83d\\ude00"]') == ["\U0001F600"]
    for raw in (b'["\\ud800"]', b'{"\\udfff": 1}', b'["a\\uDC00b"]'):
        with pytest.raises(NotJson, match="not Unicode text"):
            DEFAULT_LIMITS.loads(raw)
