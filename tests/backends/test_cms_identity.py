"""CMS: service token, identity levels 1 and 2, and Idempotency-Key rules."""

from __future__ import annotations

import pytest

from backends.cms.context import CMS
from tests.backends.conftest import CheckedClient, FakeClock, otp_codes

ANNA = {"national_id": "85031212345", "date_of_birth": "1985-03-12"}


class TestAuth:
    @pytest.mark.parametrize(
        "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "dev"}]
    )
    async def test_missing_or_wrong_token_is_401_error(
        self, cms: CheckedClient, headers: dict
    ) -> None:
        reply = await cms.get("/v1/persons/P-1001", auth=False, headers=headers)
        assert reply.status == 401
        assert reply.body["code"] == "unauthorized"
        assert reply.headers["WWW-Authenticate"] == "Bearer"

    async def test_health_and_offices_are_public(self, cms: CheckedClient) -> None:
        assert (await cms.get("/v1/health", auth=False)).status == 200
        assert (await cms.get("/v1/offices", auth=False)).status == 200
        slots = await cms.get(
            "/v1/offices/eastmere/slots", auth=False, params={"date": "2026-03-26"}
        )
        assert slots.status == 401

    async def test_unknown_path_is_an_error_body(self, cms: CheckedClient) -> None:
        response = await cms.client.get("/v1/nothing-here", headers=cms.default_headers)
        assert response.status == 404
        assert (await response.json())["code"] == "not_found"


class TestVerify:
    async def test_match_gives_level_1_and_phone_last4(self, cms: CheckedClient) -> None:
        reply = await cms.post("/v1/identity/verify", ANNA, key=None)
        assert reply.body == {
            "person_id": "P-1001", "level": 1, "phone_last4": "5678", "preferred_language": "en"
        }

    async def test_person_without_phone_has_null_last4(self, cms: CheckedClient) -> None:
        reply = await cms.post(
            "/v1/identity/verify", {"national_id": "79012331582", "date_of_birth": "1979-01-23"},
            key=None,
        )
        assert reply.body["phone_last4"] is None

    @pytest.mark.parametrize(
        "body",
        [
            {**ANNA, "date_of_birth": "1985-03-13"},  # wrong date of birth
            {"national_id": "58073022089", "date_of_birth": "1985-03-12"},  # someone else's number
            # A valid number, nobody on record.
            {"national_id": "85031254327", "date_of_birth": "1985-03-12"},
        ],
    )
    async def test_no_match_is_404_without_saying_which_part(
        self, cms: CheckedClient, body: dict
    ) -> None:
        reply = await cms.post("/v1/identity/verify", body, key=None)
        assert reply.status == 404
        message = reply.body["message"].lower()
        assert "national id number and date of birth" in message and "details" not in reply.body

    @pytest.mark.parametrize(
        "body,field",
        [
            ({"national_id": "8503121234", "date_of_birth": "1985-03-12"}, "national_id"),
            # The check digit is wrong.
            ({"national_id": "85031212346", "date_of_birth": "1985-03-12"}, "national_id"),
            ({"national_id": "8503121234a", "date_of_birth": "1985-03-12"}, "national_id"),
            ({"national_id": "85031212345", "date_of_birth": "12.03.1985"}, "date_of_birth"),
            ({"national_id": "85031212345"}, "date_of_birth"),
        ],
    )
    async def test_malformed_is_422_naming_the_field(
        self, cms: CheckedClient, body: dict, field: str
    ) -> None:
        reply = await cms.post("/v1/identity/verify", body, key=None)
        assert reply.status == 422 and reply.body["details"]["field"] == field

    async def test_body_that_is_not_json_is_422(self, cms: CheckedClient) -> None:
        reply = await cms.request("POST", "/v1/identity/verify", data=b"{not json",
                                  headers={"Content-Type": "application/json"})
        assert reply.status == 422 and reply.body["code"] == "invalid_body"


async def _send(cms: CheckedClient, person_id: str = "P-1001") -> str:
    reply = await cms.post("/v1/identity/otp", {"person_id": person_id})
    assert reply.status == 201
    return reply.body["otp_id"]


def _last_code(cms: CheckedClient) -> str:
    return otp_codes(cms.app[CMS].settings)[-1][1]


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


