"""The command line: run the assistant, train, check content, evaluate.

Heavy imports (rasa, tensorflow) stay inside the commands so `--help` is fast.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import NoReturn, Optional, Tuple

import click

from bot.errors import NssaError
from bot.settings import PROJECT_ROOT, Settings, load_settings

__all__ = ["main", "cli", "fail"]


def fail(message: str) -> NoReturn:
    """Print the message in red on stderr and exit with status 2 (did not start)."""
    click.secho(message, fg="red", err=True)
    sys.exit(2)


def _refuse_unsafe(settings: Settings) -> None:
    """Stop, naming each setting, when serving beyond loopback with unsafe settings."""
    from bot.security import unsafe_settings

    problems = unsafe_settings(settings)
    if problems:
        fail("Refusing to start: unsafe settings for a server reachable from the network "
             "(SECURITY.md):\n" + "\n".join(f"  - {problem}" for problem in problems))


def _with_tokens(settings: Settings) -> Settings:
    """The settings with this installation's action and API tokens where unset."""
    from bot.security import with_local_tokens

    try:
        return with_local_tokens(settings)
    except NssaError as exc:
        fail(str(exc))


@click.group()
@click.option("--log-level", envvar="NSSA_LOG_LEVEL", default=None, help="DEBUG, INFO, ...")
@click.pass_context
def cli(ctx: click.Context, log_level: Optional[str]) -> None:
    """NSSA Assistant: citizen service for the Northland Social Security Agency."""
    try:
        settings = load_settings()
    except NssaError as exc:
        fail(f"Configuration error: {exc}")
    logging.basicConfig(
        level=log_level or settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = settings


@cli.command()
@click.pass_obj
def settings(settings: Settings) -> None:
    """Print the settings in force (passwords hidden)."""
    from bot.store import redact_url

    for key, value in vars(settings).items():
        if key == "database_url":
            value = redact_url(value)
        elif value is not None and key.endswith(("_token", "_key", "_secret")):
            value = "***"
        click.echo(f"{key} = {value}")


@cli.command()
@click.pass_obj
def train(settings: Settings) -> None:
    """Train a model if the data, domain or config changed."""
    from bot.training import ensure_model

    click.echo(f"Model: {ensure_model(settings)}")


@cli.command()
@click.option("--no-train", is_flag=True, help="Use the latest model as it is.")
@click.pass_obj
def run(settings: Settings, no_train: bool) -> None:
    """Start the reference back-ends, action server, Rasa server and worker; watch them.

    Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 did not start, 3 a service
    crashed 5 times in 5 minutes (bot/supervisor.py).
    """
    from bot.services import ServiceError, assistant_processes, start_all, stop_all
    from bot.store import check_database
    from bot.store.schema import upgrade
    from bot.supervisor import EXIT_STOPPED, Supervisor, busy_ports
    from bot.training import ensure_model, latest_model

    _refuse_unsafe(settings)
    try:
        check_database(settings.database_url)
        upgrade(settings.database_url)
    except NssaError as exc:
        fail(str(exc))
    model = latest_model(settings.model_dir) if no_train else ensure_model(settings)
    if model is None:
        fail(f"No model in {settings.model_dir}; run without --no-train.")
    from bot.channels_config import credentials_for

    try:
        _, left_out = credentials_for(settings)
    except NssaError as exc:
        fail(str(exc))
    settings = _with_tokens(settings)
    try:
        processes = assistant_processes(settings, model)
    except NssaError as exc:
        fail(str(exc))
    busy = busy_ports(processes)
    if busy:
        fail("Not started: ports in use.\n" + "\n".join(f"  - {message}" for message in busy))
    # From here SIGTERM stops the children as Ctrl-C does, during start-up too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        start_all(processes, report=lambda line: click.echo(line, err=True))
    except ServiceError as exc:
        fail(f"Start-up failed: {exc}")
    except KeyboardInterrupt:
        sys.exit(EXIT_STOPPED)  # start_all stopped what it had started
    import asyncio

    from bot.notices import subscribe
    from clients.errors import BackendError

    stopping = threading.Event()
    try:
        try:
            asyncio.run(subscribe(settings))
        except BackendError as exc:
            # The assistant still answers; only the CMS's notices are missing.
            click.secho(f"No CMS event subscription, so no proactive notices: {exc}",
                        fg="yellow", err=True)
    except KeyboardInterrupt:
        stopping.set()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    click.echo(
        "\nThe NSSA Assistant is running.\n"
        f"  Web chat:       {settings.rasa_url}/webhooks/webchat/\n"
        f"  REST channel:   POST {settings.rasa_url}/webhooks/rest/webhook "
        '{"sender": "me", "message": "hello"}'
        + (" (Authorization: Bearer NSSA_REST_TOKEN)" if settings.rest_token else "") + "\n"
        f"  Rasa server:    {settings.rasa_url}/ (no HTTP API; the internal routes need "
        "NSSA_API_TOKEN)\n"
        f"  Action server:  {settings.action_url.rsplit('/', 1)[0]}/health (the actions need "
        "NSSA_ACTION_TOKEN)\n"
        + (
            f"  Reference CMS:  {settings.cms_url} (demo people: backends/README.md;\n"
            f"                  one-time codes appear in {settings.var_dir / 'cms' / 'otp.log'})\n"
            f"  Housing Office: {settings.housing_url}\n"
            if settings.embedded_backends
            else ""
        )
        + "".join(f"  Not opened:     {note}\n" for note in left_out)
        + f"  Staff console: {settings.staff_url}/ (accounts: python -m bot staff add NAME "
        "--role advisor)\n"
        + f"  Shell:          make shell\n"
        f"  Logs:           {settings.var_dir / 'log'}\n"
        "A service that stops is started again; one that crashes 5 times in 5 minutes "
        "stops everything (exit code 3).\nPress Ctrl-C to stop."
    )
    code = EXIT_STOPPED
    try:
        if not stopping.is_set():
            code = Supervisor(processes).watch(stopping)
    finally:
        click.echo("Stopping the NSSA Assistant ...", err=True)
        stop_all(processes)
    sys.exit(code)


@cli.command()
@click.pass_obj
def actions(settings: Settings) -> None:
    """Run the action server (NSSA_ACTION_HOST, NSSA_ACTION_PORT, behind NSSA_ACTION_TOKEN)."""
    from bot.action_server import serve

    _refuse_unsafe(settings)
    serve(_with_tokens(settings))


@cli.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.pass_obj
def worker(settings: Settings, interval: float) -> None:
    """Send requests kept in the outbox while a back end was unavailable."""
    from bot.store.schema import upgrade
    from bot.worker import main as run_worker

    upgrade(settings.database_url)
    run_worker(_with_tokens(settings), interval)


@cli.command()
@click.pass_obj
def purge(settings: Settings) -> None:
    """Delete conversations past the retention period and those asked to be deleted, once."""
    from bot.store.db import create_engine_for
    from bot.store.retention import Retention
    from bot.store.schema import upgrade
    from bot.worker import purge_once

    try:
        upgrade(settings.database_url)
        report = purge_once(settings, Retention(create_engine_for(settings.database_url)))
    except NssaError as exc:
        fail(str(exc))
    click.echo(f"Conversation store: {report}.")


@cli.command()
@click.pass_obj
def shell(settings: Settings) -> None:
    """Talk to the assistant in the terminal (the action server must run)."""
    from bot.training import latest_model

    model = latest_model(settings.model_dir)
    if model is None:
        fail("No model yet: run `make train` first.")
    # endpoints.yml sends the action server's token: this installation's.
    env = {**os.environ, **_with_tokens(settings).environment()}
    rasa = str(Path(sys.executable).with_name("rasa"))
    argv = [rasa, "shell", "--model", str(model), "--endpoints", "endpoints.yml"]
    sys.exit(subprocess.call(argv, cwd=PROJECT_ROOT, env=env))


@cli.command()
@click.option("--exclusions", type=click.Path(path_type=Path), default=None)
def coverage(exclusions: Optional[Path]) -> None:
    """Report handbook facts that no answer contains."""
    from bot.content import coverage_report, load_content

    report = coverage_report(load_content(), exclusions)
    click.echo(report.render())
    if report.uncovered or report.stale:
        sys.exit(1)


@cli.command(name="eval")
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="Model to evaluate (default: the latest in NSSA_MODEL_DIR).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results"),
              help="Held-out reports here, the frozen set's files under <out>/eval.")
