"""The shape of every estimate form: questions read from any message, asked when missing.

A `Question` names its slot, how its figure is read from a message
(`actions.estimates.parsing`: from any message only where the words say
what it is, from the answer to the question as any number), what makes the
figure wrong, and the response that says so.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.citizen_requests.base import answer_policy_question

__all__ = [
    "Question",
    "EstimateForm",
    "ESTIMATE_FORMS",
    "ESTIMATE_SLOTS",
    "forget_estimates",
    "money",
    "number",
    "store_money",
    "dont_know",
]

# Every estimate form and every slot they fill (actions/estimate_forms/forms.py
# registers them; dialogue.py's cancel empties them).
ESTIMATE_FORMS = (
    "pension_estimate_form",
    "survivors_estimate_form",
    "disability_estimate_form",
    "child_benefit_estimate_form",
    "unemployment_estimate_form",
    "sickness_estimate_form",
    "parental_estimate_form",
    "housing_estimate_form",
)
ESTIMATE_SLOTS = (
    "estimate_contribution_months",
    "estimate_start_age",
    "estimate_deceased_pension",
    "estimate_is_spouse",
    "estimate_orphans",
    "estimate_both_parents_died",
    "estimate_disability_degree",
    "estimate_care_supplement",
    "estimate_children",
    "estimate_children_ages",
    "estimate_wage",
    "estimate_age",
    "estimate_household_size",
    "estimate_rent",
    "estimate_household_income",
)

_DONT_KNOW = re.compile(
    r"\b(?:don'?t know|dont know|do not know|no idea|not sure|dunno|idk|can'?t remember)\b"
)


def dont_know(text: Text) -> bool:
    """Whether the text says "I don't know", "no idea", "not sure"."""
    return bool(_DONT_KNOW.search(text.lower()))


def forget_estimates() -> List[EventType]:
    """Empty every estimate's figures."""
    return [SlotSet(slot, None) for slot in ESTIMATE_SLOTS]


def money(value: Any) -> Optional[Decimal]:
    """A stored amount ("2400.00") as Decimal; None if not set or not yet checked."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None  # the answer as typed, before its validator reads it


def number(value: Any) -> Optional[int]:
    """A stored whole number; None if not set or not yet checked ("28 years" as typed)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    return None


def store_money(value: Decimal) -> str:
    """An amount as a slot keeps it (JSON has no Decimal)."""
    return f"{value:.2f}"


def _no_check(value: Any) -> Optional[Text]:
    return None


def _always(tracker: Tracker) -> bool:
    return True


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Question:
    """One figure of an estimate."""

    slot: Text
    # read(text, answer): the figure, or None. answer=True: the text answers
    # this question, so a bare number counts.
    read: Callable[[Text, bool], Any]
    # The response that says what is wrong with the figure, or None.
    check: Callable[[Any], Optional[Text]] = _no_check
    invalid: Text = "utter_estimate_invalid_number"
    # Said instead of `invalid` to "I don't know".
    unknown: Optional[Text] = None
    when: Callable[[Tracker], bool] = _always
    store: Callable[[Any], Any] = _same
    # A response (with its values) to say after a valid answer, or None.
    note: Callable[[Any], Optional[Tuple[Text, Dict[Text, Any]]]] = field(
        default=lambda value: None
    )
    # Other slots read from the same message when this figure is found
    # (the children's ages with their number).
    extra: Callable[[Text], Dict[Text, Any]] = field(default=lambda text: {})


class EstimateForm(FormValidationAction):
    """Validation of one estimate form; subclasses name the form and its questions."""

    @abstractmethod
    def name(self) -> Text:
        """`validate_<form name>`."""

    @abstractmethod
    def questions(self) -> Sequence[Question]:
        """The figures of the estimate, in the order they are asked."""

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """The figures this estimate needs now."""
        return [q.slot for q in self.questions() if q.when(tracker)]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[EventType]:
        """The first missing figure, or None when all are there (the form ends)."""
        needed = await self.required_slots([], dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((s for s in needed
                                               if tracker.slots.get(s) is None), None))

    def __getattr__(self, attribute: Text) -> Any:
        # rasa_sdk looks up `extract_<slot>` and `validate_<slot>` for every slot.
        for prefix, make in (("extract_", self._extractor), ("validate_", self._validator)):
            if attribute.startswith(prefix):
                slot = attribute[len(prefix):]
                for question in self.questions():
                    if question.slot == slot:
                        return make(question)
        raise AttributeError(attribute)

    def reply_to_dont_know(self, tracker: Tracker) -> Text:
        """What to say to "I don't know" in answer to the question asked."""
        requested = self._requested(tracker)
        for question in self.questions():
            if question.slot == requested:
                return question.unknown or question.invalid
        return "utter_estimate_invalid_number"

    def _question_before(self, tracker: Tracker) -> Optional[Text]:
        """The citizen's message before the one that starts this estimate, if about its benefit.

        "my husband died, can I get survivors' pension?", then "his pension
        was 1200": the figures of the first are not asked again. Only while
        the form starts, and only a message about the same benefit.
        """
        if self._requested(tracker) is not None:
            return None
        benefit = self.form_name()[: -len("_estimate_form")]
        said = [e for e in tracker.events if e.get("event") == "user"]
        if len(said) < 2:
            return None
        intent = ((said[-2].get("parse_data") or {}).get("intent") or {}).get("name")
        return str(said[-2].get("text") or "") if intent in (
            benefit, f"estimate_{benefit}") else None

    def _requested(self, tracker: Tracker) -> Optional[Text]:
        if (tracker.active_loop or {}).get("name") != self.form_name():
            return None
        return tracker.get_slot("requested_slot")

    def _extractor(self, question: Question) -> Callable:
        async def extract(
            dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
        ) -> Dict[Text, Any]:
            # The answer to the question asked comes as the whole text
            # (from_text, domain.yml) and is read by the validator.
            if self._requested(tracker) == question.slot:
                return {}
            text = (tracker.latest_message or {}).get("text") or ""
            value = question.read(text, False)
            if value is None and tracker.get_slot(question.slot) is None:
                earlier = self._question_before(tracker)
                value = question.read(earlier, False) if earlier else None
            return {} if value is None else {question.slot: question.store(value)}

        return extract

    def _validator(self, question: Question) -> Callable:
        async def validate(
            value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
        ) -> Dict[Text, Any]:
            answered = self._requested(tracker) == question.slot and isinstance(value, str) and (
                value == (tracker.latest_message or {}).get("text"))
            parsed = question.read(value, True) if isinstance(value, str) else value
            if parsed is None:
                if answered and answer_policy_question(dispatcher, tracker):
                    return {question.slot: None}
                if question.unknown and dont_know(str(value)):
                    dispatcher.utter_message(response=question.unknown)
                else:
                    dispatcher.utter_message(response=question.invalid)
                return {question.slot: None}
            error = question.check(parsed)
            if error:
                dispatcher.utter_message(response=error)
                return {question.slot: None}
            note = question.note(parsed)
            if note:
                dispatcher.utter_message(response=note[0], **note[1])
            latest = (tracker.latest_message or {}).get("text") or ""
            return {**question.extra(latest), question.slot: question.store(parsed)}

        return validate
