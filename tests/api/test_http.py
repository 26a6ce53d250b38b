"""The shared retry, timeout and encoding machinery (clients/http.py), via the CMS client."""

from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta, timezone

import httpx
import pytest

from clients import http as api_http
from clients.cms import CmsClient
from clients.errors import (
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
    CredentialsRejected,
    IdempotencyConflict,
    NoPhoneOnRecord,
    NotFound,
    VerificationRequired,
)
from clients.housing import HousingClient
from clients.http import (
    RetryPolicy,
    backoff_delay,
    format_datetime,
    idempotency_key,
    parse_datetime,
    retry_after_seconds,
)
from tests.api.fakes import CMS_URL, TOKEN, FakeTime, Script, cms_error, make_cms, reply

CASE = {
    "reference": "NSSA-2026-000123",
    "type": "address_change",
    "status": "received",
    "created_at": "2026-03-02T09:20:00Z",
}
OFFICES = [{"office_id": "north", "name": "Northhaven Central"}]


async def create(client: CmsClient):
    return await client.create_case(
        "address_change",
        {"street": "Harbour Road 1", "postcode": "3100", "city": "Northhaven"},
        "web",
        person_id="p-1",
        verification_level=2,
        idempotency_key="k-1",
    )


class TestRetryAfter:
    async def test_the_sleep_gets_the_header_seconds(self) -> None:
        client, script, fake = make_cms(
            cms_error(429, "rate_limited", retry_after="7"), reply(200, OFFICES)
        )
        assert [o.office_id for o in await client.offices()] == ["north"]
        assert fake.sleeps == [7.0]
        assert len(script.requests) == 2

    async def test_on_503_too(self) -> None:
        client, _, fake = make_cms(cms_error(503, "unavailable", retry_after="2"), reply(201, CASE))
        await create(client)
        assert fake.sleeps == [2.0]

    async def test_longer_than_the_cap_gives_up_at_once_and_says_when(self) -> None:
        client, script, fake = make_cms(cms_error(503, "maintenance", retry_after="3600"))
        with pytest.raises(BackendUnavailable, match="after 1 attempt: HTTP 503") as caught:
            await client.offices()
        assert caught.value.retry_after == 3600.0
        assert caught.value.status == 503
        assert fake.sleeps == [] and len(script.requests) == 1

    async def test_the_cap_is_configurable(self) -> None:
        client, _, fake = make_cms(
            cms_error(429, "rate_limited", retry_after="45"),
            reply(200, OFFICES),
            retry=RetryPolicy(max_retry_after=60),
        )
        await client.offices()
        assert fake.sleeps == [45.0]

    @pytest.mark.parametrize(
        "value, seconds",
        [(None, None), ("", None), ("soon", None), ("3", 3.0), ("1.5", 1.5), ("-4", 0.0),
         ("nan", None)],
    )
    def test_parsing_seconds(self, value, seconds) -> None:
        assert retry_after_seconds(value) == seconds

    def test_parsing_an_http_date(self) -> None:
        now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=timezone.utc)
        assert retry_after_seconds("Mon, 02 Mar 2026 09:00:12 GMT", now=now) == 12.0
        assert retry_after_seconds("Mon, 02 Mar 2026 08:00:00 GMT", now=now) == 0.0


