"""What mutmut has learnt, and making it learn again.

mutmut keeps, under `var/mutate/mutants/`, each mutated module's function
hashes and results (`<module>.py.meta`) and which test reaches which function
(`mutmut-stats.json`). `--again` uses and corrects them: the functions changed
since their mutants were made, tests to learn again, and the modules tested
with their own tests only.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from pathlib import Path
from typing import Iterable, List, Tuple

from .scope import SCOPE, module_file, mutant_patterns
from .workdir import ROOT, RUN_DIR, STATS

__all__ = ["changed_functions", "forget_tests", "narrow_tests"]


def changed_functions() -> Tuple[List[str], List[str]]:
    """The functions of the scope changed since their mutants were made: patterns, modules.

    mutmut keeps each function's hash in the module's `.meta`; a function whose
    hash differs (or is new) has its results reset by mutmut when it makes the
    module's mutants again, which it does here because the mutated copy is
    removed (the results of the unchanged functions stay).
    """
    from mutmut.mutation.file_mutation import mutate_file_contents

    here = os.getcwd()
    os.chdir(RUN_DIR)  # mutmut reads its configuration (what not to mutate) from there
    try:
        patterns: List[str] = []
        modules = []
        for module, target in SCOPE.items():
            copy = Path("mutants") / module_file(module)
            meta = copy.with_name(copy.name + ".meta")
            if not meta.exists():
                continue
            old = json.loads(meta.read_text(encoding="utf-8"))["hash_by_function_name"]
            source = (ROOT / module_file(module)).read_text(encoding="utf-8")
            new = mutate_file_contents(module_file(module), source).hash_by_function_name
            changed = [f for f, digest in new.items() if old.get(f) != digest]
            wanted = mutant_patterns(module, target.functions)
            mine = [f"{module}.{f}__mutmut_*" for f in changed]
            mine = [p for p in mine if any(fnmatch.fnmatchcase(p.replace("*", "1"), w)
                                            for w in wanted)]
            if changed:
                copy.unlink(missing_ok=True)
                modules.append(module)
            patterns += mine
        return patterns, modules
    finally:
        os.chdir(here)


def forget_tests(*, reaching: Iterable[str] = (), skipped_postgres: bool = False) -> int:
    """Make mutmut learn again which functions some tests reach; how many it will learn.

    mutmut learns the reach of a test once, when the test is new to it. Dropped
    from its record of known tests, a test counts as new and is run once more
    to learn it. Learnt again:

    - `reaching`: the tests that reached a function of these modules. A function
      changed or added since they were learnt may be reached by other tests, or
      (a new function) by none that mutmut knows of, which it would then report
      as "no tests".
    - `skipped_postgres`: the store tests on PostgreSQL that reached nothing.
      Run without a PostgreSQL URL they were skipped, so they were linked to no
      function and would never run for a mutant.
    """
    path = STATS
    if not path.exists():
        return 0
    stats = json.loads(path.read_text(encoding="utf-8"))
    by_function = stats["tests_by_mangled_function_name"]
    prefixes = tuple(f"{module}." for module in reaching)
    forgotten = set()
    if prefixes:
        forgotten |= {t for name, tests in by_function.items() if name.startswith(prefixes)
                      for t in tests}
    if skipped_postgres:
        reached = set().union(*map(set, by_function.values()))
        forgotten |= {t for t in stats["duration_by_test"]
                      if re.search(r"[\[-]postgresql[\]-]", t) and t not in reached}
    for name in forgotten:
        stats["duration_by_test"].pop(name, None)
    path.write_text(json.dumps(stats, indent=4), encoding="utf-8")
    return len(forgotten)


def narrow_tests() -> None:
    """Link the functions of `own_tests_only` modules to those modules' own tests only.

    mutmut links a function to every test that reaches it; run after it has
    learnt what the tests reach (it learns new tests at the start of a run).
    """
    path = STATS
    stats = json.loads(path.read_text(encoding="utf-8"))
    by_function = stats["tests_by_mangled_function_name"]
    for module, target in SCOPE.items():
        if not target.own_tests_only:
            continue
        for name, tests in by_function.items():
            if name.startswith(module + "."):
                by_function[name] = [t for t in tests if t.partition("::")[0] in target.tests]
    path.write_text(json.dumps(stats, indent=4), encoding="utf-8")
