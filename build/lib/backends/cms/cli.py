"""Command line of the CMS reference server.

    python -m backends.cms [serve]
    python -m backends.cms admin set-status NSSA-2026-000123 decided
    python -m backends.cms admin send-reminder APT-000001
    python -m backends.cms admin payment-date-change P-1001 "Your pension is paid on 18 December."
    python -m backends.cms admin list-cases [--person P-1001]

Settings come from `bot.settings.SettingsSource` (NSSA_CMS_*); the admin
commands write the database and queue events, which a running server sends.
"""

from __future__ import annotations

import logging
from typing import Optional

import click

from backends.cms.settings import CmsSettings, load_cms_settings
from bot.cli import fail
from bot.errors import SettingsError

__all__ = ["cli", "main"]


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """NSSA Case Management System reference server (default command: serve)."""
    if ctx.obj is None:
        try:
            ctx.obj = load_cms_settings()
        except SettingsError as exc:
            fail(f"Configuration error: {exc}")
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@cli.command()
@click.option("--host", default=None, help="Interface (default NSSA_CMS_HOST).")
@click.option("--port", type=int, default=None, help="Port (default NSSA_CMS_PORT).")
@click.pass_obj
def serve(settings: CmsSettings, host: Optional[str] = None, port: Optional[int] = None) -> None:
    """Serve the CMS API and the /admin page."""
    from aiohttp import web

    from backends.cms.app import create_app

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    host, port = host or settings.host, port or settings.port
    app = create_app(settings)
    click.echo(f"NSSA CMS on http://{host}:{port}  (token: Bearer <NSSA_CMS_TOKEN>)")
    click.echo(f"  admin page: http://{host}:{port}/admin?token=<NSSA_CMS_TOKEN>")
    click.echo(f"  one-time codes: {settings.otp_log}   fail mode: {settings.fail_mode}")
    web.run_app(app, host=host, port=port, print=None)


@cli.group()
def admin() -> None:
    """Case worker commands: they change the database and queue events."""


def _engine(settings: CmsSettings):  # type: ignore[no-untyped-def]
    from backends.cms.store import open_database
    from backends.common import utc_now

    return open_database(settings.database_url, utc_now())


@admin.command("set-status")
@click.argument("reference")
@click.argument("status")
@click.pass_obj
def set_status_command(settings: CmsSettings, reference: str, status: str) -> None:
    """Change a case's status (received, in_review, waiting_for_documents, decided, closed)."""
    from backends.cms.admin import AdminError, set_status
    from backends.common import utc_now

    now = utc_now()
    try:
        today = now.astimezone(settings.timezone).date()
        click.echo(set_status(_engine(settings), reference, status, now, today))
    except AdminError as exc:
        fail(str(exc))


@admin.command("send-reminder")
@click.argument("appointment_id")
@click.pass_obj
def send_reminder_command(settings: CmsSettings, appointment_id: str) -> None:
    """Queue an appointment's reminder now (the server also does it 24 hours before)."""
    from backends.cms.admin import AdminError, send_reminder
    from backends.common import utc_now

    try:
        click.echo(send_reminder(_engine(settings), settings, appointment_id, utc_now()))
    except AdminError as exc:
        fail(str(exc))


@admin.command("payment-date-change")
@click.argument("person_id")
@click.argument("text")
@click.pass_obj
def payment_date_change_command(settings: CmsSettings, person_id: str, text: str) -> None:
    """Announce a changed payment date to a person, with the text for the citizen."""
    from backends.cms.admin import AdminError, payment_date_change
    from backends.common import utc_now

    try:
        click.echo(payment_date_change(_engine(settings), person_id, text, utc_now()))
    except AdminError as exc:
        fail(str(exc))


@admin.command("list-cases")
@click.option("--person", default=None, help="Only this person's cases.")
@click.pass_obj
def list_cases_command(settings: CmsSettings, person: Optional[str]) -> None:
    """Print cases, newest first."""
    from backends.cms.store import list_cases

    with _engine(settings).connect() as connection:
        for row in list_cases(connection, person):
            click.echo(
                f"{row.reference}  {row.person_id or 'anonymous':9}  {row.type:26}  {row.status:22}"
                f"  expected {row.expected_decision_by or '-'}"
            )


def main() -> None:
    """Entry point of `python -m backends.cms`."""
    cli(prog_name="python -m backends.cms")