@click.option("--lang", "langs", multiple=True,
              help="Only this language of the frozen set (repeatable).")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="Only this file of the frozen set, e.g. tests/eval/en/conversations.yml.")
@click.option("--held-out-only", is_flag=True, help="Only the held-out NLU set (tests/nlu).")
@click.option("--frozen-only", is_flag=True, help="Only the frozen set (tests/eval).")
@click.option("--freeze", is_flag=True,
              help="Append new rows' hashes to tests/eval/MANIFEST.tsv and stop.")
@click.option("--no-plot", is_flag=True, help="Write no PNG.")
@click.pass_obj
def evaluate(settings: Settings, model: Optional[Path], out: Path, langs: Tuple[str, ...],
             file: Optional[Path], held_out_only: bool, frozen_only: bool, freeze: bool,
             no_plot: bool) -> None:
    """The frozen set per category against its targets, then held-out F1.

    The frozen set (tests/eval) runs against the real assistant, started on
    free ports; --lang or --file run part of it and skip the held-out set.
    """
    if freeze:
        from bot.evaluation.frozen_set import freeze as freeze_rows

        try:
            new = freeze_rows()
        except NssaError as exc:
            fail(str(exc))
        click.echo(f"Froze {len(new)} new rows" + (f": {new[0]} ... {new[-1]}" if new else "."))
        return
    from bot.training import latest_model

    model = model or latest_model(settings.model_dir)
    if model is None:
        fail("No model yet: run `make train` first.")
    if not held_out_only:
        from bot.evaluation.frozen import evaluate_frozen

        try:
            click.echo(evaluate_frozen(model, out / "eval", langs, file, plots=not no_plot))
        except NssaError as exc:
            fail(str(exc))
    if frozen_only or (not held_out_only and (langs or file)):
        return
    from bot.evaluation import evaluate_model

    result = evaluate_model(model, out, plots=not no_plot)
    if held_out_only:
        click.echo(result.render())
    else:
        click.echo(f"\nHeld-out NLU set (tests/nlu; per intent: {out / 'report.txt'})")
        click.echo(result.render(per_label=False))


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/compare"))
@click.pass_obj
def compare(settings: Settings, out: Path) -> None:
    """Train config.yml and configs/*.yml; compare held-out F1 and timing."""
    from bot.evaluation import compare_configs

    click.echo(compare_configs(settings, out))


