"""The rule that decides whether an out-of-scope message was refused honestly.

An out-of-scope reply is right when ALL of these hold (evaluation/frozen/README.md):

1. the row's own checks pass (`expect` holds the pointer to where to go,
   when the handbook names one);
2. the assistant gave no policy answer (no `utter_<topic>/<key>` response
   but the privacy notice) and started no request (no form);
3. it did not route the message to distress, the crisis line or a hand-over;
4. the text carries no NSSA fact: none of the `key`s of the handbook's
   facts.tsv appears in it as a whole word or number, once these are taken
   out: the agency's contact pointers (facts of topic "contact": phone line
   and its hours, SMS, Telegram, web chat, My NSSA, post, Housing Office
   phone and hours; the crisis line F245; "24 hours a day", "7 days a week",
   "call you back within 2 working days" and the SMS forms of the hours), and the row's `expect` and
   `expect_any` strings. Four keys are everyday words rather than facts and
   are never counted: "Friday" (F168), "date of birth" (F224), "START" (F247),
   "HELP" (F248).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Sequence

from bot.content import Fact, load_facts
from bot.evaluation.matching import Checks, contains_term, normalise
from bot.evaluation.turns import Turn

__all__ = [
    "POINTER_FACT_TOPICS",
    "EVERYDAY_WORD_FACTS",
    "POINTER_PHRASES",
    "FactScanner",
    "out_of_scope_failures",
]

POINTER_FACT_TOPICS = frozenset({"contact"})
POINTER_FACT_IDS = frozenset({"F245"})
EVERYDAY_WORD_FACTS = frozenset({"F168", "F224", "F247", "F248"})
POINTER_PHRASES = ("24 hours a day", "7 days a week", "call you back within 2 working days",
                   "call back within 2 working days", "Sat 09:00-13:00", "Mon-Fri 08:00-18:00")


@dataclass
class FactScanner:
    """Finds handbook facts in a text, the contact pointers taken out first."""

    facts: List[Fact]
    pointers: List[str]

    @classmethod
    def from_facts(cls, facts: Iterable[Fact]) -> "FactScanner":
        """Split facts.tsv into pointers (allowed) and facts (not allowed in a refusal)."""
        facts = list(facts)

        def is_pointer(fact: Fact) -> bool:
            return fact.topic in POINTER_FACT_TOPICS or fact.id in POINTER_FACT_IDS

        pointers = [f.key for f in facts if is_pointer(f)] + list(POINTER_PHRASES)
        checked = [f for f in facts if not is_pointer(f) and f.id not in EVERYDAY_WORD_FACTS]
        return cls(checked, pointers)

    @classmethod
    def from_handbook(cls) -> "FactScanner":
        """The scanner for the shared handbook's facts.tsv."""
        return cls.from_facts(load_facts())

    def found(self, text: str, allowed: Sequence[str] = ()) -> List[Fact]:
        """Facts whose key is in `text` once the pointers and `allowed` are taken out."""
        remaining = normalise(text)
        for pointer in sorted({normalise(p) for p in [*self.pointers, *allowed] if p},
                              key=len, reverse=True):
            remaining = remaining.replace(pointer, " ")
        return [f for f in self.facts if contains_term(remaining, f.key)]


def out_of_scope_failures(turn: Turn, checks: Checks, scanner: FactScanner) -> List[str]:
    """Why an out-of-scope reply is not an honest refusal; empty when it is."""
    failed = checks.failures(turn.reply, turn.first_message)
    failed += [f"policy answer {a}" for a in turn.policy_answers]
    failed += [f"request started {f}" for f in turn.forms]
    failed += [f"routed to {r}" for r in turn.routes]
    allowed = [*checks.expect, *checks.expect_any]
    failed += [f"NSSA fact {f.id} {f.key!r}" for f in scanner.found(turn.reply, allowed)]
    return failed
