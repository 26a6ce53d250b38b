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

The CMS speaks UTC; times are shown in office time, the zone of the setting
NSSA_OFFICE_TIMEZONE (else NSSA_CMS_TIMEZONE, else UTC).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import lru_cache, partial
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.api.errors import BackendError, BackendRejected, IdempotencyConflict, SlotTaken
from actions.api.http import format_datetime, idempotency_key, parse_datetime
from actions.citizen_requests.base import (
    Field,
    RequestForm,
    answer_policy_question,
    channel_of,
    identity_level,
    identity_locked,
)
from actions.validation import (
    OFFICES,
    ValidationError,
    add_working_days,
    appointment_date,
    appointment_time,
    bookable_dates,
    clean,
    format_date,
    next_working_day,
    office,
    text_field,
)
from actions.validation import date as parse_date
from bot.settings import SettingsSource

__all__ = [
    "ValidateAppointmentForm", "ActionStartAppointment", "ActionAskAppointmentDate",
    "ActionAskAppointmentStartTime", "ActionAskAppointmentConfirm",
    "ActionAskAppointmentChangeField", "ActionSubmitAppointment", "InterpreterNotice",
    "interpreter_notice", "parse_day", "pick_start", "office_zone", "office_now", "FORM",
    "SLOTS",
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
_SHOWN_SMS, _SHOWN_OTHER = 3, 6
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_OTHER_DAY = re.compile(r"\b(?:other|another|different|next|change)\s+(?:the\s+)?(?:day|date)\b")
_NUMBER = re.compile(r"(?:option|number|nr|no|#)?\s*([0-9]{1,2})\s*[.)]?")
_CHOSEN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_TIME_IN_TEXT = re.compile(
    r"[0-9]{1,2}\s*[:.h]\s*[0-9]{2}\s*(?:[ap]\.?m\.?)?|[0-9]{1,2}\s*[ap]\.?m\.?"
)


# --- office time -------------------------------------------------------------


def _zone(value: str) -> dt.tzinfo:
    name = value.strip()
    if name.upper() == "UTC":
        return dt.timezone.utc
    if name.lower() == "local":
        return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not a time zone name such as UTC or Europe/Oslo") from None


@lru_cache(maxsize=1)
def office_zone() -> dt.tzinfo:
    """The offices' time zone (slots run 09:00-15:40 in it)."""
    source = SettingsSource.from_environment()
    key = "NSSA_OFFICE_TIMEZONE" if source.raw("NSSA_OFFICE_TIMEZONE") else "NSSA_CMS_TIMEZONE"
    return source.get(key, _zone, default="UTC")


def office_now() -> dt.datetime:
    """The current time in office time (tests replace it)."""
    return dt.datetime.now(office_zone())


def _local(start: Any) -> dt.datetime:
    moment = start if isinstance(start, dt.datetime) else parse_datetime(str(start))
    return moment.astimezone(office_zone())


def _hhmm(start: Any) -> Text:
    return _local(start).strftime("%H:%M")


def _long_day(day: Any) -> Text:
    value = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    return f"{_DAY_NAMES[value.weekday()]} {format_date(value)}"


def _office_name(office_id: Any) -> Text:
    return OFFICES[office_id].name if office_id in OFFICES else str(office_id)


# --- the day -------------------------------------------------------------------


def parse_day(text: Any, today: dt.date) -> dt.date:
    """A day typed in chat; also "monday" and "3 December" (the next such day)."""
    try:
        return parse_date(text, today)
    except ValidationError:
        guess = _day_without_year(str(text or ""), today)
        if guess is None:
            raise
        return guess


def _day_without_year(text: str, today: dt.date) -> Optional[dt.date]:
    fillers = {"the", "of", "on", "in", "next", "this", "coming", "please", "pls", "at", "for"}
    words = re.split(r"[\s,./\-]+", clean(text).casefold().strip(" .!?"))
    tokens = [re.sub(r"^([0-9]{1,2})(?:st|nd|rd|th)$", r"\1", w) for w in words if w]
    tokens = [t for t in tokens if t not in fillers]
    weekdays, months, digits = [], [], []
    for token in tokens:
        prefix = len(token) >= 3 and token.isalpha()
        weekday = next(
            (i for i, n in enumerate(_DAY_NAMES) if prefix and n.lower().startswith(token)), None
        )
        month = next((i for i, n in enumerate(_MONTHS, 1) if prefix and n.startswith(token)), None)
        if weekday is not None:
            weekdays.append(weekday)
        elif month is not None:
            months.append(month)
        elif token.isdigit() and len(token) <= 2:
            digits.append(int(token))
        else:
            return None
    if len(weekdays) > 1:
        return None
    if weekdays and not months and not digits:
        return today + dt.timedelta(days=(weekdays[0] - today.weekday() - 1) % 7 + 1)
    if len(months) == 1 and len(digits) == 1:
        day, month = digits[0], months[0]
    elif not months and len(digits) == 2:
        day, month = digits
    else:
        return None
    try:
        found = dt.date(today.year, month, day)
        if found < today:
            found = dt.date(today.year + 1, month, day)
    except ValueError:
        return None
    if weekdays and weekdays[0] != found.weekday():
        raise ValidationError(f"{format_date(found)} is a {_DAY_NAMES[found.weekday()]}. "
                              "Please check the date and type it again.")
    return found


# --- interpreters ----------------------------------------------------------------

_SIGN = re.compile(r"\bsign(?:ed|ing)?[\s-]*language|\bsigners?\b|\bnsl\b", re.I)
_INTERPRETER = re.compile(r"\binterpret|\btranslat", re.I)
_NOT_NEEDED = re.compile(r"\b(?:no|without|(?:do\s*n[o']?t|dont|not)\s+need)\s+(?:an?\s+)?"
                         r"(?:interpret|translat|sign)", re.I)


class InterpreterNotice(NamedTuple):
    """An interpreter asked for in the topic, and whether the notice is long enough."""

    sign_language: bool
    days: int
    earliest: dt.date
    in_time: bool


def interpreter_notice(topic: Any, day: Any, today: dt.date) -> Optional[InterpreterNotice]:
    """3 working days' notice for an interpreter, 5 for sign language; None if none asked."""
    text = str(topic or "")
    if not day or _NOT_NEEDED.search(text):
        return None
    sign = bool(_SIGN.search(text))
    if not sign and not _INTERPRETER.search(text):
        return None
    days = 5 if sign else 3
    earliest = add_working_days(today, days)
    when = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    return InterpreterNotice(sign, days, earliest, when >= earliest)


# --- the form ------------------------------------------------------------------------


def _offer(tracker: Tracker) -> Dict[Text, Any]:
    value = tracker.get_slot(OFFER)
    return value if isinstance(value, dict) else {}


async def _free_slots(office_id: Text, day: Any) -> List[dt.datetime]:
    async with bootstrap.cms_client() as cms:
        return await cms.free_slots(office_id, day)


def pick_start(text: Any, shown: Sequence[Text], free: Sequence[Text]) -> Text:
    """The chosen free start (RFC 3339): a number of the list shown, or a time."""
    if clean(text) in free:
        return clean(text)
    value = clean(text).casefold()
    number = _NUMBER.fullmatch(value)
    if number and 1 <= int(number.group(1)) <= len(shown):
        return shown[int(number.group(1)) - 1]
    try:
        wanted = appointment_time(value)
    except ValidationError:
        found = _TIME_IN_TEXT.search(value)
        if not found:
            raise
        wanted = appointment_time(found.group(0))
    for start in free:
        if _hhmm(start) == wanted:
            return start
    raise ValidationError(f"{wanted} is not free on that day. Please choose one of the free times.")


class ValidateAppointmentForm(RequestForm):
    """Request 7: an office appointment (level 1)."""

    level = 1

    def name(self) -> Text:
        """Name of the validation action."""
        return f"validate_{FORM}"

    def fields(self) -> Sequence[Field]:
        """Office, day, time, what it is about."""
        return (
            Field(OFFICE, "Office", office, show=_office_name),
            Field(DATE, "Day", lambda text: parse_day(text, office_now().date()), show=_long_day),
            Field(START, "Time", appointment_time, show=_hhmm),
            Field(TOPIC, "About", partial(text_field, "topic"), free_text=True,
                  interruptible=False),
        )

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """Nothing while the answers are kept for a retry (the form ends)."""
        if _offer(tracker).get("kept"):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    def _field_validator(self, form_field: Field):
        custom = {DATE: self._validate_date, START: self._validate_start,
                  TOPIC: self._validate_topic}
        return custom.get(form_field.slot) or super()._field_validator(form_field)

    async def _validate_date(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        office_id, today = tracker.get_slot(OFFICE), office_now().date()
        try:
            day = appointment_date(parse_day(value, today), office_id, today)
        except ValidationError as error:
            if not answer_policy_question(dispatcher, tracker):
                dispatcher.utter_message(text=error.message)
            return {DATE: None, START: None}
        try:
            free = await _free_slots(office_id, day)
        except BackendError as error:
            logger.warning("Free slots look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_appointment_unavailable")
            return {DATE: None, START: None, OFFER: {"kept": True}}
        if not free:
            dispatcher.utter_message(response="utter_appointment_day_full",
                                     office=_office_name(office_id), date=_long_day(day))
            return {DATE: None, START: None}
        # A time kept from before stays only with its own day.
        start = str(tracker.get_slot(START) or "")
        kept = _CHOSEN.fullmatch(start) and _local(start).date() == day
        return {DATE: day.isoformat(), **({} if kept else {START: None})}

    async def _validate_start(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        text, offer = str(value or ""), _offer(tracker)
        if _CHOSEN.fullmatch(text) and _local(text).date().isoformat() == tracker.get_slot(DATE):
            # A start chosen before, checked again when the form resumes; the
            # CMS says at booking if it went meanwhile.
            return {START: text}
        if _OTHER_DAY.search(text.casefold()):
            return {START: None, DATE: None, OFFER: None}
        try:
            start = pick_start(text, offer.get("shown") or [], offer.get("free") or [])
        except ValidationError as error:
            if not answer_policy_question(dispatcher, tracker):
                dispatcher.utter_message(text=error.message)
            return {START: None}
        return {START: start}

    async def _validate_topic(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        try:
            topic = text_field("topic", value)
        except ValidationError as error:
            dispatcher.utter_message(text=error.message)
            return {TOPIC: None}
        # Warn when it was just typed, not when the form checks a kept answer again.
        typed = " ".join(str((tracker.latest_message or {}).get("text") or "").split())
        notice = interpreter_notice(topic, tracker.get_slot(DATE), office_now().date())
        if notice and not notice.in_time and typed == topic:
            dispatcher.utter_message(
                response="utter_appointment_interpreter_short_notice",
                interpreter="A sign-language interpreter" if notice.sign_language
                else "An interpreter",
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

    def summary(self, tracker: Tracker) -> Text:
        """The answers, and whether an interpreter is requested or cannot be promised."""
        text = super().summary(tracker)
        notice = interpreter_notice(tracker.get_slot(TOPIC), tracker.get_slot(DATE),
                                    office_now().date())
        if notice:
            text += "\n- Interpreter: " + (
                "requested" if notice.in_time
                else f"not promised (less than {notice.days} working days' notice)"
            )
        return text


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
        if _offer(tracker).get("kept"):
            events = [SlotSet(slot, None) for slot in (OFFER, "confirm", "change_field")]
            if office_id and office_id != tracker.get_slot(OFFICE):
                events += [SlotSet(OFFICE, office_id), SlotSet(DATE, None), SlotSet(START, None)]
            dispatcher.utter_message(response="utter_appointment_resumed")
            return events
        dispatcher.utter_message(response="utter_appointment_start")
        return [SlotSet(slot, None) for slot in _RESET] + (
            [SlotSet(OFFICE, office_id)] if office_id else []
        )


class ActionAskAppointmentDate(Action):
    """Ask for the day, with the days and dates that can be booked."""

    def name(self) -> Text:
        """Name of the action."""
        return "action_ask_appointment_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Send the question for the chosen office."""
        office_id, today = tracker.get_slot(OFFICE), office_now().date()
        days = bookable_dates(office_id, today) if office_id in OFFICES else []
        first, last = (days[0], days[-1]) if days else (next_working_day(today), today)
        weekdays = OFFICES[office_id].weekdays if office_id in OFFICES else (0, 4)
        dispatcher.utter_message(
            response="utter_ask_appointment_date", office=_office_name(office_id),
            days=f"{_DAY_NAMES[weekdays[0]]} to {_DAY_NAMES[weekdays[-1]]}",
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
        office_id, day, offer = tracker.get_slot(OFFICE), tracker.get_slot(DATE), _offer(tracker)
        try:
            free = await _free_slots(office_id, day)
        except BackendError as error:
            logger.warning("Free slots look-up failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_appointment_unavailable")
            return [SlotSet(OFFER, {"kept": True}), SlotSet("requested_slot", None)]
        names = {"office": _office_name(office_id), "date": _long_day(day)}
        if not free:
            dispatcher.utter_message(response="utter_appointment_day_full", **names)
            return [SlotSet(DATE, None), SlotSet(OFFER, None),
                    *await ActionAskAppointmentDate().run(dispatcher, tracker, domain),
                    SlotSet("requested_slot", DATE)]
        after = parse_datetime(offer["after"]) if offer.get("after") else None
        later = [start for start in free if after and start > after]
        sms = channel_of(tracker) == "sms"
        shown = [format_datetime(s) for s in (later or free)[: _SHOWN_SMS if sms else _SHOWN_OTHER]]
        times = " ".join(f"{i} {_hhmm(s)}" for i, s in enumerate(shown, 1))
        buttons = [] if sms else [{"title": _hhmm(s), "payload": _hhmm(s)} for s in shown]
        dispatcher.utter_message(response="utter_ask_appointment_start_time", times=times,
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
        labels = [f.label for f in ValidateAppointmentForm().active_fields(tracker)]
        buttons = [{"title": label, "payload": str(i)} for i, label in enumerate(labels, 1)]
        dispatcher.utter_message(response="utter_ask_change_field", buttons=buttons)
        return []


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
            return [] if _offer(tracker).get("kept") else reset
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
        when = {"time": _hhmm(start), "date": _long_day(_local(start).date())}
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
        dispatcher.utter_message(
            response="utter_appointment_booked", office=place.name, address=place.address,
            date=_long_day(_local(booked.start).date()), time=_hhmm(booked.start),
            booking_number=booked.appointment_id,
        )
        notice = interpreter_notice(topic, _local(booked.start).date(), office_now().date())
        if notice:
            dispatcher.utter_message(
                response="utter_appointment_interpreter_requested" if notice.in_time
                else "utter_appointment_interpreter_not_promised")
        return reset
