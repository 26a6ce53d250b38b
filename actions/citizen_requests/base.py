"""The shared shape of every request form (requests-in-chat.md).

- One question at a time: each `Field` is a slot filled from the citizen's
  text and checked by a validator of `actions.validation`; a wrong answer
  gets the validator's plain-language message and the question again.
- Identity first, only when the request needs it: national ID number and
  date of birth, checked by the CMS (level 1). The level is kept in the
  conversation with its time; a new conversation (15 minutes without a
  message) starts without it.
- A policy question in the middle is answered and the form goes on with the
  same question (`Field` and the shared answers: `questions.py`, re-exported
  here for the forms).
- A summary, then "1 Yes, send it 2 No, change something"; "2" lets the
  citizen pick the answer to change.
"""

from __future__ import annotations

import logging
import time
from abc import abstractmethod
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import bootstrap
from actions.citizen_requests import change_field
from actions.citizen_requests.questions import (
    TOPICS,
    YES_NO_TEXT,
    Field,
    answer_policy_question,
    looks_like_question,
    say_invalid,
    show_iso_date,
    shown,
)
from actions.notices import remember_conversation
from actions.validation import (
    ValidationError,
    date,
    format_date,
    mask,
    national_id,
    national_id_matches_birth_date,
    term,
    yes_no,
)
from clients.errors import BackendError

__all__ = [
    "Field",
    "RequestForm",
    "IDENTITY_SLOTS",
    "TOPICS",
    "identity_level",
    "previous_message_at",
    "channel_of",
    "answer_policy_question",
    "looks_like_question",
    "YES_NO_TEXT",
    "show_iso_date",
    "shown",
    "say_invalid",
]

logger = logging.getLogger(__name__)

IDENTITY_SLOTS = ("national_id", "date_of_birth")
MAX_IDENTITY_FAILURES = 3
IDENTITY_LOCK_SECONDS = 3600
# identity-and-privacy.md: a check lasts until the conversation ends, after
# 15 minutes without a message.
IDENTITY_VALID_SECONDS = 15 * 60

_CHANNELS = {"rest": "web", "socketio": "web", "webchat": "web", "telegram": "telegram",
             "sms": "sms", "twilio": "sms"}


def channel_of(tracker: Tracker) -> str:
    """The CMS channel name of the conversation's latest channel."""
    return _CHANNELS.get(tracker.get_latest_input_channel() or "", "other")


def identity_level(tracker: Tracker, now: Optional[float] = None) -> int:
    """The identity level verified in this conversation, 0 if none or expired.

    A check lasts until 15 minutes pass without a message: Rasa ends the
    conversation then, and this also holds within one (a message after a
    longer gap finds the check expired, however the gap came about).
    """
    level = int(tracker.get_slot("identity_level") or 0)
    checked_at = tracker.get_slot("identity_at")
    if not tracker.get_slot("person_id") or not checked_at:
        return 0
    last_seen = max(float(checked_at), previous_message_at(tracker) or 0.0)
    now = time.time() if now is None else now
    return 0 if now - last_seen > IDENTITY_VALID_SECONDS else level


def previous_message_at(tracker: Tracker) -> Optional[float]:
    """When the citizen wrote the message before the one being answered, if known."""
    times = [e.get("timestamp") for e in tracker.events if e.get("event") == "user"]
    times = [t for t in times if isinstance(t, (int, float))]
    return float(times[-2]) if len(times) >= 2 else None


def identity_locked(tracker: Tracker, now: Optional[float] = None) -> bool:
    """True for an hour after 3 failed identity checks."""
    until = tracker.get_slot("identity_locked_until") or 0
    return (time.time() if now is None else now) < float(until)


# The questions every form may ask besides its own fields.
_NATIONAL_ID = Field("national_id", "National ID number", national_id)
_DATE_OF_BIRTH = Field("date_of_birth", "Date of birth", date)
_CONFIRM = Field("confirm", "Correct", yes_no)