class TestOneTimeCode:
    async def test_code_is_logged_as_the_development_sms(
        self, cms: CheckedClient, clock: FakeClock
    ) -> None:
        reply = await cms.post("/v1/identity/otp", {"person_id": "P-1002"})
        assert reply.body["expires_at"] == "2026-03-25T10:05:00Z"
        line = cms.app[CMS].settings.otp_log.read_text().strip()
        assert line.startswith("2026-03-25T10:00:00Z person=P-1002 phone_last4=6789 code=")
        assert len(line.rsplit("=", 1)[1]) == 6

    async def test_right_code_gives_level_2_once(self, cms: CheckedClient) -> None:
        otp_id = await _send(cms)
        check = f"/v1/identity/otp/{otp_id}/check"
        checked = await cms.post(check, {"code": _last_code(cms)}, key=None)
        assert checked.body == {"person_id": "P-1001", "level": 2}
        again = await cms.post(check, {"code": _last_code(cms)}, key=None)
        assert (again.status, again.body["code"]) == (410, "expired")

    async def test_three_wrong_attempts_lock_the_code(self, cms: CheckedClient) -> None:
        otp_id = await _send(cms)
        check, code = f"/v1/identity/otp/{otp_id}/check", _last_code(cms)
        first = await cms.post(check, {"code": _wrong(code)}, key=None)
        assert (first.status, first.body["code"], first.body["details"]) == (
            401, "wrong_code", {"attempts_left": 2}
        )
        second = await cms.post(check, {"code": _wrong(code)}, key=None)
        assert second.body["details"] == {"attempts_left": 1}
        third = await cms.post(check, {"code": _wrong(code)}, key=None)
        assert (third.status, third.body["code"]) == (410, "locked")
        right_too_late = await cms.post(check, {"code": code}, key=None)
        assert (right_too_late.status, right_too_late.body["code"]) == (410, "locked")

    async def test_code_expires_after_5_minutes(self, cms: CheckedClient, clock: FakeClock) -> None:
        otp_id = await _send(cms)
        check, code = f"/v1/identity/otp/{otp_id}/check", _last_code(cms)
        clock.advance(minutes=4, seconds=59)
        assert (await cms.post(check, {"code": _wrong(code)}, key=None)).status == 401
        clock.advance(seconds=1)
        expired = await cms.post(check, {"code": code}, key=None)
        assert (expired.status, expired.body["code"]) == (410, "expired")

    async def test_a_new_code_replaces_the_old_one(self, cms: CheckedClient) -> None:
        first = await _send(cms)
        old_code = _last_code(cms)
        second = await _send(cms)
        old = await cms.post(f"/v1/identity/otp/{first}/check", {"code": old_code}, key=None)
        assert old.status == 410
        ok = await cms.post(f"/v1/identity/otp/{second}/check", {"code": _last_code(cms)}, key=None)
        assert ok.status == 200

    async def test_no_phone_on_record_is_422_no_phone(self, cms: CheckedClient) -> None:
        reply = await cms.post("/v1/identity/otp", {"person_id": "P-1004"})
        assert (reply.status, reply.body["code"]) == (422, "no_phone")
        assert otp_codes(cms.app[CMS].settings) == []

    @pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", 123456])
    async def test_malformed_code_is_422(self, cms: CheckedClient, code: object) -> None:
        otp_id = await _send(cms)
        checked = await cms.post(f"/v1/identity/otp/{otp_id}/check", {"code": code}, key=None)
        assert checked.status == 422

    async def test_unknown_code_id_is_404(self, cms: CheckedClient) -> None:
        unknown = await cms.post("/v1/identity/otp/otp_nothing/check", {"code": "123456"}, key=None)
        assert unknown.status == 404


class TestIdempotency:
    async def test_replay_returns_the_original_and_sends_no_new_code(
        self, cms: CheckedClient
    ) -> None:
        first = await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="same")
        replay = await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="same")
        assert (first.status, replay.status) == (201, 200)
        assert replay.body == first.body
        assert len(otp_codes(cms.app[CMS].settings)) == 1

    async def test_replay_ignores_key_order_and_spacing(self, cms: CheckedClient) -> None:
        body = b'{"person_id": "P-1001"}'
        headers = {"Idempotency-Key": "k", "Content-Type": "application/json"}
        sent = await cms.request("POST", "/v1/identity/otp", data=body, headers=headers)
        assert sent.status == 201
        spaced = b'{ "person_id" :"P-1001" }'
        again = await cms.request("POST", "/v1/identity/otp", data=spaced, headers=headers)
        assert again.status == 200

    async def test_same_key_other_body_is_409(self, cms: CheckedClient) -> None:
        await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k1")
        conflict = await cms.post("/v1/identity/otp", {"person_id": "P-1002"}, key="k1")
        assert (conflict.status, conflict.body["code"]) == (409, "idempotency_conflict")

    async def test_same_key_on_another_path_is_409(self, cms: CheckedClient) -> None:
        await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k2")
        body = {"office_id": "eastmere", "start": "2026-03-26T09:00:00Z", "person_id": "P-1001",
                "topic": "x"}
        assert (await cms.post("/v1/appointments", body, key="k2")).status == 409

    @pytest.mark.parametrize("path", ["/v1/identity/otp", "/v1/cases", "/v1/appointments"])
    async def test_missing_key_is_422(self, cms: CheckedClient, path: str) -> None:
        reply = await cms.post(path, {"person_id": "P-1001"}, key=None)
        assert (reply.status, reply.body["code"]) == (422, "idempotency_key_required")

    async def test_too_long_key_is_422(self, cms: CheckedClient) -> None:
        too_long_key = await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k" * 129)
        assert too_long_key.status == 422

    async def test_a_failed_request_does_not_use_up_its_key(self, cms: CheckedClient) -> None:
        assert (await cms.post("/v1/identity/otp", {"person_id": "P-9999"}, key="k3")).status == 404
        assert (await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k3")).status == 201
