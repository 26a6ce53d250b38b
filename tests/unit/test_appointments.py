"""Request 7, an office appointment: recorded trackers and a fake CMS on MockTransport."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests import appointment_questions, appointment_times, appointments
from actions.citizen_requests.appointment_questions import (
    ActionAskAppointmentChangeField,
    ActionAskAppointmentConfirm,
    ActionAskAppointmentDate,
    ActionAskAppointmentStartTime,
)
from actions.citizen_requests.appointments import (
    DATE,
    OFFER,
    OFFICE,
    START,
    TOPIC,
    ActionStartAppointment,
    ActionSubmitAppointment,
    ValidateAppointmentForm,
    interpreter_notice,
    parse_day,
    pick_start,
)
from bot.content import load_content
from bot.settings import PROJECT_ROOT
from clients.cms import CmsClient
from clients.http import RetryPolicy, idempotency_key
from tests.english import english, said

UTC = dt.timezone.utc
# Wednesday 25 November 2026, 10:00 office time.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
VERIFIED = {"person_id": "P-1001", "identity_level": 1.0, "national_id": "*******2345"}
FULL_DAY = [f"2026-12-01T{h:02d}:{m:02d}:00Z" for h in range(9, 16) for m in (0, 20, 40)]
BOOKED = {
    **VERIFIED,
    OFFICE: "eastmere",
    DATE: "2026-12-01",
    START: "2026-12-01T09:20:00Z",
    TOPIC: "my pension application",
    "confirm": True,
}


def tracker(slots: Optional[Dict[str, Any]] = None, text: str = "x", channel: str = "rest",
            intent: str = "inform") -> Tracker:
    slots = dict(slots or {})
    if "person_id" in slots:
        slots.setdefault("identity_at", time.time())
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}}
    user = {"event": "user", "text": text, "parse_data": latest, "input_channel": channel}
    return Tracker(
        sender_id="citizen-7", slots=slots, latest_message=latest, events=[user],
        paused=False, followup_action=None, active_loop={"name": "appointment_form"},
        latest_action_name="action_listen",
    )


class FakeCms:
    """Identity, free slots and bookings; records every request."""

    def __init__(self) -> None:
        self.requests: List[httpx.Request] = []
        self.free: Dict[tuple, List[str]] = {("eastmere", "2026-12-01"): list(FULL_DAY)}
        self.booked: Dict[str, Dict[str, Any]] = {}
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            return httpx.Response(503, json={"code": "unavailable", "message": "down"},
                                  headers={"Retry-After": "0"})
        path = request.url.path
        if path == "/v1/identity/verify":
            body = json.loads(request.content)
            if (body["national_id"], body["date_of_birth"]) == ("85031212345", "1985-03-12"):
                return httpx.Response(200, json={"person_id": "P-1001", "level": 1})
            return httpx.Response(404, json={"code": "not_found", "message": "no match"})
        match = re.fullmatch(r"/v1/offices/(\w+)/slots", path)
        if match:
            starts = self.free.get((match.group(1), request.url.params["date"]), [])
            # Out of order on purpose: the client sorts.
            return httpx.Response(200, json=[{"start": s} for s in reversed(starts)])
        if path == "/v1/appointments":
            return self._book(request)
        return httpx.Response(404, json={"code": "not_found", "message": path})

    def _book(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        key = request.headers["Idempotency-Key"]
        if key in self.booked:
            return httpx.Response(200, json=self.booked[key])
        free = self.free.get((body["office_id"], body["start"][:10]), [])
        if body["start"] not in free:
            later = [s for s in free if s > body["start"]][:3]
            return httpx.Response(409, json={"code": "slot_taken", "message": "gone",
                                             "details": {"next_free": later}})
        free.remove(body["start"])
        self.booked[key] = {"appointment_id": f"APT-{len(self.booked) + 1:06d}",
                            "office_id": body["office_id"], "start": body["start"]}
        return httpx.Response(201, json=self.booked[key])

    def bookings(self) -> List[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/v1/appointments"]

    def client(self) -> CmsClient:
        return CmsClient("http://cms.test", "token", transport=httpx.MockTransport(self.handler),
                         retry=RetryPolicy(max_attempts=2, base_delay=0, max_delay=0),
                         sleep=_no_sleep)


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.fixture(autouse=True)
def office_time(monkeypatch):
    monkeypatch.setattr(appointment_times, "office_now", lambda: NOW)
    monkeypatch.setattr(appointment_times, "office_zone", lambda: UTC)


@pytest.fixture
def cms(monkeypatch):
    fake = FakeCms()
    bootstrap.use_factories(cms=fake.client)

    def no_outbox():
        raise AssertionError("appointments never go to the outbox")

    monkeypatch.setattr(bootstrap, "outbox", no_outbox)
    yield fake
    bootstrap.use_factories()


async def validate(slot: str, value: Any, t: Tracker):
    dispatcher = CollectingDispatcher()
    result = await getattr(ValidateAppointmentForm(), f"validate_{slot}")(value, dispatcher, t, {})
    return result, dispatcher.messages


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return events, dispatcher.messages


# --- questions and their order -------------------------------------------------------


async def test_identity_first_then_office_day_time_topic_and_confirm() -> None:
    form = ValidateAppointmentForm()
    slots = await form.required_slots([], CollectingDispatcher(), tracker(), {})
    assert slots == ["national_id", "date_of_birth", OFFICE, DATE, START, TOPIC, "confirm"]
    verified = await form.required_slots([], CollectingDispatcher(), tracker(VERIFIED), {})
    assert verified == [OFFICE, DATE, START, TOPIC, "confirm"]


async def test_identity_is_checked_by_the_cms(cms) -> None:
    t = tracker({"national_id": "85031212345"})
    result, _ = await validate("date_of_birth", "12.03.1985", t)
    assert result["person_id"] == "P-1001" and result["national_id"] == "*******2345"


@pytest.mark.parametrize("answer,office_id", [
    ("2", "eastmere"), ("the eastmere office please", "eastmere"), ("Highmor", "highmoor"),
    ("northhaven central", "northhaven"),
])
async def test_office_by_number_or_name(answer, office_id) -> None:
    assert (await validate(OFFICE, answer, tracker(VERIFIED)))[0] == {OFFICE: office_id}


async def test_unknown_office_is_asked_again() -> None:
    result, messages = await validate(OFFICE, "atlantis", tracker(VERIFIED))
    assert result == {OFFICE: None} and "1 Northhaven Central" in said(messages[0])


async def test_day_question_names_the_open_days_and_dates() -> None:
    _, messages = await run(ActionAskAppointmentDate(), tracker({**VERIFIED, OFFICE: "highmoor"}))
    assert messages[0]["response"] == "utter_ask_appointment_date"
    assert english(messages[0]["days"]) == "Monday to Thursday"
    assert (messages[0]["first"], messages[0]["last"]) == ("26.11.2026", "23.12.2026")


@pytest.mark.parametrize("answer,office_id,message", [
    ("27.11.2026", "highmoor", "no appointments on Fridays"),
    ("25.11.2026", "eastmere", "from 26.11.2026 to 25.12.2026"),
    ("28.12.2026", "eastmere", "from 26.11.2026 to 25.12.2026"),
    ("24.12.2026", "westfjord", "public holiday (Christmas Eve)"),
    ("28.11.2026", "eastmere", "closed on Saturdays and Sundays"),
])
async def test_day_must_be_bookable(answer, office_id, message, cms) -> None:
    result, messages = await validate(DATE, answer, tracker({**VERIFIED, OFFICE: office_id}))
    assert result == {DATE: None, START: None} and message in said(messages[0])
    assert not cms.requests


async def test_day_with_free_slots_is_taken(cms) -> None:
    result, messages = await validate(DATE, "1 December", tracker({**VERIFIED, OFFICE: "eastmere"}))
    assert result == {DATE: "2026-12-01", START: None} and messages == []


async def test_full_day_is_said_and_another_day_asked(cms) -> None:
    result, messages = await validate(DATE, "02.12.2026", tracker({**VERIFIED, OFFICE: "eastmere"}))
    assert result == {DATE: None, START: None}
    assert messages[0]["response"] == "utter_appointment_day_full"
    assert english(messages[0]["date"]) == "Wednesday 02.12.2026"


async def test_cms_down_at_the_day_keeps_the_answers_and_ends_the_form(cms) -> None:
    cms.down = True
    t = tracker({**VERIFIED, OFFICE: "eastmere"})
    result, messages = await validate(DATE, "01.12.2026", t)
    assert messages[0]["response"] == "utter_appointment_unavailable"
    assert result == {DATE: None, START: None, OFFER: {"kept": True}}
    kept = tracker({**VERIFIED, OFFICE: "eastmere", OFFER: {"kept": True}})
    form = ValidateAppointmentForm()
    assert await form.required_slots([], CollectingDispatcher(), kept, {}) == []


@pytest.mark.parametrize("text,expected", [
    ("01.12.2026", dt.date(2026, 12, 1)),
    ("1st of december", dt.date(2026, 12, 1)),
    ("tuesday 1 dec", dt.date(2026, 12, 1)),
    ("3/12", dt.date(2026, 12, 3)),
    ("monday", dt.date(2026, 11, 30)),
    ("next wednesday", dt.date(2026, 12, 2)),
    ("5 january", dt.date(2027, 1, 5)),
    ("tomorrow", dt.date(2026, 11, 26)),
])
def test_days_without_a_year(text, expected) -> None:
    assert parse_day(text, TODAY) == expected


def test_day_and_weekday_must_agree() -> None:
    with pytest.raises(ValueError, match="01.12.2026 is a Tuesday"):
        parse_day("monday 1 december", TODAY)


# --- the time -------------------------------------------------------------------------


async def test_sms_offers_at_most_three_times_as_a_numbered_list(cms) -> None:
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-01"}, channel="sms")
    events, messages = await run(ActionAskAppointmentStartTime(), t)
    assert messages[0]["response"] == "utter_ask_appointment_start_time"
    assert messages[0]["times"] == "1 09:00 2 09:20 3 09:40"
    assert messages[0]["buttons"] == []
    [state] = [e["value"] for e in events if e["name"] == OFFER]
    assert state["shown"] == FULL_DAY[:3] and state["free"] == FULL_DAY


async def test_web_offers_six_times_as_buttons_earliest_first(cms) -> None:
    cms.free[("eastmere", "2026-12-01")].remove("2026-12-01T09:00:00Z")
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-01"})
    events, messages = await run(ActionAskAppointmentStartTime(), t)
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["09:20", "09:40", "10:00", "10:20", "10:40", "11:00"]
    assert (english(messages[0]["office"]), english(messages[0]["date"])) == (
        "Eastmere Office", "Tuesday 01.12.2026")


async def test_a_day_that_filled_up_asks_for_another_day(cms) -> None:
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-02"})
    events, messages = await run(ActionAskAppointmentStartTime(), t)
    assert [m["response"] for m in messages] == [
        "utter_appointment_day_full", "utter_ask_appointment_date"]
    assert SlotSet(DATE, None) in events and events[-1] == SlotSet("requested_slot", DATE)


async def test_times_are_shown_in_office_time(cms, monkeypatch) -> None:
    monkeypatch.setattr(appointment_times, "office_zone",
                        lambda: dt.timezone(dt.timedelta(hours=1)))
    cms.free[("eastmere", "2026-12-01")] = ["2026-12-01T08:00:00Z", "2026-12-01T08:20:00Z"]
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-01"})
    _, messages = await run(ActionAskAppointmentStartTime(), t)
    assert messages[0]["times"] == "1 09:00 2 09:20"


@pytest.mark.parametrize("office, day", [
    ("", "2026-12-01"), (None, "2026-12-01"), ({"id": 1}, "2026-12-01"),
    ("eastmere", None), ("eastmere", "not a day"), ("eastmere", ["2026-12-01"]),
])
async def test_times_asked_for_without_an_office_or_a_day_are_answered_not_a_crash(
    cms, office, day
) -> None:
    # Found by the fuzz suite (tests/fuzz): the action raised, the action server answered 500.
    t = tracker({**VERIFIED, OFFICE: office, DATE: day})
    events, messages = await run(ActionAskAppointmentStartTime(), t)
    assert [m["response"] for m in messages] == ["utter_appointment_unavailable"]
    assert events[-1] == SlotSet("requested_slot", None)
    assert cms.requests == []


OFFERED = {"shown": FULL_DAY[:3], "free": FULL_DAY[:3] + FULL_DAY[17:]}


@pytest.mark.parametrize("answer,start", [
    ("2", FULL_DAY[1]), ("number 3", FULL_DAY[2]), ("9:20", FULL_DAY[1]),
    ("14:40 please", "2026-12-01T14:40:00Z"), ("3.40pm", "2026-12-01T15:40:00Z"),
])
def test_time_by_number_or_time(answer, start) -> None:
    assert pick_start(answer, OFFERED["shown"], OFFERED["free"]) == start


async def test_a_time_that_is_not_free_is_asked_again() -> None:
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-01", OFFER: OFFERED})
    result, messages = await validate(START, "10:00", t)
    assert result == {START: None}
    assert said(messages[0]) == (
        "10:00 is not free on that day. Please choose one of the free times.")
    result, messages = await validate(START, "10:05", t)
    assert "every 20 minutes" in said(messages[0])


async def test_other_day_goes_back_to_the_day() -> None:
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-12-01", OFFER: OFFERED})
    result, _ = await validate(START, "another day please", t)
    assert result == {START: None, DATE: None, OFFER: None}


# --- the topic and interpreters ------------------------------------------------------------


@pytest.mark.parametrize("topic,day,in_time,days", [
    ("I need a Polish interpreter", "2026-11-30", True, 3),
    ("I need a Polish interpreter", "2026-11-27", False, 3),
    ("pension, Arabic translator please", "2026-11-27", False, 3),
    ("I am deaf and need sign language", "2026-12-01", False, 5),
    ("sign-language interpreter please", "2026-12-02", True, 5),
])
def test_interpreter_notice(topic, day, in_time, days) -> None:
    notice = interpreter_notice(topic, day, TODAY)
    assert notice is not None and (notice.in_time, notice.days) == (in_time, days)


@pytest.mark.parametrize("topic", ["my pension", "I don't need an interpreter", "no translator"])
def test_no_interpreter_asked(topic) -> None:
    assert interpreter_notice(topic, "2026-11-27", TODAY) is None


async def test_short_notice_for_an_interpreter_is_said_and_the_topic_kept() -> None:
    topic = "my pension, I need an Arabic interpreter"
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-11-27"}, text=topic)
    result, messages = await validate(TOPIC, topic, t)
    assert result == {TOPIC: topic}
    [message] = messages
    assert message["response"] == "utter_appointment_interpreter_short_notice"
    assert (message["days"], message["earliest"]) == (3, "30.11.2026")


async def test_short_notice_for_sign_language_mentions_video_interpreting() -> None:
    topic = "benefit question, I need a sign language interpreter"
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-11-30"}, text=topic)
    _, messages = await validate(TOPIC, topic, t)
    assert [m["response"] for m in messages] == [
        "utter_appointment_interpreter_short_notice", "utter_appointment_video_sign_language"]
    assert english(messages[0]["interpreter"]) == "A sign-language interpreter"
    assert messages[0]["earliest"] == "02.12.2026"


async def test_a_kept_topic_is_not_warned_about_again() -> None:
    topic = "I need an Arabic interpreter"
    t = tracker({**VERIFIED, OFFICE: "eastmere", DATE: "2026-11-27"}, text="1")
    assert (await validate(TOPIC, topic, t))[1] == []


async def test_topic_length() -> None:
    result, messages = await validate(TOPIC, "x" * 201, tracker(VERIFIED, text="x" * 201))
    assert result == {TOPIC: None} and "at most 200" in said(messages[0])


# --- summary and changes ------------------------------------------------------------------


async def test_summary_shows_the_answers_and_the_interpreter() -> None:
    slots = {**BOOKED, "confirm": None, TOPIC: "pension, Polish interpreter", DATE: "2026-11-27",
             START: "2026-11-27T09:20:00Z"}
    _, messages = await run(ActionAskAppointmentConfirm(), tracker(slots))
    assert messages[0]["response"] == "utter_confirm_request"
    assert english(messages[0]["summary"]) == (
        "- Office: Eastmere Office\n- Day: Friday 27.11.2026\n- Time: 09:20\n"
        "- About: pension, Polish interpreter\n"
        "- Interpreter: not promised (less than 3 working days' notice)"
    )


async def test_change_lists_the_answers() -> None:
    _, messages = await run(ActionAskAppointmentChangeField(), tracker(BOOKED))
    assert [b["title"] for b in messages[0]["buttons"]] == ["Office", "Day", "Time", "About"]


@pytest.mark.parametrize("answer,cleared", [
    ("1", {OFFICE, DATE, START, OFFER}), ("day", {DATE, START, OFFER}), ("3", {START}),
    ("4", {TOPIC}),
])
async def test_changing_the_office_or_day_asks_the_time_again(answer, cleared) -> None:
    result, _ = await validate("change_field", answer, tracker(BOOKED))
    assert {k for k, v in result.items() if v is None} - {"change_field", "confirm"} == cleared


# --- start ---------------------------------------------------------------------------------


async def test_start_takes_an_office_named_in_the_request_and_forgets_old_answers() -> None:
    t = tracker({**BOOKED, "confirm": None}, text="i need an appointment at the eastmere office")
    events, messages = await run(ActionStartAppointment(), t)
    assert messages[0]["response"] == "utter_appointment_start"
    assert SlotSet(TOPIC, None) in events and SlotSet(START, None) in events
    assert events[-1] == SlotSet(OFFICE, "eastmere")


async def test_start_resumes_answers_kept_while_the_cms_was_down() -> None:
    kept = {**BOOKED, "confirm": None, OFFER: {"kept": True}}
    t = tracker(kept, text="book an appointment")
    events, messages = await run(ActionStartAppointment(), t)
    assert messages[0]["response"] == "utter_appointment_resumed"
    assert SlotSet(OFFER, None) in events
    assert not any(e["name"] in (OFFICE, DATE, TOPIC) for e in events)


# --- submit --------------------------------------------------------------------------------


async def test_booking_tells_where_when_and_the_booking_number(cms) -> None:
    events, messages = await run(ActionSubmitAppointment(), tracker(BOOKED))
    [request] = cms.bookings()
    assert json.loads(request.content) == {
        "office_id": "eastmere", "start": "2026-12-01T09:20:00Z", "person_id": "P-1001",
        "topic": "my pension application"}
    assert request.headers["Idempotency-Key"] == idempotency_key(
        "citizen-7", "eastmere", "2026-12-01T09:20:00Z", "P-1001")
    [message] = messages
    assert message["response"] == "utter_appointment_booked"
    assert (english(message["office"]), message["address"]) == (
        "Eastmere Office", "4 Market Square, 2040 Eastmere")
    assert (english(message["date"]), message["time"], message["booking_number"]) == (
        "Tuesday 01.12.2026", "09:20", "APT-000001")
    assert SlotSet(START, None) in events and SlotSet("confirm", None) in events


async def test_a_retry_never_books_twice(cms) -> None:
    numbers = []
    for _ in range(2):
        _, messages = await run(ActionSubmitAppointment(), tracker(BOOKED))
        numbers.append(messages[0]["booking_number"])
    keys = {r.headers["Idempotency-Key"] for r in cms.bookings()}
    assert numbers == ["APT-000001", "APT-000001"] and len(keys) == 1 and len(cms.booked) == 1


async def test_a_requested_interpreter_is_confirmed(cms) -> None:
    slots = {**BOOKED, TOPIC: "pension; I need a Polish interpreter"}
    _, messages = await run(ActionSubmitAppointment(), tracker(slots))
    assert messages[-1]["response"] == "utter_appointment_interpreter_requested"


async def test_a_slot_taken_meanwhile_offers_the_next_free_ones(cms) -> None:
    cms.free[("eastmere", "2026-12-01")].remove("2026-12-01T09:20:00Z")
    events, messages = await run(ActionSubmitAppointment(), tracker(BOOKED))
    assert messages[0]["response"] == "utter_appointment_slot_taken"
    assert (messages[0]["time"], english(messages[0]["date"])) == ("09:20", "Tuesday 01.12.2026")
    assert SlotSet(START, None) in events and SlotSet("confirm", None) in events
    assert events[-1] == FollowupAction("appointment_form")
    [after] = [e["value"] for e in events if e["name"] == OFFER]
    # The form asks for the time again: the free ones after the taken slot.
    t = tracker({**BOOKED, START: None, "confirm": None, OFFER: after})
    _, messages = await run(ActionAskAppointmentStartTime(), t)
    assert messages[0]["times"].startswith("1 09:40 2 10:00")


async def test_cms_down_says_so_and_keeps_the_answers_without_the_outbox(cms) -> None:
    cms.down = True
    events, messages = await run(ActionSubmitAppointment(), tracker(BOOKED))
    assert messages[0]["response"] == "utter_appointment_unavailable"
    assert events == [SlotSet("confirm", None), SlotSet(OFFER, {"kept": True})]
    # The form ended without a confirmation: the kept answers stay.
    kept = tracker({**BOOKED, "confirm": None, OFFER: {"kept": True}})
    assert (await run(ActionSubmitAppointment(), kept))[0] == []


async def test_after_the_cms_was_down_the_same_answers_give_the_same_key(cms) -> None:
    cms.down = True
    await run(ActionSubmitAppointment(), tracker(BOOKED))
    cms.down = False
    kept = {**BOOKED, "confirm": None, OFFER: {"kept": True}}
    events, _ = await run(ActionStartAppointment(), tracker(kept, text="book an appointment"))
    assert not any(e["name"] in (OFFICE, DATE, START, TOPIC) for e in events)
    # The form resumes: the kept day and time are checked again and kept.
    resumed = tracker({**kept, OFFER: None})
    assert (await validate(DATE, BOOKED[DATE], resumed))[0] == {DATE: "2026-12-01"}
    assert (await validate(START, BOOKED[START], resumed))[0] == {START: BOOKED[START]}
    _, messages = await run(ActionSubmitAppointment(), tracker(BOOKED))
    assert messages[0]["response"] == "utter_appointment_booked"
    assert len({r.headers["Idempotency-Key"] for r in cms.bookings()}) == 1


async def test_a_kept_time_of_another_day_is_asked_again(cms) -> None:
    t = tracker({**VERIFIED, OFFICE: "eastmere", START: "2026-12-02T09:00:00Z"})
    result, _ = await validate(DATE, "01.12.2026", t)
    assert result == {DATE: "2026-12-01", START: None}


async def test_locked_identity_is_said(cms) -> None:
    t = tracker({"identity_locked_until": time.time() + 3600})
    events, messages = await run(ActionSubmitAppointment(), t)
    assert messages[0]["response"] == "utter_identity_locked" and not cms.bookings()
    assert SlotSet(OFFICE, None) in events


async def test_expired_identity_is_checked_again_before_booking(cms) -> None:
    t = tracker({**BOOKED, "identity_at": time.time() - 16 * 60})
    events, messages = await run(ActionSubmitAppointment(), t)
    assert messages[0]["response"] == "utter_appointment_identity_again" and not cms.bookings()
    assert SlotSet("national_id", None) in events
    assert events[-1] == FollowupAction("appointment_form")


# --- content -------------------------------------------------------------------------------


def test_every_response_the_actions_send_exists() -> None:
    source = "".join(Path(module.__file__).read_text()
                     for module in (appointments, appointment_questions, appointment_times))
    used = set(re.findall(r'"(utter_[a-z_]+)"', source)) | {
        f"utter_ask_{slot}" for slot in (OFFICE, DATE, START, TOPIC)}
    assert used - set(load_content().responses) == set()


def test_the_booking_ends_with_the_handbook_sentence() -> None:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "core" / "appointments.yml").read_text())
    closing = ("We will send you a reminder 24 hours before. Please bring photo ID. "
               "To cancel or change, use My NSSA or call 0800 600 100.")
    assert all(v["text"].endswith(closing) for v in data["responses"]["utter_appointment_booked"])
