"""The editors' pages: the review inbox, its decisions, retrain -> compare -> go live.

    GET  /review                 open groups (?channel=&topic=&since=&until=), the decisions
    POST /review/decide          ids, decision (assign | out_of_scope | new_answer), answer
                                 or label: 303 back with a notice; 4xx page when refused
    GET  /review/new-answers     the new answers flagged, with their examples
    GET  /review/retrain         the retrain job: progress, comparison, go-live
    POST /review/retrain         start it (409 while one runs)
    POST /review/go-live         put the compared candidate live (409 before a comparison)
    GET  /api/review/job         the job as JSON (the page's progress, every 2 s)

Editors only (403 for every other role); every decision, retrain and go-live
is written to the audit log. The job runs `python -m bot inbox retrain --json`
in a child process (training and evaluating stay out of the console's
process); its progress lines are shown as they come. One job per console
server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.settings import PROJECT_ROOT
from staff.web import CONSOLE, allow, form_of, render, session_of

__all__ = ["routes", "setup", "RetrainJob", "EDITORS", "JOB", "ROOT"]

routes = web.RouteTableDef()
EDITORS = ("editor",)
NOTICES = {
    "assign": "Assigned: the messages are training examples of the answer now.",
    "out_of_scope": "Marked out of scope: the messages are out-of-scope examples now.",
    "new_answer": "Flagged: the messages are in the list of new answers needed.",
}


class RetrainJob:
    """The console server's one retrain job: state, progress lines, comparison."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to idle, nothing kept."""
        self.state = "idle"  # idle, running, compared, failed, going-live, live
        self.lines: List[str] = []
        self.result: Optional[Dict[str, Any]] = None
        self.started: Optional[float] = None
        self.by: Optional[str] = None
        self.task: Optional["asyncio.Task[None]"] = None

    def as_json(self) -> Dict[str, Any]:
        """The job for the page's progress."""
        elapsed = round(time.monotonic() - self.started) if self.started else None
        return {"state": self.state, "lines": self.lines[-50:], "by": self.by,
                "seconds": elapsed, "result": self.result}

    def log(self, line: str) -> None:
        """Add a progress line."""
        self.lines.append(f"{dt.datetime.now(dt.timezone.utc):%H:%M:%S} {line}")

    async def run(self) -> None:
        """`python -m bot inbox retrain --json`, its stderr as progress."""
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "inbox", "retrain", "--json", cwd=str(PROJECT_ROOT),
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None

        async def follow() -> None:
            assert process.stderr is not None
            async for raw in process.stderr:
                line = raw.decode("utf-8", "replace").rstrip()
                if line.startswith("[") or "Error" in line:  # ours, and failures; not Rasa's
                    self.log(line.split("] ", 1)[-1])

        output, _ = await asyncio.gather(process.stdout.read(), follow())
        code = await process.wait()
        if code == 0:
            self.result = json.loads(output)
            self.state = "compared"
            self.log("compared: review the changes, then go live")
        else:
            self.state = "failed"
            self.log(f"failed (exit status {code})")


JOB = web.AppKey("review_job", RetrainJob)
# The project whose data/ the decisions write to (a copy in tests).
ROOT = web.AppKey("review_root", Path)


def setup(app: web.Application, root: Path = PROJECT_ROOT) -> None:
    """The routes, the job and the project root on the console's application."""
    app[JOB] = RetrainJob()
    app[ROOT] = root
    app.add_routes(routes)


def _job(request: web.Request) -> RetrainJob:
    return request.app[JOB]


def _inbox(request: web.Request) -> Any:
    from bot.review import Inbox
    from bot.settings import load_settings

    return Inbox(request.app[CONSOLE].engine, load_settings().review_confidence,
                 request.app[ROOT])


def _date(value: str, name: str) -> Optional[dt.datetime]:
    if not value.strip():
        return None
    try:
        return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be a date like 2026-01-31") from None


def _filters(request: web.Request) -> Any:
    from bot.review import Filters

    query = request.query
    until = _date(query.get("until", ""), "until")
    return Filters(query.get("channel", "").strip() or None, query.get("topic", "").strip() or None,
                   _date(query.get("since", ""), "since"),
                   until + dt.timedelta(days=1) if until else None)


