"""The editors' pages in Debian's Chromium: keyboard only, reflow, axe (staff/review.py).

The staff console runs alone on an SQLite store holding citizens' messages
the assistant did not understand; its decisions go to a copy of data/. An
editor signs in by keyboard, lands on the review inbox, assigns a group to
an answer by keyboard alone, and every page has no axe violations at desktop
size and at 1280x800 seen at 200 % zoom (640x400 CSS pixels).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.settings import PROJECT_ROOT
from bot.store.db import create_engine_for
from bot.store.schema import upgrade
from staff import review
from staff.accounts import Accounts
from staff.assistant import Assistant
from staff.console import Console
from staff.sessions import Sessions, SignInLimit
from staff.web import create_app
from tests.browser.pages import TIMEOUT_MS, axe_violations
from tests.conftest import free_port
from tests.staff.conftest import _events

pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery"
TEXTS = [("webchat", "can i get my old-timer money abroad"),
         ("webchat", "can i get my old-timer money abroad please"),
         ("telegram", "old-timer money abroad?"),
         ("sms", "what about my house 85031212345")]


def _record(engine: Engine) -> None:
    _events.create(engine, checkfirst=True)
    rows = []
    for n, (channel, text) in enumerate(TEXTS):
        parse = {"intent": {"name": "nlu_fallback", "confidence": 0.2},
                 "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.2},
                                    {"name": "pension", "confidence": 0.1}]}
        at = 1_796_000_000.0 + n
        rows.append({"sender_id": f"c{n}", "type_name": "user", "timestamp": at,
                     "intent_name": "nlu_fallback", "action_name": None,
                     "data": json.dumps({"event": "user", "text": text, "timestamp": at,
                                         "input_channel": channel, "parse_data": parse})})
    with engine.begin() as connection:
        connection.execute(_events.insert(), rows)


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Path]]:
    """The staff console on loopback; its decisions written to a copy of data/."""
    folder = tmp_path_factory.mktemp("review")
    root = folder / "project"
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    url = f"sqlite:///{folder / 'nssa.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    _record(engine)
    Accounts(engine).add("erin", "editor", PASSWORD)
    port = free_port()
    staff_console = Console(engine, Assistant("http://127.0.0.1:9", "unused-token-0123456789"),
                            lambda: None)  # type: ignore[arg-type,return-value]
    app = create_app(staff_console, Sessions(engine), SignInLimit(engine), secure_cookies=False)
    app[review.ROOT] = root
    runner = web.AppRunner(app)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(30), "the console did not start"
    yield f"http://127.0.0.1:{port}", root
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    engine.dispose()


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("width,height", [(1280, 800), (640, 400)])
def test_review_pages_by_keyboard_without_axe_violations(
    browser: Any, console: Tuple[str, Path], width: int, height: int
) -> None:
    base, root = console
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        errors: list = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/sign-in")
        # Typed only once the name field has the focus (autofocus), so no
        # keystroke is lost to a page still settling.
        page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
        page.keyboard.type("erin")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/review$"))
        assert axe_violations(page) == []
        assert _fits(page)
        assert "85031212345" not in page.content()
        for link, path in (("New answers needed", "/review/new-answers"),
                           ("Retrain and go live", "/review/retrain")):
            page.get_by_role("link", name=link).first.focus()
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(re.escape(path) + "$"))
            assert axe_violations(page) == [], path
            assert _fits(page), path
        page.goto(f"{base}/review")
        if width != 1280:
            return  # the decision is made once; the smaller size checks the pages only
        heading = page.locator("li.group h3").first.inner_text()
        assert "old-timer money abroad" in heading
        select = page.locator("li.group select").first
        select.focus()
        page.keyboard.type("pension/payment")  # a select takes typed text as its choice
        assert select.input_value() == "pension/payment"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent").startswith("Assign group")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"notice=assign"))
        assert page.get_by_role("status").inner_text().startswith("Assigned")
        assert "old-timer money abroad" not in page.locator("main").inner_text()
        assert axe_violations(page) == []
        assert "    - can i get my old-timer money abroad please\n" in (
            root / "data/topics/pension.yml").read_text()
        assert errors == []
    finally:
        context.close()
