"""Scripted back ends for the client tests: httpx.MockTransport, fake sleep and clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Union

import httpx

from clients.cms import CmsClient
from clients.housing import HousingClient
from clients.http import RetryPolicy

CMS_URL = "http://cms.test"
HOUSING_URL = "http://housing.test"
TOKEN = "service-token-123"
API_KEY = "housing-key-456"

Handler = Callable[[httpx.Request], httpx.Response]
Step = Union[httpx.Response, Exception, type, Handler, tuple]


def reply(status: int, body: Any = None, headers: Optional[Dict[str, str]] = None) -> tuple:
    """One scripted answer (built fresh for each request)."""
    return (status, body, headers or {})


def cms_error(
    status: int, code: str, message: str = "", details: Any = None, **headers: str
) -> tuple:
    """A CMS `Error` answer."""
    body: Dict[str, Any] = {"code": code, "message": message or code}
    if details is not None:
        body["details"] = details
    return reply(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


def housing_error(status: int, kind: str, detail: str = "", **headers: str) -> tuple:
    """A Housing Office problem answer."""
    body = {"error": {"type": kind, "detail": detail or kind}}
    return reply(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class Script:
    """Answers requests from a list of steps, in order, and records the requests.

    A step is `reply(...)`, an httpx exception class or instance (raised with
    the request attached), or a function of the request.
    """

    steps: List[Step]
    requests: List[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("scripted failure", request=request)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, tuple):
            status, body, headers = step
            if body is None:
                return httpx.Response(status, headers=headers)
            if isinstance(body, (bytes, str)):
                return httpx.Response(status, content=body, headers=headers)
            return httpx.Response(status, json=body, headers=headers)
        return step(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def body(self, index: int = -1) -> Any:
        """The JSON body of a recorded request."""
        return json.loads(self.requests[index].content)


class FakeTime:
    """An injected sleep that records waits and moves an injected clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: List[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_cms(*steps: Step, retry: Optional[RetryPolicy] = None, time: Optional[FakeTime] = None):
    """A CmsClient on a scripted transport: (client, script, fake time)."""
    script = Script(list(steps))
    fake = time or FakeTime()
    client = CmsClient(
        CMS_URL,
        TOKEN,
        transport=script.transport,
        retry=retry,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    return client, script, fake


def make_housing(
    *steps: Step, retry: Optional[RetryPolicy] = None, time: Optional[FakeTime] = None
):
    """A HousingClient on a scripted transport: (client, script, fake time)."""
    script = Script(list(steps))
    fake = time or FakeTime()
    client = HousingClient(
        HOUSING_URL,
        API_KEY,
        transport=script.transport,
        retry=retry,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    return client, script, fake