class TestRetries:
    async def test_503_then_201_sends_the_same_key_and_body_again(self) -> None:
        client, script, fake = make_cms(cms_error(503, "unavailable"), reply(201, CASE))
        case, created = await create(client)
        assert created and case.reference == "NSSA-2026-000123"
        first, second = script.requests
        assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == "k-1"
        assert first.content == second.content
        assert len(fake.sleeps) == 1

    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    async def test_retried_statuses(self, status) -> None:
        client, script, _ = make_cms(cms_error(status, "busy"), reply(200, OFFICES))
        await client.offices()
        assert len(script.requests) == 2

    @pytest.mark.parametrize(
        "error",
        [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError],
    )
    async def test_connection_errors_and_timeouts_then_success(self, error) -> None:
        client, script, fake = make_cms(error, reply(201, CASE))
        _, created = await create(client)
        assert created and len(script.requests) == 2 and len(fake.sleeps) == 1

    async def test_gives_up_after_max_attempts_with_the_last_status(self) -> None:
        client, script, fake = make_cms(*[cms_error(503, "unavailable")] * 4)
        with pytest.raises(BackendUnavailable, match="cms unavailable after 4 attempts") as caught:
            await create(client)
        assert caught.value.status == 503 and caught.value.attempts == 4
        assert len(script.requests) == 4 and len(fake.sleeps) == 3

    async def test_gives_up_on_connection_errors_with_the_reason(self) -> None:
        client, script, _ = make_cms(
            *[httpx.ConnectError] * 2, retry=RetryPolicy(max_attempts=2)
        )
        with pytest.raises(BackendUnavailable, match="ConnectError") as caught:
            await client.offices()
        assert caught.value.status is None and caught.value.reason == "ConnectError"
        assert isinstance(caught.value.__cause__, httpx.ConnectError)
        assert len(script.requests) == 2

    async def test_waits_grow_exponentially_with_jitter(self) -> None:
        policy = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=4.0)
        client, _, fake = make_cms(*[cms_error(502, "bad_gateway")] * 5, retry=policy)
        with pytest.raises(BackendUnavailable):
            await client.offices()
        bounds = [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (2.0, 4.0)]
        assert len(fake.sleeps) == 4
        for wait, (low, high) in zip(fake.sleeps, bounds, strict=True):
            assert low <= wait <= high

    @pytest.mark.parametrize(
        "status, code, error",
        [
            (400, "bad_request", BackendRejected),
            (401, "unauthorized", CredentialsRejected),
            (403, "verification_required", VerificationRequired),
            (404, "not_found", NotFound),
            (409, "idempotency_conflict", IdempotencyConflict),
            (422, "no_phone", NoPhoneOnRecord),
            (422, "invalid", BackendRejected),
        ],
    )
    async def test_no_retry_on_other_4xx(self, status, code, error) -> None:
        client, script, fake = make_cms(cms_error(status, code, details={"field": "x"}))
        with pytest.raises(error) as caught:
            await create(client)
        assert type(caught.value) is error
        assert (caught.value.status, caught.value.code) == (status, code)
        assert caught.value.details == {"field": "x"}
        assert len(script.requests) == 1 and fake.sleeps == []

    async def test_500_is_unavailable_without_retry(self) -> None:
        client, script, _ = make_cms(reply(500, "oops"))
        with pytest.raises(BackendUnavailable, match="HTTP 500"):
            await client.offices()
        assert len(script.requests) == 1

    async def test_4xx_without_a_json_body_still_maps(self) -> None:
        client, _, _ = make_cms(reply(400, "<html>bad</html>"))
        with pytest.raises(BackendRejected) as caught:
            await client.offices()
        assert caught.value.code == "" and caught.value.message == "Bad Request"


class TestNotIdempotent:
    """The code check spends an attempt on each arrival: resend only what cannot have arrived."""

    @pytest.mark.parametrize("first", [httpx.ReadTimeout, httpx.RemoteProtocolError])
    async def test_no_resend_after_it_may_have_arrived(self, first) -> None:
        client, script, _ = make_cms(first)
        with pytest.raises(BackendUnavailable):
            await client.check_otp("otp-1", "123456")
        assert len(script.requests) == 1

    async def test_no_resend_on_502(self) -> None:
        client, script, _ = make_cms(cms_error(502, "bad_gateway"))
        with pytest.raises(BackendUnavailable, match="HTTP 502"):
            await client.check_otp("otp-1", "123456")
        assert len(script.requests) == 1

    @pytest.mark.parametrize(
        "first",
        [httpx.ConnectError, httpx.ConnectTimeout, cms_error(503, "x"), cms_error(429, "x")],
    )
    async def test_resend_when_it_cannot_have_arrived(self, first) -> None:
        client, script, _ = make_cms(first, reply(200, {"person_id": "p-1", "level": 2}))
        assert (await client.check_otp("otp-1", "123456")).ok
        assert len(script.requests) == 2


