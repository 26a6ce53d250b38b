"""CmsClient: every method and status mapping of cms.openapi.yaml, on httpx.MockTransport."""

from __future__ import annotations

from datetime import date, datetime, timezone

import httpx
import pytest

from clients.cms import Address, Appointment, Case, CmsClient, Identity, Office, Otp, OtpCheck
from clients.errors import (
    BackendRejected,
    CredentialsRejected,
    IdempotencyConflict,
    NoPhoneOnRecord,
    NotFound,
    SlotTaken,
    VerificationRequired,
)
from clients.http import idempotency_key
from tests.api.fakes import TOKEN, cms_error, make_cms, reply

UTC = timezone.utc
CASE = {
    "reference": "NSSA-2026-000123",
    "type": "address_change",
    "status": "in_review",
    "created_at": "2026-03-02T09:20:00Z",
    "updated_at": "2026-03-03T10:00:00Z",
    "expected_decision_by": "2026-03-20",
    "status_text": "A case worker is working on it.",
}
ADDRESS = {"street": "Harbour Road 1", "postcode": "3100", "city": "Northhaven"}


def test_needs_a_token_and_an_http_url() -> None:
    with pytest.raises(ValueError, match="token"):
        CmsClient("http://cms.test", "")
    with pytest.raises(ValueError, match="base URL"):
        CmsClient("cms.test", TOKEN)


class TestHealth:
    async def test_up(self) -> None:
        client, script, _ = make_cms(reply(200, {"status": "ok"}))
        assert await client.health() is True
        assert script.requests[0].url.path == "/v1/health"

    @pytest.mark.parametrize("step", [reply(503, None), httpx.ConnectError, reply(200, "up")])
    async def test_down_after_one_attempt(self, step) -> None:
        client, script, fake = make_cms(step)
        assert await client.health() is False
        assert len(script.requests) == 1 and fake.sleeps == []


class TestVerifyIdentity:
    async def test_match(self) -> None:
        body = {"person_id": "p-1", "level": 1, "phone_last4": "5678", "preferred_language": "en"}
        client, script, _ = make_cms(reply(200, body))
        identity = await client.verify_identity("85031212345", date(1985, 3, 12))
        assert identity == Identity("p-1", 1, "5678", "en")
        request = script.requests[0]
        assert request.method == "POST" and request.url.path == "/v1/identity/verify"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert "Idempotency-Key" not in request.headers
        assert script.body() == {"national_id": "85031212345", "date_of_birth": "1985-03-12"}

    async def test_date_as_text_and_no_phone(self) -> None:
        client, script, _ = make_cms(
            reply(200, {"person_id": "p-1", "level": 1, "phone_last4": None})
        )
        identity = await client.verify_identity("85031212345", "1985-03-12")
        assert identity.phone_last4 is None and identity.preferred_language is None
        assert script.body()["date_of_birth"] == "1985-03-12"

    async def test_no_match_is_none(self) -> None:
        client, _, _ = make_cms(cms_error(404, "not_found"))
        assert await client.verify_identity("85031212345", "1985-03-12") is None

    async def test_422_is_rejected(self) -> None:
        client, _, _ = make_cms(cms_error(422, "invalid"))
        with pytest.raises(BackendRejected) as caught:
            await client.verify_identity("123", "1985-03-12")
        assert caught.value.status == 422

    async def test_a_bad_date_never_leaves(self) -> None:
        client, script, _ = make_cms()
        with pytest.raises(ValueError):
            await client.verify_identity("85031212345", "12.03.1985")
        assert script.requests == []


