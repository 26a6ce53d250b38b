"""`python -m bot metrics` and `python -m bot metrics-bench` (click only at import)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Optional

import click

from bot.settings import Settings

__all__ = ["metrics", "metrics_bench", "metrics_rebuild"]


def _since(value: Optional[str]) -> Optional[dt.datetime]:
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use a date or time like 2026-01-31 or 2026-01-31T08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--since", help="From this UTC date or time on (ISO 8601); default: all.")
@click.option("--period", type=click.Choice(["day", "week"]), default="day", show_default=True)
@click.pass_obj
def metrics(settings: Settings, as_json: bool, since: Optional[str], period: str) -> None:
    """Print what the assistant achieved: containment, fallbacks, hand-overs, cost saved."""
    from bot.metrics.report import compute_metrics
    from bot.store.db import create_engine_for
    from bot.store.schema import upgrade

    upgrade(settings.database_url)
    engine = create_engine_for(settings.database_url)
    try:
        figures = compute_metrics(engine, _since(since), period, settings.contact_costs,
                                  settings.cost_currency)
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    for key in ("conversations", "messages", "contained", "containment_rate", "fallbacks",
                "fallback_rate", "handovers", "handover_rate", "callbacks", "csat",
                "advisor_wait_median_seconds"):
        click.echo(f"{key} = {figures[key]}")
    cost = figures["cost"]
    click.echo(f"estimated saving = {cost['estimated_saving']} {cost['currency']} "
               f"({cost['contacts_handled']} contacts handled)")
    for assumption in cost["assumptions"]:
        click.echo(f"  - {assumption}")


@click.command("metrics-bench")
@click.option("--conversations", type=click.IntRange(1, 2_000_000), default=100_000,
              show_default=True)
@click.option("--url", help="An empty database to fill (default: a throw-away SQLite file).")
def metrics_bench(conversations: int, url: Optional[str]) -> None:
    """Seed a throw-away store with conversations and time the figures on it."""
    from bot.metrics.bench import run_bench
    from bot.store.db import create_engine_for
    from bot.store.schema import upgrade

    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(target)
        engine = create_engine_for(target)
        try:
            click.echo(json.dumps(run_bench(engine, conversations)))
        finally:
            engine.dispose()


@click.command("metrics-rebuild")
@click.pass_obj
def metrics_rebuild(settings: Settings) -> None:
    """Make the per-conversation summaries of the analytics again from Rasa's events."""
    from bot.store import summaries
    from bot.store.db import create_engine_for
    from bot.store.schema import upgrade

    upgrade(settings.database_url)
    engine = create_engine_for(settings.database_url)
    try:
        summaries.ensure(engine)
        with engine.begin() as connection:
            count = summaries.rebuild(connection)
    finally:
        engine.dispose()
    click.echo(f"{count} conversations summarised")
