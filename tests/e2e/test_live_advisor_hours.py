"""Outside advisor hours an advisor present does not change the offer (issue 11), end to end.

The assistant runs with advisor hours on every day but today
(NSSA_ADVISOR_HOURS, in UTC), an advisor is marked present, and a web chat
citizen asks for a person twice: the outside-hours text and the call-back
offer, and nothing in the queue.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from tests.e2e.conftest import Assistant, run_assistant
from tests.e2e.test_live_advisor import ASK_PERSON, CONNECT, OUTSIDE_HOURS, Console, WebChat

pytestmark = pytest.mark.e2e

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.fixture(scope="module")
def closed_today(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    today = datetime.now(timezone.utc).weekday()
    hours = f"{_DAYS[(today + 1) % 7]}-{_DAYS[(today + 6) % 7]} 00:00-24:00"
    var = tmp_path_factory.mktemp("var-closed")
    yield from run_assistant(var, model, f"sqlite:///{var / 'nssa.db'}", settings_env={
        "NSSA_ADVISOR_HOURS": hours, "NSSA_ADVISOR_TIMEZONE": "UTC"})


def test_outside_hours_the_offer_is_a_call_back(closed_today: Assistant) -> None:
    console = Console(closed_today)
    console.handovers.set_present("ana", True)
    web = WebChat(closed_today)
    try:
        web.say(ASK_PERSON, until="talk to a person")
        offer = web.say(ASK_PERSON, until=OUTSIDE_HOURS)
        assert CONNECT not in "\n".join(offer)
        assert console.handovers.queue() == []
    finally:
        web.close()
