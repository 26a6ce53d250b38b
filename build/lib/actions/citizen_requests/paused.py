"""A half-finished request, kept and offered when the citizen comes back.

requests-in-chat.md: "If the citizen leaves in the middle, keep the answers
and offer to continue when they come back. After 15 minutes without a
message, check identity again."

- The answers stay in their own slots; `paused_form` names the form they
  belong to and `form_offered` (the only slot here the rules see) says the
  offer "You started ... earlier. Do you want to continue? 1 Yes 2 No" is
  open.
- Identity is never kept: a paused form asks the national ID number and
  date of birth (and the code for level 2) again when it goes on. Its limits
  stay within a conversation (3 failed checks still lock for 1 hour).
- Yes (`action_resume_paused_form`) starts the form again; it asks identity,
  then the first missing answer (the answers kept are not checked twice:
  `RequestForm` lets them through). No (`action_discard_paused_form`) deletes
  the answers. A policy question in between is answered by its rule and the
  offer stays open. Starting another request deletes the paused answers.

Two ways in:
- The 15-minute end of a conversation: `action_session_start` calls
  `session_carry_over(tracker)` on the old conversation and `offer()`.
- Anything else that must pause the request in progress and check identity
  again, such as a citizen joining the conversation from another channel:
  call `pause_active_form(tracker)` (the events) and `offer(dispatcher,
  form)` from your own action, or run `action_offer_paused_form` after it
  in a rule. Both do nothing when no request is in progress.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Set, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests.forms import FORMS

__all__ = [
    "PAUSED_FORM",
    "FORM_OFFERED",
    "IDENTITY_SLOTS_RESET",
    "REQUEST_NAMES",
    "answer_slots",
    "paused_form",
    "pause_active_form",
    "session_carry_over",
    "forget_paused_form",
    "without_candidates",
    "offer",
    "ActionOfferPausedForm",
    "ActionResumePausedForm",
    "ActionDiscardPausedForm",
]

PAUSED_FORM = "paused_form"
FORM_OFFERED = "form_offered"

# A passed identity check and what it unlocked; emptied so the form asks
# again. Not here on purpose: identity_failures, identity_locked_until,
# otp_requests and level2_blocked, the limits of the conversation.
IDENTITY_SLOTS_RESET: Dict[Text, Any] = {
    "national_id": None,
    "date_of_birth": None,
    "verified_national_id": None,
    "verified_date_of_birth": None,
    "person_id": None,
    "identity_level": 0.0,
    "identity_at": None,
    "otp_code": None,
    "otp_id": None,
}

# What the offer calls each request: "You started <name> earlier."
# How the offer names each request: a word of texts.yml, in the message's language.
REQUEST_NAMES: Dict[Text, Text] = {
    form: f"term_request_{form}"
    for form in (
        "child_benefit_form", "address_form", "bank_form", "statement_form", "coverage_form",
        "housing_form", "appointment_form", "case_status_form", "complaint_form",
        "callback_form",
    )
}

# The answers of every form, and the state of its last question.
_QUESTION_STATE = ("requested_slot", "confirm", "change_field", "request_declined")


def answer_slots(form_name: Text) -> List[Text]:
    """The slots holding a form's answers (identity not included)."""
    form = FORMS.get(form_name)
    return [f.slot for f in form().fields()] if form else []


def paused_form(tracker: Tracker) -> Optional[Text]:
    """The name of the paused form, if there is one."""
    name = tracker.get_slot(PAUSED_FORM)
    return name if name in FORMS else None


def _active_form(tracker: Tracker) -> Optional[Text]:
    name = (tracker.active_loop or {}).get("name")
    return name if name in FORMS else None


def _has_answers(tracker: Tracker, form_name: Text) -> bool:
    return any(tracker.get_slot(slot) is not None for slot in answer_slots(form_name))


def without_candidates(tracker: Tracker, slots: Set[Text]) -> Tracker:
    """A view of `tracker` whose slots to validate leave out `slots`.

    rasa_sdk takes the candidates from the trailing slot events; the view
    shares the slots, so what validation sets is seen by the caller.
    """
    view = copy.copy(tracker)
    tail = len(tracker.events)
    while tail and tracker.events[tail - 1].get("event") == "slot":
        tail -= 1
    trailing = [e for e in tracker.events[tail:] if e.get("name") not in slots]
    view.events = tracker.events[:tail] + trailing
    return view


