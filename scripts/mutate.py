"""`make mutate`: mutation testing of the code where a silent bug is a breach.

mutmut (pinned in constraints.txt) changes one thing at a time in the
functions named in `SCOPE` (a comparison flipped, a constant changed, a call
dropped) and runs the fast tests that reach the changed function; a mutant
no test notices has survived. The run happens in `var/mutate/`, a tree of
links to the project (mutmut copies it into `var/mutate/mutants/`), with
`shared` beside it so the handbook is found as in a clean clone.

Prints killed / survived per module, lists the survivors, and ends with
`mutate: K killed, S survived, U unexplained`: U counts the survivors that
`tests/mutation_equivalents.tsv` does not write down as equivalent (a change
no test can see, with the reason). Exit status 1 when U > 0.

    python scripts/mutate.py [--jobs N] [--again] [--postgres-url URL] [--report-only] [MODULE ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / "var" / "mutate"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.tsv"
MUTMUT = Path(sys.executable).with_name("mutmut")

U = "tests/unit/"
IT = "tests/integration/"


@dataclass(frozen=True)
class Target:
    """A module's functions to mutate ("*": all of them) and the fast tests that cover it.

    `own_tests_only`: its mutants are tested with these tests only, not with
    every test of the scope that reaches the changed function.
    """

    functions: Sequence[str]
    tests: Sequence[str]
    own_tests_only: bool = False


IDENTITY_TESTS = (U + "test_identity_checks.py", U + "test_request_actions.py",
                  U + "test_paused_forms.py", U + "test_continuity_actions.py",
                  U + "test_idempotency_keys.py", U + "test_action_names.py")
OUTBOX_TESTS = (U + "test_sending.py", U + "test_request_actions.py", U + "test_outbox_helpers.py",
                U + "test_idempotency_keys.py", U + "test_case_status_housing.py",
                IT + "test_outbox.py", IT + "test_exactly_once.py",
                IT + "test_forwarded_applications.py")
EVENTS_TESTS = (U + "test_cms_events.py", IT + "test_notices.py")
SMS_TESTS = (U + "test_sms_text.py", U + "test_sms_options.py", IT + "test_sms_channel.py")
PRIVACY_TESTS = (U + "test_privacy.py", IT + "test_private_store.py", IT + "test_retention.py")
CASE_TESTS = (U + "test_case_status.py", U + "test_case_status_housing.py",
              U + "test_request_actions.py",
              IT + "test_forwarded_applications.py", U + "test_action_names.py")

SCOPE: Dict[str, Target] = {
    # Identity and the one-time code.
    "actions.citizen_requests.otp": Target(["*"], IDENTITY_TESTS),
    "actions.citizen_requests.base": Target([
        "identity_level", "previous_message_at", "identity_locked",
        "RequestForm.required_slots", "RequestForm.validate_national_id",
        "RequestForm.validate_date_of_birth", "RequestForm._identity_failed",
        "RequestForm.validate_otp_code",
    ], IDENTITY_TESTS),
    "actions.validation.identifiers": Target([
        "national_id_check_digit", "_birth_dates", "national_id", "age_on",
        "birth_date_from_national_id", "national_id_matches_birth_date",
    ], (U + "test_validation.py",) + IDENTITY_TESTS),
    "actions.validation.masking": Target(["*"], (U + "test_validation.py",) + IDENTITY_TESTS),
    # Idempotency keys and the outbox.
    "clients.http": Target(["idempotency_key", "encode_json", "_json_default"],
                               ("tests/api/test_http.py",) + OUTBOX_TESTS),
    "actions.citizen_requests.sending": Target(["*"], OUTBOX_TESTS),
    "bot.store.outbox": Target([
        "Outbox.add", "Outbox.get", "Outbox.due", "Outbox.mark_delivered",
        "Outbox.undelivered_notifications", "Outbox.mark_notified", "Outbox._claim",
        "_unclaimed", "_find",
    ], (U + "test_sending.py", U + "test_outbox_helpers.py", IT + "test_outbox.py",
        IT + "test_exactly_once.py")),
    # Signatures and secrets of every channel, and the CMS's events.
    "channels.cms_events": Target([
        "sign", "CmsEventsInput.__init__", "CmsEventsInput.signed", "CmsEventsInput.receive",
        "_check_event_id",
    ], EVENTS_TESTS),
    "bot.notices": Target(["parse_event"], EVENTS_TESTS),
    "channels.telegram": Target(["TelegramInput.authorized"],
                                (U + "test_telegram.py", IT + "test_telegram_channel.py")),
    "channels.sms": Target(["SmsInput.signed", "SmsInput._checked", "SmsInput._handle"],
                           SMS_TESTS),
    "channels.webchat": Target(["new_session_id", "valid_session_id", "WebchatInput._confirm"],
                               (U + "test_webchat.py", IT + "test_webchat_channel.py")),
    # Masking and sealing.
    # Every log record passes the masking: its own tests only, not every test that logs.
    "bot.privacy": Target(["*"], (U + "test_privacy.py", IT + "test_private_store.py"),
                          own_tests_only=True),
    "bot.store.tracker": Target(["*"], PRIVACY_TESTS),
    # Opt-out: SMS STOP and the CMS's notices.
    "bot.store.channels": Target(["ChannelOptOuts.*"], SMS_TESTS + (IT + "test_channel_store.py",)),
    "channels.sms_text": Target(["keyword"], SMS_TESTS),
    "channels.sms_output": Target(["SmsOutput.deliver", "SmsOutput._record_failure"], SMS_TESTS),
    "bot.store.persons": Target(["Persons.opt_out", "Persons.opt_in", "Persons.opted_out"],
                                EVENTS_TESTS + (IT + "test_retention.py",)),
    # Case ownership.
    "actions.citizen_requests.case_status": Target(["*"], CASE_TESTS),
    "bot.store.forwarded": Target(["*"], CASE_TESTS),
}

SOURCES = ("bot", "actions", "channels", "backends", "clients")
# Read by the code at run time (the domain, the text catalogue, its translations,
# the staff console's templates): copied into mutants/ as they are.
PROJECT_FILES = SOURCES + (
    "data", "translations", "staff", "configs", "domain.yml", "config.yml", "credentials.yml",
    "endpoints.yml", "texts.yml",
)
# Everything of tests/ but the slow folders (copied into mutants/ by mutmut).
NOT_COPIED = ("browser", "e2e", "__pycache__")
# Detected: a test failed (or the mutant hung or crashed a test run).
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def mutant_patterns(module: str, names: Iterable[str]) -> List[str]:
    """The names mutmut gives the mutants of `names` in `module` (`x_f`, `xǁClassǁmethod`)."""
    patterns = []
    for name in names:
        if name == "*":
            patterns.append(f"{module}.*")
        elif "." in name:
            cls, method = name.split(".")
            patterns.append(f"{module}.x\u01c1{cls}\u01c1{method}__mutmut_*")
        else:
            patterns.append(f"{module}.x_{name}__mutmut_*")
    return patterns


def module_file(module: str) -> str:
    """`bot.store.outbox` -> `bot/store/outbox.py`."""
    return module.replace(".", "/") + ".py"


def prepare(modules: Sequence[str], *, fresh: bool = True,
            postgres_url: Optional[str] = None) -> None:
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


def changed_functions() -> Tuple[List[str], List[str]]:
    """The functions of the scope changed since their mutants were made: patterns, modules.

    mutmut keeps each function's hash in the module's `.meta`; a function whose
    hash differs (or is new) has its results reset by mutmut when it makes the
    module's mutants again, which it does here because the mutated copy is
    removed (the results of the unchanged functions stay).
    """
    import fnmatch

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
    path = RUN_DIR / "mutants" / "mutmut-stats.json"
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
    path = RUN_DIR / "mutants" / "mutmut-stats.json"
    stats = json.loads(path.read_text(encoding="utf-8"))
    by_function = stats["tests_by_mangled_function_name"]
    for module, target in SCOPE.items():
        if not target.own_tests_only:
            continue
        for name, tests in by_function.items():
            if name.startswith(module + "."):
                by_function[name] = [t for t in tests if t.partition("::")[0] in target.tests]
    path.write_text(json.dumps(stats, indent=4), encoding="utf-8")


def module_of(name: str) -> str:
    """The module of SCOPE a mutant's name (or pattern) belongs to."""
    return next(m for m in SCOPE if name.startswith(m + "."))


