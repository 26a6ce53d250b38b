"""The figures: containment, fallbacks, hand-overs, satisfaction, cost and benefit.

`compute_metrics` returns a JSON-ready dict. Its top level has
`conversations`, `messages`, `contained`, `fallbacks`, `handovers`,
`callbacks`, the rates (`containment_rate`, `fallback_rate`, `handover_rate`,
a share of conversations; None when there are none), `csat` (the share of
"Yes" among the answers to "Did this help?", None when nobody answered) and
`csat_answers` (how many answered), then
`by_channel`, `by_period`, `by_topic`, `unanswered`, `busiest_hours`,
`requests`, `handover_reasons`, `advisor_wait_median_seconds` and `cost`.

Every figure is summed in the database over the per-conversation summaries
(`bot.store.summaries`, `bot.metrics.queries`); here only the days are
rolled into weeks and the channels and days into totals. Per channel, period
and topic the same figures come with their own `csat` and `csat_answers`.

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
from bot.store import summaries

__all__ = ["Period", "PERIODS", "compute_metrics", "cost_and_benefit", "flat_rows"]

Period = str  # "day" or "week"
PERIODS = ("day", "week")


def _rate(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


def _period_key(day: str, period: Period) -> str:
    if period == "week":
        year, week, _ = dt.date.fromisoformat(day).isocalendar()
        return f"{year}-W{week:02d}"
    return day


_SUMMED = ("conversations", "messages", "contained", "fallbacks", "handovers", "callbacks",
           "helped_yes", "helped_no")


def _blank() -> Dict[str, int]:
    return {name: 0 for name in _SUMMED}


def _csat(yes: int, no: int) -> Dict[str, Any]:
    return {"csat": _rate(yes, yes + no), "csat_answers": yes + no}


def _with_rates(totals: Dict[str, int]) -> Dict[str, Any]:
    figures: Dict[str, Any] = {k: v for k, v in totals.items() if not k.startswith("helped")}
    figures["containment_rate"] = _rate(totals["contained"], totals["conversations"])
    figures["fallback_rate"] = _rate(totals["fallbacks"], totals["conversations"])
    figures["handover_rate"] = _rate(totals["handovers"], totals["conversations"])
    figures.update(_csat(totals["helped_yes"], totals["helped_no"]))
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
    summaries.ensure(engine)
    with engine.connect() as connection:
        days = queries.day_rows(connection, start)
        hours = queries.hour_rows(connection, start)
        topics = queries.count_rows(connection, "topic", start, limit=20)
        topic_csat = queries.csat_rows(connection, "topic", [row[0] for row in topics], start)
        unanswered = queries.count_rows(connection, "unanswered", start, limit=10)
        requests = queries.request_rows(connection, start)
        handover_list = queries.handover_rows(connection, start)

    totals = _blank()
    by_channel: Dict[str, Dict[str, int]] = defaultdict(_blank)
    by_period: Dict[str, Dict[str, int]] = defaultdict(_blank)
    for day, channel, *sums in days:
        for bucket in (totals, by_channel[channel or "unknown"],
                       by_period[_period_key(day, period)]):
            for name, value in zip(_SUMMED, sums, strict=True):
                bucket[name] += int(value or 0)

    waits = [(taken - requested).total_seconds() for _, _, requested, taken in handover_list
             if taken is not None]
    figures = _with_rates(totals)
    figures.update({
        "since": since.isoformat() if since is not None else None,
        "period": period,
        "csat_note": "share of 'Yes' to 'Did this help?' (slot satisfaction set to yes or no) "
                     "among the conversations that answered it; null when nobody answered",
        "by_channel": {name: _with_rates(bucket) for name, bucket in sorted(by_channel.items())},
        "by_period": {key: _with_rates(bucket) for key, bucket in sorted(by_period.items())},
        "by_topic": [{"topic": name, "conversations": c, "messages": int(m),
                      **_csat(*topic_csat.get(name, (0, 0)))}
                     for name, c, m in topics],
        "unanswered": [{"closest_answer": name, "messages": int(m)}
                       for name, _, m in unanswered],
        "busiest_hours": [{"hour_utc": hour, "conversations": count}
                          for hour, count in sorted(hours, key=lambda h: (-h[1], h[0]))],
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
              "handovers", "callbacks", "containment_rate", "fallback_rate", "handover_rate",
              "csat", "csat_answers"]
    rows: List[List[Any]] = [header]
    for group in ("by_period", "by_channel"):
        for key, bucket in figures[group].items():
            rows.append([group[3:], key] + [bucket[name] for name in header[2:]])
    return rows