def pause_active_form(tracker: Tracker) -> List[EventType]:
    """Pause the request in progress: its answers kept, identity to be checked again.

    The events stop the form, empty the identity check and the question in
    progress, and open the offer; send `offer(dispatcher, form)` with them.
    No events when no request form is active.
    """
    form_name = _active_form(tracker)
    if form_name is None:
        return []
    return [
        ActiveLoop(None),
        *[SlotSet(slot, None) for slot in _QUESTION_STATE],
        *[SlotSet(slot, value) for slot, value in IDENTITY_SLOTS_RESET.items()],
        SlotSet(PAUSED_FORM, form_name),
        SlotSet(FORM_OFFERED, True),
    ]


def session_carry_over(tracker: Tracker) -> List[EventType]:
    """The events after `SessionStarted` that keep the old conversation's request.

    `tracker` is the conversation that ended. Only the answers of a form left
    in the middle (or already paused) go on; identity does not, because the
    new conversation starts without any slot.
    """
    form_name = _active_form(tracker) or paused_form(tracker)
    if form_name is None or not _has_answers(tracker, form_name):
        return []
    kept = [
        SlotSet(slot, tracker.get_slot(slot))
        for slot in answer_slots(form_name)
        if tracker.get_slot(slot) is not None
    ]
    return [*kept, SlotSet(PAUSED_FORM, form_name), SlotSet(FORM_OFFERED, True)]


def forget_paused_form(tracker: Tracker, keep_answers: bool = False) -> List[EventType]:
    """Close the offer; the paused answers are deleted unless `keep_answers`."""
    form_name = paused_form(tracker)
    events: List[EventType] = []
    if form_name and not keep_answers:
        events += [
            SlotSet(slot, None)
            for slot in answer_slots(form_name)
            if tracker.get_slot(slot) is not None
        ]
    return events + [SlotSet(PAUSED_FORM, None), SlotSet(FORM_OFFERED, False)]


def offer(dispatcher: CollectingDispatcher, form_name: Text, **extra: Any) -> None:
    """Say "You started <request> earlier. Do you want to continue? 1 Yes 2 No"."""
    name = REQUEST_NAMES.get(form_name, "term_request_callback_form")
    dispatcher.utter_message(response="utter_offer_paused_form", request={"term": name}, **extra)


class ActionOfferPausedForm(Action):
    """Pause the request in progress (if any) and offer to continue it.

    For a caller that must check identity again in the middle of a
    conversation, such as continuity from another channel (run it after
    your own action in a rule). With a paused request it only offers it
    again; with none it does nothing.
    """

    def name(self) -> Text:
        """Name of the action."""
        return "action_offer_paused_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Pause, then offer; nothing without a request."""
        events = pause_active_form(tracker)
        form_name = _active_form(tracker) or paused_form(tracker)
        if form_name is None:
            return []
        offer(dispatcher, form_name)
        return events or [SlotSet(FORM_OFFERED, True)]


class ActionResumePausedForm(Action):
    """1 Yes: the paused form goes on, with the identity check first."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_resume_paused_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Start the form again; it asks what is missing, identity first."""
        form_name = paused_form(tracker)
        if form_name is None:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(FORM_OFFERED, False)]
        dispatcher.utter_message(response="utter_paused_form_resumed")
        if FORMS[form_name].level:
            dispatcher.utter_message(response="utter_identity_again")
        # `paused_form` stays set until the form's first check, so the kept
        # answers are taken as they are (RequestForm.get_validation_events).
        return [SlotSet(FORM_OFFERED, False), FollowupAction(form_name)]


class ActionDiscardPausedForm(Action):
    """2 No: the paused answers are deleted."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_discard_paused_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Delete the answers and close the offer."""
        dispatcher.utter_message(response="utter_paused_form_discarded")
        return forget_paused_form(tracker)