@cli.command()
@click.option("--design", "names", multiple=True,
              help="Only this design (repeatable; default: every one of bot.evaluation.designs).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/designs"),
              help="Each design's wrong rows here.")
def designs(names: Tuple[str, ...], out: Path) -> None:
    """NLU designs on the frozen English questions: accuracy per category and time."""
    from bot.evaluation.designs import DESIGNS, compare_designs, render

    unknown = [n for n in names if n not in DESIGNS]
    if unknown:
        fail(f"Unknown design {', '.join(unknown)}; known: {', '.join(DESIGNS)}")
    click.echo(render(compare_designs(names), out))


@cli.command(name="nlu-bench")
@click.option("--model", type=click.Path(path_type=Path, exists=True), default=None,
              help="Model archive (default: the latest in the model directory).")
@click.option("--limit", type=click.IntRange(min=2), default=None,
              help="Only the first N questions.")
@click.pass_obj
def nlu_bench(settings: Settings, model: Optional[Path], limit: Optional[int]) -> None:
    """Time the whole NLU pipeline of the trained model on every frozen question."""
    from bot.evaluation.nlu_bench import bench_texts, render, run_bench
    from bot.training import latest_model

    model = model or latest_model(settings.model_dir)
    if model is None:
        fail(f"No model in {settings.model_dir}: run `python -m bot train` first.")
    click.echo(render(run_bench(model, bench_texts()[:limit]), model))


