"""The case worker's side: change a status, send a reminder, announce a payment date.

The same operations serve the CLI (`python -m backends.cms admin ...`) and the
small HTML page at `/admin` (the service token as `?token=`, a Bearer header
or a form field). Each change and its events commit together; the server's
deliverer sends them.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from html import escape
from typing import Optional
from urllib.parse import quote

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.engine import Engine

from backends.cms.casework import STATUSES
from backends.cms.context import CMS
from backends.cms.events import queue_event, queue_reminder
from backends.cms.settings import CmsSettings
from backends.cms.store import case_json, find_person, list_cases, update_case_status
from backends.cms.tables import appointments, deliveries
from backends.common import ApiError

__all__ = ["AdminError", "payment_date_change", "routes", "send_reminder", "set_status"]

routes = web.RouteTableDef()


class AdminError(ValueError):
    """An admin command cannot be carried out; the message says why."""


def set_status(engine: Engine, reference: str, status: str, now: datetime, today: date) -> str:
    """Change a case's status and queue `case.status_changed`; a summary line."""
    if status not in STATUSES:
        raise AdminError(f"Unknown status {status!r}; use one of {', '.join(STATUSES)}.")
    reference = reference.upper()
    with engine.begin() as connection:
        changed = update_case_status(connection, reference, status, now, today)
        if changed is None:
            raise AdminError(f"No case {reference}.")
        old, row = changed
        if old == status:
            return f"{reference} is already {status}; nothing changed."
        if row.person_id is None:
            return f"{reference}: {old} -> {status} (anonymous case, no event)."
        event_id, count = queue_event(
            connection, "case.status_changed", row.person_id, now,
            case=case_json(row), text=case_json(row)["status_text"],
        )
    return f"{reference}: {old} -> {status}; event {event_id} queued for {count} subscriber(s)."


def send_reminder(engine: Engine, settings: CmsSettings, appointment_id: str, now: datetime) -> str:
    """Queue the 24-hour reminder of an appointment now; a summary line."""
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(appointments).where(appointments.c.appointment_id == appointment_id)
        ).first()
        if row is None:
            raise AdminError(f"No appointment {appointment_id}.")
        event_id = queue_reminder(connection, row, now, settings)
    return f"Reminder for {appointment_id} queued as event {event_id}."


def payment_date_change(engine: Engine, person_id: str, text: str, now: datetime) -> str:
    """Queue `payment.date_changed` for a person with the citizen's text."""
    if not text.strip():
        raise AdminError(
            "Give the text for the citizen, e.g. 'Your pension is paid on 18 December'."
        )
    with engine.begin() as connection:
        if find_person(connection, person_id) is None:
            raise AdminError(f"No person {person_id}.")
        event_id, count = queue_event(
            connection, "payment.date_changed", person_id, now, text=text.strip()
        )
    return (f"Payment date change for {person_id} queued as event {event_id} "
            f"for {count} subscriber(s).")


def _token_ok(request: web.Request, form_token: Optional[str] = None) -> bool:
    expected = request.app[CMS].settings.token
    header = request.headers.get("Authorization", "")
    given = form_token or request.query.get("token") or header.removeprefix("Bearer ").strip()
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _unauthorized() -> web.Response:
    return web.Response(
        status=401, content_type="text/html",
        text="<!doctype html><title>CMS admin</title>"
        "<p>Add ?token=&lt;service token&gt; to the address.</p>",
    )


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NSSA CMS admin</title>
<style>body{{font-family:sans-serif;margin:2em}}
td,th{{padding:.3em .6em;border-bottom:1px solid #ccc;text-align:left}}
.note{{background:#eef;padding:.5em}}</style></head><body>
<h1>NSSA CMS: cases</h1>{note}
<p>Deliveries: {pending} pending, {failed} given up.</p>
<table><tr><th>Reference</th><th>Type</th><th>Person</th><th>Status</th><th>Expected</th><th>Updated</th><th></th></tr>
{rows}</table></body></html>"""

_ROW = """<tr><td>{reference}</td><td>{type}</td><td>{person}</td><td>{status}</td><td>{due}</td>
<td>{updated}</td><td><form method="post" action="/admin/cases/{reference}/status">
<input type="hidden" name="token" value="{token}"><select name="status">{options}</select>
<button>Change</button></form></td></tr>"""


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.Response:
    """Every case with a form to change its status."""
    if not _token_ok(request):
        return _unauthorized()
    context = request.app[CMS]
    token = escape(context.settings.token)
    with context.engine.connect() as connection:
        rows = list_cases(connection)
        counts = dict(
            connection.execute(
                sa.select(deliveries.c.state, sa.func.count()).group_by(deliveries.c.state)
            ).all()
        )
    html_rows = []
    for row in rows:
        options = "".join(
            f'<option{" selected" if s == row.status else ""}>{s}</option>' for s in STATUSES
        )
        html_rows.append(
            _ROW.format(
                reference=escape(row.reference), type=escape(row.type),
                person=escape(row.person_id or "anonymous"), status=escape(row.status),
                due=escape(row.expected_decision_by or ""),
                updated=escape(case_json(row)["updated_at"]),
                token=token, options=options,
            )
        )
    note = request.query.get("note")
    page = _PAGE.format(
        note=f'<p class="note">{escape(note)}</p>' if note else "",
        pending=counts.get("pending", 0), failed=counts.get("failed", 0), rows="\n".join(html_rows),
    )
    return web.Response(text=page, content_type="text/html")


@routes.post("/admin/cases/{reference}/status")
async def admin_set_status(request: web.Request) -> web.Response:
    """Change one case's status from the page's form, then back to the list."""
    try:
        form = await request.post()
    except ValueError:  # a body that is no form (not UTF-8, say)
        raise ApiError(400, "invalid_form", "The body is not a form.") from None
    token = form.get("token")
    if not _token_ok(request, token if isinstance(token, str) else None):
        return _unauthorized()
    context = request.app[CMS]
    try:
        note = set_status(context.engine, request.match_info["reference"],
                          str(form.get("status", "")), context.now(), context.today())
    except AdminError as exc:
        note = str(exc)
    context.deliverer.wake()
    location = f"/admin?token={quote(context.settings.token)}&note={quote(note)}"
    raise web.HTTPSeeOther(location)
