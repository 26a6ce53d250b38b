"""The channels' repositories and the shared gate, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import List

import pytest
from sqlalchemy.engine import Engine

from bot.errors import StoreError
from bot.store.channels import (
    CODE_ALPHABET,
    ButtonPayloads,
    ChannelIdentities,
    ChannelOptOuts,
    ContinuityCodes,
    MessageDeliveries,
)
from bot.store.db import create_engine_for
from bot.store.schema import upgrade
from bot.store.store import Store
from channels.common import CONTINUED_MESSAGE, conversation_of

PHONE = "+4791234567"


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


class TestChannelIdentities:
    def test_an_address_keeps_one_opaque_conversation(self, engine: Engine) -> None:
        identities = ChannelIdentities(engine)
        first = identities.conversation_for("sms", PHONE)
        assert first.startswith("sms-") and PHONE not in first and "91234567" not in first
        assert identities.conversation_for("sms", PHONE) == first
        assert identities.conversation_for("telegram", PHONE) != first
        assert identities.address_of("sms", first) == PHONE
        assert identities.address_of("telegram", first) is None

    def test_first_messages_from_many_threads_make_one_conversation(self, engine: Engine) -> None:
        identities = ChannelIdentities(engine)
        with ThreadPoolExecutor(8) as pool:
            ids = set(pool.map(lambda _: identities.conversation_for("sms", PHONE), range(16)))
        assert len(ids) == 1

    def test_join_moves_the_address_and_forget_removes_it(self, engine: Engine) -> None:
        clock = Clock()
        identities = ChannelIdentities(engine, clock=clock)
        web = "webchat-0123"
        identities.conversation_for("sms", PHONE)
        clock.now += timedelta(seconds=1)
        identities.join("sms", PHONE, web)
        assert identities.conversation_for("sms", PHONE) == web
        assert identities.address_of("sms", web) == PHONE
        assert identities.forget_conversation(web) == 1
        assert identities.conversation_for("sms", PHONE) != web

    def test_an_over_long_address_is_refused_by_name(self, engine: Engine) -> None:
        with pytest.raises(ValueError, match="address"):
            ChannelIdentities(engine).conversation_for("sms", "9" * 200)


class TestOptOuts:
    def test_stop_and_start(self, engine: Engine) -> None:
        opt_outs = ChannelOptOuts(engine)
        assert not opt_outs.opted_out("sms", PHONE)
        assert opt_outs.opt_out("sms", PHONE) is True
        assert opt_outs.opt_out("sms", PHONE) is False
        assert opt_outs.opted_out("sms", PHONE)
        assert not opt_outs.opted_out("telegram", PHONE)
        assert opt_outs.opt_in("sms", PHONE) is True
        assert opt_outs.opt_in("sms", PHONE) is False
        assert not opt_outs.opted_out("sms", PHONE)
        # Each channel and each address on its own.
        opt_outs.opt_out("sms", PHONE)
        opt_outs.opt_out("telegram", PHONE)
        opt_outs.opt_out("sms", "+15550000000")
        assert opt_outs.opt_in("telegram", PHONE) is True
        assert opt_outs.opted_out("sms", PHONE) and opt_outs.opted_out("sms", "+15550000000")
        assert opt_outs.opt_in("sms", PHONE) is True
        assert opt_outs.opted_out("sms", "+15550000000")
        # Another number's STOP silences that number only.
        assert not opt_outs.opted_out("sms", PHONE)
        assert not opt_outs.opted_out("sms", "+15550000001")


class TestButtonPayloads:
    def test_a_long_payload_travels_as_a_short_id(self, engine: Engine) -> None:
        buttons = ButtonPayloads(engine)
        payload = '/choose_slot{"appointment_start_time": "2026-12-01T09:20:00+01:00"} ÅØ'
        short = buttons.short_id(payload)
        assert len(short.encode()) <= 32 and short == buttons.short_id(payload)
        assert ButtonPayloads(engine).payload_of(short) == payload
        assert buttons.payload_of("b:unknown") is None


class TestDeliveries:
    def test_the_latest_status_is_kept_and_failures_listed(self, engine: Engine) -> None:
        clock = Clock()
        deliveries = MessageDeliveries(engine, clock=clock)
        deliveries.record("sms", "SM1", "queued", conversation_id="sms-1")
        clock.now += timedelta(seconds=5)
        deliveries.record("sms", "SM1", "undelivered", error_code="30003")
        deliveries.record("sms", "SM2", "delivered")
        got = deliveries.get("sms", "SM1")
        assert got is not None and got.status == "undelivered" and got.error_code == "30003"
        assert got.conversation_id == "sms-1"  # not lost by a callback without it
        assert [d.message_id for d in deliveries.failed("sms")] == ["SM1"]


class TestContinuityCodes:
    def test_a_code_joins_once_and_only_before_it_expires(self, engine: Engine) -> None:
        clock = Clock()
        codes = ContinuityCodes(engine, clock=clock)
        code = codes.issue("webchat-1")
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
        spaced = f"{code[:3].lower()} {code[3:]}"
        assert codes.redeem(spaced, channel="sms") == "webchat-1"
        assert codes.redeem(code, channel="sms") is None
        late = codes.issue("webchat-1")
        clock.now += timedelta(minutes=10)
        assert codes.redeem(late, channel="telegram") is None

    def test_two_redeemers_at_once_one_wins(self, engine: Engine) -> None:
        codes = ContinuityCodes(engine)
        code = codes.issue("webchat-2")
        with ThreadPoolExecutor(4) as pool:
            results: List = list(pool.map(lambda _: codes.redeem(code, channel="sms"), range(8)))
        assert results.count("webchat-2") == 1


def test_conversation_of_joins_by_code_and_otherwise_keeps_the_text(store_url: str) -> None:
    upgrade(store_url)
    store = Store(store_url)
    code = store.codes.issue("webchat-3")
    assert asyncio.run(conversation_of(store, "sms", PHONE, "THANKS")) == (
        store.identities.conversation_for("sms", PHONE),
        "THANKS",
    )
    assert asyncio.run(conversation_of(store, "sms", PHONE, f" {code} ")) == (
        "webchat-3",
        CONTINUED_MESSAGE,
    )
    assert asyncio.run(conversation_of(store, "sms", PHONE, "hello"))[0] == "webchat-3"
    store.engine.dispose()



def test_a_join_that_fails_leaves_the_code_unused(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redeem and join are one unit of work: a failed join does not use the code up."""
    upgrade(store_url)
    store = Store(store_url)
    code = store.codes.issue("webchat-4")

    def broken_join(channel: str, address: str, conversation_id: str) -> None:
        store.identities.conversation_for(channel, address)  # a write, rolled back too
        raise StoreError("channel_identities join: the database went away")

    monkeypatch.setattr(store.identities, "join", broken_join)
    with pytest.raises(StoreError):
        asyncio.run(conversation_of(store, "sms", PHONE, code))
    monkeypatch.undo()
    assert store.identities.address_of("sms", "webchat-4") is None
    joined = asyncio.run(conversation_of(store, "sms", PHONE, code))
    assert joined == ("webchat-4", CONTINUED_MESSAGE)
    store.engine.dispose()

CHANNEL_TABLES = {
    "channel_identities",
    "channel_opt_outs",
    "continuity_codes",
    "button_payloads",
    "message_deliveries",
    "forwarded_applications",
    "conversation_deletions",
}


def test_revision_0003_adds_the_channel_tables_and_its_downgrade_drops_only_them(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    import sqlalchemy as sa
    from alembic import command

    from bot.store.schema import alembic_config, current_revision

    url = f"sqlite:///{tmp_path / 'steps.db'}"
    upgrade(url, "0002")
    engine = create_engine_for(url)
    try:
        before = set(sa.inspect(engine).get_table_names())
        assert not CHANNEL_TABLES & before
        upgrade(url, "0003")
        assert CHANNEL_TABLES <= set(sa.inspect(engine).get_table_names())
        ChannelOptOuts(engine).opt_out("sms", PHONE)
        command.downgrade(alembic_config(url), "0002")
        assert current_revision(url) == "0002"
        assert set(sa.inspect(engine).get_table_names()) == before
    finally:
        engine.dispose()