class TestDeadline:
    async def test_stops_before_a_wait_that_would_pass_it(self) -> None:
        policy = RetryPolicy(max_attempts=10, total_timeout=5.0)
        client, script, fake = make_cms(
            cms_error(503, "x", retry_after="3"), cms_error(503, "x", retry_after="3"), retry=policy
        )
        with pytest.raises(BackendUnavailable) as caught:
            await client.offices()
        assert fake.sleeps == [3.0] and len(script.requests) == 2
        assert caught.value.retry_after == 3.0

    async def test_each_attempt_gets_only_the_time_left(self) -> None:
        seen = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request.extensions["timeout"])
            return httpx.Response(200, json=OFFICES)

        fake = FakeTime()
        client, _, _ = make_cms(
            cms_error(503, "x", retry_after="1.5"),
            answer,
            retry=RetryPolicy(total_timeout=4.0),
            time=fake,
        )
        await client.offices()
        assert seen[0]["read"] == pytest.approx(2.5) and seen[0]["connect"] == 2.5


class TestTimeouts:
    async def test_cms_connect_3_read_10(self) -> None:
        seen = []
        script = Script(
            [lambda r: seen.append(r.extensions["timeout"]) or httpx.Response(200, json=[])]
        )
        await CmsClient(CMS_URL, TOKEN, transport=script.transport).offices()
        assert seen[0]["connect"] == 3.0 and seen[0]["read"] == 10.0

    async def test_housing_connect_3_read_15(self) -> None:
        seen = []
        body = {"applicationNumber": "HO-12345678", "state": "QUEUED"}
        script = Script(
            [lambda r: seen.append(r.extensions["timeout"]) or httpx.Response(200, json=body)]
        )
        housing = HousingClient("http://h.test", "key", transport=script.transport)
        await housing.status("HO-12345678")
        assert seen[0]["connect"] == 3.0 and seen[0]["read"] == 15.0

    async def test_a_handed_in_client_gets_the_timeouts_and_is_not_closed(self) -> None:
        seen = []
        script = Script(
            [lambda r: seen.append(r.extensions["timeout"]) or httpx.Response(200, json=[])]
        )
        async with httpx.AsyncClient(transport=script.transport, timeout=60) as http_client:
            client = CmsClient(CMS_URL, TOKEN, client=http_client)
            await client.offices()
            await client.aclose()
            assert not http_client.is_closed
        assert seen[0]["read"] == 10.0

    async def test_an_owned_client_is_closed(self) -> None:
        script = Script([reply(200, [])])
        async with CmsClient(CMS_URL, TOKEN, transport=script.transport) as client:
            await client.offices()
            pool = client._http._client
        assert pool is not None and pool.is_closed


def test_constructing_clients_does_no_io(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("no httpx.AsyncClient may be built before the first request")

    monkeypatch.setattr(api_http.httpx, "AsyncClient", refuse)
    CmsClient(CMS_URL, TOKEN)
    HousingClient("http://h.test", "key")


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"total_timeout": 0}]
)
def test_retry_policy_refuses_bad_values(kwargs) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_backoff_delay_is_capped() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    rng = random.Random(1)
    assert 0.25 <= backoff_delay(1, policy, rng) <= 0.5
    assert 4.0 <= backoff_delay(5, policy, rng) <= 8.0
    assert 4.0 <= backoff_delay(30, policy, rng) <= 8.0


class TestLogging:
    async def test_each_retry_is_a_warning_without_personal_data(self, caplog) -> None:
        identity = {"person_id": "P-SECRET-7", "level": 1, "phone_last4": "5678"}
        client, _, _ = make_cms(
            cms_error(503, "x", retry_after="7"), httpx.ConnectError, reply(200, identity)
        )
        with caplog.at_level(logging.DEBUG, logger="clients"):
            await client.verify_identity("85031212345", date(1985, 3, 12))
        retries = [r for r in caplog.records if r.name == "clients.http"]
        assert [r.levelno for r in retries] == [logging.WARNING, logging.WARNING]
        first, second = (r.getMessage() for r in retries)
        assert first == "cms verify_identity: HTTP 503 on attempt 1 of 4; retrying in 7.00 s"
        assert second.startswith("cms verify_identity: ConnectError on attempt 2 of 4; retrying in")
        text = caplog.text
        for secret in ("85031212345", "1985-03-12", "P-SECRET-7", "5678", TOKEN):
            assert secret not in text

    async def test_giving_up_is_logged_without_the_path(self, caplog) -> None:
        client, _, _ = make_cms(cms_error(503, "x", retry_after="999"))
        with caplog.at_level(logging.WARNING, logger="clients"):
            with pytest.raises(BackendUnavailable):
                await client.get_person("P-SECRET-7")
        assert "giving up" in caplog.text and "P-SECRET-7" not in caplog.text


