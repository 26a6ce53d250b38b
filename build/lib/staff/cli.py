"""`python -m bot staff ...`: staff accounts, and the console server.

    add NAME --role ROLE   a new account; the password is asked twice, or
                           read from stdin when it is not a terminal
    list                   every account, role and state
    disable NAME           no more sign-ins; the account's sessions end
    reset NAME             a new password (enables a disabled account)
    serve                  the console on NSSA_STAFF_HOST:NSSA_STAFF_PORT
                           (`python -m bot run` starts it)

A password read from stdin is one line, so a script can pipe it in.
"""

from __future__ import annotations

import sys

import click

from bot.errors import NssaError
from bot.settings import Settings

__all__ = ["staff"]


def _password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


def _accounts(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.store.db import create_engine_for
    from bot.store.schema import upgrade
    from staff.accounts import Accounts

    upgrade(settings.database_url)
    return Accounts(create_engine_for(settings.database_url))


def _fail(exc: Exception) -> None:
    click.secho(str(exc), fg="red", err=True)
    sys.exit(2)


@click.group()
def staff() -> None:
    """Staff accounts and the staff console."""


@staff.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["advisor", "editor", "analyst", "admin"]))
@click.pass_obj
def add(settings: Settings, name: str, role: str) -> None:
    """Make a staff account (password prompted, or one line on stdin)."""
    try:
        account = _accounts(settings).add(name, role, _password())
    except NssaError as exc:
        _fail(exc)
    click.echo(f"Staff account {account.name} ({account.role}) made.")


@staff.command("list")
@click.pass_obj
def list_accounts(settings: Settings) -> None:
    """List the staff accounts."""
    try:
        accounts = _accounts(settings).list()
    except NssaError as exc:
        _fail(exc)
    for account in accounts:
        state = "active" if account.active else f"disabled {account.disabled_at:%Y-%m-%d}"
        click.echo(f"{account.name}\t{account.role}\t{state}")
    if not accounts:
        click.echo("No staff accounts yet: python -m bot staff add NAME --role advisor")


@staff.command()
@click.argument("name")
@click.pass_obj
def disable(settings: Settings, name: str) -> None:
    """Disable an account and end its sessions."""
    try:
        _accounts(settings).disable(name)
    except NssaError as exc:
        _fail(exc)
    click.echo(f"Staff account {name} disabled.")


@staff.command()
@click.argument("name")
@click.pass_obj
def reset(settings: Settings, name: str) -> None:
    """Set a new password (password prompted, or one line on stdin)."""
    try:
        _accounts(settings).reset(name, _password())
    except NssaError as exc:
        _fail(exc)
    click.echo(f"Staff account {name}: new password set.")


@staff.command()
@click.pass_obj
def serve(settings: Settings) -> None:
    """Run the staff console (NSSA_STAFF_HOST, NSSA_STAFF_PORT)."""
    from aiohttp import web

    from bot.privacy import install_log_masking
    from bot.security import is_loopback, with_local_tokens
    from bot.store.schema import upgrade
    from bot.store.store import Store
    from clients.cms import CmsClient
    from staff.assistant import Assistant
    from staff.console import Console
    from staff.sessions import Sessions, SignInLimit
    from staff.web import AccessLog, create_app

    install_log_masking()
    if not settings.staff_secure_cookies and not is_loopback(settings.staff_host):
        _fail(NssaError("Refusing to start: NSSA_STAFF_SECURE_COOKIES=false with "
                        f"NSSA_STAFF_HOST={settings.staff_host} (SECURITY.md)"))
    try:
        settings = with_local_tokens(settings)
        upgrade(settings.database_url)
    except NssaError as exc:
        _fail(exc)
    assert settings.api_token is not None  # with_local_tokens fills it
    # The process's one engine (bot/store/store.py), shared by every repository here.
    engine = Store.for_url(settings.database_url).engine
    console = Console(
        engine, Assistant(settings.rasa_url, settings.api_token),
        lambda: CmsClient(settings.cms_url, settings.cms_token),
    )
    app = create_app(console, Sessions(engine), SignInLimit(engine),
                     secure_cookies=settings.staff_secure_cookies)
    web.run_app(app, host=settings.staff_host, port=settings.staff_port, print=None,
                access_log_class=AccessLog)
