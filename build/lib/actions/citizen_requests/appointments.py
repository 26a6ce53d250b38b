"""Request 7: book an office appointment (requests-in-chat.md, agency.md).

Level 1, then office, day, time and topic, the summary and "1 Yes, send it".
- The day is checked against the office's days and the CMS's free slots: a
  full day is said at once and another day asked for.
- The time question lists the free slots, earliest first: at most 3 by SMS,
  up to 6 as buttons elsewhere. The citizen answers with the number or a time.
- An interpreter needs 3 working days' notice, sign language 5: on shorter
  notice we say so and book without promising one (or they change the day).
- Booking is exactly once: the Idempotency-Key comes from the conversation,
  office, start and person. A slot taken meanwhile re-asks the time with the
  next free ones. No outbox (a slot may be gone by then): when the CMS is down
  we say so and keep the answers; "book an appointment" shows the summary
  again, and confirming sends the same key, so a booking that did go through
  before is not made twice.

The questions that need the CMS (day, time, summary, change):
`appointment_questions.py`; office time, days and interpreter notice:
`appointment_times.py`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial
from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests import appointment_times as times
from actions.citizen_requests.appointment_times import (
    InterpreterNotice,
    interpreter_notice,
    parse_day,
    pick_start,
)
from actions.citizen_requests.base import (
    Field,
    RequestForm,
    answer_policy_question,
    identity_level,
    identity_locked,
    say_invalid,
)
from actions.validation import (
    OFFICES,
    ValidationError,
    appointment_date,
    appointment_time,
    clean,
    format_date,
    office,
    term,
    text_field,
)
from clients.errors import BackendError, BackendRejected, IdempotencyConflict, SlotTaken
from clients.http import format_datetime, idempotency_key, parse_datetime

__all__ = [
    "ValidateAppointmentForm", "ActionStartAppointment", "ActionSubmitAppointment",
    "InterpreterNotice", "interpreter_notice", "parse_day", "pick_start", "free_slots",
    "offer_of", "FORM", "SLOTS", "OFFICE", "DATE", "START", "TOPIC", "OFFER",
]

logger = logging.getLogger(__name__)

FORM = "appointment_form"
OFFICE, DATE, START, TOPIC = (
    "appointment_office", "appointment_date", "appointment_start_time", "appointment_topic"
)
# Internal state: {"free": [...], "shown": [...]} of the time question, "after"
# (the start that was just taken), "kept" (answers kept while the CMS is down).
OFFER = "appointment_offer"
SLOTS = (OFFICE, DATE, START, TOPIC, OFFER)
_RESET = (*SLOTS, "confirm", "change_field")
_OTHER_DAY = re.compile(r"\b(?:other|another|different|next|change)\s+(?:the\s+)?(?:day|date)\b")
_CHOSEN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


# --- the form ------------------------------------------------------------------------


def offer_of(tracker: Tracker) -> Dict[Text, Any]:
    """The time question's state (free and shown slots, kept answers)."""
    value = tracker.get_slot(OFFER)
    return value if isinstance(value, dict) else {}


async def free_slots(office_id: Text, day: Any) -> List[dt.datetime]:
    """The office's free starts on the day, from the CMS."""
    async with bootstrap.cms_client() as cms:
        return await cms.free_slots(office_id, day)