class TestOtp:
    OTP = {"otp_id": "otp-1", "expires_at": "2026-03-02T09:25:00Z", "sent_to_last4": "5678"}

    @pytest.mark.parametrize("status", [201, 200])
    async def test_sent_or_replayed(self, status) -> None:
        client, script, _ = make_cms(reply(status, self.OTP))
        otp = await client.send_otp("p-1", idempotency_key="key-1")
        assert otp == Otp("otp-1", datetime(2026, 3, 2, 9, 25, tzinfo=UTC), "5678")
        assert script.requests[0].headers["Idempotency-Key"] == "key-1"
        assert script.body() == {"person_id": "p-1"}

    @pytest.mark.parametrize(
        "status, code, error",
        [
            (422, "no_phone", NoPhoneOnRecord),
            (404, "not_found", NotFound),
            (409, "idempotency_conflict", IdempotencyConflict),
        ],
    )
    async def test_errors(self, status, code, error) -> None:
        client, _, _ = make_cms(cms_error(status, code))
        with pytest.raises(error):
            await client.send_otp("p-1", idempotency_key="key-1")

    @pytest.mark.parametrize("key", ["", "k" * 129])
    async def test_the_key_has_1_to_128_characters(self, key) -> None:
        client, script, _ = make_cms()
        with pytest.raises(ValueError, match="Idempotency-Key"):
            await client.send_otp("p-1", idempotency_key=key)
        assert script.requests == []

    async def test_check_correct(self) -> None:
        client, script, _ = make_cms(reply(200, {"person_id": "p-1", "level": 2}))
        expected = OtpCheck(ok=True, level=2, person_id="p-1")
        assert await client.check_otp("otp/1", "123456") == expected
        assert script.requests[0].url.raw_path == b"/v1/identity/otp/otp%2F1/check"
        assert script.body() == {"code": "123456"}

    async def test_check_wrong_code(self) -> None:
        client, _, _ = make_cms(cms_error(401, "wrong_code", details={"attempts_left": 2}))
        assert await client.check_otp("otp-1", "000000") == OtpCheck(ok=False, attempts_left=2)

    async def test_check_expired(self) -> None:
        client, _, _ = make_cms(cms_error(410, "expired"))
        check = await client.check_otp("otp-1", "123456")
        assert not check.ok and check.expired and not check.locked

    async def test_check_locked(self) -> None:
        client, _, _ = make_cms(cms_error(410, "locked"))
        check = await client.check_otp("otp-1", "123456")
        assert not check.ok and check.locked and check.attempts_left == 0

    async def test_check_401_for_the_token_is_not_a_wrong_code(self) -> None:
        client, _, _ = make_cms(cms_error(401, "unauthorized"))
        with pytest.raises(CredentialsRejected):
            await client.check_otp("otp-1", "123456")

    async def test_check_410_with_another_code_is_rejected(self) -> None:
        client, _, _ = make_cms(cms_error(410, "gone"))
        with pytest.raises(BackendRejected):
            await client.check_otp("otp-1", "123456")


class TestPerson:
    BODY = {
        "person_id": "p-1",
        "first_name": "Anna",
        "address": ADDRESS,
        "bank_account_last4": "3456",
        "phone_last4": None,
    }

    async def test_found(self) -> None:
        client, script, _ = make_cms(reply(200, self.BODY))
        person = await client.get_person("p-1")
        assert person.first_name == "Anna" and person.address == Address(**ADDRESS)
        assert person.bank_account_last4 == "3456" and person.phone_last4 is None
        assert script.requests[0].url.path == "/v1/persons/p-1"
        assert "Anna" not in repr(person) and "Harbour" not in repr(person)

    async def test_missing_is_not_found(self) -> None:
        client, _, _ = make_cms(cms_error(404, "not_found"))
        with pytest.raises(NotFound):
            await client.get_person("p-1")


