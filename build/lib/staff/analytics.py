"""The analyst's page: the figures of bot/metrics as tables, a plot and CSV.

`/analytics` (tables; `?since=YYYY-MM-DD&period=day|week`), `/analytics/plot.svg`
(conversations and contained conversations per period, drawn on the server
with matplotlib) and `/analytics.csv` (per period and per channel). Analysts
and admins only; no personal data is on any of them (bot/metrics).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from typing import Any, Dict, Optional, Tuple

from aiohttp import web

from staff.web import CONSOLE, allow, render

__all__ = ["routes"]

routes = web.RouteTableDef()
ANALYSTS = ("analyst", "admin")


def _query(request: web.Request) -> Tuple[Optional[dt.datetime], str]:
    """`since` and `period` from the query string; 400 when they cannot be used."""
    since_text = request.query.get("since", "").strip()
    period = request.query.get("period", "day")
    if period not in ("day", "week"):
        raise web.HTTPBadRequest(text="period must be day or week")
    if not since_text:
        return None, period
    try:
        since = dt.datetime.fromisoformat(since_text)
    except ValueError:
        raise web.HTTPBadRequest(text="since must be a date like 2026-01-31") from None
    return (since if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)), period


async def _figures(request: web.Request) -> Dict[str, Any]:
    from bot.metrics import compute_metrics
    from bot.settings import load_settings

    since, period = _query(request)
    settings = load_settings()
    engine = request.app[CONSOLE].engine
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: compute_metrics(engine, since, period, settings.contact_costs,
                                      settings.cost_currency))


def _svg(figures: Dict[str, Any]) -> bytes:
    from matplotlib.figure import Figure

    keys = list(figures["by_period"])
    figure = Figure(figsize=(8, 3))
    axes = figure.add_subplot()
    axes.plot(keys, [figures["by_period"][k]["conversations"] for k in keys],
              marker="o", color="#1d4f91", label="Conversations")
    axes.plot(keys, [figures["by_period"][k]["contained"] for k in keys],
              marker="s", linestyle="--", color="#2e7d32", label="Contained")
    axes.set_ylabel("Conversations")
    axes.legend()
    axes.tick_params(axis="x", labelrotation=45, labelsize=7)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


@routes.get("/analytics")
@allow(*ANALYSTS)
async def analytics(request: web.Request) -> web.Response:
    """The figures as tables, with the plot and the cost assumptions."""
    figures = await _figures(request)
    return render(request, "analytics.html", page="analytics", f=figures,
                  query=request.query_string)


@routes.get("/analytics/plot.svg")
@allow(*ANALYSTS)
async def plot(request: web.Request) -> web.Response:
    """Conversations and contained conversations per period (SVG)."""
    figures = await _figures(request)
    body = await asyncio.get_running_loop().run_in_executor(None, _svg, figures)
    return web.Response(body=body, content_type="image/svg+xml")


@routes.get("/analytics.csv")
@allow(*ANALYSTS)
async def export(request: web.Request) -> web.Response:
    """The figures per period and per channel as CSV."""
    from bot.metrics.report import flat_rows

    out = io.StringIO()
    csv.writer(out).writerows(flat_rows(await _figures(request)))
    return web.Response(text=out.getvalue(), content_type="text/csv", headers={
        "Content-Disposition": 'attachment; filename="nssa-analytics.csv"'})
