"""Exactly once against the real reference CMS when the answer to an accepted request is lost.

The connection drops, as when the action server is killed right after the CMS
accepted; the request is kept and sent again with the same key, and the CMS
still has one case.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import bootstrap
from actions.citizen_requests.submit import OUTBOX_KIND, ActionSubmitCallback
from backends.cms import create_app
from backends.cms.store import list_cases
from bot.settings import load_settings
from bot.store.db import create_engine_for
from bot.store.delivery import deliver_due
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from bot.worker import deliver_cms_case
from clients.cms import CmsClient
from clients.http import RetryPolicy
from tests.backends.conftest import TOKEN, cms_settings_for

SLOTS = {
    "callback_name": "Lars Holm",
    "callback_phone": "0412000111",
    "callback_time_window": "afternoon",
    "callback_topic": "my pension",
    "confirm": True,
}


class DropAnswerOnce(httpx.AsyncBaseTransport):
    """Forwards requests; the first case it sends is accepted, its answer lost."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.dropped = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/v1/cases" and not self.dropped:
            await response.aread()
            self.dropped = True
            raise httpx.ReadError("connection lost after the CMS accepted", request=request)
        return response


def tracker() -> Tracker:
    return Tracker("citizen-lost-answer", dict(SLOTS), {"text": "1", "intent": {}}, [], False,
                   None, {}, "action_listen")


async def test_lost_answer_opens_one_case(tmp_path: Path, monkeypatch) -> None:
    app = create_app(cms_settings_for(tmp_path / "cms"), background=False)
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("")).rstrip("/")
        dropping = DropAnswerOnce()
        bootstrap.use_factories(cms=lambda: CmsClient(
            url, TOKEN, transport=dropping, retry=RetryPolicy(max_attempts=1)))
        store = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(store)
        outbox = Outbox(create_engine_for(store))
        monkeypatch.setattr(bootstrap, "outbox", lambda: outbox)
        try:
            dispatcher = CollectingDispatcher()
            await ActionSubmitCallback().run(dispatcher, tracker(), {})
        finally:
            bootstrap.use_factories()
        assert dispatcher.messages[0]["response"] == "utter_request_saved"

        settings = load_settings(environ={"NSSA_CMS_URL": url, "NSSA_CMS_TOKEN": TOKEN})
        delivered = await deliver_due(outbox, {OUTBOX_KIND: deliver_cms_case(settings)})
        assert delivered == 1
        [item] = outbox.undelivered_notifications(None, 10)
        reference = item.result["reference"]

        async with CmsClient(url, TOKEN) as cms:
            # The key the CMS saw first and the key the worker sent are one:
            # the replay returned the case the lost answer was about.
            case, created = await cms.create_case(
                **item.payload, idempotency_key=item.idempotency_key
            )
        assert case.reference == reference and created is False
    engine = create_engine_for(f"sqlite:///{tmp_path / 'cms' / 'cms.db'}")
    with engine.connect() as connection:
        callbacks = [r for r in list_cases(connection) if r.type == "callback_request"]
    assert [r.reference for r in callbacks] == [reference]
