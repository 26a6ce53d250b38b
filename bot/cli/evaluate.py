"""Commands that measure the content and the model: eval, compare, designs, benches."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Tuple

import click

from bot.cli.group import fail
from bot.errors import NssaError
from bot.settings import Settings

__all__ = ["coverage", "evaluate", "compare", "designs", "bench", "nlu_bench"]


@click.command()
@click.option("--exclusions", type=click.Path(path_type=Path), default=None)
def coverage(exclusions: Optional[Path]) -> None:
    """Report handbook facts that no answer contains."""
    from bot.content import coverage_report, load_content

    report = coverage_report(load_content(), exclusions)
    click.echo(report.render())
    if report.uncovered or report.stale:
        sys.exit(1)


@click.command(name="eval")
@click.option("--model", type=click.Path(path_type=Path), default=None,
              help="Model to evaluate (default: the latest in NSSA_MODEL_DIR).")
@click.option("--out", type=click.Path(path_type=Path), default=Path("results"),
              help="Held-out reports here, the frozen set's files under <out>/eval.")
@click.option("--lang", "langs", multiple=True,
              help="Only this language of the frozen set (repeatable).")
@click.option("--file", "file", type=click.Path(path_type=Path), default=None,
              help="Only this file of the frozen set, e.g. evaluation/frozen/en/conversations.yml.")
@click.option("--held-out-only", is_flag=True,
              help="Only the held-out NLU set (evaluation/held_out).")
@click.option("--frozen-only", is_flag=True, help="Only the frozen set (evaluation/frozen).")
@click.option("--freeze", is_flag=True,
              help="Append new rows' hashes to evaluation/frozen/MANIFEST.tsv and stop.")
@click.option("--no-plot", is_flag=True, help="Write no PNG.")
@click.pass_obj
def evaluate(settings: Settings, model: Optional[Path], out: Path, langs: Tuple[str, ...],
             file: Optional[Path], held_out_only: bool, frozen_only: bool, freeze: bool,
             no_plot: bool) -> None:
    """The frozen set per category against its targets, then held-out F1.

    The frozen set (evaluation/frozen) runs against the real assistant, started on
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
        click.echo(f"\nHeld-out NLU set (evaluation/held_out; per intent: {out / 'report.txt'})")
        click.echo(result.render(per_label=False))


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("results/compare"))
@click.pass_obj
def compare(settings: Settings, out: Path) -> None:
    """Train config.yml and configs/*.yml; compare held-out F1 and timing."""
    from bot.evaluation import compare_configs

    click.echo(compare_configs(settings, out))


@click.command()
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


@click.command()
@click.option("--no-cluster", is_flag=True, help="Leave out our cluster of 2.")
@click.option("--profile", is_flag=True, help="Only where a turn's time goes, in-process.")
@click.option("--postgres", is_flag=True,
              help="With --profile: the tracker store on PostgreSQL, not SQLite.")
@click.option("--quick", is_flag=True,
              help="Stock trained 1 epoch a component, not 100 (same answer cost, worse answers).")
@click.pass_obj
def bench(settings: Settings, no_cluster: bool, profile: bool, postgres: bool,
          quick: bool) -> None:
    """Ours against stock Rasa 3.6 on our content; our cluster of 2 against one server."""
    import dataclasses
    import os

    from bot.bench.run import bench as run_bench
    from bot.bench.run import render

    def report(line: str) -> None:
        click.echo(line, err=True)

    if profile:
        from contextlib import nullcontext

        from bot.bench.profile import breakdown, render_breakdown
        from bot.bench.run import fresh_database
        from bot.cluster import postgres_while
        from bot.training import ensure_model

        # scripts/postgres.sh's server with --postgres, stopped at the end if started here.
        server = postgres_while(dataclasses.replace(settings, database_url="sqlite:///unused"),
                                report) if postgres else nullcontext(None)
        with server as on_postgres:
            database_url = (fresh_database(on_postgres.database_url, "nssa_profile")
                            if on_postgres is not None else None)
            parts, floor = breakdown(settings, ensure_model(settings), report=report,
                                     database_url=database_url)
        store = "PostgreSQL" if postgres else "SQLite"
        click.echo(render_breakdown(
            parts, floor, f"tracker store on {store}; load average {os.getloadavg()[0]:.1f}"))
        return
    try:
        results = run_bench(settings, report, cluster=not no_cluster, quick=quick)
    except NssaError as exc:
        fail(str(exc))
    click.echo(render(results))


@click.command(name="nlu-bench")
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
