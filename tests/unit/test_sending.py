"""send_kept: a confirmed request is kept before it is sent, and its row says what happened."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest

from actions import bootstrap
from actions.citizen_requests.sending import WORKER_GRACE, send_kept
from bot.errors import StoreError
from bot.store.db import create_engine_for
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from bot.store.tables import DELIVERED, FAILED, PENDING
from clients.errors import BackendRejected, BackendUnavailable

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
PAYLOAD = {"case_type": "callback_request", "fields": {"name": "Erik"}}
UNAVAILABLE = BackendUnavailable("CMS", "HTTP 503", status=503, attempts=3)
REJECTED = BackendRejected(422, "invalid_field", "phone", {}, backend="CMS")


class FlakyOutbox(Outbox):
    """An outbox whose first `failures` adds fail like a locked database."""

    failures = 0

    def add(self, *args: Any, **kwargs: Any):
        if self.failures:
            self.failures -= 1
            raise StoreError("outbox add: database is locked")
        return super().add(*args, **kwargs)


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch) -> FlakyOutbox:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    box = FlakyOutbox(create_engine_for(url), clock=lambda: NOW)
    monkeypatch.setattr(bootstrap, "outbox", lambda: box)
    return box


def sender(*outcomes: Any):
    calls: List[int] = []

    async def send() -> Dict[str, Any]:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    send.calls = calls  # type: ignore[attr-defined]
    return send


async def keep_and_send(send) -> Dict[str, Any]:
    return await send_kept("cms_case", "conv-1", "web", "key-1", PAYLOAD, send)


async def test_an_accepted_request_is_delivered_and_told(outbox) -> None:
    assert await keep_and_send(sender({"reference": "NSSA-2026-000500"})) == {
        "reference": "NSSA-2026-000500"}
    item = outbox.get("cms_case", "key-1")
    assert (item.state, item.result, item.notified_at) == (
        DELIVERED, {"reference": "NSSA-2026-000500"}, NOW)
    assert (item.conversation_id, item.channel, item.payload) == ("conv-1", "web", PAYLOAD)


async def test_an_unavailable_back_end_leaves_it_due_at_once_for_the_worker(outbox) -> None:
    with pytest.raises(BackendUnavailable):
        await keep_and_send(sender(UNAVAILABLE))
    item = outbox.get("cms_case", "key-1")
    assert (item.state, item.next_attempt_at) == (PENDING, NOW)
    assert item.last_error == "BackendUnavailable: " + str(UNAVAILABLE)
    assert [i.idempotency_key for i in outbox.due(NOW, 10)] == ["key-1"]


async def test_a_refusal_marks_it_failed_with_the_reason(outbox) -> None:
    with pytest.raises(BackendRejected):
        await keep_and_send(sender(REJECTED))
    item = outbox.get("cms_case", "key-1")
    assert (item.state, item.last_error) == (FAILED, "BackendRejected: " + str(REJECTED))


async def test_while_it_is_sent_the_worker_leaves_it_alone(outbox) -> None:
    class Died(BaseException):
        """The server killed in the middle of the call."""

    with pytest.raises(Died):
        await keep_and_send(sender(Died()))
    assert outbox.due(NOW + WORKER_GRACE - timedelta(seconds=1), 10) == []
    assert len(outbox.due(NOW + WORKER_GRACE, 10)) == 1


async def test_not_kept_before_and_unavailable_it_is_kept_then(outbox) -> None:
    outbox.failures = 1
    with pytest.raises(BackendUnavailable):
        await keep_and_send(sender(UNAVAILABLE))
    item = outbox.get("cms_case", "key-1")
    assert (item.kind, item.conversation_id, item.channel, item.payload) == (
        "cms_case", "conv-1", "web", PAYLOAD)
    assert (item.state, item.next_attempt_at) == (PENDING, NOW)  # due at once


async def test_never_kept_and_unavailable_is_a_store_error(outbox) -> None:
    outbox.failures = 2
    with pytest.raises(StoreError, match="^the request could not be kept$"):
        await keep_and_send(sender(UNAVAILABLE))


async def test_not_kept_but_accepted_it_is_sent_all_the_same(outbox) -> None:
    outbox.failures = 1
    send = sender({"reference": "NSSA-2026-000501"})
    assert await keep_and_send(send) == {"reference": "NSSA-2026-000501"}
    assert send.calls == [1] and outbox.get("cms_case", "key-1") is None


async def test_not_kept_and_refused_raises_the_refusal(outbox) -> None:
    outbox.failures = 1
    with pytest.raises(BackendRejected):
        await keep_and_send(sender(REJECTED))
    assert outbox.get("cms_case", "key-1") is None
