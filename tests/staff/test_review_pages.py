"""The editors' pages (staff/review.py): the inbox, decisions, who may, the audit log."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import AsyncIterator, Tuple

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import PROJECT_ROOT
from staff import review
from staff.sessions import Sessions, SignInLimit
from staff.web import create_app
from tests.staff.conftest import NOW, Staff, _events


def _record(staff: Staff) -> None:
    """Three ways of asking one thing (not understood) on the web chat, one on SMS."""
    at = NOW.timestamp() - 3600
    rows = []
    for n, (channel, text) in enumerate((("webchat", "can i get my pension paid abroad"),
                                         ("webchat", "can i get my pension paid abroad pls"),
                                         ("webchat", "pension paid abroad?"),
                                         ("sms", "my id is 85031212345, zqx house"))):
        parse = {"intent": {"name": "nlu_fallback", "confidence": 0.2},
                 "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.2},
                                    {"name": "pension", "confidence": 0.1}]}
        rows.append({"sender_id": f"c{n}", "type_name": "user", "timestamp": at + n,
                     "intent_name": "nlu_fallback", "action_name": None,
                     "data": json.dumps({"event": "user", "text": text, "timestamp": at + n,
                                         "input_channel": channel, "parse_data": parse})})
    with staff.engine.begin() as connection:
        connection.execute(_events.insert(), rows)


@pytest.fixture
async def editors(staff: Staff, tmp_path: Path) -> AsyncIterator[Tuple[Staff, Path]]:
    """The console again, its decisions written to a copy of data/."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    app = create_app(staff.console, Sessions(staff.engine, clock=staff.clock),
                     SignInLimit(staff.engine, clock=staff.clock), secure_cookies=False)
    app[review.ROOT] = root
    _record(staff)
    async with TestClient(TestServer(app)) as client:
        yield Staff(client, staff.console, staff.engine, staff.clock, staff.calls), root


async def _post(caller: object, path: str, form: dict) -> Tuple[int, str, str]:
    staff = caller.staff  # type: ignore[attr-defined]
    response = await staff.client.post(
        path, data={"csrf_token": caller.csrf, **form},  # type: ignore[attr-defined]
        headers={"Cookie": f"nssa_staff={caller.cookie}"},  # type: ignore[attr-defined]
        allow_redirects=False)
    return response.status, response.headers.get("Location", ""), await response.text()


async def test_editor_sees_groups_masked_and_filters(editors: Tuple[Staff, Path]) -> None:
    staff, _ = editors
    erin = await staff.sign_in("erin")
    status, page = await erin.page("/review")
    assert status == 200, page
    assert "Open: 2 groups, 4 messages" in page
    assert "85031212345" not in page and "*******2345" in page
    status, page = await erin.page("/review?channel=sms")
    assert "Open: 1 groups, 1 messages" in page
    status, _ = await erin.page("/review?since=yesterday")
    assert status == 400
    assert (await erin.page("/"))[0] == 303


async def test_assign_writes_the_examples_leaves_the_list_and_is_audited(
        editors: Tuple[Staff, Path]) -> None:
    staff, root = editors
    erin = await staff.sign_in("erin")
    _, page = await erin.page("/review?channel=webchat")
    group = re.search(r'name="ids" value="(\d+)"', page)
    assert group
    status, location, _ = await _post(erin, "/review/decide", {
        "ids": group.group(1), "decision": "assign", "answer": "pension/payment",
        "back": "channel=webchat&evil=1"})
    assert status == 303 and location == "/review?channel=webchat&notice=assign"
    assert "    - can i get my pension paid abroad pls\n" in (
        root / "data/topics/pension.yml").read_text()
    _, page = await erin.page(location)
    assert "Open: 0 groups" in page and "Assigned" in page
    audit = staff.console.audit.read()
    assert [e.action for e in audit][:3] == ["open review inbox", "review assign",
                                             "open review inbox"]
    assert audit[1].staff == "erin" and "pension/payment" in (audit[1].detail or "")
    # Decided already: a clear refusal, nothing written twice.
    status, _, page = await _post(erin, "/review/decide", {
        "ids": group.group(1), "decision": "out_of_scope"})
    assert status == 404 and "no open message" in page


async def test_flag_and_new_answers_page(editors: Tuple[Staff, Path]) -> None:
    staff, _ = editors
    erin = await staff.sign_in("erin")
    _, page = await erin.page("/review?channel=sms")
    group = re.search(r'name="ids" value="(\d+)"', page)
    assert group
    status, _, _ = await _post(erin, "/review/decide", {
        "ids": group.group(1), "decision": "new_answer", "label": "house numbers"})
    assert status == 303
    status, page = await erin.page("/review/new-answers")
    assert status == 200 and "house numbers (1 message)" in page and "*******2345" in page
    for form, wanted in (({"ids": "x", "decision": "assign"}, 400),
                         ({"ids": group.group(1), "decision": "drop"}, 422),
                         ({"ids": "1", "decision": "assign", "answer": "no/such"}, 422)):
        assert (await _post(erin, "/review/decide", form))[0] == wanted, form


async def test_other_roles_and_missing_csrf_are_refused(editors: Tuple[Staff, Path]) -> None:
    staff, root = editors
    before = (root / "data/topics/pension.yml").read_text()
    for name in ("alice", "ada"):
        caller = await staff.sign_in(name)
        for path in ("/review", "/review/new-answers", "/review/retrain"):
            assert (await caller.page(path))[0] == 403, (name, path)
        assert (await caller.call("GET", "/api/review/job"))[0] == 403
        assert (await _post(caller, "/review/decide", {"ids": "1", "decision": "out_of_scope"})
                )[0] == 403
    erin = await staff.sign_in("erin")
    response = await staff.client.post("/review/decide", data={"ids": "1", "decision": "x"},
                                       headers={"Cookie": f"nssa_staff={erin.cookie}"})
    assert response.status == 403
    assert (root / "data/topics/pension.yml").read_text() == before


async def test_retrain_page_and_go_live_before_a_comparison(editors: Tuple[Staff, Path]) -> None:
    staff, _ = editors
    erin = await staff.sign_in("erin")
    status, page = await erin.page("/review/retrain")
    assert status == 200 and "State: <strong>idle</strong>" in page
    assert (await erin.call("GET", "/api/review/job")) == (200, {
        "state": "idle", "lines": [], "by": None, "seconds": None, "result": None})
    status, _, _ = await _post(erin, "/review/go-live", {})
    assert status == 409
