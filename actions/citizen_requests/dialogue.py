"""Summary, change and cancel of the request forms."""

from __future__ import annotations

from typing import Any, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests import change_field, paused
from actions.citizen_requests.forms import FORMS
from actions.estimate_forms.base import dont_know, forget_estimates
from actions.estimate_forms.forms import ESTIMATE_FORM_CLASSES

__all__ = ["ActionAskConfirm", "ActionAskChangeField", "ActionCancelRequest", "reset_form_slots"]

_FORM_SLOTS = sorted(
    {f.slot for form in FORMS.values() for f in form().fields()}
    | {"confirm", "change_field", "otp_code", "request_declined"}
)


def _active_form(tracker: Tracker) -> Optional[Any]:
    name = (tracker.active_loop or {}).get("name")
    form = FORMS.get(name or "")
    return form() if form else None


def reset_form_slots() -> List[EventType]:
    """Empty the answers of every request form."""
    return [SlotSet(slot, None) for slot in _FORM_SLOTS]


class ActionAskConfirm(Action):
    """Show the summary and ask "1 Yes, send it 2 No, change something"."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send the summary of the active form."""
        form = _active_form(tracker)
        summary = form.summary(tracker) if form else ""
        dispatcher.utter_message(response="utter_confirm_request", summary=summary)
        return []


class ActionAskChangeField(Action):
    """Ask which answer to change, as a numbered list."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_change_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """List the answers of the active form."""
        form = _active_form(tracker)
        fields = form.active_fields(tracker) if form else []
        buttons = change_field.buttons(fields, tracker)
        dispatcher.utter_message(response="utter_ask_change_field", buttons=buttons)
        return []


class ActionCancelRequest(Action):
    """Stop the request (or estimate) in progress; nothing is sent."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_cancel_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Deactivate the form and forget its answers."""
        active = (tracker.active_loop or {}).get("name")
        estimate = ESTIMATE_FORM_CLASSES.get(active or "")
        if estimate is not None:
            if dont_know((tracker.latest_message or {}).get("text") or ""):
                # "I don't know" is not "stop": say where to find the figure;
                # the form asks its question again.
                dispatcher.utter_message(response=estimate().reply_to_dont_know(tracker))
                return []
            dispatcher.utter_message(response="utter_estimate_cancelled")
            return [ActiveLoop(None), SlotSet("requested_slot", None), *forget_estimates()]
        if not active:
            if paused.paused_form(tracker):
                # "cancel" in answer to the offer of a paused request: as 2 No.
                dispatcher.utter_message(response="utter_paused_form_discarded")
                return paused.forget_paused_form(tracker)
            dispatcher.utter_message(response="utter_nothing_to_cancel")
            return []
        dispatcher.utter_message(response="utter_request_cancelled")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_form_slots()]


