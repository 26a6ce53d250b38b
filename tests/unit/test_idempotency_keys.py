"""Idempotency keys are pinned: the same conversation and answers give the same key in any process.

The outbox's one row per key and the back ends' replay protection rely on a
key that a restarted server, the worker or another process computes again
exactly. tests/unit/key_probe.py runs the real submit actions in a fresh
interpreter with its own hash seed; the keys must be the ones below.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Dict

import pytest

from bot.settings import PROJECT_ROOT
from clients.http import idempotency_key
from tests.unit.key_probe import probe as keys_here

# Computed once from the confirmed answers of tests/unit/key_probe.py.
PINNED = {
    "cms_case": "0d59a701ee4646f71800fb845fa527e78cac8e486ab128c145596c2227eee38c",
    "housing_application": "de5a7e5ddbd39ca68c4a73adddf481060fa09c43c4dd989dfb13b6e7b3f34bca",
    "appointment": "b693505397b25d7173213dc0f7bd7a39d8eafaba37848bf9a2a3948ca3fe7573",
    # The first code sent in the conversation: conversation, "otp", person, 1.
    "otp": "122ec3ddb79090e18b65344a98d62c749719d09fdee317f68e8e272b8865e305",
}


def probe(hash_seed: str) -> Dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-m", "tests.unit.key_probe"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def keys() -> Dict[str, str]:
    return probe("random")


@pytest.mark.parametrize("kind", sorted(PINNED))
def test_the_key_is_the_pinned_one_in_a_fresh_interpreter(keys, kind) -> None:
    assert keys[kind] == PINNED[kind]


async def test_the_keys_are_the_pinned_ones_in_this_process_too(tmp_path) -> None:
    assert await keys_here(tmp_path / "store.db") == PINNED


def test_another_hash_seed_gives_the_same_keys(keys) -> None:
    assert probe("12345") == keys


def test_the_appointment_key_is_the_sha256_of_its_canonical_json() -> None:
    # The derivation written out: conversation, office, start (RFC 3339, UTC), person.
    canonical = (b'["webchat-0123456789abcdef0123456789abcdef","eastmere",'
                 b'"2026-12-01T09:20:00Z","P-1001"]')
    assert PINNED["appointment"] == hashlib.sha256(canonical).hexdigest()
    assert idempotency_key("webchat-0123456789abcdef0123456789abcdef", "eastmere",
                           "2026-12-01T09:20:00Z", "P-1001") == PINNED["appointment"]


class TestIdempotencyKey:
    def test_dict_order_does_not_change_the_key(self) -> None:
        assert idempotency_key("c", {"a": 1, "b": 2}) == idempotency_key("c", {"b": 2, "a": 1})

    @pytest.mark.parametrize("other", [
        ("c2", "callback", {"a": 1}), ("c", "complaint", {"a": 1}), ("c", "callback", {"a": 2}),
        ("c", "callback", {"a": 1}, None),
    ])
    def test_any_changed_part_gives_another_key(self, other) -> None:
        assert idempotency_key("c", "callback", {"a": 1}) != idempotency_key(*other)

    def test_dates_and_amounts_are_encoded_as_text(self) -> None:
        import datetime as dt
        from decimal import Decimal

        when = dt.datetime(2026, 12, 1, 10, 20, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        assert idempotency_key(dt.date(2026, 12, 1), when, Decimal("7.50")) == idempotency_key(
            "2026-12-01", "2026-12-01T09:20:00Z", "7.50")

    def test_no_parts_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="^idempotency_key needs at least one part$"):
            idempotency_key()

    def test_it_is_64_hex_digits(self) -> None:
        key = idempotency_key("c")
        assert len(key) == 64 and int(key, 16) >= 0