class TestCases:
    async def test_list_newest_first(self) -> None:
        older = {**CASE, "reference": "NSSA-2025-000001", "created_at": "2025-01-01T08:00:00Z"}
        client, script, _ = make_cms(reply(200, [older, CASE]))
        cases = await client.list_cases("p-1")
        assert [c.reference for c in cases] == ["NSSA-2026-000123", "NSSA-2025-000001"]
        assert script.requests[0].url.path == "/v1/persons/p-1/cases"

    async def test_list_empty(self) -> None:
        client, _, _ = make_cms(reply(200, []))
        assert await client.list_cases("p-1") == []

    async def test_get(self) -> None:
        client, script, _ = make_cms(reply(200, CASE))
        case = await client.get_case("nssa-2026-000123", "p-1")
        assert case == Case(
            reference="NSSA-2026-000123",
            case_type="address_change",
            status="in_review",
            created_at=datetime(2026, 3, 2, 9, 20, tzinfo=UTC),
            updated_at=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
            expected_decision_by=date(2026, 3, 20),
            status_text="A case worker is working on it.",
        )
        request = script.requests[0]
        assert request.url.path == "/v1/cases/NSSA-2026-000123"
        assert request.url.params["person_id"] == "p-1"

    async def test_get_minimal_case(self) -> None:
        minimal = {k: CASE[k] for k in ("reference", "type", "status", "created_at")}
        client, _, _ = make_cms(reply(200, {**minimal, "expected_decision_by": None}))
        case = await client.get_case("NSSA-2026-000123", "p-1")
        assert case.updated_at is None and case.expected_decision_by is None

    async def test_get_someone_elses_or_unknown_is_none(self) -> None:
        client, _, _ = make_cms(cms_error(404, "not_found"))
        assert await client.get_case("NSSA-2026-000999", "p-1") is None


class TestCreateCase:
    FIELDS = {"street": "Harbour Road 1", "postcode": "3100", "city": "Northhaven",
              "move_date": date(2026, 3, 1)}

    async def create(self, client: CmsClient, **overrides):
        kwargs = dict(person_id="p-1", verification_level=2, idempotency_key="key-1")
        kwargs.update(overrides)
        return await client.create_case("address_change", self.FIELDS, "telegram", **kwargs)

    async def test_created(self) -> None:
        client, script, _ = make_cms(reply(201, CASE))
        case, created = await self.create(client)
        assert created is True and case.reference == "NSSA-2026-000123"
        request = script.requests[0]
        assert request.url.path == "/v1/cases" and request.headers["Idempotency-Key"] == "key-1"
        assert script.body() == {
            "type": "address_change",
            "fields": {**self.FIELDS, "move_date": "2026-03-01"},
            "channel": "telegram",
            "person_id": "p-1",
            "verification_level": 2,
        }

    async def test_replay(self) -> None:
        client, _, _ = make_cms(reply(200, CASE))
        case, created = await self.create(client)
        assert created is False and case.reference == "NSSA-2026-000123"

    async def test_same_form_same_body_bytes(self) -> None:
        client, script, _ = make_cms(reply(201, CASE), reply(200, CASE))
        await self.create(client)
        reordered = dict(reversed(list(self.FIELDS.items())))
        await client.create_case(
            "address_change", reordered, "telegram", person_id="p-1", verification_level=2,
            idempotency_key="key-1",
        )
        assert script.requests[0].content == script.requests[1].content

    async def test_anonymous_complaint(self) -> None:
        client, script, _ = make_cms(reply(201, {**CASE, "type": "complaint"}))
        key = idempotency_key("conv-1", "complaint", {"complaint_text": "Long wait"})
        await client.create_case(
            "complaint", {"complaint_text": "Long wait"}, "sms", idempotency_key=key
        )
        assert "person_id" not in script.body() and script.body()["verification_level"] == 0

    @pytest.mark.parametrize(
        "status, code, error",
        [
            (403, "verification_required", VerificationRequired),
            (409, "idempotency_conflict", IdempotencyConflict),
            (422, "invalid_fields", BackendRejected),
            (401, "unauthorized", CredentialsRejected),
        ],
    )
    async def test_errors(self, status, code, error) -> None:
        client, script, _ = make_cms(cms_error(status, code, "message"))
        with pytest.raises(error) as caught:
            await self.create(client)
        assert caught.value.code == code and caught.value.message == "message"
        assert len(script.requests) == 1

    @pytest.mark.parametrize(
        "args, kwargs, match",
        [
            (("pension", {}, "web"), {"person_id": "p-1"}, "case type"),
            (("complaint", {}, "fax"), {}, "channel"),
            (("address_change", {}, "web"), {"verification_level": 3, "person_id": "p"},
             "verification"),
            (("address_change", {}, "web"), {}, "person_id"),
        ],
    )
    async def test_refused_before_sending(self, args, kwargs, match) -> None:
        client, script, _ = make_cms()
        with pytest.raises(ValueError, match=match):
            await client.create_case(*args, idempotency_key="key-1", **kwargs)
        assert script.requests == []


