"""HousingClient and housing_application against housing.openapi.yaml, on httpx.MockTransport."""

from __future__ import annotations

from datetime import date, datetime, timezone

import httpx
import pytest

from clients.errors import BackendRejected, BackendUnavailable, CredentialsRejected
from clients.housing import HousingClient, HousingStatus, Receipt, housing_application
from clients.http import RetryPolicy, idempotency_key
from tests.api.fakes import API_KEY, housing_error, make_housing, reply

RECEIPT = {"applicationNumber": "HO-12345678", "state": "QUEUED", "estimatedDecisionDays": 30}
REFERENCE = idempotency_key("conv-1", "housing_allowance", {"household_size": 2})


def application(**overrides):
    values = dict(
        client_reference=REFERENCE,
        national_id="85031212345",
        full_name="Anna Berg",
        date_of_birth=date(1985, 3, 12),
        street="Harbour Road 1",
        postcode="3100",
        city="Northhaven",
        household_size=2,
        monthly_rent_cents=75000,
        monthly_household_income_cents=210000,
        phone="0412345678",
    )
    values.update(overrides)
    return housing_application(**values)


class TestApplication:
    def test_camel_case_shape(self) -> None:
        assert application() == {
            "clientReference": REFERENCE,
            "sourceSystem": "nssa-assistant",
            "applicant": {
                "nationalId": "85031212345",
                "fullName": "Anna Berg",
                "dateOfBirth": "1985-03-12",
                "phone": "0412345678",
            },
            "householdSize": 2,
            "monthlyRentCents": 75000,
            "monthlyHouseholdIncomeCents": 210000,
            "address": {"street": "Harbour Road 1", "postcode": "3100", "city": "Northhaven"},
        }

    def test_optional_fields_left_out(self) -> None:
        built = application(
            phone=None, monthly_household_income_cents=None, date_of_birth="1985-03-12"
        )
        assert "phone" not in built["applicant"]
        assert "monthlyHouseholdIncomeCents" not in built
        assert built["applicant"]["dateOfBirth"] == "1985-03-12"

    @pytest.mark.parametrize(
        "overrides, match",
        [
            ({"client_reference": ""}, "client_reference"),
            ({"client_reference": "x" * 65}, "client_reference"),
            ({"national_id": "8503121234"}, "national_id"),
            ({"full_name": " "}, "full_name"),
            ({"household_size": 0}, "household_size"),
            ({"household_size": 21}, "household_size"),
            ({"household_size": True}, "household_size"),
            ({"monthly_rent_cents": 750.5}, "monthly_rent_cents"),
            ({"monthly_rent_cents": None}, "monthly_rent_cents"),
            ({"monthly_household_income_cents": -1}, "monthly_household_income_cents"),
        ],
    )
    def test_refuses_bad_values_naming_only_the_field(self, overrides, match) -> None:
        with pytest.raises(ValueError, match=match) as caught:
            application(**overrides)
        assert "85031212345" not in str(caught.value)


