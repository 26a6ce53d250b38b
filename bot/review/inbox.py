"""Inbox: the open messages, grouped and filtered, and the editors' three decisions.

    inbox = Inbox(engine, settings.review_confidence)
    groups = inbox.open_groups(Filters(channel="sms", topic="pension"))
    inbox.decide([groups[0].id], ASSIGN, "pension/amount", by="erin")

A decision names messages by id: a group's id takes its whole group (as
grouped over every open message, whatever the filters), any other id the one
message. Assigning writes the group's wordings as training examples of the
answer (bot/review/examples.py), out of scope as examples of out_of_scope;
"new answer needed" only records them, under a label. The rows and the file
change are one step: the rows are inserted first (a message decided by a
colleague meanwhile refuses the whole decision) and committed only after the
file is written. Nothing is trained here: bot/review/retrain.py does that.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy.exc
from sqlalchemy.engine import Engine

from bot.errors import NssaError
from bot.review.decisions import ASSIGN, NEW_ANSWER, OUT_OF_SCOPE, Decisions
from bot.review.examples import OUT_OF_SCOPE as OUT_OF_SCOPE_INTENT
from bot.review.examples import (
    UnknownAnswer,
    Written,
    add_examples,
    answers,
    existing_examples,
)
from bot.review.grouping import Group, group_items
from bot.review.items import Item, find_items
from bot.settings import PROJECT_ROOT

__all__ = ["Filters", "Inbox", "ReviewRefused", "Decided"]

_write_lock = threading.Lock()


class ReviewRefused(NssaError):
    """A decision that cannot be made; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Filters:
    """What the editor looks at: channel, topic, dates (UTC; `until` excluded)."""

    channel: Optional[str] = None
    topic: Optional[str] = None
    since: Optional[dt.datetime] = None
    until: Optional[dt.datetime] = None

    def keep(self, item: Item) -> bool:
        """Whether the item passes every filter."""
        return ((not self.channel or item.channel == self.channel)
                and (not self.topic or item.topic == self.topic)
                and (self.since is None or item.at >= self.since)
                and (self.until is None or item.at < self.until))


@dataclass(frozen=True)
class Decided:
    """What a decision did."""

    decision: str
    answer: Optional[str]
    items: List[Item]
    written: Optional[Written]

    def as_json(self) -> Dict[str, Any]:
        """For the CLI and the API."""
        root = PROJECT_ROOT
        file = None
        if self.written is not None:
            path = self.written.path
            file = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        return {"decision": self.decision, "answer": self.answer,
                "messages": [i.event_id for i in self.items], "file": file,
                "examples_added": self.written.added if self.written else [],
                "examples_already_there": self.written.skipped if self.written else []}


class Inbox:
    """The review inbox over one conversation store and one project's data/."""

    def __init__(self, engine: Engine, threshold: float, root: Path = PROJECT_ROOT) -> None:
        self.engine = engine
        self.threshold = threshold
        self.root = root
        self.decisions = Decisions(engine)

    def open_items(self, filters: Filters = Filters()) -> List[Item]:
        """Every undecided message to review, filtered, oldest first."""
        with self.engine.connect() as connection:
            found = find_items(connection, self.threshold, filters.since, filters.until,
                               exclude=self.decisions.decided_ids())
        return [item for item in found if filters.keep(item)]

    def open_groups(self, filters: Filters = Filters()) -> List[Group]:
        """The open messages grouped by similarity, the largest group first."""
        return self.group(self.open_items(filters))

    def group(self, items: List[Item]) -> List[Group]:
        """These messages grouped by similarity, the largest group first."""
        return group_items(items, corpus=self._corpus())

    def _corpus(self) -> List[str]:
        return list(existing_examples(self.root))

    def answers(self) -> List[str]:
        """The answers an editor can assign to (out_of_scope apart)."""
        return [name for name in answers(self.root) if name != OUT_OF_SCOPE_INTENT]

    def _resolve(self, ids: Sequence[int]) -> List[Item]:
        groups = self.open_groups()
        by_group = {group.id: group.items for group in groups}
        by_item = {item.event_id: item for group in groups for item in group.items}
        chosen: Dict[int, Item] = {}
        for wanted in ids:
            found = by_group.get(wanted) or ([by_item[wanted]] if wanted in by_item else None)
            if not found:
                raise ReviewRefused(404, f"no open message or group {wanted} (decided already?)")
            chosen.update((item.event_id, item) for item in found)
        return sorted(chosen.values(), key=lambda i: i.event_id)

    def decide(self, ids: Sequence[int], decision: str, answer: Optional[str],
               by: str) -> Decided:
        """Decide on the messages or groups `ids`; ReviewRefused when it cannot be done."""
        if not ids:
            raise ReviewRefused(400, "name at least one message or group")
        if decision == ASSIGN:
            if not answer or answer not in answers(self.root) or answer == OUT_OF_SCOPE_INTENT:
                raise ReviewRefused(422, f"no answer {answer!r}: choose one of data/topics")
            target: Optional[str] = answer
        elif decision == OUT_OF_SCOPE:
            target, answer = OUT_OF_SCOPE_INTENT, None
        elif decision == NEW_ANSWER:
            answer = " ".join((answer or "").split())[:128]
            if not answer:
                raise ReviewRefused(422, "give the new answer a short label")
            target = None
        else:
            raise ReviewRefused(422, f"unknown decision {decision!r}")
        items = self._resolve(ids)
        written = None
        with _write_lock:
            try:
                with self.engine.begin() as connection:
                    self.decisions.record(connection, items, decision, answer, by)
                    if target is not None:
                        written = self._write(target, [item.text for item in items])
            except sqlalchemy.exc.IntegrityError:
                raise ReviewRefused(409, "a colleague decided on one of these meanwhile") \
                    from None
            except UnknownAnswer as exc:
                raise ReviewRefused(422, str(exc)) from None
        return Decided(decision, answer, items, written)

    def _write(self, answer: str, texts: List[str]) -> Written:
        path = answers(self.root)[answer]
        # Another console server (process) may write the same file.
        with path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                return add_examples(answer, texts, self.root)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
