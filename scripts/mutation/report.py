"""The mutants' status and the printed figures of `make mutate`.

A survivor is explained when `tests/mutation_equivalents.tsv` writes its
change down as equivalent (no test can tell it from the original, with the
reason); the closing line counts the others as unexplained.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import os
import re
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

from .scope import SCOPE, module_file, mutant_patterns
from .workdir import EQUIVALENTS, RUN_DIR

__all__ = [
    "KILLED", "function_of", "load_equivalents", "mutated_lines", "report", "results",
    "why_equivalent",
]

# Detected: a test failed (or the mutant hung or crashed a test run).
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def results(modules: Sequence[str]) -> Dict[str, Dict[str, str]]:
    """The status of each mutant in scope, by module and mutant name."""
    from mutmut.stats import status_by_exit_code

    found: Dict[str, Dict[str, str]] = {}
    for module in modules:
        meta = RUN_DIR / "mutants" / (module_file(module) + ".meta")
        if not meta.exists():
            found[module] = {}
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        patterns = mutant_patterns(module, SCOPE[module].functions)
        found[module] = {
            name: status_by_exit_code[code]
            for name, code in sorted(codes.items(), key=lambda kv: _number(kv[0]))
            if any(fnmatch.fnmatchcase(name, p) for p in patterns)
        }
    return found


def _number(name: str) -> Tuple[str, int]:
    base, _, number = name.rpartition("__mutmut_")
    return base, int(number) if number.isdigit() else 0


def mutated_lines(name: str, module: str) -> Tuple[str, List[str]]:
    """The diff of one mutant, and its changed lines as they read after the change."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = os.getcwd()
    os.chdir(RUN_DIR)  # mutmut reads its configuration and mutants/ from there
    try:
        shown = get_diff_for_mutant(name, path=module_file(module))
    finally:
        os.chdir(here)
    lines = [
        line[1:].strip() for line in shown.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    return shown, lines


def function_of(name: str) -> str:
    """`bot.privacy.x__masked__mutmut_3` -> `bot.privacy._masked`; methods `Class.method`."""
    module, _, rest = name.rpartition(".")
    rest = rest.rpartition("__mutmut_")[0]
    if rest.startswith("x\u01c1"):
        return f"{module}.{'.'.join(rest[2:].split(chr(0x1C1)))}"
    return f"{module}.{rest[2:]}"


def load_equivalents() -> List[Tuple[str, str, str]]:
    """(function, changed line, reason) rows: a change no test can tell from the original.

    The function is `module.function` or `module.Class.method`, `*` for any; the
    line is the changed line as it reads after the change, or `re:` and a
    regular expression searched in it.
    """
    with EQUIVALENTS.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader((r for r in handle if r.strip() and not r.startswith("#")),
                          delimiter="\t")
        return [(function, line.strip(), reason) for function, line, reason in rows]


def why_equivalent(
    function: str, lines: Sequence[str], rows: Sequence[Tuple[str, str, str]]
) -> Optional[str]:
    """The reason a mutant of `function` changing `lines` is equivalent, or None."""
    for name, wanted, reason in rows:
        if name not in ("*", function):
            continue
        for line in lines:
            if wanted.startswith("re:") and re.search(wanted[3:], line):
                return reason
            if line == wanted:
                return reason
    return None


def report(modules: Sequence[str], seconds: float) -> int:
    """Print the per-module table, the survivors and the closing line."""
    found = results(modules)
    equivalents = load_equivalents()
    totals: Dict[str, int] = defaultdict(int)
    survivors: List[Tuple[str, str, str, str]] = []
    print(f"{'module':42} {'killed':>7} {'survived':>9} {'equivalent':>11}")
    for module in modules:
        killed = survived = equivalent = 0
        for name, status in found[module].items():
            if status in KILLED:
                killed += 1
                continue
            if status == "not checked":  # the run stopped before it got there
                totals["unchecked"] += 1
                continue
            survived += 1
            diff, lines = mutated_lines(name, module)
            function = function_of(name)
            reason = why_equivalent(function, lines, equivalents)
            if reason is not None:
                equivalent += 1
            else:
                survivors.append((name, status, function, diff))
        print(f"{module:42} {killed:7} {survived:9} {equivalent:11}")
        totals["killed"] += killed
        totals["survived"] += survived
        totals["equivalent"] += equivalent
    if survivors:
        print("\nSurvivors not written down as equivalent:")
        for name, status, _, diff in survivors:
            print(f"\n{name} ({status})")
            print(diff.strip())
    print(f"\n{sum(len(v) for v in found.values())} mutants in {seconds:.0f} s")
    if totals["unchecked"]:
        print(f"{totals['unchecked']} mutants not checked: the run stopped before them")
    unexplained = totals["survived"] - totals["equivalent"]
    print(f"mutate: {totals['killed']} killed, {totals['survived']} survived, "
          f"{unexplained} unexplained")
    return 1 if unexplained or totals["unchecked"] else 0
