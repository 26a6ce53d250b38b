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

The parts are in scripts/mutation/ (scope, run directory, mutmut's record, report).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Sequence

from mutation.learning import changed_functions, forget_tests, narrow_tests
from mutation.report import KILLED, report, results
from mutation.scope import SCOPE, module_of, mutant_patterns
from mutation.workdir import MUTMUT, RUN_DIR, prepare


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
            prepare(fresh=False, postgres_url=args.postgres_url)
            forget_tests(reaching=relearn, skipped_postgres=bool(args.postgres_url))
            if not names:
                return report(modules, time.monotonic() - started)
        else:
            prepare(postgres_url=args.postgres_url)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
