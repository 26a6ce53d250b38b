"""The review inbox's pieces: which messages are listed, grouping, the examples written."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, Optional

import pytest
import yaml

from bot.conversation_context import CLASSIFIER_READING
from bot.review.examples import (
    UnknownAnswer,
    add_examples,
    answers,
    clean_example,
    existing_examples,
)
from bot.review.grouping import group_items as _group_items
from bot.review.grouping import similarity
from bot.review.items import Item, scan_conversation
from bot.settings import PROJECT_ROOT

T0 = 1_780_000_000.0
CORPUS = list(existing_examples(PROJECT_ROOT))


def group_items(items: List[Item]) -> list:
    """Grouped as the inbox groups: weighted over the training examples of data/."""
    return _group_items(items, corpus=CORPUS)


class Events:
    """One conversation's rows as `find_items` reads them from `events`."""

    def __init__(self) -> None:
        self.rows: List[Any] = []

    def _row(self, type_name: str, data: dict, intent: Optional[str] = None,
             action: Optional[str] = None) -> "Events":
        self.rows.append(SimpleNamespace(id=len(self.rows) + 1, type_name=type_name,
                                         timestamp=data.get("timestamp"), intent_name=intent,
                                         action_name=action, data=json.dumps(data)))
        return self

    def user(self, text: str, intent: str, confidence: float = 0.9, at: float = 0.0,
             ranking: Optional[list] = None, classifier: Optional[dict] = None) -> "Events":
        parse = {"intent": {"name": intent, "confidence": confidence},
                 "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
        if classifier is not None:
            parse[CLASSIFIER_READING] = classifier
        return self._row("user", {"text": text, "parse_data": parse, "timestamp": T0 + at,
                                  "input_channel": "webchat"}, intent=intent)

    def bot(self, at: float) -> "Events":
        return self._row("bot", {"text": "an answer", "timestamp": T0 + at})

    def action(self, name: str) -> "Events":
        return self._row("action", {"name": name}, action=name)

    def slot(self, name: str, value: str) -> "Events":
        return self._row("slot", {"name": name, "value": value}, action=name)


def _reasons(events: Events) -> dict:
    return {item.text: item.reasons for item in scan_conversation(events.rows, 0.5)}


class TestWhatIsListed:
    def test_fallback_and_low_confidence_listed_with_their_topic(self) -> None:
        events = (Events()
                  .user("pension when abroad living", "nlu_fallback", 0.1, ranking=[
                      {"name": "nlu_fallback", "confidence": 0.9},
                      {"name": "pension", "confidence": 0.1}]).bot(1)
                  .user("how much is child benefit", "child_benefit", 0.45, at=600).bot(601)
                  .user("how do i apply for a pension", "pension", 0.95, at=1200).bot(1201))
        items = scan_conversation(events.rows, 0.5)
        assert [(i.text, i.reasons, i.topic) for i in items] == [
            ("pension when abroad living", ["fallback"], "pension"),
            ("how much is child benefit", ["low_confidence"], "child_benefit"),
        ]

    def test_a_reading_the_context_decided_is_listed_by_the_classifiers_own_confidence(
        self,
    ) -> None:
        """A guess of the context is listed, a sure reading it kept is not.

        "old-timer money drop day?" after an unemployment answer was read,
        unsure, as unemployment at 0.8 by the conversation's context.
        """
        events = (Events().user("which day does the old-timer money drop", "unemployment", 0.3)
                  .bot(1)
                  .user("old-timer money drop day?", "unemployment", 0.8, at=20, classifier={
                      "name": "pension", "confidence": 0.15}).bot(21)
                  .user("and for a couple?", "housing", 0.8, at=600, classifier={
                      "name": "housing", "confidence": 0.7}).bot(601))
        assert _reasons(events) == {
            "which day does the old-timer money drop": ["low_confidence", "rephrased"],
            "old-timer money drop day?": ["low_confidence"],
        }

    def test_a_no_to_did_this_help_lists_the_question_not_the_thanks(self) -> None:
        events = (Events().user("when is my pension paid", "pension", 0.9).bot(1)
                  .user("thanks", "thank", 0.99, at=20).bot(21)
                  .slot("satisfaction", "no").slot("satisfaction_comment", "the date, 85031212345"))
        [item] = scan_conversation(events.rows, 0.5)
        assert (item.text, item.reasons) == ("when is my pension paid", ["not_helped"])
        assert item.comment is not None and "85031212345" not in item.comment

    def test_the_what_was_missing_answer_is_the_comment_not_an_item(self) -> None:
        events = (Events().user("when is my pension paid", "pension", 0.9).bot(1)
                  .user("thanks", "thank", 0.99, at=20).bot(21)
                  .user("2", "helped_no", 1.0, at=30).slot("satisfaction", "no").bot(31)
                  .user("the date for march", "tell_what_was_missing", 0.2, at=40)
                  .slot("satisfaction_comment", "the date for march"))
        [item] = scan_conversation(events.rows, 0.5)
        assert (item.text, item.reasons, item.comment) == (
            "when is my pension paid", ["not_helped"], "the date for march")

    def test_helped_no_intent_counts_too_and_yes_does_not(self) -> None:
        no = Events().user("when is my pension paid", "pension").bot(1).user("no", "helped_no")
        yes = Events().user("when is my pension paid", "pension").bot(1).user("yes", "helped_yes")
        assert _reasons(no) == {"when is my pension paid": ["not_helped"]}
        assert _reasons(yes) == {}

    def test_rephrasing_right_after_an_answer_lists_the_first_wording(self) -> None:
        events = (Events().user("how much pension will i get", "pension", 0.9).bot(1)
                  .user("how much pension would i get each month", "pension", 0.9, at=30))
        assert _reasons(events) == {"how much pension will i get": ["rephrased"]}

    def test_a_new_question_later_or_unlike_is_no_rephrasing(self) -> None:
        late = (Events().user("how much pension will i get", "pension").bot(1)
                .user("how much pension would i get each month", "pension", at=3600))
        unlike = (Events().user("how much pension will i get", "pension").bot(1)
                  .user("where is the northhaven office", "agency", at=20))
        assert _reasons(late) == {} and _reasons(unlike) == {}

    def test_handover_after_not_understood_and_fallback_action(self) -> None:
        events = (Events().user("zork the blorp", "out_of_scope", 0.9).action("action_handover")
                  .user("my thing with the stuff", "pension", 0.9, at=100)
                  .action("action_default_fallback"))
        assert _reasons(events) == {"zork the blorp": ["handover"],
                                    "my thing with the stuff": ["fallback"]}

    def test_social_turns_buttons_and_external_intents_never_listed(self) -> None:
        events = (Events().user("hi", "greet", 0.2).user("/affirm", "affirm", 1.0)
                  .user("", "EXTERNAL_request_sent", 1.0).user("ok", "nlu_fallback", 0.1)
                  .action("action_default_fallback"))
        assert list(_reasons(events)) == ["ok"]

    def test_texts_are_masked(self) -> None:
        events = Events().user("my phone is +44 7700 900123 help", "nlu_fallback", 0.1)
        [item] = scan_conversation(events.rows, 0.5)
        assert "7700 900123" not in item.text and item.text.endswith("0123 help")


def _item(event_id: int, text: str) -> Item:
    return Item(event_id, text, "webchat", "nlu_fallback", "pension", 0.1,
                dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), ["fallback"])