class TestSubmit:
    async def test_accepted(self) -> None:
        client, script, _ = make_housing(reply(202, RECEIPT))
        receipt = await client.submit(application())
        assert receipt == Receipt(
            "HO-12345678", "QUEUED", duplicate=False, estimated_decision_days=30
        )
        request = script.requests[0]
        assert request.method == "POST" and request.url.path == "/intake/v2/applications"
        assert request.headers["X-Api-Key"] == API_KEY
        assert "Authorization" not in request.headers
        assert script.body() == application()

    async def test_409_is_the_existing_application_not_an_error(self) -> None:
        client, script, fake = make_housing(
            reply(409, {"applicationNumber": "HO-00000042", "state": "ASSESSING"})
        )
        receipt = await client.submit(application())
        assert receipt == Receipt("HO-00000042", "ASSESSING", duplicate=True)
        assert len(script.requests) == 1 and fake.sleeps == []

    async def test_409_without_a_receipt_is_rejected(self) -> None:
        client, _, _ = make_housing(housing_error(409, "conflict"))
        with pytest.raises(BackendRejected) as caught:
            await client.submit(application())
        assert caught.value.code == "conflict"

    async def test_a_timeout_that_had_arrived_ends_as_the_duplicate(self) -> None:
        client, script, _ = make_housing(httpx.ReadTimeout, reply(409, RECEIPT))
        receipt = await client.submit(application())
        assert receipt.application_number == "HO-12345678" and receipt.duplicate
        assert script.requests[0].content == script.requests[1].content

    async def test_400_is_rejected_without_retry(self) -> None:
        client, script, _ = make_housing(
            housing_error(400, "validation", "householdSize must be 1-20")
        )
        with pytest.raises(BackendRejected) as caught:
            await client.submit(application())
        error = caught.value
        assert (error.status, error.code, error.message) == (
            400, "validation", "householdSize must be 1-20"
        )
        assert error.backend == "housing" and len(script.requests) == 1

    async def test_401_is_a_bad_api_key(self) -> None:
        client, _, _ = make_housing(housing_error(401, "unauthorized"))
        with pytest.raises(CredentialsRejected):
            await client.submit(application())

    async def test_503_then_accepted(self) -> None:
        client, script, fake = make_housing(housing_error(503, "maintenance"), reply(202, RECEIPT))
        assert (await client.submit(application())).application_number == "HO-12345678"
        assert len(script.requests) == 2 and len(fake.sleeps) == 1

    async def test_down_gives_up_after_three_attempts(self) -> None:
        client, script, fake = make_housing(*[housing_error(503, "maintenance")] * 3)
        unavailable = "housing unavailable after 3 attempts"
        with pytest.raises(BackendUnavailable, match=unavailable) as caught:
            await client.submit(application())
        assert caught.value.status == 503
        assert len(script.requests) == 3 and len(fake.sleeps) == 2

    async def test_nightly_maintenance_with_retry_after_stops_at_once(self) -> None:
        client, script, _ = make_housing(housing_error(503, "maintenance", retry_after="5400"))
        with pytest.raises(BackendUnavailable) as caught:
            await client.submit(application())
        assert caught.value.retry_after == 5400.0 and len(script.requests) == 1

    async def test_the_policy_can_be_changed(self) -> None:
        client, script, _ = make_housing(
            httpx.ConnectError, retry=RetryPolicy(max_attempts=1)
        )
        with pytest.raises(BackendUnavailable):
            await client.submit(application())
        assert len(script.requests) == 1

    async def test_needs_a_client_reference(self) -> None:
        client, script, _ = make_housing()
        with pytest.raises(ValueError, match="clientReference"):
            await client.submit({"householdSize": 1})
        assert script.requests == []


class TestStatus:
    async def test_known(self) -> None:
        body = {"applicationNumber": "HO-12345678", "state": "ASSESSING",
                "lastChange": "2026-03-02T09:20:00Z"}
        client, script, _ = make_housing(reply(200, body))
        status = await client.status("ho-12345678")
        assert status == HousingStatus(
            "HO-12345678", "ASSESSING", datetime(2026, 3, 2, 9, 20, tzinfo=timezone.utc)
        )
        request = script.requests[0]
        assert request.method == "GET" and request.url.path == "/intake/v2/applications/HO-12345678"
        assert request.headers["X-Api-Key"] == API_KEY

    async def test_without_last_change(self) -> None:
        client, _, _ = make_housing(
            reply(200, {"applicationNumber": "HO-12345678", "state": "QUEUED"})
        )
        assert (await client.status("HO-12345678")).last_change is None

    async def test_unknown_is_none(self) -> None:
        client, _, _ = make_housing(housing_error(404, "not_found"))
        assert await client.status("HO-99999999") is None

    async def test_503_is_retried(self) -> None:
        client, script, _ = make_housing(
            housing_error(503, "maintenance"),
            reply(200, {"applicationNumber": "HO-1", "state": "QUEUED"}),
        )
        assert (await client.status("HO-1")).state == "QUEUED"
        assert len(script.requests) == 2


def test_needs_an_api_key() -> None:
    with pytest.raises(ValueError, match="API key"):
        HousingClient("http://housing.test", "")
