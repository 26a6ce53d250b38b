"""The figures: containment, fallbacks, hand-overs, satisfaction, cost and benefit.

`compute_metrics` returns a JSON-ready dict. Its top level has
`conversations`, `messages`, `contained`, `fallbacks`, `handovers`,
`callbacks`, the rates (`containment_rate`, `fallback_rate`, `handover_rate`,
a share of conversations; None when there are none) and `csat` (the share of
"Yes" among the answers to "Did this help?", None when nobody answered), then
`by_channel`, `by_period`, `by_topic`, `unanswered`, `busiest_hours`,
`requests`, `handover_reasons`, `advisor_wait_median_seconds` and `cost`.

A conversation is contained when the assistant answered at least one message
it understood, no hand-over and no call-back happened, and its last message
was understood (no fallback at the end).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy.engine import Engine

from bot.metrics import queries

__all__ = ["Period", "PERIODS", "compute_metrics", "cost_and_benefit", "flat_rows"]

Period = str  # "day" or "week"
PERIODS = ("day", "week")


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def _period_key(started: float, period: Period) -> str:
    day = dt.datetime.fromtimestamp(started, dt.timezone.utc).date()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _blank() -> Dict[str, int]:
    return {"conversations": 0, "messages": 0, "contained": 0, "fallbacks": 0,
            "handovers": 0, "callbacks": 0}


def _with_rates(totals: Dict[str, int]) -> Dict[str, Any]:
    figures: Dict[str, Any] = dict(totals)
    figures["containment_rate"] = _rate(totals["contained"], totals["conversations"])
    figures["fallback_rate"] = _rate(totals["fallbacks"], totals["conversations"])
    figures["handover_rate"] = _rate(totals["handovers"], totals["conversations"])
    return figures


def cost_and_benefit(
    contained_by_channel: Mapping[str, int], costs: Mapping[str, float], currency: str
) -> Dict[str, Any]:
    """The phone cost the contained conversations would have had, less their own cost."""
    phone = costs["phone"]
    handled = sum(contained_by_channel.values())
    channel_cost = sum(costs.get(channel, 0.0) * count
                       for channel, count in contained_by_channel.items())
    would_have_cost = phone * handled
    return {
        "currency": currency,
        "contacts_handled": handled,
        "phone_cost_per_contact": phone,
        "cost_per_contact": dict(costs),
        "phone_cost_avoided": round(would_have_cost, 2),
        "channel_cost": round(channel_cost, 2),
        "estimated_saving": round(would_have_cost - channel_cost, 2),
        "assumptions": [
            "Each contained conversation would otherwise have been one phone call.",
            "Conversations handed to an advisor, ending in a call-back or in a "
            "misunderstanding are not counted as handled.",
            "Costs per contact are NSSA_CONTACT_COSTS (default: Socitm Insight 2012, "
            "UK councils' average: telephone 2.83, web 0.15; SMS 0.25 assumed).",
        ],
    }


def compute_metrics(
    engine: Engine,
    since: Optional[dt.datetime] = None,
    period: Period = "day",
    costs: Optional[Mapping[str, float]] = None,
    currency: str = "GBP",
) -> Dict[str, Any]:
    """All the figures from the store behind `engine`, from `since` on (UTC)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if costs is None:
        from bot.setting_values import DEFAULT_CONTACT_COSTS, contact_costs

        costs = contact_costs(DEFAULT_CONTACT_COSTS)
    start = since.timestamp() if since is not None else None
    with engine.connect() as connection:
        if queries.has_events(connection):
            rows = queries.conversation_rows(connection, start)
            topics = queries.topic_rows(connection, start)
            unanswered = queries.unanswered_rows(connection, start)
            requests = queries.request_rows(connection, start)
        else:
            rows, topics, unanswered, requests = [], [], [], {}
        handover_list = queries.handover_rows(connection, start)

    totals = _blank()
    by_channel: Dict[str, Dict[str, int]] = defaultdict(_blank)
    by_period: Dict[str, Dict[str, int]] = defaultdict(_blank)
    hours: Counter = Counter()
    yes = no = 0
    for (started, channel, messages, answers, fallbacks, last_understood, last_fallback,
         handed, callbacks, helped_yes, helped_no) in rows:
        messages, fallbacks, handed, callbacks = (int(messages or 0), int(fallbacks or 0),
                                                  int(handed or 0), int(callbacks or 0))
        if not messages:
            continue  # a session started and nothing typed: not a conversation
        fallback_at_end = last_fallback is not None and (
            last_understood is None or last_fallback > last_understood
        )
        contained = bool(answers) and last_understood is not None and not (
            handed or callbacks or fallback_at_end
        )
        counts = {"conversations": 1, "messages": messages, "contained": int(contained),
                  "fallbacks": int(fallbacks > 0), "handovers": int(handed > 0),
                  "callbacks": int(callbacks > 0)}
        for bucket in (totals, by_channel[channel or "unknown"],
                       by_period[_period_key(started, period)]):
            for key, value in counts.items():
                bucket[key] += value
        hours[dt.datetime.fromtimestamp(started, dt.timezone.utc).hour] += 1
        yes += int(helped_yes or 0)
        no += int(helped_no or 0)

    waits = [(taken - requested).total_seconds() for _, _, requested, taken in handover_list
             if taken is not None]
    figures = _with_rates(totals)
    figures.update({
        "since": since.isoformat() if since is not None else None,
        "period": period,
        "csat": _rate(yes, yes + no),
        "csat_answers": yes + no,
        "csat_note": "share of 'Yes' to 'Did this help?' (intents helped_yes/helped_no); "
                     "null when nobody answered",
        "by_channel": {name: _with_rates(bucket) for name, bucket in sorted(by_channel.items())},
        "by_period": {key: _with_rates(bucket) for key, bucket in sorted(by_period.items())},
        "by_topic": [{"topic": name, "conversations": c, "messages": m}
                     for name, c, m in topics],
        "unanswered": [{"closest_answer": name or "none", "messages": count}
                       for name, count in unanswered],
        "busiest_hours": [{"hour_utc": hour, "conversations": count}
                          for hour, count in sorted(hours.items(), key=lambda h: (-h[1], h[0]))],
        "requests": {kind: {"started": c.get("started", 0), "sent": c.get("sent", 0),
                            "failed": c.get("failed", 0), "pending": c.get("pending", 0)}
                     for kind, c in sorted(requests.items())},
        "handover_reasons": dict(Counter(reason for reason, *_ in handover_list).most_common()),
        "advisor_wait_median_seconds": round(statistics.median(waits), 1) if waits else None,
        "cost": cost_and_benefit({name: b["contained"] for name, b in by_channel.items()},
                                 costs, currency),
    })
    return figures


def flat_rows(figures: Mapping[str, Any]) -> List[List[Any]]:
    """The figures per period and per channel as CSV rows (header first)."""
    header = ["group", "key", "conversations", "messages", "contained", "fallbacks",
              "handovers", "callbacks", "containment_rate", "fallback_rate", "handover_rate"]
    rows: List[List[Any]] = [header]
    for group in ("by_period", "by_channel"):
        for key, bucket in figures[group].items():
            rows.append([group[3:], key] + [bucket[name] for name in header[2:]])
    return rows
