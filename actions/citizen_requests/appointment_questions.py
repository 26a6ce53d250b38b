"""Request 7: the questions of the appointment form that need the CMS or the form.

The day (with the office's days), the time (free slots earliest first: at
most 3 by SMS, up to 6 as buttons elsewhere), the summary and which answer
to change. The form itself: `appointments.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.citizen_requests import appointment_times as times
from actions.citizen_requests import change_field
from actions.citizen_requests.appointments import (
    DATE,
    FORM,
    OFFER,
    OFFICE,
    ValidateAppointmentForm,
    free_slots,
    offer_of,
)
from actions.citizen_requests.base import channel_of
from actions.validation import OFFICES, bookable_dates, format_date, next_working_day, term
from clients.errors import BackendError
from clients.http import format_datetime, parse_datetime

__all__ = [
    "ActionAskAppointmentDate", "ActionAskAppointmentStartTime", "ActionAskAppointmentConfirm",
    "ActionAskAppointmentChangeField",
]

logger = logging.getLogger(__name__)

_SHOWN_SMS, _SHOWN_OTHER = 3, 6


class ActionAskAppointmentDate(Action):
    """Ask for the day, with the days and dates that can be booked."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_appointment_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send the question for the chosen office."""
        office_id, today = tracker.get_slot(OFFICE), times.office_now().date()
        days = bookable_dates(office_id, today) if office_id in OFFICES else []
        first, last = (days[0], days[-1]) if days else (next_working_day(today), today)
        weekdays = OFFICES[office_id].weekdays if office_id in OFFICES else (0, 4)
        dispatcher.utter_message(
            response="utter_ask_appointment_date", office=times.office_name(office_id),
            days=term("term_day_range", first=term(f"term_weekday_{weekdays[0]}"),
                      last=term(f"term_weekday_{weekdays[-1]}")),
            first=format_date(first), last=format_date(last),
        )
        return []


class ActionAskAppointmentStartTime(Action):
    """Offer the free slots of the day, earliest first (3 by SMS, 6 elsewhere)."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_appointment_start_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """List the free times; a full day asks for another day."""
        office_id, day, offer = tracker.get_slot(OFFICE), tracker.get_slot(DATE), offer_of(tracker)
        try:
            if not _office_and_day(office_id, day):
                # The form asks for both first: a tracker without them has nothing to offer.
                raise BackendError("no office or day to look up")
            free = await free_slots(office_id, day)
        except BackendError as error:
            logger.warning("Free slots look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_appointment_unavailable")
            return [SlotSet(OFFER, {"kept": True}), SlotSet("requested_slot", None)]
        names = {"office": times.office_name(office_id), "date": times.long_day(day)}
        if not free:
            dispatcher.utter_message(response="utter_appointment_day_full", **names)
            return [SlotSet(DATE, None), SlotSet(OFFER, None),
                    *await ActionAskAppointmentDate().run(dispatcher, tracker, domain),
                    SlotSet("requested_slot", DATE)]
        after = parse_datetime(offer["after"]) if offer.get("after") else None
        later = [start for start in free if after and start > after]
        sms = channel_of(tracker) == "sms"
        shown = [format_datetime(s) for s in (later or free)[: _SHOWN_SMS if sms else _SHOWN_OTHER]]
        listed = " ".join(f"{i} {times.hhmm(s)}" for i, s in enumerate(shown, 1))
        buttons = [] if sms else [{"title": times.hhmm(s), "payload": times.hhmm(s)} for s in shown]
        dispatcher.utter_message(response="utter_ask_appointment_start_time", times=listed,
                                 buttons=buttons, **names)
        state = {"free": [format_datetime(s) for s in free], "shown": shown,
                 "after": offer.get("after")}
        return [SlotSet(OFFER, state)]


class ActionAskAppointmentConfirm(Action):
    """The summary of the appointment and "1 Yes, send it 2 No, change something"."""

    def name(self) -> Text:
        """Name of the action (asked for `confirm` in appointment_form only)."""
        return f"action_ask_{FORM}_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send the summary."""
        summary = ValidateAppointmentForm().summary(tracker)
        dispatcher.utter_message(response="utter_confirm_request", summary=summary)
        return []


class ActionAskAppointmentChangeField(Action):
    """Ask which answer to change, as a numbered list."""

    def name(self) -> Text:
        """Name of the action (asked for `change_field` in appointment_form only)."""
        return f"action_ask_{FORM}_change_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """List the answers."""
        buttons = change_field.buttons(ValidateAppointmentForm().active_fields(tracker), tracker)
        dispatcher.utter_message(response="utter_ask_change_field", buttons=buttons)
        return []


def _office_and_day(office_id: Any, day: Any) -> bool:
    """Whether the slots hold a known office and a day (YYYY-MM-DD) to look up."""
    if not isinstance(office_id, str) or office_id not in OFFICES or not isinstance(day, str):
        return False
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return False
    return True
