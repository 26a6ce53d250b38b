"""`python -m bot eval`: the frozen set against the real assistant.

The assistant runs as `python -m bot run` runs it (bot.services:
reference back-ends, action server, Rasa server, outbox worker), on free
ports with a throw-away var directory, so its conversations, cases and codes
never mix with a developer's. Every question goes from a fresh sender over the
REST channel; every conversation from one sender.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence

from bot.evaluation.client import RestAssistant, StoredEvents
from bot.evaluation.frozen_set import EvalFile, discover
from bot.evaluation.report import LanguageResult, plot, render, write_files
from bot.evaluation.runner import Runner
from bot.settings import Settings, load_settings

__all__ = ["running_assistant", "evaluate_frozen", "stderr_progress"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_assistant(model: Path) -> Iterator[RestAssistant]:
    """Start the whole assistant on free ports in a temporary var dir; stop it after."""
    from bot.security import with_local_tokens
    from bot.services import assistant_processes, start_all, stop_all
    from bot.store.schema import upgrade

    with tempfile.TemporaryDirectory(prefix="nssa-eval-") as var:
        settings: Settings = load_settings(
            environ={
                "NSSA_VAR_DIR": var,
                "NSSA_DATABASE_URL": f"sqlite:///{Path(var) / 'nssa.db'}",
                "NSSA_RASA_PORT": str(_free_port()),
                "NSSA_ACTION_PORT": str(_free_port()),
                "NSSA_CMS_URL": f"http://127.0.0.1:{_free_port()}",
                "NSSA_HOUSING_URL": f"http://127.0.0.1:{_free_port()}",
                "NSSA_LOG_LEVEL": "WARNING",
            },
            env_file=Path("/nonexistent"),
        )
        # As `bot run`: the action server's and the internal API's tokens of this var/.
        settings = with_local_tokens(settings)
        upgrade(settings.database_url)
        processes = assistant_processes(settings, model)
        start_all(processes)
        try:
            yield RestAssistant(settings.rasa_url, otp_log=settings.var_dir / "cms" / "otp.log",
                                stored=StoredEvents(settings.database_url, settings.store_key))
        finally:
            stop_all(processes)


def stderr_progress(label: str) -> Callable[[int, int], None]:
    """A progress callback printing `label n/N` on stderr now and then."""
    started = time.monotonic()

    def report(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            print(f"  {label} {done}/{total} ({time.monotonic() - started:.0f} s)",
                  file=sys.stderr, flush=True)

    return report


def run_files(assistant: RestAssistant, files: Sequence[EvalFile],
              progress: Callable[[str], Optional[Callable[[int, int], None]]] = stderr_progress,
              ) -> List[LanguageResult]:
    """Run each file against a running assistant; results by language."""
    runner = Runner(assistant)
    by_lang: dict = {}
    for eval_file in files:
        result = by_lang.setdefault(eval_file.lang, LanguageResult(eval_file.lang))
        label = f"{eval_file.lang}/{eval_file.path.name}"
        if eval_file.is_conversations:
            result.conversations += runner.conversations(eval_file.rows(), progress(label))
        else:
            result.questions += runner.questions(eval_file.rows(), progress(label))
    return list(by_lang.values())


def evaluate_frozen(model: Path, out: Path, langs: Sequence[str] = (),
                    file: Optional[Path] = None, plots: bool = True) -> str:
    """Run the frozen set on `model`; write the files under `out`; the printed report."""
    files = discover(langs=langs, file=file)
    if not files:
        return "Frozen evaluation set: no files to run."
    print(f"Starting the assistant ({model.name}) for the frozen set...",
          file=sys.stderr, flush=True)
    with running_assistant(model) as assistant:
        results = run_files(assistant, files)
    written = write_files(results, out)
    names = ", ".join(f"{f.lang}/{f.path.name}" for f in files)
    text = render(results, f"Frozen evaluation set ({names}), model {model.name}")
    lines = [text, "Files: " + ", ".join(str(p) for p in written)]
    if plots:
        lines.append(f"Plot:  {plot(results, out / 'categories.png')}")
    return "\n".join(lines)
