"""The evaluation's language checks: times, the reply's language, language detection."""

from __future__ import annotations

from bot.evaluation.judge import FactScanner
from bot.evaluation.matching import contains, normalise
from bot.evaluation.report import LanguageResult
from bot.evaluation.runner import Runner, expected_language
from bot.evaluation.turns import Turn


class _Session:
    def __init__(self, turn: Turn) -> None:
        self.turn = turn

    def say(self, message: str) -> Turn:
        return self.turn


class _Assistant:
    def __init__(self, turn: Turn) -> None:
        self.turn = turn

    def session(self, prefix: str) -> _Session:
        return _Session(self.turn)


def _runner(turn: Turn) -> Runner:
    return Runner(_Assistant(turn), scanner=FactScanner([], []))  # type: ignore[arg-type]


ROW = {"id": "pl-q-0001", "category": "answerable", "text": "ile wynosi emerytura",
       "expect": ["€1,480.00"], "short": False}


def test_a_time_matches_with_or_without_the_leading_zero() -> None:
    assert normalise("08:00–18:00") == normalise("8:00-18:00")
    assert contains("pn-pt 8:00-18:00", "08:00") and not contains("18:00", "8:00")


def test_the_expected_language_is_the_folders_or_the_chosen_one() -> None:
    assert expected_language(ROW) == "pl"
    assert expected_language({"id": "pl-q-0290", "choose": "en"}) == "en"


def test_a_reply_in_another_language_is_wrong() -> None:
    turn = Turn(messages=["The full pension is €1,480.00."], languages=["en"], detected="pl")
    assert _runner(turn).question(ROW).failures == ["reply in en, not pl"]
    turn = Turn(messages=["Pełna emerytura to 1480,00 €."], languages=["pl"], detected="pl")
    assert _runner(turn).question(ROW).ok


def test_language_detection_is_counted_per_language_and_for_short_rows() -> None:
    rows = [dict(ROW), {**ROW, "id": "pl-q-0002", "short": True},
            {**ROW, "id": "pl-q-0290", "choose": "en", "category": "language_choice",
             "short": True}]
    detected = ["pl", "en", "en"]
    result = LanguageResult("pl")
    for row, lang in zip(rows, detected, strict=True):
        result.questions.append(_runner(Turn(languages=["pl"], detected=lang)).question(row))
    lines = {line.category: (line.n, line.right) for line in result.lines()}
    assert lines["language detected"] == (3, 2)
    assert lines["language detected (short)"] == (2, 1)
