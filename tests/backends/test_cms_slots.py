"""CMS offices, free slots and appointments (today is Wednesday 25 March 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from backends.cms.agency import HOLIDAYS, add_working_days, next_working_day
from tests.backends.conftest import CheckedClient


async def slots(cms: CheckedClient, office: str, day: str) -> list:
    reply = await cms.get(f"/v1/offices/{office}/slots", params={"date": day})
    assert reply.status == 200
    return [slot["start"] for slot in reply.body]


def booking(start: str, office: str = "northhaven", person: str = "P-1001") -> dict:
    return {"office_id": office, "start": start, "person_id": person,
            "topic": "Pension, Polish interpreter"}


async def test_offices_are_the_five_of_the_handbook(cms: CheckedClient) -> None:
    offices = {o["office_id"]: o for o in (await cms.get("/v1/offices", auth=False)).body}
    assert set(offices) == {"northhaven", "eastmere", "westfjord", "southvale", "highmoor"}
    assert offices["northhaven"]["name"] == "Northhaven Central Office"
    assert offices["highmoor"]["address"] == {
        "street": "3 Chapel Lane", "postcode": "5300", "city": "Highmoor"
    }


async def test_a_working_day_has_21_slots_from_0900_to_1540(cms: CheckedClient) -> None:
    starts = await slots(cms, "westfjord", "2026-03-26")
    assert len(starts) == 21
    assert starts[0] == "2026-03-26T09:00:00Z" and starts[1] == "2026-03-26T09:20:00Z"
    assert starts[-1] == "2026-03-26T15:40:00Z"


@pytest.mark.parametrize(
    "office,day,why",
    [
        ("eastmere", "2026-03-25", "today"),
        ("eastmere", "2026-03-24", "the past"),
        ("eastmere", "2026-03-28", "Saturday"),
        ("eastmere", "2026-03-29", "Sunday"),
        ("eastmere", "2026-04-03", "Good Friday"),
        ("eastmere", "2026-04-06", "Easter Monday"),
        ("highmoor", "2026-03-27", "Highmoor on a Friday"),
        ("highmoor", "2026-04-10", "Highmoor on a Friday"),
        ("eastmere", "2026-04-27", "more than 30 days ahead"),
    ],
)
async def test_no_slots_when_not_bookable(
    cms: CheckedClient, office: str, day: str, why: str
) -> None:
    assert await slots(cms, office, day) == [], why


async def test_booking_window_is_next_working_day_to_30_days(cms: CheckedClient) -> None:
    assert len(await slots(cms, "highmoor", "2026-03-26")) == 21  # Thursday, the next working day
    assert len(await slots(cms, "eastmere", "2026-03-27")) == 21  # other offices open Fridays
    assert len(await slots(cms, "eastmere", "2026-04-24")) == 21  # day 30


def test_calendar_helpers_know_the_2026_holidays() -> None:
    assert len(HOLIDAYS) == 8
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)
    assert next_working_day(date(2026, 12, 23)) == date(2026, 12, 28)
    assert add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 4)


@pytest.mark.parametrize("day", ["26.03.2026", "2026-02-30", ""])
async def test_malformed_date_is_422(cms: CheckedClient, day: str) -> None:
    assert (await cms.get("/v1/offices/eastmere/slots", params={"date": day})).status == 422


async def test_unknown_office_is_404(cms: CheckedClient) -> None:
    nowhere = await cms.get("/v1/offices/atlantis/slots", params={"date": "2026-03-26"})
    assert nowhere.status == 404


async def test_booked_slot_disappears_and_cannot_be_booked_again(cms: CheckedClient) -> None:
    first = await cms.post("/v1/appointments", booking("2026-03-26T09:20:00Z"))
    assert first.status == 201
    assert first.body == {
        "appointment_id": "APT-000001", "office_id": "northhaven", "start": "2026-03-26T09:20:00Z"
    }
    starts = await slots(cms, "northhaven", "2026-03-26")
    assert "2026-03-26T09:20:00Z" not in starts and len(starts) == 20
    assert len(await slots(cms, "eastmere", "2026-03-26")) == 21

    taken = await cms.post("/v1/appointments", booking("2026-03-26T09:20:00Z", person="P-1002"))
    assert (taken.status, taken.body["code"]) == (409, "slot_taken")
    assert taken.body["details"]["next_free"] == [
        "2026-03-26T09:40:00Z", "2026-03-26T10:00:00Z", "2026-03-26T10:20:00Z"
    ]


async def test_start_with_an_offset_is_the_same_moment(cms: CheckedClient) -> None:
    reply = await cms.post("/v1/appointments", booking("2026-03-26T10:00:00+01:00"))
    assert reply.body["start"] == "2026-03-26T09:00:00Z"


@pytest.mark.parametrize(
    "start",
    [
        "2026-03-26T09:10:00Z",  # not on the 20-minute grid
        "2026-03-26T16:00:00Z",  # after the last slot
        "2026-03-26T08:40:00Z",  # before the first
        "2026-03-28T09:00:00Z",  # Saturday
        "2026-04-03T09:00:00Z",  # Good Friday
        "2026-03-25T15:40:00Z",  # today
        "2026-04-27T09:00:00Z",  # beyond 30 days
        "2026-03-26 09:00",  # not RFC 3339
    ],
)
async def test_not_a_slot_is_422(cms: CheckedClient, start: str) -> None:
    assert (await cms.post("/v1/appointments", booking(start))).status == 422


async def test_highmoor_friday_cannot_be_booked(cms: CheckedClient) -> None:
    friday = await cms.post("/v1/appointments", booking("2026-03-27T09:00:00Z", "highmoor"))
    assert friday.status == 422


@pytest.mark.parametrize(
    "change",
    [{"person_id": "P-9999"}, {"topic": ""}, {"topic": "x" * 201}, {"office_id": "atlantis"}],
)
async def test_invalid_booking_is_422(cms: CheckedClient, change: dict) -> None:
    changed = await cms.post("/v1/appointments", {**booking("2026-03-26T09:00:00Z"), **change})
    assert changed.status == 422


async def test_replayed_booking_returns_the_same_appointment(cms: CheckedClient) -> None:
    first = await cms.post("/v1/appointments", booking("2026-03-26T11:00:00Z"), key="b1")
    again = await cms.post("/v1/appointments", booking("2026-03-26T11:00:00Z"), key="b1")
    assert (first.status, again.status, again.body) == (201, 200, first.body)


async def test_office_time_zone_moves_slots(start_cms) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(NSSA_CMS_TIMEZONE="Europe/Oslo") as cms:
        starts = await slots(cms, "eastmere", "2026-03-26")
        assert starts[0] == "2026-03-26T08:00:00Z"  # 09:00 in Oslo (CET, UTC+1)
        assert starts[-1] == "2026-03-26T14:40:00Z"
