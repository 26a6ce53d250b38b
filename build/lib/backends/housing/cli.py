"""Command line of the Housing Office reference server.

    python -m backends.housing [serve]
    python -m backends.housing admin set-state HO-12345678 REGISTERED [--force]
    python -m backends.housing admin list

Settings come from `bot.settings.SettingsSource` (NSSA_HOUSING_*).
"""

from __future__ import annotations

import logging
from typing import Optional

import click

from backends.housing.settings import HousingSettings, load_housing_settings
from bot.cli import fail
from bot.errors import SettingsError

__all__ = ["cli", "main"]


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Housing Office intake reference server (default command: serve)."""
    if ctx.obj is None:
        try:
            ctx.obj = load_housing_settings()
        except SettingsError as exc:
            fail(f"Configuration error: {exc}")
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Interface (default NSSA_HOUSING_HOST).")
@click.option("--port", type=int, default=None, help="Port (default NSSA_HOUSING_PORT).")
@click.pass_obj
def serve(
    settings: HousingSettings, host: Optional[str] = None, port: Optional[int] = None
) -> None:
    """Serve the intake API."""
    from aiohttp import web

    from backends.housing.app import create_app

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host, port = host or settings.host, port or settings.port
    click.echo(
        f"Housing Office intake on http://{host}:{port}  (X-Api-Key: <NSSA_HOUSING_API_KEY>)"
    )
    click.echo(
        f"  maintenance: {settings.maintenance}, delay: {settings.delay_seconds}s, "
        f"down: {settings.down}"
    )
    web.run_app(create_app(settings), host=host, port=port, print=None)


@cli.group()
def admin() -> None:
    """Housing Office staff commands."""


@admin.command("set-state")
@click.argument("application_number")
@click.argument("state")
@click.option("--force", is_flag=True, help="Allow moving back to an earlier state.")
@click.pass_obj
def set_state_command(
    settings: HousingSettings, application_number: str, state: str, force: bool
) -> None:
    """Move an application on: QUEUED, REGISTERED, ASSESSING, GRANTED or REFUSED."""
    from backends.common import utc_now
    from backends.housing.store import open_database, set_state

    number = application_number.upper()
    try:
        with open_database(settings.database_url).begin() as connection:
            old, new = set_state(connection, number, state.upper(), utc_now(), force)
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"{number}: {old} -> {new}" if old != new else f"{number} is already {new}.")


@admin.command("list")
@click.pass_obj
def list_command(settings: HousingSettings) -> None:
    """Print every application, newest first."""
    from backends.common import rfc3339
    from backends.housing.store import list_applications, open_database

    with open_database(settings.database_url).connect() as connection:
        for row in list_applications(connection):
            click.echo(
                f"{row.application_number}  {row.state:10}  {rfc3339(row.last_change)}  "
                f"{row.client_reference}"
            )


def main() -> None:
    """Entry point of `python -m backends.housing`."""
    cli(prog_name="python -m backends.housing")