@cli.command()
@click.option("--lang", "codes", multiple=True, help="Only these languages (default: all).")
@click.option("--all", "verbose", is_flag=True, help="List every missing translation.")
def translations(codes: tuple, verbose: bool) -> None:
    """Per language: missing, stale and wrong translations (file and line); fails on errors."""
    from bot.i18n.check import render, report
    from bot.i18n.languages import SOURCE, languages

    failed = False
    for code in codes or [c for c in languages() if c != SOURCE]:
        result = report(code)
        click.echo(render(result, verbose=verbose))
        failed = failed or not result.ok
    if failed:
        fail("Translations have errors (ERROR lines above).")


@cli.command("translations-scaffold")
@click.argument("code")
def translations_scaffold(code: str) -> None:
    """Add every missing text to translations/CODE/, English beside it, ready to translate."""
    from bot.i18n.check import relative_to_project, scaffold

    for path in scaffold(code):
        click.echo(f"wrote {relative_to_project(path)}")


@cli.command()
@click.option("--model", type=click.Path(path_type=Path), default=None)
@click.pass_obj
def languages(settings: Settings, model: Optional[Path]) -> None:
    """Language identification accuracy and time on the frozen evaluation sets."""
    from bot.i18n.measure import measure, render
    from bot.training import latest_model

    chosen = model or latest_model(settings.model_dir)
    if chosen is None:
        fail("No model: run make train first.")
    scores, timing = measure(chosen)
    click.echo(render(scores, timing))


@cli.group()
def telegram() -> None:
    """The Telegram webhook (NSSA_TELEGRAM_TOKEN, NSSA_TELEGRAM_SECRET, NSSA_PUBLIC_URL)."""


def _telegram_call(settings: Settings, name: str):  # type: ignore[no-untyped-def]
    """Run channels.telegram.<name>(settings); a refusal or a missing setting fails."""
    import asyncio

    from telegram.error import TelegramError

    import channels.telegram as telegram_channel

    try:
        return asyncio.run(getattr(telegram_channel, name)(settings))
    except (NssaError, TelegramError) as exc:
        fail(f"Telegram: {exc}")


@telegram.command("set-webhook")
@click.pass_obj
def telegram_set_webhook(settings: Settings) -> None:
    """Point Telegram at NSSA_PUBLIC_URL, with the secret; pending updates are dropped."""
    if not settings.public_url.startswith("https://"):
        click.secho("Telegram only calls https:// webhooks; NSSA_PUBLIC_URL is not one.",
                    fg="yellow", err=True)
    url = _telegram_call(settings, "set_webhook")
    click.echo(f"Telegram webhook set: {url}")


@telegram.command("delete-webhook")
@click.pass_obj
def telegram_delete_webhook(settings: Settings) -> None:
    """Stop Telegram's deliveries (pending updates are dropped)."""
    _telegram_call(settings, "delete_webhook")
    click.echo("Telegram webhook deleted.")


@telegram.command("webhook-info")
@click.pass_obj
def telegram_webhook_info(settings: Settings) -> None:
    """What Telegram has: URL, pending updates, last error."""
    for key, value in sorted(_telegram_call(settings, "webhook_info").items()):
        click.echo(f"{key} = {value}")


def main() -> None:
    """Entry point of `python -m bot`."""
    cli(prog_name="python -m bot")


def _staff_commands() -> None:
    # The staff console's commands live with it (staff/cli.py, click only at import).
    from staff.cli import staff

    cli.add_command(staff)
    # The analytics commands live with the figures (bot/metrics/cli.py).
    from bot.metrics.cli import metrics, metrics_bench

    cli.add_command(metrics)
    cli.add_command(metrics_bench)


_staff_commands()