class TestAppointments:
    async def test_offices(self) -> None:
        body = [
            {"office_id": "north", "name": "Northhaven Central", "address": ADDRESS},
            {"office_id": "high", "name": "Highmoor"},
        ]
        client, _, _ = make_cms(reply(200, body))
        assert await client.offices() == [
            Office("north", "Northhaven Central", Address(**ADDRESS)),
            Office("high", "Highmoor", None),
        ]

    async def test_free_slots_earliest_first(self) -> None:
        body = [{"start": "2026-03-03T09:20:00Z"}, {"start": "2026-03-03T09:00:00Z"}]
        client, script, _ = make_cms(reply(200, body))
        slots = await client.free_slots("north", date(2026, 3, 3))
        assert slots == [
            datetime(2026, 3, 3, 9, 0, tzinfo=UTC), datetime(2026, 3, 3, 9, 20, tzinfo=UTC)
        ]
        request = script.requests[0]
        assert request.url.path == "/v1/offices/north/slots"
        assert request.url.params["date"] == "2026-03-03"

    async def test_free_slots_closed_day_and_unknown_office(self) -> None:
        client, _, _ = make_cms(reply(200, []), cms_error(404, "not_found"))
        assert await client.free_slots("north", "2026-03-07") == []
        with pytest.raises(NotFound):
            await client.free_slots("nowhere", "2026-03-07")

    @pytest.mark.parametrize("status, created", [(201, True), (200, False)])
    async def test_book(self, status, created) -> None:
        body = {"appointment_id": "A-1", "office_id": "north", "start": "2026-03-03T09:20:00Z"}
        client, script, _ = make_cms(reply(status, body))
        start = datetime(2026, 3, 3, 9, 20, tzinfo=UTC)
        result = await client.book_appointment(
            "north", start, "p-1", "Pension question", idempotency_key="key-9"
        )
        assert result == (Appointment("A-1", "north", start), created)
        assert script.requests[0].headers["Idempotency-Key"] == "key-9"
        assert script.body() == {
            "office_id": "north",
            "start": "2026-03-03T09:20:00Z",
            "person_id": "p-1",
            "topic": "Pension question",
        }

    async def test_book_taken_slot(self) -> None:
        client, script, _ = make_cms(cms_error(409, "slot_taken"))
        with pytest.raises(SlotTaken):
            await client.book_appointment(
                "north", datetime(2026, 3, 3, 9, 20, tzinfo=UTC), "p-1", "x", idempotency_key="k"
            )
        assert len(script.requests) == 1

    async def test_book_needs_a_time_zone(self) -> None:
        client, script, _ = make_cms()
        with pytest.raises(ValueError, match="time zone"):
            await client.book_appointment(
                "north", datetime(2026, 3, 3, 9, 20), "p-1", "x", idempotency_key="k"
            )
        assert script.requests == []


class TestSubscribe:
    async def test_subscribed_with_a_stable_key(self) -> None:
        client, script, _ = make_cms(
            reply(201, {"subscription_id": "s-1"}), reply(200, {"subscription_id": "s-1"})
        )
        url, secret = "https://bot.example/cms/events", "s" * 32
        assert await client.subscribe(url, secret) == "s-1"
        assert await client.subscribe(url, secret) == "s-1"
        first, second = script.requests
        assert first.url.path == "/v1/subscriptions"
        assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
        assert script.body(0) == {"url": url, "secret": secret}

    async def test_given_key(self) -> None:
        client, script, _ = make_cms(reply(201, {"subscription_id": "s-2"}))
        await client.subscribe("https://bot.example/e", "s" * 16, idempotency_key="sub-key")
        assert script.requests[0].headers["Idempotency-Key"] == "sub-key"

    async def test_short_secret(self) -> None:
        client, _, _ = make_cms()
        with pytest.raises(ValueError, match="16"):
            await client.subscribe("https://bot.example/e", "short")
