"""Commands that run the assistant: settings, train, run, actions, worker, purge, shell.

Heavy imports (rasa, tensorflow) stay inside the commands so `--help` is fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Optional

import click

from bot.cli.group import fail, refuse_unsafe, with_tokens
from bot.errors import NssaError
from bot.settings import PROJECT_ROOT, Settings

__all__ = ["settings", "train", "run", "actions", "worker", "purge", "shell"]


@click.command()
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


@click.command()
@click.pass_obj
def train(settings: Settings) -> None:
    """Train a model if the data, domain or config changed."""
    from bot.training import ensure_model

    click.echo(f"Model: {ensure_model(settings)}")


@click.command()
@click.option("--no-train", is_flag=True, help="Use the latest model as it is.")
@click.option("--servers", type=click.IntRange(1, 16), default=None,
              help="N Rasa servers behind HAProxy, sharing PostgreSQL and Redis (bot/cluster.py).")
@click.pass_obj
def run(settings: Settings, no_train: bool, servers: Optional[int]) -> None:
    """Start the reference back-ends, action server, Rasa server and worker; watch them.

    Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 did not start, 3 a service
    crashed 5 times in 5 minutes (bot/supervisor.py).
    """
    if servers is not None:
        from bot.cluster import cluster_settings, on_postgres

        try:
            settings = on_postgres(cluster_settings(settings),
                                   report=lambda line: click.echo(line, err=True))
        except NssaError as exc:
            fail(str(exc))
    from bot.services import ServiceError, assistant_processes, start_all, stop_all
    from bot.store import check_database
    from bot.store.schema import upgrade
    from bot.supervisor import EXIT_STOPPED, Supervisor, busy_ports
    from bot.training import ensure_model, latest_model

    refuse_unsafe(settings)
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
    settings = with_tokens(settings)
    try:
        if servers is not None:
            from bot.cluster import cluster_processes

            processes = cluster_processes(settings, model, servers)
        else:
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

    from bot.cluster import cluster_lines
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
        + (
            cluster_lines(settings, servers) if servers is not None
            else f"  Action server:  {settings.action_url.rsplit('/', 1)[0]}/health (the "
            "actions need NSSA_ACTION_TOKEN)\n"
        )
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


@click.command()
@click.pass_obj
def actions(settings: Settings) -> None:
    """Run the action server (NSSA_ACTION_HOST, NSSA_ACTION_PORT, behind NSSA_ACTION_TOKEN)."""
    from bot.action_server import serve

    refuse_unsafe(settings)
    serve(with_tokens(settings))


@click.command()
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@click.pass_obj
def worker(settings: Settings, interval: float) -> None:
    """Send requests kept in the outbox while a back end was unavailable."""
    from bot.store.schema import upgrade
    from bot.worker import main as run_worker

    upgrade(settings.database_url)
    run_worker(with_tokens(settings), interval)


@click.command()
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


@click.command()
@click.pass_obj
def shell(settings: Settings) -> None:
    """Talk to the assistant in the terminal (the action server must run)."""
    from bot.training import latest_model

    model = latest_model(settings.model_dir)
    if model is None:
        fail("No model yet: run `make train` first.")
    # endpoints.yml sends the action server's token: this installation's.
    env = {**os.environ, **with_tokens(settings).environment()}
    rasa = str(Path(sys.executable).with_name("rasa"))
    argv = [rasa, "shell", "--model", str(model), "--endpoints", "endpoints.yml"]
    sys.exit(subprocess.call(argv, cwd=PROJECT_ROOT, env=env))
