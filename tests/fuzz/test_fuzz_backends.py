"""Generated requests against every route of the reference back-ends (backends/).

Each server runs in-process under aiohttp's test client, on its own SQLite
file. Every route that takes a body gets 1,000 generated bodies (shaped
like the contract's, ../shared/backends, or not at all) with a valid or a
wrong token and Idempotency-Key; the routes that take none get 1,000
generated path values and queries between them. No 5xx; a refused request
(4xx) changes no table; the server still answers its health check after.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable, Dict, Tuple
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given

from backends.cms import create_app as create_cms
from backends.cms.context import CMS
from backends.housing import create_app as create_housing
from backends.housing.app import HOUSING
from tests.backends.conftest import (
    API_KEY,
    TOKEN,
    WEDNESDAY,
    FakeClock,
    cms_settings_for,
    housing_settings_for,
)
from tests.fuzz.bodies import Field, Maker, nested, one_of, seeds, sendable, text_or
from tests.fuzz.conftest import FUZZ, CrashWatch, Rows, Tally, Timer

PERSON = text_or("P-1001", "P-1003", "P-9999", "../admin", "P-1001%00")
DATE = text_or("1960-04-12", "1985-02-30", "2026-03-26", "yesterday")
DATETIME = text_or("2026-03-26T09:00:00Z", "2026-03-26T09:20:00+00:00", "2026-03-29T09:00:00Z",
                   "2026-03-26 09:00")
CMS_BODIES: Dict[str, Field] = {
    "/v1/identity/verify": nested({"national_id": text_or("850412-1234", "1" * 300),
                                   "date_of_birth": DATE}),
    "/v1/identity/otp": nested({"person_id": PERSON, "channel": one_of("sms", "email", 5)}),
    "/v1/identity/otp/{id}/check": nested({"code": text_or("123456", "000000", "1" * 50)}),
    "/v1/cases": nested({"person_id": PERSON,
                         "type": text_or("address_change", "benefit_application", "complaint"),
                         "channel": one_of("webchat", "sms", "telegram", "rest", "fax"),
                         "verification_level": one_of(0, 1, 2, 3, -1, "2"),
                         "fields": lambda m: m.value()}),
    "/v1/appointments": nested({"office_id": text_or("harbour", "hill", "nowhere"),
                                "start": DATETIME, "person_id": PERSON,
                                "topic": text_or("pension", "x" * 500)}),
    "/v1/subscriptions": nested({"url": text_or("http://127.0.0.1:9/hook", "ftp://x",
                                                "http://[::1", "javascript:alert(1)"),
                                 "secret": text_or("s" * 32, "short")}),
}
HOUSING_BODY = nested({
    "clientReference": text_or("ref-1", "r" * 100), "sourceSystem": text_or("nssa"),
    "applicant": nested({"personId": PERSON, "name": text_or("Anna Berg"), "dateOfBirth": DATE}),
    "householdSize": one_of(1, 0, 99, -1, "2", 2.5), "monthlyRentCents": one_of(50_000, -5, 10**20),
    "monthlyHouseholdIncomeCents": one_of(100_000, 0, None),
    "address": nested({"street": text_or("Harbour St 1"), "postalCode": text_or("1234"),
                       "city": text_or("Northland")}),
})
CMS_GETS = ["/v1/health", "/v1/persons/{p}", "/v1/persons/{p}/cases", "/v1/cases/{p}",
            "/v1/offices", "/v1/offices/{p}/slots", "/admin"]


def _path(maker: Maker, template: str) -> str:
    value = sendable(maker.pick(["P-1001", "NSSA-2026-000123", "harbour", maker.text(30)]))
    return template.replace("{p}", quote(value, safe="")).replace(
        "{id}", quote(sendable(maker.pick(["otp-1", maker.text(20)])), safe=""))


def _query(maker: Maker) -> Dict[str, str]:
    if not maker.chance(0.5):
        return {}
    names = ["from", "to", "date", "status", "limit", "token", maker.text(6)]
    return {sendable(maker.pick(names)): sendable(maker.text(20)) for _ in range(3)}


def _headers(maker: Maker, good: Dict[str, str]) -> Dict[str, str]:
    headers = dict(good) if maker.chance(0.9) else {}
    if maker.chance(0.85):
        keys = ["k-1", "k-2", "x" * 200, f"k-{maker.r.random()}"]
        headers["Idempotency-Key"] = maker.pick(keys)
    headers["Content-Type"] = "application/json"
    return headers


@pytest.fixture
def cms(tmp_path: Path, loop: asyncio.AbstractEventLoop) -> Any:
    app = create_cms(cms_settings_for(tmp_path), clock=FakeClock(WEDNESDAY), background=False)
    client = TestClient(TestServer(app), loop=loop)
    loop.run_until_complete(client.start_server())
    yield client, Rows(app[CMS].engine)
    loop.run_until_complete(client.close())


@pytest.fixture
def housing(tmp_path: Path, loop: asyncio.AbstractEventLoop) -> Any:
    app = create_housing(housing_settings_for(tmp_path), clock=FakeClock(WEDNESDAY))
    client = TestClient(TestServer(app), loop=loop)
    loop.run_until_complete(client.start_server())
    yield client, Rows(app[HOUSING].engine)
    loop.run_until_complete(client.close())


def fuzz_route(loop: asyncio.AbstractEventLoop, tally: Tally, client: TestClient, rows: Rows,
               endpoint: str, send: Callable[[Maker], Tuple[str, str, Dict[str, Any]]]) -> None:
    """1,000 generated requests through `send`, each checked as the module docstring says."""

    @FUZZ
    @given(seed=seeds)
    def one(seed: int) -> None:
        method, path, options = send(Maker(seed))
        before = rows()
        answer = loop.run_until_complete(client.request(method, path, **options))
        loop.run_until_complete(answer.read())
        tally.record(endpoint, answer.status, (path, options.get("data")))
        if answer.status >= 400:
            assert rows() == before, f"a refused {method} {path} stored something"

    with Timer(endpoint):
        one()


CMS_AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("route", sorted(CMS_BODIES))
def test_cms_post(route: str, cms: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
                  crashes: CrashWatch) -> None:
    client, rows = cms

    def send(maker: Maker) -> Tuple[str, str, Dict[str, Any]]:
        return "POST", _path(maker, route), {"data": maker.body(CMS_BODIES[route]),
                                             "headers": _headers(maker, CMS_AUTH)}

    fuzz_route(loop, tally, client, rows, f"CMS POST {route}", send)
    health = loop.run_until_complete(client.get("/v1/health"))
    assert health.status == 200
    assert not crashes.crashes, crashes.crashes


def test_cms_admin_post(cms: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
                        crashes: CrashWatch) -> None:
    client, rows = cms

    def send(maker: Maker) -> Tuple[str, str, Dict[str, Any]]:
        form = maker.form({"token": text_or(TOKEN), "status": text_or("decided", "received")})
        data = "&".join(f"{quote(k)}={quote(v)}" for k, v in form) if maker.chance(0.9) \
            else bytes(maker.r.randrange(256) for _ in range(40))
        return "POST", _path(maker, "/admin/cases/{p}/status"), {
            "data": data, "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            "allow_redirects": False}

    fuzz_route(loop, tally, client, rows, "CMS POST /admin/cases/{reference}/status", send)
    assert not crashes.crashes, crashes.crashes


def test_cms_gets(cms: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
                  crashes: CrashWatch) -> None:
    client, rows = cms

    def send(maker: Maker) -> Tuple[str, str, Dict[str, Any]]:
        return "GET", _path(maker, maker.pick(CMS_GETS)), {
            "params": _query(maker), "headers": CMS_AUTH if maker.chance(0.9) else {}}

    fuzz_route(loop, tally, client, rows, "CMS GET (7 routes, path values and queries)", send)
    assert not crashes.crashes, crashes.crashes


HOUSING_AUTH = {"X-Api-Key": API_KEY}


def test_housing_post(housing: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
                      crashes: CrashWatch) -> None:
    client, rows = housing

    def send(maker: Maker) -> Tuple[str, str, Dict[str, Any]]:
        return "POST", "/intake/v2/applications", {
            "data": maker.body(HOUSING_BODY), "headers": _headers(maker, HOUSING_AUTH)}

    fuzz_route(loop, tally, client, rows, "Housing POST /intake/v2/applications", send)
    assert not crashes.crashes, crashes.crashes


def test_housing_get(housing: Any, loop: asyncio.AbstractEventLoop, tally: Tally,
                     crashes: CrashWatch) -> None:
    client, rows = housing

    def send(maker: Maker) -> Tuple[str, str, Dict[str, Any]]:
        number = sendable(maker.pick(["HA-2026-000001", "1", maker.text(40)]))
        return "GET", "/intake/v2/applications/" + quote(number, safe=""), {
            "params": _query(maker), "headers": HOUSING_AUTH if maker.chance(0.9) else {}}

    fuzz_route(loop, tally, client, rows, "Housing GET /intake/v2/applications/{number}", send)
    assert not crashes.crashes, crashes.crashes

