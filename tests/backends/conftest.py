"""Fixtures for the reference back-end servers: apps on loopback with an injected clock.

Every request made through `CheckedClient` is validated against the OpenAPI
contract in ../shared/backends, so every test is also a contract test.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from backends.cms import CmsSettings, load_cms_settings
from backends.cms import create_app as create_cms_app
from backends.housing import HousingSettings, load_housing_settings
from backends.housing import create_app as create_housing_app
from bot.settings import SettingsSource
from tests.backends.openapi import Contract, cms_contract, housing_contract

# Wednesday 25 March 2026, 10:00 UTC: Good Friday and Easter Monday are in the booking window.
WEDNESDAY = datetime(2026, 3, 25, 10, 0, tzinfo=timezone.utc)
TOKEN = "test-cms-token"
API_KEY = "test-housing-key"
_UNSET: Any = object()


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Reply:
    """A response: status, parsed JSON body (or None) and headers."""

    status: int
    body: Any
    headers: Any


class CheckedClient:
    """A TestClient whose every response is checked against a contract."""

    def __init__(self, client: TestClient, contract: Contract, headers: Dict[str, str]):
        self.client = client
        self.contract = contract
        self.default_headers = headers

    @property
    def app(self) -> web.Application:
        return self.client.server.app

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _UNSET,
        data: Optional[bytes] = None,
        headers: Optional[Dict[str, str]] = None,
        params: Optional[Dict[str, str]] = None,
        auth: bool = True,
    ) -> Reply:
        all_headers = dict(self.default_headers) if auth else {}
        all_headers.update(headers or {})
        kwargs: Dict[str, Any] = {"headers": all_headers, "params": params}
        if json_body is not _UNSET:
            kwargs["json"] = json_body
        elif data is not None:
            kwargs["data"] = data
        response = await self.client.request(method, path, **kwargs)
        raw = await response.read()
        body = json.loads(raw) if raw and response.content_type == "application/json" else None
        self.contract.check(method, path, response.status, body, response.content_type)
        return Reply(response.status, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(
        self, path: str, body: Any = _UNSET, *, key: Optional[str] = "auto", **kwargs: Any
    ) -> Reply:
        """POST JSON; `key` is the Idempotency-Key ("auto": a fresh one, None: none)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if key is not None:
            headers["Idempotency-Key"] = uuid.uuid4().hex if key == "auto" else key
        return await self.request("POST", path, json_body=body, headers=headers, **kwargs)


def cms_settings_for(tmp_path: Path, **env: str) -> CmsSettings:
    """CMS settings on a throw-away database and OTP log."""
    values = {
        "NSSA_CMS_DATABASE_URL": f"sqlite:///{tmp_path / 'cms.db'}",
        "NSSA_CMS_OTP_LOG": str(tmp_path / "otp.log"),
        "NSSA_CMS_TOKEN": TOKEN,
        "NSSA_CMS_RETRY_BASE_SECONDS": "10",
        **env,
    }
    return load_cms_settings(SettingsSource(values, {}))


def housing_settings_for(tmp_path: Path, **env: str) -> HousingSettings:
    """Housing settings on a throw-away database, maintenance off unless given."""
    values = {
        "NSSA_HOUSING_DATABASE_URL": f"sqlite:///{tmp_path / 'housing.db'}",
        "NSSA_HOUSING_API_KEY": API_KEY,
        "NSSA_HOUSING_MAINTENANCE": "off",
        **env,
    }
    return load_housing_settings(SettingsSource(values, {}))


def otp_codes(settings: CmsSettings) -> List[Tuple[str, str]]:
    """(person_id, code) of every development "SMS" in the OTP log."""
    if not settings.otp_log.exists():
        return []
    pattern = re.compile(r"^\S+Z person=(\S+) phone_last4=\d{4} code=(\d{6})$")
    return [m.groups() for m in map(pattern.match, settings.otp_log.read_text().splitlines()) if m]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(WEDNESDAY)


@pytest.fixture(scope="session")
def the_cms_contract() -> Contract:
    return cms_contract()


@pytest.fixture(scope="session")
def the_housing_contract() -> Contract:
    return housing_contract()


@pytest.fixture
def start_cms(
    tmp_path: Path, clock: FakeClock, the_cms_contract: Contract
) -> Callable[..., Any]:
    """A CMS on loopback (no background worker) for `async with`; settings as keywords."""

    @contextlib.asynccontextmanager
    async def start(
        settings: Optional[CmsSettings] = None, background: bool = False, **env: str
    ) -> AsyncIterator[CheckedClient]:
        settings = settings or cms_settings_for(tmp_path, **env)
        app = create_cms_app(settings, clock=clock, background=background)
        async with TestClient(TestServer(app)) as client:
            yield CheckedClient(
                client, the_cms_contract, {"Authorization": f"Bearer {settings.token}"}
            )

    return start


@pytest.fixture
async def cms(start_cms: Callable[..., Any]) -> AsyncIterator[CheckedClient]:
    async with start_cms() as client:
        yield client


@pytest.fixture
def start_housing(
    tmp_path: Path, clock: FakeClock, the_housing_contract: Contract
) -> Callable[..., Any]:
    """The Housing Office on loopback for `async with`; settings as keywords."""

    @contextlib.asynccontextmanager
    async def start(**env: str) -> AsyncIterator[CheckedClient]:
        settings = housing_settings_for(tmp_path, **env)
        app = create_housing_app(settings, clock=clock)
        async with TestClient(TestServer(app)) as client:
            yield CheckedClient(client, the_housing_contract, {"X-Api-Key": settings.api_key})

    return start


@pytest.fixture
async def housing(start_housing: Callable[..., Any]) -> AsyncIterator[CheckedClient]:
    async with start_housing() as client:
        yield client


class Receiver:
    """A subscriber on loopback: records every delivery, fails the next N on request."""

    def __init__(self) -> None:
        self.calls: List[Tuple[Dict[str, str], bytes]] = []
        self.fail_next = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        return web.Response(status=204)

    def events(self) -> List[Dict[str, Any]]:
        return [json.loads(body) for _, body in self.calls]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recorder = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recorder.handle)
    async with TestServer(app, host="127.0.0.1") as server:
        recorder.url = str(server.make_url("/hook"))
        yield recorder