class TestGrouping:
    def test_ways_of_asking_the_same_are_one_group_with_a_count(self) -> None:
        texts = ["can i get my pension paid abroad", "can my pension be paid abroad",
                 "pension paid abroad?", "where is the office in northhaven",
                 "Can I get my pension paid abroad", "is the northhaven office open",
                 "what is the weather"]
        groups = group_items([_item(i, t) for i, t in enumerate(texts, start=10)])
        counts = [(g.id, len(g.items)) for g in groups]
        assert counts[0] == (10, 4)
        assert sorted(c for _, c in counts) == [1, 2, 4]
        assert groups[0].text == "can i get my pension paid abroad"
        assert groups[0].as_json()["count"] == 4

    def test_group_id_stays_when_newer_messages_arrive(self) -> None:
        old = [_item(5, "pension paid abroad"), _item(9, "my pension paid abroad please")]
        before = group_items(old)[0].id
        after = group_items(old + [_item(30, "can my pension be paid abroad")])[0]
        assert before == after.id == 5 and len(after.items) == 3

    def test_similarity_bounds(self) -> None:
        assert similarity("pension abroad", "pension abroad") == pytest.approx(1.0)
        assert similarity("pension abroad", "xyz qqq") < 0.1
        assert similarity("", "") == 0.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's data/ in a git repository."""
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "data"], cwd=tmp_path, check=True)
    return tmp_path


