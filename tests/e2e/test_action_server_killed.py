"""The action server killed right after the CMS accepted: one case, and the citizen is told.

The reference CMS keeps a new case at once and answers it 8 s later
(NSSA_CMS_CASE_ANSWER_DELAY), so the test can kill the action server
between the two: the case exists, the action never heard of it. The request
was kept in the outbox before it was sent (actions/citizen_requests/
sending.py); once the action server is back, the outbox worker sends it
again with the same Idempotency-Key, the CMS answers with the case it made,
and the citizen gets its reference.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Dict, List

import pytest

from tests.e2e.conftest import run_assistant, wait_until
from tests.e2e.test_requests import reference_in

pytestmark = pytest.mark.e2e

CALLBACK = ("call me back", "Lars Holm", "0412 000 111", "1", "my pension")
SENT = "Your request has now been sent. Your reference number is"


@pytest.fixture(scope="module")
def slow_cms(tmp_path_factory, model):
    var = tmp_path_factory.mktemp("var-killed")
    yield from run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        backend_env={"NSSA_CMS_CASE_ANSWER_DELAY": "8"},
    )


def test_killed_after_the_cms_accepted_still_one_case_and_the_citizen_is_told(slow_cms) -> None:
    sender = "killed-1"
    conversation = slow_cms.conversation(sender)
    summary = slow_cms.texts(sender, *CALLBACK)
    assert any("Is this correct? 1 Yes, send it" in t for t in summary)
    before = {row[0] for row in slow_cms.cms_cases()}

    answer: Dict[str, List[str]] = {}
    confirm = threading.Thread(target=lambda: answer.update(reply=slow_cms.texts(sender, "1")))
    confirm.start()
    new_cases = wait_until(
        lambda: [row for row in slow_cms.cms_cases() if row[0] not in before],
        "the CMS keeps the case", timeout=30)
    actions = slow_cms.process("action server")
    assert actions.process is not None and actions.process.poll() is None
    # Killed while the CMS still holds its answer back.
    os.killpg(actions.process.pid, signal.SIGKILL)
    actions.process.wait()
    confirm.join(60)
    assert not confirm.is_alive()
    [case] = new_cases
    assert case[2] == "callback_request"
    # The action died before it could say anything about the case.
    assert not any("NSSA-" in text for text in answer["reply"])

    actions.stop()
    actions.start()
    actions.wait_healthy(180)
    # The citizen writes again; whatever they are told now, no second case is opened.
    slow_cms.texts(sender, "1")

    # The worker sends the kept request again with the same key and tells the citizen.
    told = wait_until(
        lambda: [t for t in slow_cms.bot_texts(conversation) if t.startswith(SENT)],
        "the citizen is told the reference", timeout=150)
    assert reference_in(told) == case[0]
    callbacks = [row for row in slow_cms.cms_cases() if row[0] not in before]
    assert [row[0] for row in callbacks] == [case[0]], "exactly one case"
    # Told once: the worker marks the row told, and nothing sends it again.
    time.sleep(6)
    assert len([t for t in slow_cms.bot_texts(conversation) if t.startswith(SENT)]) == 1
    assert [row[0] for row in slow_cms.cms_cases() if row[0] not in before] == [case[0]]