def _kept_query(request: web.Request) -> str:
    """The filters of the query string, to come back to after a decision."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in request.query.items()
                      if k in ("channel", "topic", "since", "until") and v})


async def _in_thread(function: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


@routes.get("/review")
@allow(*EDITORS)
async def review(request: web.Request) -> web.Response:
    """The open groups, filtered, each with its three decisions."""
    inbox = _inbox(request)
    filters = _filters(request)
    # One read of the store: the filter choices come from every open message.
    everything = await _in_thread(inbox.open_items)
    groups = await _in_thread(inbox.group, [i for i in everything if filters.keep(i)])
    session = session_of(request)
    request.app[CONSOLE].audit.write(session.name, "open review inbox", "review inbox",
                                     request.query_string[:200] or None)
    return render(request, "review.html", page="review", groups=groups,
                  messages=sum(len(g.items) for g in groups), answers=inbox.answers(),
                  query=request.query, query_string=_kept_query(request),
                  channels=sorted({i.channel for i in everything if i.channel}),
                  topics=sorted({i.topic for i in everything if i.topic}),
                  notice=NOTICES.get(request.query.get("notice", "")))


@routes.post("/review/decide")
@allow(*EDITORS)
async def decide(request: web.Request) -> web.StreamResponse:
    """Assign, mark out of scope or flag a group (or message); back to the inbox."""
    from bot.review import ReviewRefused

    form = await form_of(request)
    try:
        ids = [int(value) for value in form.getall("ids", [])]
    except ValueError:
        raise web.HTTPBadRequest(text="ids must be numbers") from None
    decision = str(form.get("decision", ""))
    answer = str(form.get("answer") or form.get("label") or "") or None
    session = session_of(request)
    try:
        decided = await _in_thread(_inbox(request).decide, ids, decision, answer, session.name)
    except ReviewRefused as exc:
        page = render(request, "refused.html", status=exc.status, message=str(exc))
        page.set_status(exc.status)
        return page
    request.app[CONSOLE].audit.write(
        session.name, f"review {decision}", f"{len(decided.items)} messages",
        json.dumps({"answer": answer, "ids": [i.event_id for i in decided.items]})[:500])
    from urllib.parse import parse_qsl, urlencode

    # Back to the same filters; nothing else of the posted value is kept.
    kept = {k: v for k, v in parse_qsl(str(form.get("back") or ""))
            if k in ("channel", "topic", "since", "until")}
    raise web.HTTPSeeOther("/review?" + urlencode({**kept, "notice": decision}))


@routes.get("/review/new-answers")
@allow(*EDITORS)
async def new_answers(request: web.Request) -> web.Response:
    """The new answers flagged, with their (masked) examples."""
    rows = await _in_thread(_inbox(request).decisions.new_answers_needed)
    return render(request, "review_new_answers.html", page="new-answers", rows=rows)


@routes.get("/review/retrain")
@allow(*EDITORS)
async def retrain_page(request: web.Request) -> web.Response:
    """The job: start it, follow it, read the comparison, go live."""
    return render(request, "review_retrain.html", page="retrain", job=_job(request).as_json())


@routes.post("/review/retrain")
@allow(*EDITORS)
async def retrain(request: web.Request) -> web.StreamResponse:
    """Start retrain -> compare (409 while a job runs)."""
    job = _job(request)
    if job.state in ("running", "going-live"):
        raise web.HTTPConflict(text="a retrain is running already")
    session = session_of(request)
    job.reset()
    job.state, job.started, job.by = "running", time.monotonic(), session.name
    job.log(f"started by {session.name}")
    request.app[CONSOLE].audit.write(session.name, "review retrain", "model")

    async def guarded() -> None:
        try:
            await job.run()
        except Exception as exc:  # noqa: BLE001 - the page shows it; the console goes on
            job.state = "failed"
            job.log(f"failed: {type(exc).__name__}: {exc}")

    job.task = asyncio.get_running_loop().create_task(guarded())
    raise web.HTTPSeeOther("/review/retrain")


@routes.post("/review/go-live")
@allow(*EDITORS)
async def go_live(request: web.Request) -> web.StreamResponse:
    """Put the compared candidate live on every Rasa server."""
    from bot.review.retrain import RetrainError, go_live, latest_candidate
    from bot.security import with_local_tokens
    from bot.settings import load_settings

    job = _job(request)
    if job.state != "compared" or not job.result:
        raise web.HTTPConflict(text="retrain and compare first")
    settings = with_local_tokens(load_settings())
    candidate = latest_candidate(settings)
    if candidate is None or candidate.model.name != job.result["candidate"]["model"]:
        raise web.HTTPConflict(text="the compared candidate is gone; retrain again")
    session = session_of(request)
    request.app[CONSOLE].audit.write(session.name, "review go live", candidate.model.name)
    job.state = "going-live"
    try:
        results = await _in_thread(go_live, settings, candidate, job.log)
    except RetrainError as exc:
        job.state = "compared"
        job.log(f"not live: {exc}")
    else:
        job.state = "live"
        job.result["live"] = results
    raise web.HTTPSeeOther("/review/retrain")


@routes.get("/api/review/job")
@allow(*EDITORS)
async def job_json(request: web.Request) -> web.Response:
    """The job's state and progress lines."""
    return web.json_response(_job(request).as_json())