def _diff(root: Path) -> List[str]:
    out = subprocess.run(["git", "diff", "-U0", "--no-color"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]


class TestExamplesWritten:
    def test_assign_adds_one_line_per_new_example_to_the_answers_block(self, project: Path) -> None:
        written = add_examples("pension/amount", [
            "how much pension  would\ni get", "can i get my [pension](topic) abroad"], project)
        assert written.path == project / "data/topics/pension.yml"
        assert _diff(project) == ["+    - how much pension would i get",
                                  "+    - can i get my (pension)(topic) abroad"]
        data = yaml.safe_load(written.path.read_text())
        block = next(e for e in data["nlu"] if e.get("intent") == "pension/amount")
        assert block["examples"].splitlines()[-1] == "- can i get my (pension)(topic) abroad"
        assert "responses" in data  # the rest of the file is kept

    def test_examples_already_in_the_data_are_skipped(self, project: Path) -> None:
        known = next(iter(existing_examples(project)))
        written = add_examples("pension/amount", [known.upper(), "brand new wording zq"], project)
        assert written.skipped == [clean_example(known.upper())]
        assert written.added == ["brand new wording zq"]
        assert len(_diff(project)) == 1

    def test_out_of_scope_goes_to_its_own_file(self, project: Path) -> None:
        written = add_examples("out_of_scope", ["what is the capital of peru zq"], project)
        assert written.path == project / "data/core/out_of_scope.yml"
        assert _diff(project) == ["+    - what is the capital of peru zq"]

    def test_unknown_answer_refused_and_nothing_written(self, project: Path) -> None:
        with pytest.raises(UnknownAnswer, match="pension/nonsense"):
            add_examples("pension/nonsense", ["anything"], project)
        assert _diff(project) == []

    def test_every_topic_answer_is_assignable(self, project: Path) -> None:
        names = answers(project)
        assert "pension/amount" in names and "agency/contact" in names
        assert all(path.parent.name in ("topics", "core") for path in names.values())

    def test_the_last_block_of_a_file_takes_examples_too(self, project: Path) -> None:
        path = project / "data/topics/pension.yml"
        last = [line for line in path.read_text().splitlines()
                if line.startswith("- intent: ")][-1].split(": ")[1]
        add_examples(last, ["a last block wording zq"], project)
        assert _diff(project) == ["+    - a last block wording zq"]


class TestComparison:
    LIVE = {"model": "live.tar.gz", "answers": {"pension/payment": [0.5, 4], "faq/x": [1.0, 2]},
            "categories": {"answerable": [150, 200], "out_of_scope": [20, 25]}, "parsed": 9}
    CANDIDATE = {"model": "cand.tar.gz",
                 "answers": {"pension/payment": [0.75, 4], "faq/x": [0.8, 2]},
                 "categories": {"answerable": [160, 200], "out_of_scope": [19, 25]}, "parsed": 9}

    def test_change_per_answer_and_category(self) -> None:
        from bot.review.retrain import compare

        result = compare(self.LIVE, self.CANDIDATE)
        assert result["better"] == ["pension/payment"] and result["worse"] == ["faq/x"]
        assert result["answers"][0] == {"answer": "faq/x", "live_f1": 1.0, "candidate_f1": 0.8,
                                        "change": -0.2, "support": 2}
        answerable = result["categories"][0]
        assert (answerable["live"], answerable["candidate"], answerable["change"]) == (
            0.75, 0.8, 0.05)
        assert result["answer_macro_f1"] == {"live": 0.75, "candidate": 0.775}

    def test_render_prints_the_numbers_of_the_json(self) -> None:
        from bot.review.retrain import compare, render

        text = render(compare(self.LIVE, self.CANDIDATE))
        assert "Answer macro F1: 0.750 -> 0.775" in text
        assert re.search(r"answerable\s+75\.0%\s+80\.0%\s+\+5\.0%", text)
        assert re.search(r"faq/x\s+1\.00\s+0\.80\s+-0\.20", text)
        same = render(compare(self.LIVE, self.LIVE))
        assert "(no answer changed)" in same