class TestIdempotencyKey:
    def test_a_value_json_cannot_hold_is_named_in_the_error(self) -> None:
        with pytest.raises(TypeError, match="^cannot encode set as JSON$"):
            idempotency_key("c", {1, 2})

    def test_same_parts_same_key(self) -> None:
        form = {"street": "Harbour Road 1", "postcode": "3100", "move_date": date(2026, 3, 1)}
        same = dict(reversed(list(form.items())))
        assert idempotency_key("conv-1", "address_change", form) == idempotency_key(
            "conv-1", "address_change", same
        )

    def test_a_changed_value_or_conversation_gives_a_new_key(self) -> None:
        base = idempotency_key("conv-1", "address_change", {"postcode": "3100"})
        assert base != idempotency_key("conv-1", "address_change", {"postcode": "3101"})
        assert base != idempotency_key("conv-2", "address_change", {"postcode": "3100"})

    def test_part_boundaries_count(self) -> None:
        assert idempotency_key("ab", "c") != idempotency_key("a", "bc")

    def test_fits_both_contracts(self) -> None:
        key = idempotency_key("conv-1", {"national_id": "85031212345"})
        assert len(key) == 64 and int(key, 16) >= 0
        assert "85031212345" not in key

    def test_needs_a_part(self) -> None:
        with pytest.raises(ValueError):
            idempotency_key()


class TestDatetimes:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("2026-03-02T09:20:00Z", datetime(2026, 3, 2, 9, 20, tzinfo=timezone.utc)),
            ("2026-03-02T09:20:00.5Z", datetime(2026, 3, 2, 9, 20, 0, 500000, tzinfo=timezone.utc)),
            ("2026-03-02T09:20:00", datetime(2026, 3, 2, 9, 20, tzinfo=timezone.utc)),
            (
                "2026-03-02T11:20:00+02:00",
                datetime(2026, 3, 2, 11, 20, tzinfo=timezone(timedelta(hours=2))),
            ),
        ],
    )
    def test_parse(self, text, expected) -> None:
        assert parse_datetime(text) == expected

    def test_parse_refuses_other_text(self) -> None:
        with pytest.raises(ValueError):
            parse_datetime("2 March 2026")

    def test_format_in_utc(self) -> None:
        local = datetime(2026, 3, 2, 11, 20, tzinfo=timezone(timedelta(hours=2)))
        assert format_datetime(local) == "2026-03-02T09:20:00Z"
        with pytest.raises(ValueError):
            format_datetime(datetime(2026, 3, 2, 9, 20))


class TestContractBreaks:
    async def test_a_body_that_is_not_json(self) -> None:
        client, _, _ = make_cms(reply(200, "<html>"))
        with pytest.raises(BackendProtocolError, match="not JSON"):
            await client.offices()

    async def test_a_missing_field_is_named(self) -> None:
        client, _, _ = make_cms(reply(200, [{"name": "Eastmere"}]))
        with pytest.raises(BackendProtocolError, match="missing field 'office_id'"):
            await client.offices()

    async def test_an_unexpected_status(self) -> None:
        client, _, _ = make_cms(reply(302, None, {"Location": "http://elsewhere"}))
        with pytest.raises(BackendProtocolError, match="unexpected HTTP 302"):
            await client.offices()


def test_rejections_keep_the_server_message_out_of_their_string() -> None:
    error = BackendRejected(422, "invalid", "national_id 85031212345 is wrong", backend="cms")
    assert str(error) == "cms rejected the request: HTTP 422 invalid"
    assert error.message == "national_id 85031212345 is wrong"
