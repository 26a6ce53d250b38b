"""CMS events: subscriptions, signed deliveries, retries, restarts, reminders, admin."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from backends.cms.admin import payment_date_change, send_reminder, set_status
from backends.cms.cli import cli
from backends.cms.context import CMS
from backends.cms.tables import deliveries
from tests.backends.conftest import CheckedClient, FakeClock, Receiver, cms_settings_for
from tests.polling import eventually

SECRET = "a-subscription-secret"


async def subscribe(cms: CheckedClient, receiver: Receiver, secret: str = SECRET) -> str:
    reply = await cms.post("/v1/subscriptions", {"url": receiver.url, "secret": secret}, key=None)
    assert reply.status == 201
    return reply.body["subscription_id"]


def decide(cms: CheckedClient, clock: FakeClock, reference: str = "NSSA-2026-000123") -> str:
    return set_status(cms.app[CMS].engine, reference, "decided", clock(), clock().date())


def delivery_states(cms: CheckedClient) -> list:
    with cms.app[CMS].engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(deliveries.c.state, deliveries.c.attempts)
            .order_by(deliveries.c.delivery_id))]


async def test_status_change_is_delivered_signed(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    assert "queued for 1 subscriber" in decide(cms, clock)
    assert await cms.app[CMS].deliverer.run_once() == 1

    (headers, raw), = receiver.calls
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-CMS-Signature"] == expected
    event = json.loads(raw)
    assert headers["X-CMS-Event-Id"] == event["event_id"]
    cms.contract.validate_component("Event", event)
    assert event["type"] == "case.status_changed" and event["person_id"] == "P-1001"
    assert event["occurred_at"] == "2026-03-25T10:00:00Z"
    assert event["case"]["reference"] == "NSSA-2026-000123" and event["case"]["status"] == "decided"
    assert event["text"] == (
        "A decision has been made. The letter is in My NSSA or on its way by post."
    )
    assert delivery_states(cms) == [("delivered", 1)]
    assert await cms.app[CMS].deliverer.run_once() == 0


async def test_every_subscriber_gets_its_own_signature(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    other = await cms.post(
        "/v1/subscriptions", {"url": receiver.url + "?second", "secret": "b" * 16}, key=None
    )
    assert other.status == 201
    decide(cms, clock)
    await cms.app[CMS].deliverer.run_once()
    signatures = {headers["X-CMS-Signature"] for headers, _ in receiver.calls}
    assert len(receiver.calls) == 2 and len(signatures) == 2


async def test_resubscribing_a_url_replaces_its_secret(
    cms: CheckedClient, receiver: Receiver, clock: FakeClock
) -> None:
    first = await subscribe(cms, receiver, "old-secret-0123456")
    assert await subscribe(cms, receiver, "new-secret-0123456") == first
    decide(cms, clock)
    await cms.app[CMS].deliverer.run_once()
    (headers, raw), = receiver.calls
    signature = hmac.new(b"new-secret-0123456", raw, hashlib.sha256).hexdigest()
    assert headers["X-CMS-Signature"] == "sha256=" + signature


@pytest.mark.parametrize(
    "body", [{"url": "ftp://x/hook", "secret": SECRET}, {"url": "not a url", "secret": SECRET},
             {"url": "http://127.0.0.1/hook", "secret": "short"}, {"secret": SECRET}]
)
async def test_invalid_subscription_is_422(cms: CheckedClient, body: dict) -> None:
    assert (await cms.post("/v1/subscriptions", body, key=None)).status == 422


async def test_subscribing_twice_is_one_subscription(
    cms: CheckedClient, receiver: Receiver, clock: FakeClock
) -> None:
    body = {"url": receiver.url, "secret": SECRET}
    first = await cms.post("/v1/subscriptions", body, key="s1")
    again = await cms.post("/v1/subscriptions", body, key="s1")
    assert (first.status, again.status, again.body) == (201, 201, first.body)
    decide(cms, clock)
    await cms.app[CMS].deliverer.run_once()
    assert len(receiver.calls) == 1


async def test_failed_delivery_is_retried_with_backoff(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    receiver.fail_next = 2
    decide(cms, clock)
    deliverer = cms.app[CMS].deliverer
    assert await deliverer.run_once() == 1
    assert delivery_states(cms) == [("pending", 1)]
    assert await deliverer.run_once() == 0  # not due before the 10 s backoff
    clock.advance(seconds=10)
    assert await deliverer.run_once() == 1
    assert await deliverer.run_once() == 0
    clock.advance(seconds=19)
    assert await deliverer.run_once() == 0  # the second delay is 20 s
    clock.advance(seconds=1)
    assert await deliverer.run_once() == 1
    assert delivery_states(cms) == [("delivered", 3)]
    bodies = {raw for _, raw in receiver.calls}
    event_ids = {headers["X-CMS-Event-Id"] for headers, _ in receiver.calls}
    assert len(receiver.calls) == 3 and len(bodies) == 1 and len(event_ids) == 1


async def test_unreachable_subscriber_is_given_up_after_max_attempts(
    start_cms, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(NSSA_CMS_MAX_ATTEMPTS="2", NSSA_CMS_RETRY_BASE_SECONDS="0") as cms:
        await cms.post(
            "/v1/subscriptions", {"url": "http://127.0.0.1:9/nobody", "secret": SECRET}, key=None
        )
        decide(cms, clock)
        await cms.app[CMS].deliverer.run_once()
        await cms.app[CMS].deliverer.run_once()
        assert delivery_states(cms) == [("failed", 2)]
        assert await cms.app[CMS].deliverer.run_once() == 0


async def test_pending_deliveries_survive_a_restart(
    start_cms, tmp_path: Path, clock: FakeClock, receiver: Receiver  # type: ignore[no-untyped-def]
) -> None:
    settings = cms_settings_for(tmp_path)
    async with start_cms(settings) as cms:
        await subscribe(cms, receiver)
        decide(cms, clock)
    assert receiver.calls == []
    async with start_cms(settings) as cms:
        assert await cms.app[CMS].deliverer.run_once() == 1
    assert receiver.events()[0]["case"]["reference"] == "NSSA-2026-000123"


async def test_reminder_is_sent_24_hours_before(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    booked = await cms.post("/v1/appointments", {
        "office_id": "westfjord", "start": "2026-03-27T09:00:00Z", "person_id": "P-1002",
        "topic": "Pension",
    })
    deliverer = cms.app[CMS].deliverer
    await deliverer.run_once()
    assert receiver.calls == []  # 47 hours away
    clock.advance(hours=22, minutes=59)
    await deliverer.run_once()
    assert receiver.calls == []
    clock.advance(minutes=1)
    await deliverer.run_once()
    (event,) = receiver.events()
    cms.contract.validate_component("Event", event)
    assert event["type"] == "appointment.reminder" and event["person_id"] == "P-1002"
    assert event["appointment"] == booked.body
    assert "Westfjord Office, 27 Quay Road, 3100 Westfjord" in event["text"]
    assert "27.03.2026 at 09:00" in event["text"]
    clock.advance(hours=1)
    await deliverer.run_once()
    assert len(receiver.calls) == 1  # only once


async def test_admin_reminder_and_payment_date_change(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    booked = await cms.post("/v1/appointments", {
        "office_id": "eastmere", "start": "2026-04-14T13:00:00Z", "person_id": "P-1001",
        "topic": "Child benefit",
    })
    engine, settings = cms.app[CMS].engine, cms.app[CMS].settings
    send_reminder(engine, settings, booked.body["appointment_id"], clock())
    payment_date_change(
        engine, "P-1003", "Your child benefit is paid on 14 April instead of 15 April.", clock()
    )
    await cms.app[CMS].deliverer.run_once()
    events = receiver.events()
    for event in events:
        cms.contract.validate_component("Event", event)
    assert [e["type"] for e in events] == ["appointment.reminder", "payment.date_changed"]
    assert events[1]["person_id"] == "P-1003" and events[1]["text"].startswith("Your child benefit")


async def test_anonymous_case_changes_send_no_event(
    cms: CheckedClient, clock: FakeClock, receiver: Receiver
) -> None:
    await subscribe(cms, receiver)
    opened = await cms.post("/v1/cases", {"type": "callback_request", "channel": "sms", "fields": {
        "name": "Ola", "phone_number": "0412345678", "time_window": "morning", "topic": "Pension"}})
    assert "no event" in decide(cms, clock, opened.body["reference"])
    assert "nothing changed" in decide(cms, clock, opened.body["reference"])
    assert await cms.app[CMS].deliverer.run_once() == 0


async def test_background_worker_delivers_a_change_made_on_the_admin_page(
    start_cms, receiver: Receiver  # type: ignore[no-untyped-def]
) -> None:
    async with start_cms(background=True, NSSA_CMS_DELIVERY_INTERVAL="0.05") as cms:
        await subscribe(cms, receiver)
        token = cms.app[CMS].settings.token
        assert (await cms.client.get("/admin")).status == 401
        page = await cms.client.get("/admin", params={"token": token})
        assert page.status == 200 and "NSSA-2026-000123" in await page.text()
        changed = await cms.client.post("/admin/cases/NSSA-2026-000123/status",
                                        data={"token": token, "status": "closed"},
                                        allow_redirects=False)
        assert changed.status == 303
        assert (await cms.client.post("/admin/cases/NSSA-2026-000123/status",
                                      data={"token": "wrong", "status": "received"})).status == 401
        await eventually(lambda: receiver.calls, "the event delivered")
        assert receiver.events()[0]["case"]["status"] == "closed"
        followed = await cms.client.get(changed.headers["Location"])
        shown = await followed.text()
        assert "in_review -&gt; closed" in shown or "in_review -> closed" in shown


def test_admin_cli_changes_the_database(tmp_path: Path) -> None:
    settings = cms_settings_for(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["admin", "set-status", "nssa-2026-000123", "decided"], obj=settings
    )
    assert result.exit_code == 0, result.output
    assert "NSSA-2026-000123: in_review -> decided" in result.output
    listing = runner.invoke(cli, ["admin", "list-cases", "--person", "P-1001"], obj=settings)
    assert "NSSA-2026-000123  P-1001" in listing.output and "decided" in listing.output
    bad = runner.invoke(cli, ["admin", "set-status", "NSSA-2026-000123", "approved"], obj=settings)
    assert bad.exit_code == 2 and "Unknown status" in bad.output
    missing = runner.invoke(cli, ["admin", "send-reminder", "APT-999999"], obj=settings)
    assert missing.exit_code == 2 and "No appointment" in missing.output
    paid = runner.invoke(
        cli, ["admin", "payment-date-change", "P-1001", "Paid on 18 December."], obj=settings
    )
    assert paid.exit_code == 0 and "queued" in paid.output