class RequestForm(FormValidationAction):
    """Validation of one request form; subclasses name the form and its fields."""

    level: int = 0
    # requests-in-chat.md: requests 1, 5 and 6 need many answers, so on SMS
    # the assistant sends the web chat link instead.
    web_only: bool = False

    @abstractmethod
    def name(self) -> Text:
        """`validate_<form name>`."""

    @abstractmethod
    def fields(self) -> Sequence[Field]:
        """The request's questions, in order."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Check the new answers; a paused request's kept answers are not checked twice.

        When this form is the paused one going on, its kept answers (checked
        when typed) pass as they are. When another request starts, the paused
        answers are deleted, so they never fill this form's questions.
        """
        from actions.citizen_requests import paused  # forms import this module

        paused_name = paused.paused_form(tracker)
        if paused_name is None:
            return await super().get_validation_events(dispatcher, tracker, domain)
        kept = set(paused.answer_slots(paused_name))
        events = await super().get_validation_events(
            dispatcher, paused.without_candidates(tracker, kept), domain
        )
        closing = paused.forget_paused_form(tracker, keep_answers=paused_name == self.form_name())
        return events + closing

    def active_fields(self, tracker: Tracker) -> List[Field]:
        """The fields that apply to this conversation."""
        return [f for f in self.fields() if f.when(tracker)]

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        """Identity if needed, the fields, then the confirmation."""
        if self.level and identity_locked(tracker):
            return []
        if (self.web_only and channel_of(tracker) == "sms") or tracker.get_slot("request_declined"):
            return []
        if self.level >= 2 and tracker.get_slot("level2_blocked"):
            return []
        slots: List[Text] = []
        if identity_level(tracker) < min(self.level, 1):
            slots += list(IDENTITY_SLOTS)
        if self.level >= 2 and identity_level(tracker) < 2:
            slots.append("otp_code")
        slots += [f.slot for f in self.active_fields(tracker)]
        if tracker.get_slot("confirm") is False:
            slots.append("change_field")
        slots.append("confirm")
        return slots

    def __getattr__(self, attribute: Text) -> Any:
        # rasa_sdk looks up `validate_<slot>` for every slot it validates.
        if attribute.startswith("validate_"):
            slot = attribute[len("validate_") :]
            for form_field in self.fields():
                if form_field.slot == slot:
                    return self._field_validator(form_field)
        raise AttributeError(attribute)

    def _field_validator(self, form_field: Field) -> Callable:
        async def validate(
            value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
        ) -> Dict[Text, Any]:
            text = value if isinstance(value, str) else str(value or "")
            asks_first = (
                form_field.free_text and form_field.interruptible and looks_like_question(text)
            )
            if asks_first and answer_policy_question(dispatcher, tracker):
                return {form_field.slot: None}
            try:
                value = (form_field.parse(text, tracker) if form_field.context
                         else form_field.parse(text))
            except ValidationError as error:
                if form_field.interruptible and not asks_first:
                    if answer_policy_question(dispatcher, tracker):
                        return {form_field.slot: None}
                say_invalid(dispatcher, error)
                return {form_field.slot: None}
            note = form_field.note(value)
            if isinstance(note, tuple):
                dispatcher.utter_message(response=note[0], **note[1])
            elif note:
                dispatcher.utter_message(response=note)
            return {**form_field.extra(text), form_field.slot: value}

        return validate

    # --- identity (level 1) ------------------------------------------------

    async def validate_national_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A national ID number with a valid check digit."""
        return await self._field_validator(_NATIONAL_ID)(value, dispatcher, tracker, domain)

    async def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A date of birth; with the ID number, checked by the CMS."""
        parsed = await self._field_validator(_DATE_OF_BIRTH)(value, dispatcher, tracker, domain)
        birth = parsed["date_of_birth"]
        if birth is None:
            return parsed
        nid = tracker.get_slot("national_id") or ""
        person = None
        if national_id_matches_birth_date(nid, birth):
            try:
                async with bootstrap.cms_client() as cms:
                    person = await cms.verify_identity(nid, birth)
            except BackendError as error:
                logger.warning("Identity check failed: %s", type(error).__name__)
                dispatcher.utter_message(response="utter_identity_unavailable")
                return {"national_id": None, "date_of_birth": None}
        if person is None:
            return self._identity_failed(dispatcher, tracker)
        # Where the CMS's proactive notices about this person go
        # (channels/cms_events.py). Never raises: a store error is logged.
        await remember_conversation(tracker, person.person_id)
        # Only the last 4 digits are shown; the number itself is kept for the
        # requests that must send it on (housing allowance), never shown.
        return {
            "national_id": mask(nid),
            "verified_national_id": nid,
            "verified_date_of_birth": birth.isoformat(),
            "date_of_birth": format_date(birth),
            "person_id": person.person_id,
            "identity_level": float(person.level),
            "identity_at": time.time(),
            "identity_failures": 0.0,
        }

    @staticmethod
    def _identity_failed(dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        failures = int(tracker.get_slot("identity_failures") or 0) + 1
        reset: Dict[Text, Any] = {"national_id": None, "date_of_birth": None}
        if failures >= MAX_IDENTITY_FAILURES:
            # The form ends here (no required slots while locked) and the
            # request's submit action tells the citizen.
            return {
                **reset,
                "identity_failures": 0.0,
                "identity_locked_until": time.time() + IDENTITY_LOCK_SECONDS,
            }
        # Never say which of the two did not match.
        dispatcher.utter_message(response="utter_identity_mismatch")
        return {**reset, "identity_failures": float(failures)}

    # --- identity (level 2): a one-time code by SMS ---------------------------

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The 6-digit code: level 2 when the CMS accepts it."""
        code = "".join(ch for ch in str(value or "") if ch.isdigit())
        otp_id = tracker.get_slot("otp_id")
        if len(code) != 6 or not otp_id:
            if not answer_policy_question(dispatcher, tracker):
                dispatcher.utter_message(response="utter_otp_format")
            return {"otp_code": None}
        try:
            async with bootstrap.cms_client() as cms:
                result = await cms.check_otp(otp_id, code)
        except BackendError as error:
            logger.warning("Code check failed: %s", type(error).__name__)
            dispatcher.utter_message(response="utter_identity_unavailable")
            return {"otp_code": None}
        if result.ok:
            return {"otp_code": "checked", "identity_level": 2.0, "identity_at": time.time()}
        if not (result.expired or result.locked):
            dispatcher.utter_message(response="utter_otp_wrong", attempts_left=result.attempts_left)
            return {"otp_code": None}
        # identity-and-privacy.md: one new code after an expired or failed one;
        # if that also fails, no level 2 in this conversation.
        if int(tracker.get_slot("otp_requests") or 0) < 2:
            dispatcher.utter_message(response="utter_otp_new_code")
            return {"otp_code": None, "otp_id": None}
        dispatcher.utter_message(response="utter_level2_failed")
        return {"otp_code": None, "otp_id": None, "level2_blocked": True}

    # --- summary, confirmation and changes -----------------------------------

    def summary(self, tracker: Tracker) -> List[Any]:
        """The citizen's answers, one per line: a response variable (labels are words).

        Each label is `term_label_<slot>` of texts.yml, so the summary is
        written in the language of the message it goes into.
        """
        parts: List[Any] = []
        for form_field in self.active_fields(tracker):
            value = form_field.show(tracker.get_slot(form_field.slot))
            parts += ["\n" if parts else "", "- ", term(f"term_label_{form_field.slot}"), ": ",
                      value if isinstance(value, (dict, list)) else str(value)]
        return parts

    async def validate_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """1 / yes sends the request; 2 / no asks what to change."""
        return await self._field_validator(_CONFIRM)(value, dispatcher, tracker, domain)

    async def validate_change_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """The number or name of the answer to change; empties it to ask again."""
        chosen = change_field.chosen(str(value or ""), self.active_fields(tracker), tracker)
        if chosen is None:
            dispatcher.utter_message(response="utter_change_field_unknown")
            return {"change_field": None}
        return {chosen.slot: None, "change_field": None, "confirm": None}
