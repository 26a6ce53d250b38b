"""Housing Office intake: contract tour, API key, duplicates, states, maintenance, slowness."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict

import pytest
from click.testing import CliRunner

from backends.housing.cli import cli
from tests.backends.conftest import CheckedClient, FakeClock, housing_settings_for
from tests.backends.openapi import housing_contract

APPLICATIONS = "/intake/v2/applications"


def application(reference: str = "nssa-assistant-0001", **change: Any) -> Dict[str, Any]:
    body = {
        "clientReference": reference,
        "sourceSystem": "nssa-assistant",
        "applicant": {"nationalId": "85031212345", "fullName": "Anna Berg",
                      "dateOfBirth": "1985-03-12", "phone": "0412345678"},
        "householdSize": 3,
        "monthlyRentCents": 95000,
        "monthlyHouseholdIncomeCents": 310000,
        "address": {"street": "5 Birch Lane", "postcode": "1020", "city": "Northhaven"},
    }
    body.update(change)
    return body


async def test_every_declared_response_is_produced_and_matches(start_housing) -> None:  # type: ignore[no-untyped-def]
    contract = housing_contract()
    async with start_housing() as housing:
        api = CheckedClient(housing.client, contract, housing.default_headers)
        accepted = await api.post(APPLICATIONS, application(), key=None)
        assert accepted.status == 202
        assert (await api.post(APPLICATIONS, application(), key=None)).status == 409
        assert (await api.post(APPLICATIONS, application(householdSize=0), key=None)).status == 400
        assert (await api.post(APPLICATIONS, application(), key=None, auth=False)).status == 401
        number = accepted.body["applicationNumber"]
        assert (await api.get(f"{APPLICATIONS}/{number}")).status == 200
        assert (await api.get(f"{APPLICATIONS}/HO-00000000")).status == 404
    async with start_housing(NSSA_HOUSING_MAINTENANCE="on") as housing:
        api = CheckedClient(housing.client, contract, housing.default_headers)
        assert (await api.post(APPLICATIONS, application(), key=None)).status == 503
    missing = contract.declared() - contract.seen
    assert not missing, f"declared but never produced: {sorted(missing)}"


async def test_accepted_application_is_queued(housing: CheckedClient) -> None:
    reply = await housing.post(APPLICATIONS, application(), key=None)
    assert reply.body["state"] == "QUEUED" and reply.body["estimatedDecisionDays"] == 30
    number = reply.body["applicationNumber"]
    assert number.startswith("HO-") and len(number) == 11
    status = await housing.get(f"{APPLICATIONS}/{reply.body['applicationNumber']}")
    assert status.body == {"applicationNumber": reply.body["applicationNumber"], "state": "QUEUED",
                           "lastChange": "2026-03-25T10:00:00Z"}


async def test_duplicate_client_reference_is_409_with_the_first_number(
    housing: CheckedClient
) -> None:
    first = await housing.post(APPLICATIONS, application(), key=None)
    changed = application(householdSize=4)
    duplicate = await housing.post(APPLICATIONS, changed, key=None)
    assert duplicate.status == 409
    assert duplicate.body["applicationNumber"] == first.body["applicationNumber"]
    other = await housing.post(APPLICATIONS, application("nssa-assistant-0002"), key=None)
    assert other.status == 202
    assert other.body["applicationNumber"] != first.body["applicationNumber"]


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "wrong"}])
async def test_api_key_is_required(housing: CheckedClient, headers: dict) -> None:
    for reply in (
        await housing.post(APPLICATIONS, application(), key=None, auth=False, headers=headers),
        await housing.get(f"{APPLICATIONS}/HO-12345678", auth=False, headers=headers),
    ):
        assert reply.status == 401 and reply.body["error"]["type"] == "unauthorized"


@pytest.mark.parametrize(
    "change,word",
    [
        ({"clientReference": "x" * 65}, "clientReference"),
        ({"clientReference": None}, "clientReference"),
        ({"applicant": {"nationalId": "123", "fullName": "A", "dateOfBirth": "1985-03-12"}},
         "nationalId"),
        ({"applicant": {"nationalId": "85031212345", "fullName": "A", "dateOfBirth": "12.03.1985"}},
         "dateOfBirth"),
        ({"householdSize": 21}, "householdSize"),
        ({"householdSize": "3"}, "householdSize"),
        ({"monthlyRentCents": -1}, "monthlyRentCents"),
        ({"monthlyRentCents": 950.5}, "monthlyRentCents"),
        ({"monthlyHouseholdIncomeCents": True}, "monthlyHouseholdIncomeCents"),
        ({"address": {"street": "5 Birch Lane", "city": "Northhaven"}}, "address.postcode"),
        ({"address": None}, "address"),
    ],
)
async def test_invalid_body_is_400_naming_the_field(
    housing: CheckedClient, change: dict, word: str
) -> None:
    reply = await housing.post(APPLICATIONS, application(**change), key=None)
    assert reply.status == 400 and reply.body["error"]["type"] == "validation_error"
    assert word in reply.body["error"]["detail"]


async def test_body_that_is_not_json_is_400(housing: CheckedClient) -> None:
    reply = await housing.request(
        "POST", APPLICATIONS, data=b"[1, 2", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400 and reply.body["error"]["type"] == "invalid_json"


@pytest.mark.parametrize(
    "moment,zone,closed,retry_after",
    [
        (datetime(2026, 3, 25, 0, 59), "UTC", False, None),
        (datetime(2026, 3, 25, 1, 0), "UTC", True, "7200"),
        (datetime(2026, 3, 25, 2, 30), "UTC", True, "1800"),
        (datetime(2026, 3, 25, 3, 0), "UTC", False, None),
        (datetime(2026, 3, 25, 0, 30), "Europe/Oslo", True, "5400"),  # 01:30 in Oslo
        (datetime(2026, 3, 25, 2, 30), "Europe/Oslo", False, None),  # 03:30 in Oslo
    ],
)
async def test_nightly_maintenance_window(
    start_housing, clock: FakeClock, moment: datetime, zone: str, closed: bool, retry_after: Any  # type: ignore[no-untyped-def]
) -> None:
    clock.now = moment.replace(tzinfo=timezone.utc)
    async with start_housing(
        NSSA_HOUSING_MAINTENANCE="auto", NSSA_HOUSING_TIMEZONE=zone
    ) as housing:
        reply = await housing.post(APPLICATIONS, application(), key=None)
        if closed:
            assert reply.status == 503 and reply.body["error"]["type"] == "maintenance"
            assert reply.headers["Retry-After"] == retry_after
        else:
            assert reply.status == 202


async def test_maintenance_on_and_off(start_housing, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    async with start_housing(NSSA_HOUSING_MAINTENANCE="on") as housing:
        assert (await housing.get(f"{APPLICATIONS}/HO-12345678")).status == 503
    clock.now = datetime(2026, 3, 25, 1, 30, tzinfo=timezone.utc)
    async with start_housing(NSSA_HOUSING_MAINTENANCE="off") as housing:
        assert (await housing.post(APPLICATIONS, application(), key=None)).status == 202


async def test_forced_down(start_housing) -> None:  # type: ignore[no-untyped-def]
    async with start_housing(NSSA_HOUSING_DOWN="true") as housing:
        reply = await housing.post(APPLICATIONS, application(), key=None)
        assert reply.status == 503 and reply.body["error"]["type"] == "unavailable"


async def test_slow_answers(start_housing) -> None:  # type: ignore[no-untyped-def]
    async with start_housing(NSSA_HOUSING_DELAY_SECONDS="0.3") as housing:
        started = time.monotonic()
        assert (await housing.get(f"{APPLICATIONS}/HO-12345678")).status == 404
        assert time.monotonic() - started >= 0.3


async def test_unknown_paths_get_the_error_shape(housing: CheckedClient) -> None:
    response = await housing.client.get("/intake/v2/nothing", headers=housing.default_headers)
    assert response.status == 404 and (await response.json())["error"]["type"] == "not_found"


async def test_admin_cli_moves_the_state_forward(start_housing, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async with start_housing() as housing:
        sent = await housing.post(APPLICATIONS, application(), key=None)
        number = sent.body["applicationNumber"]
        settings = housing_settings_for(tmp_path)
        runner = CliRunner()
        for state in ("REGISTERED", "ASSESSING", "granted"):
            result = runner.invoke(cli, ["admin", "set-state", number.lower(), state], obj=settings)
            assert result.exit_code == 0, result.output
        assert f"{number}: ASSESSING -> GRANTED" in result.output
        assert (await housing.get(f"{APPLICATIONS}/{number}")).body["state"] == "GRANTED"
        back = runner.invoke(cli, ["admin", "set-state", number, "QUEUED"], obj=settings)
        assert back.exit_code == 2 and "cannot go back" in back.output
        forced = runner.invoke(
            cli, ["admin", "set-state", number, "QUEUED", "--force"], obj=settings
        )
        assert forced.exit_code == 0
        unknown = runner.invoke(cli, ["admin", "set-state", "HO-00000000", "GRANTED"], obj=settings)
        assert unknown.exit_code == 2
        no_such_state = runner.invoke(cli, ["admin", "set-state", number, "LOST"], obj=settings)
        assert no_such_state.exit_code == 2
        assert number in runner.invoke(cli, ["admin", "list"], obj=settings).output
