"""Back-end faults: each request opens exactly one case, and the citizen is told."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import run_assistant
from tests.e2e.test_requests import reference_in

pytestmark = pytest.mark.e2e

CALLBACK = ("call me back", "Lars Holm", "0412 000 111", "1", "my pension")


@pytest.fixture(scope="module")
def flaky_cms(tmp_path_factory, model):
    """The CMS answers 503 to the first 4 requests of each kind.

    The action tries 3 times, so the request goes to the outbox; the worker
    sends it on its next round.
    """
    var = tmp_path_factory.mktemp("var-flaky")
    yield from run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        backend_env={"NSSA_CMS_FAIL_MODE": "503", "NSSA_CMS_FAIL_COUNT": "4",
                     "NSSA_CMS_RETRY_AFTER": "0"},
    )


def test_unavailable_cms_keeps_the_request_and_sends_it_later(flaky_cms) -> None:
    sender = "fault-1"
    flaky_cms.texts(sender, *CALLBACK)
    reply = flaky_cms.texts(sender, "1")
    assert reply == [
        "We have saved your request. Our case system is not available right now. We will "
        "send your request as soon as possible and then send you the reference number. "
        "You don't need to do anything."
    ]
    deadline = time.monotonic() + 60
    sent = []
    while time.monotonic() < deadline and not sent:
        events = flaky_cms.tracker(flaky_cms.conversation(sender))["events"]
        sent = [e["text"] for e in events
                if e["event"] == "bot" and "has now been sent" in e["text"]]
        time.sleep(1)
    assert sent, "the worker did not deliver the kept request"
    reference = reference_in(sent)
    callbacks = [r for r in flaky_cms.cms_cases() if r[2] == "callback_request"]
    assert [r[0] for r in callbacks] == [reference]


def test_cms_503_on_first_tries_still_opens_one_case(flaky_cms) -> None:
    # The kind's first 4 requests were used above; this one succeeds at once,
    # and the same confirmed answers in another turn do not open a second case.
    before = len(flaky_cms.cms_cases())
    flaky_cms.texts("fault-2", *CALLBACK)
    reference = reference_in(flaky_cms.texts("fault-2", "1"))
    assert len(flaky_cms.cms_cases()) == before + 1
    assert [r[0] for r in flaky_cms.cms_cases()].count(reference) == 1
