"""The review inbox on a real store: conversations written by the project's tracker store.

SQLite and PostgreSQL; the examples go to a copy of data/ (the project's own
stays as it is), and the CLI reads the same store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from click.testing import CliRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from bot.review import ASSIGN, NEW_ANSWER, OUT_OF_SCOPE, Filters, Inbox, ReviewRefused
from bot.settings import PROJECT_ROOT
from bot.store.db import create_engine_for
from bot.store.tracker import PrivateSQLTrackerStore

DAY = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone.utc)
WINTER = "when will my pension land in my account this winter"


def _said(text: str, intent: str, confidence: float, channel: str, at: float) -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [],
             "intent_ranking": [{"name": intent, "confidence": confidence},
                                {"name": "pension", "confidence": 0.1}]}
    return UserUttered(text, parse["intent"], parse_data=parse, input_channel=channel,
                       timestamp=at)


def _answer(at: float) -> List[Event]:
    return [ActionExecuted("utter_x", timestamp=at), BotUttered("an answer", timestamp=at)]


def _conversations() -> Dict[str, List[Event]]:
    t = DAY.timestamp()
    abroad = ["can my pension be paid abroad", "can i get my pension paid abroad",
              "pension paid abroad?"]
    found: Dict[str, List[Event]] = {
        f"w{n}": [_said(text, "nlu_fallback", 0.1, "webchat", t + n), *_answer(t + n + 1)]
        for n, text in enumerate(abroad)
    }
    found["s1"] = [_said("how much is child benefit for 2 kids, my id 85031212345",
                         "child_benefit", 0.3, "sms", t + 86400), *_answer(t + 86401)]
    found["t1"] = [_said(WINTER, "pension", 0.9, "telegram", t + 2 * 86400),
                   *_answer(t + 2 * 86400 + 1),
                   _said("thanks", "thank", 0.99, "telegram", t + 2 * 86400 + 20),
                   SlotSet("satisfaction", "no", timestamp=t + 2 * 86400 + 30)]
    found["ok"] = [_said("how do i apply for a pension", "pension", 0.95, "webchat", t),
                   *_answer(t + 1)]
    return found


@pytest.fixture
def filled(url: str) -> Iterator[Engine]:
    store = PrivateSQLTrackerStore(Domain.empty(), host=url, store_key="review-key")
    for sender, events in _conversations().items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()
    engine = create_engine_for(url)
    yield engine
    engine.dispose()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    return tmp_path


def test_open_groups_filters_and_masking(filled: Engine, root: Path) -> None:
    inbox = Inbox(filled, 0.5, root)
    groups = inbox.open_groups()
    assert [(len(g.items), g.text) for g in groups][0] == (3, "can my pension be paid abroad")
    assert sorted(len(g.items) for g in groups) == [1, 1, 3]
    dump = json.dumps([g.as_json() for g in groups])
    assert "85031212345" not in dump and "w0" not in dump
    assert [g.text for g in inbox.open_groups(Filters(channel="sms"))] == [
        "how much is child benefit for 2 kids, my id *******2345"]
    assert [i.reasons for i in inbox.open_items(Filters(channel="telegram"))] == [["not_helped"]]
    assert {i.topic for i in inbox.open_items(Filters(topic="pension"))} == {"pension"}
    later = inbox.open_items(Filters(since=DAY + dt.timedelta(hours=12)))
    assert {i.channel for i in later} == {"sms", "telegram"}


def test_assign_a_group_writes_examples_and_leaves_the_open_list(filled: Engine,
                                                                  root: Path) -> None:
    inbox = Inbox(filled, 0.5, root)
    group = inbox.open_groups()[0]
    decided = inbox.decide([group.id], ASSIGN, "pension/payment", by="erin")
    assert decided.written is not None
    # "can my pension be paid abroad" is an example already (of another answer).
    assert decided.written.added == ["can i get my pension paid abroad", "pension paid abroad?"]
    assert decided.written.skipped == ["can my pension be paid abroad"]
    text = (root / "data/topics/pension.yml").read_text()
    assert "    - can i get my pension paid abroad\n    - pension paid abroad?\n" in text
    assert len(inbox.open_items()) == 2
    with pytest.raises(ReviewRefused, match="no open message") as refused:
        inbox.decide([group.id], OUT_OF_SCOPE, None, by="erin")
    assert refused.value.status == 404


def test_out_of_scope_flag_and_refusals(filled: Engine, root: Path) -> None:
    inbox = Inbox(filled, 0.5, root)
    sms = inbox.open_items(Filters(channel="sms"))[0]
    telegram = inbox.open_items(Filters(channel="telegram"))[0]
    inbox.decide([sms.event_id], NEW_ANSWER, "  benefit for   two children ", by="erin")
    assert inbox.decisions.new_answers_needed() == [{
        "label": "benefit for two children", "count": 1, "examples": [sms.text],
        "last": inbox.decisions.read()[0].decided_at.isoformat()}]
    inbox.decide([telegram.event_id], OUT_OF_SCOPE, None, by="erin")
    assert f"    - {WINTER}\n" in (root / "data/core/out_of_scope.yml").read_text()
    for ids, decision, answer, status in [
        ([], ASSIGN, "pension/payment", 400),
        ([1], ASSIGN, "no/such", 422),
        ([1], NEW_ANSWER, "  ", 422),
        ([1], "delete", None, 422),
    ]:
        with pytest.raises(ReviewRefused) as refused:
            inbox.decide(ids, decision, answer, by="erin")
        assert refused.value.status == status


def test_a_message_decided_twice_at_once_is_refused(filled: Engine, root: Path) -> None:
    first, second = Inbox(filled, 0.5, root), Inbox(filled, 0.5, root)
    sms = first.open_items(Filters(channel="sms"))[0]
    second.open_items()  # both saw it open
    first.decide([sms.event_id], NEW_ANSWER, "x", by="erin")
    with pytest.raises(ReviewRefused):
        second.decide([sms.event_id], OUT_OF_SCOPE, None, by="finn")
    assert "2345" not in (root / "data/core/out_of_scope.yml").read_text()


def test_cli_lists_flags_and_refuses(filled: Engine, url: str, tmp_path: Path) -> None:
    from bot.cli import cli

    env = {"NSSA_DATABASE_URL": url, "NSSA_VAR_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    listed: Any = runner.invoke(cli, ["inbox", "--json", "--channel", "webchat"], env=env)
    assert listed.exit_code == 0, listed.stderr
    groups = json.loads(listed.stdout)["groups"]
    assert [g["count"] for g in groups] == [3]
    flagged = runner.invoke(cli, ["inbox", "flag", str(groups[0]["id"]), "--label", "abroad",
                                  "--by", "erin"], env=env)
    assert flagged.exit_code == 0, flagged.stderr
    assert json.loads(flagged.stdout)["messages"] == [i["id"] for i in groups[0]["items"]]
    again = runner.invoke(cli, ["inbox", "out-of-scope", str(groups[0]["id"])], env=env)
    assert again.exit_code == 2 and "404" in again.stderr
    wrong = runner.invoke(cli, ["inbox", "assign", "1", "--answer", "no/such"], env=env)
    assert wrong.exit_code == 2 and "422" in wrong.stderr
    needed = runner.invoke(cli, ["inbox", "new-answers", "--json"], env=env)
    assert json.loads(needed.stdout)[0]["count"] == 3
