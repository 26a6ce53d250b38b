"""CMS failure modes (NSSA_CMS_FAIL_MODE / NSSA_CMS_FAIL_COUNT): 429, 503 and down."""

from __future__ import annotations

import pytest

from backends.cms.context import CMS
from tests.backends.conftest import otp_codes


@pytest.mark.parametrize("mode,code", [("429", "rate_limited"), ("503", "unavailable")])
async def test_first_requests_of_each_kind_fail_then_work(start_cms, mode: str, code: str) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(
        NSSA_CMS_FAIL_MODE=mode, NSSA_CMS_FAIL_COUNT="2", NSSA_CMS_RETRY_AFTER="3"
    ) as cms:
        for _ in range(2):
            reply = await cms.get("/v1/persons/P-1001")
            assert (reply.status, reply.body["code"]) == (int(mode), code)
            assert reply.headers["Retry-After"] == "3"
        assert (await cms.get("/v1/persons/P-1001")).status == 200
        # The same kind: the route counts, not the URL.
        assert (await cms.get("/v1/persons/P-1002")).status == 200
        assert (await cms.get("/v1/persons/P-1001/cases")).status == int(mode)  # another kind
        assert (await cms.get("/v1/health", auth=False)).status == 200  # start-up checks still work


async def test_a_failed_creating_post_creates_nothing(start_cms) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(NSSA_CMS_FAIL_MODE="503", NSSA_CMS_FAIL_COUNT="1") as cms:
        assert (await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k")).status == 503
        assert otp_codes(cms.app[CMS].settings) == []
        assert (await cms.post("/v1/identity/otp", {"person_id": "P-1001"}, key="k")).status == 201
        assert len(otp_codes(cms.app[CMS].settings)) == 1


async def test_down_answers_503_to_everything(start_cms) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(NSSA_CMS_FAIL_MODE="down") as cms:
        for _ in range(3):
            health = await cms.get("/v1/health", auth=False)
            assert health.status == 503 and health.headers["Retry-After"] == "1"
        assert (await cms.get("/v1/offices", auth=False)).status == 503
        assert (await cms.post("/v1/identity/verify", {}, key=None)).status == 503


async def test_zero_count_means_no_failures(start_cms) -> None:  # type: ignore[no-untyped-def]
    async with start_cms(NSSA_CMS_FAIL_MODE="429", NSSA_CMS_FAIL_COUNT="0") as cms:
        assert (await cms.get("/v1/persons/P-1001")).status == 200


async def test_a_slow_case_answer_comes_after_the_case_is_kept(start_cms) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from backends.cms.store import list_cases

    body = {"type": "callback_request", "channel": "web", "verification_level": 0,
            "fields": {"name": "Anna", "phone_number": "0412345678", "time_window": "afternoon",
                       "topic": "Pension"}}
    async with start_cms(NSSA_CMS_CASE_ANSWER_DELAY="1.5") as cms:
        engine = cms.app[CMS].engine
        with engine.connect() as connection:
            seeded = {row.reference for row in list_cases(connection)}
        answer = asyncio.create_task(cms.post("/v1/cases", body, key="slow-1"))
        new = []
        for _ in range(40):
            await asyncio.sleep(0.05)
            with engine.connect() as connection:
                new = [r.reference for r in list_cases(connection) if r.reference not in seeded]
            if new:
                break
        assert len(new) == 1 and not answer.done(), "the case must exist before the answer"
        reply = await answer
        assert reply.status == 201 and reply.body["reference"] == new[0]
        # Other requests are not slowed down.
        assert (await cms.get("/v1/persons/P-1001")).status == 200
