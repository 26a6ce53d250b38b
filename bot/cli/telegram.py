"""`python -m bot telegram ...`: the Telegram webhook's set-up."""

from __future__ import annotations

import click

from bot.cli.group import fail
from bot.errors import NssaError
from bot.settings import Settings

__all__ = ["telegram"]


@click.group()
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
