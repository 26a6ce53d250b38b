"""`python -m bot inbox ...`: the review inbox for scripts and tests (click only at import).

    python -m bot inbox [--json] [--channel C] [--topic T] [--since D] [--until D]
    python -m bot inbox answers
    python -m bot inbox assign ID... --answer pension/amount [--by NAME]
    python -m bot inbox out-of-scope ID... [--by NAME]
    python -m bot inbox flag ID... --label "pension abroad" [--by NAME]
    python -m bot inbox new-answers [--json]
    python -m bot inbox retrain [--json] [--full] [--go-live]
    python -m bot inbox go-live [--json]

An ID is a group's id (the whole group) or one message's id, as `--json`
prints them. Exit status 2 with the reason when a decision is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sys
import time
from typing import Any, Optional, Tuple

import click

from bot.settings import Settings

__all__ = ["inbox"]


def _when(value: Optional[str]) -> Optional[dt.datetime]:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use a date or time like 2026-01-31 or 2026-01-31T08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _inbox(settings: Settings) -> Any:
    from bot.review import Inbox
    from bot.store.db import create_engine_for
    from bot.store.schema import upgrade

    upgrade(settings.database_url)
    return Inbox(create_engine_for(settings.database_url), settings.review_confidence)


def _echo(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the open groups as JSON.")
@click.option("--channel", help="Only this channel (webchat, telegram, sms, rest).")
@click.option("--topic", help="Only this topic (pension, housing, ...).")
@click.option("--since", help="From this UTC date or time on (ISO 8601).")
@click.option("--until", help="Before this UTC date or time (ISO 8601).")
@click.pass_context
def inbox(ctx: click.Context, as_json: bool, channel: Optional[str], topic: Optional[str],
          since: Optional[str], until: Optional[str]) -> None:
    """The messages the assistant did not handle well, grouped (open ones, masked)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.review import Filters

    filters = Filters(channel or None, topic or None, _when(since), _when(until))
    groups = _inbox(ctx.obj).open_groups(filters)
    if as_json:
        _echo({"groups": [g.as_json() for g in groups],
               "messages": sum(len(g.items) for g in groups)})
        return
    for group in groups:
        reasons = ", ".join(sorted({r for i in group.items for r in i.reasons}))
        click.echo(f"{group.id:>8}  x{len(group.items):<4} {group.text}  [{reasons}]")
    click.echo(f"{len(groups)} groups, {sum(len(g.items) for g in groups)} messages open.")


def _decide(settings: Settings, ids: Tuple[int, ...], decision: str, answer: Optional[str],
            by: str) -> None:
    from bot.review import ReviewRefused

    try:
        decided = _inbox(settings).decide(list(ids), decision, answer, by)
    except ReviewRefused as exc:
        click.secho(f"Refused ({exc.status}): {exc}", fg="red", err=True)
        sys.exit(2)
    _echo(decided.as_json())


_by = click.option("--by", default="cli", show_default=True, help="Who decides (the log).")


@inbox.command()
@click.pass_obj
def answers(settings: Settings) -> None:
    """The answers a message can be assigned to."""
    for name in _inbox(settings).answers():
        click.echo(name)


@inbox.command()
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--answer", required=True, help="An answer of data/topics, e.g. pension/amount.")
@_by
@click.pass_obj
def assign(settings: Settings, ids: Tuple[int, ...], answer: str, by: str) -> None:
    """Make the messages training examples of an answer (written into data/topics)."""
    from bot.review import ASSIGN

    _decide(settings, ids, ASSIGN, answer, by)


@inbox.command("out-of-scope")
@click.argument("ids", nargs=-1, type=int, required=True)
@_by
@click.pass_obj
def out_of_scope(settings: Settings, ids: Tuple[int, ...], by: str) -> None:
    """Make the messages out-of-scope examples (data/core/out_of_scope.yml)."""
    from bot.review import OUT_OF_SCOPE

    _decide(settings, ids, OUT_OF_SCOPE, None, by)


@inbox.command()
@click.argument("ids", nargs=-1, type=int, required=True)
@click.option("--label", required=True, help="A short name for the answer needed.")
@_by
@click.pass_obj
def flag(settings: Settings, ids: Tuple[int, ...], label: str, by: str) -> None:
    """Flag the messages "new answer needed", kept with their examples under a label."""
    from bot.review import NEW_ANSWER

    _decide(settings, ids, NEW_ANSWER, label, by)


@inbox.command("new-answers")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def new_answers(settings: Settings, as_json: bool) -> None:
    """The new answers flagged, with their examples."""
    rows = _inbox(settings).decisions.new_answers_needed()
    if as_json:
        _echo(rows)
        return
    for row in rows:
        click.echo(f"{row['label']} (x{row['count']})")
        for text in row["examples"]:
            click.echo(f"    - {text}")


def _report(line: str) -> None:
    click.echo(f"[{time.strftime('%H:%M:%S')}] {line}", err=True)


@inbox.command()
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--full", is_flag=True, help="The whole evaluation sets (default: every 2nd "
              "held-out example, every 3rd frozen question).")
@click.option("--go-live", "live", is_flag=True, help="Go live after the comparison.")
@click.pass_obj
def retrain(settings: Settings, as_json: bool, full: bool, live: bool) -> None:
    """Train data/ as edited, compare with the live model per answer and category."""
    from bot.review.retrain import (
        RetrainError,
        compare,
        go_live,
        live_model,
        render,
        scores,
        train_candidate,
    )
    from bot.security import with_local_tokens

    settings = with_local_tokens(settings)
    started = time.monotonic()
    try:
        # Anything Rasa prints goes to stderr: stdout is the comparison alone.
        with contextlib.redirect_stdout(sys.stderr):
            candidate = train_candidate(settings, _report)
            current = live_model(settings)
            _report(f"evaluating the live model {current.name} ...")
            before = scores(settings, current, quick=not full)
            _report(f"evaluating the candidate {candidate.model.name} ...")
            after = scores(settings, candidate.model, quick=not full)
            result = compare(before, after)
            result["candidate"] = candidate.as_json()
            if live:
                result["live"] = go_live(settings, candidate, _report)
    except RetrainError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    result["seconds"] = round(time.monotonic() - started, 1)
    if as_json:
        _echo(result)
    else:
        click.echo(render(result))
        click.echo(f"\n{result['seconds']:.0f} s from the edit to "
                   + ("live." if live else "the comparison (not live: `bot inbox go-live`)."))


@inbox.command("go-live")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def go_live_command(settings: Settings, as_json: bool) -> None:
    """Put the latest candidate live on every Rasa server (NSSA_RASA_SERVERS)."""
    from bot.review.retrain import RetrainError, go_live, latest_candidate
    from bot.security import with_local_tokens

    settings = with_local_tokens(settings)
    candidate = latest_candidate(settings)
    if candidate is None:
        click.secho("No candidate: run `python -m bot inbox retrain` first.", fg="red", err=True)
        sys.exit(2)
    try:
        results = go_live(settings, candidate, _report)
    except RetrainError as exc:
        click.secho(str(exc), fg="red", err=True)
        sys.exit(1)
    if as_json:
        _echo(results)
