"""`make mutate`'s parts (scripts/mutation/): names, scope and equivalents as mutmut has them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from mutation.report import function_of, load_equivalents, why_equivalent  # noqa: E402
from mutation.scope import SCOPE, module_file, module_of, mutant_patterns  # noqa: E402


@pytest.mark.parametrize("name, pattern", [
    ("*", "bot.privacy.*"),
    ("mask", "bot.privacy.x_mask__mutmut_*"),
    ("Sealer.seal", "bot.privacy.x\u01c1Sealer\u01c1seal__mutmut_*"),
])
def test_mutant_patterns_follow_mutmut_names(name: str, pattern: str) -> None:
    assert mutant_patterns("bot.privacy", [name]) == [pattern]


@pytest.mark.parametrize("mutant, function", [
    ("bot.privacy.x__masked__mutmut_3", "bot.privacy._masked"),
    ("bot.store.outbox.x\u01c1Outbox\u01c1add__mutmut_12", "bot.store.outbox.Outbox.add"),
])
def test_function_of_a_mutant(mutant: str, function: str) -> None:
    assert function_of(mutant) == function


def test_module_of_picks_the_scope_module_not_a_prefix_of_its_name() -> None:
    assert module_of("bot.store.channels.x\u01c1ChannelOptOuts\u01c1add__mutmut_1") == (
        "bot.store.channels")
    assert module_of("channels.sms_text.x_keyword__mutmut_2") == "channels.sms_text"


def test_every_module_and_test_of_the_scope_exists() -> None:
    missing = [module_file(m) for m in SCOPE if not (ROOT / module_file(m)).is_file()]
    missing += [t for target in SCOPE.values() for t in target.tests
                if not (ROOT / t).is_file()]
    assert missing == []


def test_equivalents_name_functions_of_the_scope() -> None:
    rows = load_equivalents()
    assert rows
    outside = [f for f, _, _ in rows if f != "*" and not any(
        f.startswith(m + ".") for m in SCOPE)]
    assert outside == []


@pytest.mark.parametrize("function, lines, found", [
    ("any.module.f", ['data.encode("UTF-8")'], True),  # a `*` row, by regular expression
    ("actions.validation.identifiers._birth_dates", ["break"], True),  # the exact line
    ("actions.validation.identifiers._birth_dates", ["continue"], False),
    ("bot.privacy.mask", ["break"], False),  # the row names another function
])
def test_why_equivalent(function: str, lines: list, found: bool) -> None:
    assert (why_equivalent(function, lines, load_equivalents()) is not None) is found


def test_command_line_refuses_a_module_outside_the_scope() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "mutate.py"), "--report-only",
                          "bot.settings"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "not in SCOPE: bot.settings" in run.stderr
