"""Run the frozen set against a running assistant and score every row.

A question row is sent from a fresh sender; a conversation's turns all go
from one sender, in order. Scoring (evaluation/frozen/README.md): a row or turn is
right when its checks pass; out-of-scope rows must also be honest refusals
(`bot.evaluation.judge`). Answerable rows routed to distress, the crisis
line or a hand-over are counted apart (target 0). A question's reply must be
in the row's language (its folder, or the language a language_choice row
chooses): an answer that fell back to English is wrong in Polish.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

from bot.evaluation.client import RestAssistant
from bot.evaluation.judge import FactScanner, out_of_scope_failures
from bot.evaluation.matching import Checks
from bot.evaluation.turns import Turn

__all__ = ["QuestionResult", "TurnResult", "ConversationResult", "Runner", "expected_language"]

Progress = Callable[[int, int], None]


def expected_language(row: Dict[str, Any]) -> str:
    """The language a row's reply must be in: the one it chooses, else its folder's."""
    return str(row.get("choose") or str(row.get("id") or "en").split("-", 1)[0])


@dataclass
class QuestionResult:
    """One question row and what became of it."""

    row: Dict[str, Any]
    turn: Turn
    failures: List[str]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return not self.failures

    @property
    def category(self) -> str:
        """answerable, out_of_scope, crisis or language_choice."""
        return str(self.row.get("category"))

    @property
    def routed(self) -> bool:
        """An answerable row sent to distress, the crisis line or a hand-over."""
        return self.category == "answerable" and bool(self.turn.routes)


@dataclass
class TurnResult:
    """One turn of a conversation and what became of it."""

    index: int
    turn_row: Dict[str, Any]
    turn: Turn
    failures: List[str]

    @property
    def ok(self) -> bool:
        """True when every check of the turn passed."""
        return not self.failures


@dataclass
class ConversationResult:
    """A conversation and its turns."""

    row: Dict[str, Any]
    turns: List[TurnResult] = field(default_factory=list)


@dataclass
class Runner:
    """Sends rows to `assistant` and scores the replies."""

    assistant: RestAssistant
    scanner: Optional[FactScanner] = None

    def __post_init__(self) -> None:
        if self.scanner is None:
            self.scanner = FactScanner.from_handbook()

    def question(self, row: Dict[str, Any]) -> QuestionResult:
        """Send one question from a fresh sender and score the reply."""
        turn = self.assistant.session(str(row.get("id"))).say(str(row["text"]))
        checks = Checks.of(row)
        if turn.error:
            return QuestionResult(row, turn, [turn.error])
        if row.get("category") == "out_of_scope":
            assert self.scanner is not None
            failures = out_of_scope_failures(turn, checks, self.scanner)
        else:
            failures = checks.failures(turn.reply, turn.first_message)
        wanted = expected_language(row)
        failures += [f"reply in {lang}, not {wanted}"
                     for lang in dict.fromkeys(turn.languages) if lang != wanted]
        return QuestionResult(row, turn, failures)

    def conversation(self, row: Dict[str, Any]) -> ConversationResult:
        """Send a conversation's turns from one sender and score each."""
        session = self.assistant.session(str(row.get("id")))
        result = ConversationResult(row)
        for index, turn_row in enumerate(row.get("turns") or [], 1):
            turn = session.say(str(turn_row["user"]))
            failures = [turn.error] if turn.error else Checks.of(turn_row).failures(
                turn.reply, turn.first_message)
            result.turns.append(TurnResult(index, turn_row, turn, failures))
        return result

    def questions(self, rows: Sequence[Dict[str, Any]],
                  progress: Optional[Progress] = None) -> List[QuestionResult]:
        """Every question row in order."""
        results = []
        for number, row in enumerate(rows, 1):
            results.append(self.question(row))
            if progress:
                progress(number, len(rows))
        return results

    def conversations(self, rows: Sequence[Dict[str, Any]],
                      progress: Optional[Progress] = None) -> List[ConversationResult]:
        """Every conversation in order."""
        results = []
        for number, row in enumerate(rows, 1):
            results.append(self.conversation(row))
            if progress:
                progress(number, len(rows))
        return results
