"""Forwarded Housing Office applications on SQLite and PostgreSQL; the worker records them."""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestServer

from actions.citizen_requests.housing_submit import HOUSING_OUTBOX_KIND, housing_outbox_payload
from backends.housing import create_app as create_housing_app
from bot.errors import StoreError
from bot.settings import load_settings
from bot.store.db import create_engine_for
from bot.store.delivery import deliver_due
from bot.store.forwarded import ForwardedApplications
from bot.store.outbox import Outbox
from bot.store.schema import upgrade
from bot.worker import deliver_housing_application
from clients.housing import housing_application
from tests.backends.conftest import API_KEY, housing_settings_for


@pytest.fixture
def forwarded(store_url: str) -> Iterator[ForwardedApplications]:
    upgrade(store_url)
    engine = create_engine_for(store_url)
    yield ForwardedApplications(engine)
    engine.dispose()


class TestForwardedApplications:
    def test_record_and_find_the_persons_own(self, forwarded: ForwardedApplications) -> None:
        assert forwarded.record("HO-12345678", "P-1001", "conv-1") is True
        assert forwarded.belongs_to("HO-12345678", "P-1001")
        assert not forwarded.belongs_to("HO-12345678", "P-1002")
        assert not forwarded.belongs_to("HO-87654321", "P-1001")
        assert [a.application_number for a in forwarded.of_person("P-1001")] == ["HO-12345678"]
        assert forwarded.of_person("P-1002") == []

    def test_recording_again_keeps_the_first_owner(self, forwarded: ForwardedApplications) -> None:
        assert forwarded.record("HO-12345678", "P-1001", "conv-1") is True
        assert forwarded.record("HO-12345678", "P-1001", "conv-1") is False
        assert forwarded.record("HO-12345678", "P-9999", "conv-2") is False
        assert not forwarded.belongs_to("HO-12345678", "P-9999")
        assert len(forwarded.of_person("P-1001")) == 1

    def test_newest_first_with_aware_times(self, store_url: str) -> None:
        upgrade(store_url)
        start = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
        times = (start + timedelta(days=i) for i in itertools.count())
        repo = ForwardedApplications(create_engine_for(store_url), clock=lambda: next(times))
        for number in ("HO-10000001", "HO-10000003", "HO-10000002"):
            repo.record(number, "P-1001", "conv-1")
        found = repo.of_person("P-1001")
        numbers = [a.application_number for a in found]
        assert numbers == ["HO-10000002", "HO-10000003", "HO-10000001"]
        assert found[0].created_at == start + timedelta(days=2)
        assert found[0].conversation_id == "conv-1"

    def test_at_the_same_time_the_higher_number_first(self, store_url: str) -> None:
        upgrade(store_url)
        at = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
        repo = ForwardedApplications(create_engine_for(store_url), clock=lambda: at)
        for number in ("HO-10000001", "HO-10000002"):
            repo.record(number, "P-1001", "conv-1")
        found = [a.application_number for a in repo.of_person("P-1001")]
        assert found == ["HO-10000002", "HO-10000001"]

    def test_a_number_of_another_form_is_named(self, forwarded: ForwardedApplications) -> None:
        with pytest.raises(ValueError, match="^application_number must be HO- and 8 digits$"):
            forwarded.record("HO-1", "P-1", "c")

    @pytest.mark.parametrize(
        "args, message",
        [
            (("HO-1234567", "P-1", "c"), "application_number"),
            (("ho-12345678", "P-1", "c"), "application_number"),
            (("NSSA-2026-000123", "P-1", "c"), "application_number"),
            (("HO-12345678", "", "c"), "person_id"),
            (("HO-12345678", "P-1", ""), "conversation_id"),
            (("HO-12345678", "P" * 65, "c"), "person_id"),
        ],
    )
    def test_bad_values_are_refused_by_name(
        self, forwarded: ForwardedApplications, args, message
    ) -> None:
        with pytest.raises(ValueError, match=message):
            forwarded.record(*args)
        assert forwarded.of_person("P-1") == []

    def test_concurrent_records_of_one_number_keep_one_row(
        self, forwarded: ForwardedApplications, store_url: str
    ) -> None:
        results, errors = [], []

        def record(person: str) -> None:
            try:
                results.append(forwarded.record("HO-55555555", person, "conv-x"))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=record, args=(f"P-{i % 2}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors and results.count(True) == 1
        with create_engine_for(store_url).connect() as connection:
            count = connection.execute(sa.text("SELECT COUNT(*) FROM forwarded_applications"))
            assert count.scalar() == 1

    def test_a_missing_table_is_a_store_error(self, tmp_path: Path) -> None:
        repo = ForwardedApplications(create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}"))
        with pytest.raises(StoreError, match="forwarded_applications"):
            repo.of_person("P-1001")


def _application(reference: str) -> dict:
    return housing_application(
        client_reference=reference, national_id="85031212345", full_name="Anna Berg",
        date_of_birth="1985-03-12", street="Harbour Street 12", postcode="3100",
        city="Eastmere", household_size=2, monthly_rent_cents=75000,
        monthly_household_income_cents=180000,
    )


async def test_worker_records_the_application_it_forwards(tmp_path: Path) -> None:
    app = create_housing_app(housing_settings_for(tmp_path / "housing"))
    store = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(store)
    engine = create_engine_for(store)
    outbox, forwarded = Outbox(engine), ForwardedApplications(engine)
    async with TestServer(app, host="127.0.0.1") as server:
        settings = load_settings(environ={
            "NSSA_HOUSING_URL": str(server.make_url("")).rstrip("/"),
            "NSSA_HOUSING_API_KEY": API_KEY,
        })
        handlers = {HOUSING_OUTBOX_KIND: deliver_housing_application(settings, forwarded)}
        payload = housing_outbox_payload(_application("key-1"), "P-1001", "conv-anna")
        outbox.add(HOUSING_OUTBOX_KIND, "conv-anna", "rest", "key-1", payload)
        # A kept application from before the envelope: sent, nobody to record it for.
        outbox.add(HOUSING_OUTBOX_KIND, "conv-old", "rest", "key-2", _application("key-2"))
        assert await deliver_due(outbox, handlers) == 2
        [mine] = forwarded.of_person("P-1001")
        assert mine.conversation_id == "conv-anna"
        delivered = {i.idempotency_key: i.result["reference"]
                     for i in outbox.undelivered_notifications(None, 10)}
        assert delivered["key-1"] == mine.application_number
        assert delivered["key-2"] != mine.application_number
        assert not forwarded.belongs_to(delivered["key-2"], "P-1001")

        # Sent again with the same clientReference (a worker that died before
        # recording): the Housing Office gives the same number, still one row.
        handler = handlers[HOUSING_OUTBOX_KIND]
        again = await handler(payload, "key-1")
        assert again == {"reference": mine.application_number}
        assert len(forwarded.of_person("P-1001")) == 1
    engine.dispose()
