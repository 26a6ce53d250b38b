"""Commands for the languages: translations, translations-scaffold, languages."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from bot.cli.group import fail
from bot.settings import Settings

__all__ = ["translations", "translations_scaffold", "languages"]


@click.command()
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


@click.command("translations-scaffold")
@click.argument("code")
def translations_scaffold(code: str) -> None:
    """Add every missing text to translations/CODE/, English beside it, ready to translate."""
    from bot.i18n.check import relative_to_project, scaffold

    for path in scaffold(code):
        click.echo(f"wrote {relative_to_project(path)}")


@click.command()
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
