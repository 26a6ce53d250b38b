"""The `python -m bot` group itself and the helpers its commands share.

The group loads the settings once into the click context (`ctx.obj`); every
command module under bot/cli takes them with `@click.pass_obj`.
"""

from __future__ import annotations

import logging
import sys
from typing import NoReturn, Optional

import click

from bot.errors import NssaError
from bot.settings import Settings, load_settings

__all__ = ["cli", "fail", "refuse_unsafe", "with_tokens"]


def fail(message: str) -> NoReturn:
    """Print the message in red on stderr and exit with status 2 (did not start)."""
    click.secho(message, fg="red", err=True)
    sys.exit(2)


def refuse_unsafe(settings: Settings) -> None:
    """Stop, naming each setting, when serving beyond loopback with unsafe settings."""
    from bot.security import unsafe_settings

    problems = unsafe_settings(settings)
    if problems:
        fail("Refusing to start: unsafe settings for a server reachable from the network "
             "(SECURITY.md):\n" + "\n".join(f"  - {problem}" for problem in problems))


def with_tokens(settings: Settings) -> Settings:
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