class ValidateAppointmentForm(RequestForm):
    """Request 7: an office appointment (level 1)."""

    level = 1

    def name(self) -> Text:
        """Name of the validation action."""
        return f"validate_{FORM}"

    def fields(self) -> Sequence[Field]:
        """Office, day, time, what it is about."""
        return (
            Field(OFFICE, "Office", office, show=times.office_name),
            Field(DATE, "Day", lambda text: times.parse_day(text, times.office_now().date()),
                  show=times.long_day),
            Field(START, "Time", appointment_time, show=times.hhmm),
            Field(TOPIC, "About", partial(text_field, "topic"), free_text=True,
                  interruptible=False),
        )

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """Nothing while the answers are kept for a retry (the form ends)."""
        if offer_of(tracker).get("kept"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    def _field_validator(self, form_field: Field):
        custom = {DATE: self._validate_date, START: self._validate_start,
                  TOPIC: self._validate_topic}
        return custom.get(form_field.slot) or super()._field_validator(form_field)

    async def _validate_date(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        office_id, today = tracker.get_slot(OFFICE), times.office_now().date()
        try:
            day = appointment_date(times.parse_day(value, today), office_id, today)
        except ValidationError as error:
            if not answer_policy_question(dispatcher, tracker):
                say_invalid(dispatcher, error)
            return {DATE: None, START: None}
        try:
            free = await free_slots(office_id, day)
        except BackendError as error:
            logger.warning("Free slots look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_appointment_unavailable")
            return {DATE: None, START: None, OFFER: {"kept": True}}
        if not free:
            dispatcher.utter_message(response="utter_appointment_day_full",
                                     office=times.office_name(office_id), date=times.long_day(day))
            return {DATE: None, START: None}
        # A time kept from before stays only with its own day.
        start = str(tracker.get_slot(START) or "")
        kept = _CHOSEN.fullmatch(start) and times.local_time(start).date() == day
        return {DATE: day.isoformat(), **({} if kept else {START: None})}

    async def _validate_start(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text, offer = str(value or ""), offer_of(tracker)
        chosen_day = times.local_time(text).date().isoformat() if _CHOSEN.fullmatch(text) else None
        if chosen_day and chosen_day == tracker.get_slot(DATE):
            # A start chosen before, checked again when the form resumes; the
            # CMS says at booking if it went meanwhile.
            return {START: text}
        if _OTHER_DAY.search(text.casefold()):
            return {START: None, DATE: None, OFFER: None}
        try:
            start = times.pick_start(text, offer.get("shown") or [], offer.get("free") or [])
        except ValidationError as error:
            if not answer_policy_question(dispatcher, tracker):
                say_invalid(dispatcher, error)
            return {START: None}
        return {START: start}

    async def _validate_topic(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            topic = text_field("topic", value)
        except ValidationError as error:
            say_invalid(dispatcher, error)
            return {TOPIC: None}
        # Warn when it was just typed, not when the form checks a kept answer again.
        typed = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
        notice = times.interpreter_notice(topic, tracker.get_slot(DATE), times.office_now().date())
        if notice and not notice.in_time and typed == topic:
            dispatcher.utter_message(
                response="utter_appointment_interpreter_short_notice",
                interpreter=term("term_interpreter_sign_language") if notice.sign_language
                else term("term_interpreter"),
                days=notice.days, date=format_date(dt.date.fromisoformat(tracker.get_slot(DATE))),
                earliest=format_date(notice.earliest),
            )
            if notice.sign_language:
                dispatcher.utter_message(response="utter_appointment_video_sign_language")
        return {TOPIC: topic}

    async def validate_change_field(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Another office needs another day and time; another day another time."""
        result = await super().validate_change_field(value, dispatcher, tracker, domain)
        if OFFICE in result:
            result.update({DATE: None, START: None, OFFER: None})
        elif DATE in result:
            result.update({START: None, OFFER: None})
        return result

    def summary(self, tracker: Tracker) -> List[Any]:
        """The answers, and whether an interpreter is requested or cannot be promised."""
        parts = super().summary(tracker)
        notice = times.interpreter_notice(tracker.get_slot(TOPIC), tracker.get_slot(DATE),
                                    times.office_now().date())
        if notice:
            parts += ["\n- ", term("term_label_interpreter"), ": ",
                      term("term_interpreter_requested") if notice.in_time
                      else term("term_interpreter_not_promised", days=notice.days)]
        return parts


# --- actions ---------------------------------------------------------------------------


class ActionStartAppointment(Action):
    """Start afresh, or resume kept answers; an office named in the request is taken."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_start_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Reset the appointment answers, or keep them after a failed booking."""
        words = re.findall(r"[a-z]+", clean((tracker.latest_message or {}).get("text")).casefold())
        # Only an office's own name ("eastmere"): a looser match could misread the request.
        named = {word for word in words if word in OFFICES}
        office_id = named.pop() if len(named) == 1 else None
        if offer_of(tracker).get("kept"):
            events = [SlotSet(slot, None) for slot in (OFFER, "confirm", "change_field")]
            if office_id and office_id != tracker.get_slot(OFFICE):
                events += [SlotSet(OFFICE, office_id), SlotSet(DATE, None), SlotSet(START, None)]
            dispatcher.utter_message(response="utter_appointment_resumed")
            return events
        dispatcher.utter_message(response="utter_appointment_start")
        return [SlotSet(slot, None) for slot in _RESET] + (
            [SlotSet(OFFICE, office_id)] if office_id else []
        )


class ActionSubmitAppointment(Action):
    """Book the confirmed slot in the CMS, exactly once."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_submit_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Book, and tell the citizen where and when; or what went wrong."""
        reset = [SlotSet(slot, None) for slot in _RESET]
        if tracker.get_slot("confirm") is not True:
            if identity_locked(tracker):
                dispatcher.utter_message(response="utter_identity_locked")
                return reset
            # Kept answers stay for "book an appointment" again.
            return [] if offer_of(tracker).get("kept") else reset
        person_id = tracker.get_slot("person_id")
        if identity_level(tracker) < 1 or not person_id:
            # The check expired (15 minutes): check again, then the summary again.
            dispatcher.utter_message(response="utter_appointment_identity_again")
            return [SlotSet(s, None) for s in ("national_id", "date_of_birth", "confirm")] + [
                FollowupAction(FORM)]
        office_id, topic = tracker.get_slot(OFFICE), tracker.get_slot(TOPIC)
        if office_id not in OFFICES or not topic or not tracker.get_slot(START):
            dispatcher.utter_message(response="utter_appointment_failed")
            return reset
        start = parse_datetime(tracker.get_slot(START))
        key = idempotency_key(tracker.sender_id, office_id, format_datetime(start), person_id)
        when = {"time": times.hhmm(start), "date": times.long_day(times.local_time(start).date())}
        try:
            async with bootstrap.cms_client() as cms:
                booked, _ = await cms.book_appointment(
                    office_id, start, person_id, topic, idempotency_key=key)
        except SlotTaken:
            dispatcher.utter_message(response="utter_appointment_slot_taken", **when)
            return [SlotSet(START, None), SlotSet("confirm", None),
                    SlotSet(OFFER, {"after": format_datetime(start)}), FollowupAction(FORM)]
        except IdempotencyConflict:
            dispatcher.utter_message(response="utter_appointment_already_booked", **when)
            return reset
        except BackendRejected as error:
            logger.warning("CMS rejected an appointment: %s %s", error.status, error.code)
            dispatcher.utter_message(response="utter_appointment_failed")
            return reset
        except BackendError as error:
            # Unavailable, or an answer we could not read: it may have been
            # booked. The kept answers give the same key when confirmed again.
            logger.warning("Appointment not booked: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_appointment_unavailable")
            return [SlotSet("confirm", None), SlotSet(OFFER, {"kept": True})]
        place = OFFICES.get(booked.office_id) or OFFICES[office_id]
        day = times.local_time(booked.start).date()
        dispatcher.utter_message(
            response="utter_appointment_booked", office=term(f"term_office_{place.id}"),
            address=place.address,
            date=times.long_day(day), time=times.hhmm(booked.start),
            booking_number=booked.appointment_id,
        )
        notice = times.interpreter_notice(topic, day, times.office_now().date())
        if notice:
            dispatcher.utter_message(
                response="utter_appointment_interpreter_requested" if notice.in_time
                else "utter_appointment_interpreter_not_promised")
        return reset
