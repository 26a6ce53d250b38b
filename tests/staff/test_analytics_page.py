"""The analyst's page (staff/analytics.py): tables, the plot, CSV, who may see it."""

from __future__ import annotations

import csv
import io
import json

from staff.accounts import Accounts
from tests.staff.conftest import NOW, PASSWORD, Staff, _events


def _record(staff: Staff) -> None:
    """Two webchat conversations (one answered, one not understood) and one on SMS."""
    at = NOW.timestamp() - 86400
    rows = []
    for sender, channel, intent in (("w1", "webchat", "ask_pension"),
                                    ("w2", "webchat", "nlu_fallback"),
                                    ("s1", "sms", "ask_pension")):
        parse = {"intent": {"name": intent},
                 "intent_ranking": [{"name": intent}, {"name": "ask_housing"}]}
        rows.append({"sender_id": sender, "type_name": "user", "timestamp": at,
                     "intent_name": intent, "action_name": None,
                     "data": json.dumps({"event": "user", "text": "my id 85031212345",
                                         "input_channel": channel, "parse_data": parse})})
        rows.append({"sender_id": sender, "type_name": "bot", "timestamp": at + 1,
                     "intent_name": None, "action_name": None,
                     "data": json.dumps({"event": "bot", "text": "an answer"})})
    # w1 answered "Did this help?" with Yes (actions/satisfaction.py's slot).
    rows.append({"sender_id": "w1", "type_name": "slot", "timestamp": at + 2,
                 "intent_name": None, "action_name": "satisfaction",
                 "data": json.dumps({"event": "slot", "name": "satisfaction", "value": "yes"})})
    with staff.engine.begin() as connection:
        connection.execute(_events.insert(), rows)


async def test_analyst_sees_the_figures_without_personal_data(staff: Staff) -> None:
    Accounts(staff.engine).add("ann", "analyst", PASSWORD)
    _record(staff)
    ann = await staff.sign_in("ann")
    status, page = await ann.page("/analytics?period=week")
    assert status == 200, page
    assert "<dt>Conversations</dt><dd>3</dd>" in page
    assert "<dt>Contained</dt><dd>2 (66.7 %)</dd>" in page
    assert '<dt>Satisfaction ("Did this help?" Yes)</dt><dd>100.0 % of 1</dd>' in page
    assert '<th scope="row">ask_pension</th><td>2</td><td>2</td><td>100.0 % of 1</td>' in page
    assert '<th scope="row">ask_housing</th><td>1</td>' in page
    assert "85031212345" not in page and "w1" not in page
    status, svg = await ann.page("/analytics/plot.svg")
    assert status == 200 and svg.lstrip().startswith("<?xml") and "<svg" in svg
    status, text = await ann.page("/analytics.csv?period=day")
    assert status == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["group", "key", "conversations"]
    assert ["channel", "webchat", "2", "2", "1"] == rows[-1][:5]


async def test_analytics_refuses_bad_input_and_other_roles(staff: Staff) -> None:
    Accounts(staff.engine).add("ann", "analyst", PASSWORD)
    ann = await staff.sign_in("ann")
    for query in ("since=yesterday", "period=month"):
        status, _ = await ann.page(f"/analytics?{query}")
        assert status == 400, query
    alice = await staff.sign_in("alice")
    status, _ = await alice.page("/analytics")
    assert status == 403
