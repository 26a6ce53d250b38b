"""The run directory `var/mutate/`: links to the project, and mutmut's settings there.

mutmut copies the run directory's sources into `var/mutate/mutants/` and
mutates them there; `shared` sits beside the links so the handbook is found
as in a clean clone.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Optional

from .scope import SCOPE, module_file

__all__ = ["EQUIVALENTS", "MUTMUT", "ROOT", "RUN_DIR", "STATS", "prepare"]

ROOT = Path(__file__).resolve().parent.parent.parent
RUN_DIR = ROOT / "var" / "mutate"
# mutmut's record of which test reaches which function, and of the known tests.
STATS = RUN_DIR / "mutants" / "mutmut-stats.json"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.tsv"
MUTMUT = Path(sys.executable).with_name("mutmut")

SOURCES = ("bot", "actions", "channels", "backends", "clients")
# Read by the code at run time (the domain, the text catalogue, its translations,
# the staff console's templates): copied into mutants/ as they are.
PROJECT_FILES = SOURCES + (
    "data", "translations", "staff", "configs", "domain.yml", "config.yml", "credentials.yml",
    "endpoints.yml", "texts.yml", "evaluation",
)
# Everything of tests/ but the slow folders (copied into mutants/ by mutmut).
NOT_COPIED = ("browser", "e2e", "__pycache__")


def prepare(*, fresh: bool = True, postgres_url: Optional[str] = None) -> None:
    """The run directory of links to the project (fresh: emptied first), and mutmut's settings.

    Not fresh (`--again`): mutants/, its results and what mutmut learnt of
    which test reaches which function stay; mutmut learns the reach of new
    tests only. The tests are always those of the whole scope: a different
    selection would make mutmut forget every result.

    `postgres_url`: the store tests also run on PostgreSQL. It goes into
    pytest's own options, not mutmut's (a change there would make mutmut
    forget every result), so a run with it can go on from one without.
    """
    if fresh and RUN_DIR.exists():
        shutil.rmtree(RUN_DIR)
    if fresh:
        (RUN_DIR / "tests").mkdir(parents=True)
        for name in PROJECT_FILES:
            (RUN_DIR / name).symlink_to(ROOT / name)
        for path in (ROOT / "tests").iterdir():
            if path.name not in NOT_COPIED:
                (RUN_DIR / "tests" / path.name).symlink_to(path)
        # bot.content finds the handbook at PROJECT_ROOT/../shared, as in a clean clone.
        (RUN_DIR / "shared").symlink_to((ROOT.parent / "shared").resolve())
    # Every module of the scope stays mutated in mutants/ (the names given to
    # `mutmut run` choose the mutants tested): a module left out here would be
    # copied there unmutated, and a later run of its mutants would test the
    # original code and find them all surviving.
    only = ", ".join(json.dumps(module_file(m)) for m in SCOPE)
    # The tests of the scope (mutmut then runs, for each mutant, those of
    # them that reach its function).
    chosen = sorted({t for target in SCOPE.values() for t in target.tests})
    tests = ", ".join(json.dumps(t) for t in chosen)
    copied = ", ".join(json.dumps(name) for name in PROJECT_FILES if name not in SOURCES)
    sources = ", ".join(json.dumps(name) for name in SOURCES)
    addopts = f"addopts = {json.dumps(['--postgres-url', postgres_url])}\n" if postgres_url else ""
    (RUN_DIR / "pyproject.toml").write_text(
        f"""[tool.pytest.ini_options]
{addopts}asyncio_mode = "auto"
markers = ["e2e: e2e", "slow: slow", "browser: browser"]
filterwarnings = ["ignore::DeprecationWarning"]

[tool.mutmut]
source_paths = [{sources}]
only_mutate = [{only}]
also_copy = [{copied}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:timeout",
                       "-m", "not e2e and not slow and not browser"]
pytest_add_cli_args_test_selection = [{tests}]
# Not mutated: what a log line says, the name a store error gives its
# operation and the field name a store's argument check puts in its message.
do_not_mutate_patterns = ['logger\\.\\w+\\(', 'transaction\\(self\\._sessions, ',
                          'check_text\\("']
""",
        encoding="utf-8",
    )