def results(modules: Sequence[str]) -> Dict[str, Dict[str, str]]:
    """The status of each mutant in scope, by module and mutant name."""
    import fnmatch

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


def main(argv: Sequence[str] = ()) -> int:
    """Run mutmut over the scope (or the modules named) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules of SCOPE (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--report-only", action="store_true",
                        help="print the figures of the last run without running again")
    parser.add_argument("--again", action="store_true",
                        help="test again the last run's survivors and the mutants it did not "
                             "reach (after adding tests), and those of the functions changed since")
    parser.add_argument("--postgres-url", metavar="URL",
                        help="run the store tests on PostgreSQL too (scripts/postgres.sh start "
                             "prints one); one mutant at a time, as each test session empties "
                             "the database's public schema")
    args = parser.parse_args(argv)
    if args.postgres_url:
        args.jobs = 1
    modules = args.modules or list(SCOPE)
    unknown = [m for m in modules if m not in SCOPE]
    if unknown:
        parser.error(f"not in SCOPE: {', '.join(unknown)}")
    started = time.monotonic()
    if not args.report_only:
        if args.again:
            found = results(modules)
            names = [name for mutants in found.values()
                     for name, status in mutants.items() if status not in KILLED]
            # Every changed function of the scope is tested again (mutmut keeps its mutants
            # in mutants/ for all the modules), whatever modules were named.
            changed, relearn = changed_functions()
            names += changed
            relearn += [m for m, mutants in found.items() if "no tests" in mutants.values()]
            prepare(modules, fresh=False, postgres_url=args.postgres_url)
            forget_tests(reaching=relearn, skipped_postgres=bool(args.postgres_url))
            if not names:
                return report(modules, time.monotonic() - started)
        else:
            prepare(modules, postgres_url=args.postgres_url)
            names = [p for m in modules for p in mutant_patterns(m, SCOPE[m].functions)]
        # The modules tested with their own tests only go last, in a run of their own:
        # mutmut learns what the tests reach during the first run (or at the start of
        # this one, for new tests), and the links are narrowed after.
        own = [n for n in names if SCOPE[module_of(n)].own_tests_only]
        batches = [batch for batch in ([n for n in names if n not in own], own) if batch]
        log = RUN_DIR / "mutmut.log"
        log.unlink(missing_ok=True)
        for batch in batches:
            if batch is own:
                narrow_tests()
            with log.open("a", encoding="utf-8") as output:
                run = subprocess.run(
                    [str(MUTMUT), "run", "--max-children", str(args.jobs), *batch],
                    cwd=RUN_DIR, env=dict(os.environ, PYTHONHASHSEED="0"), stdout=output,
                    stderr=subprocess.STDOUT, check=False,
                )
            if run.returncode != 0:
                print(log.read_text(encoding="utf-8", errors="replace")[-4000:], file=sys.stderr)
                print(f"mutate: mutmut run failed (exit {run.returncode}); see {log}",
                      file=sys.stderr)
                return 2
    return report(modules, time.monotonic() - started)


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
