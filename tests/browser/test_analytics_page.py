"""The analyst's page in Debian's Chromium: keyboard, reflow, axe (staff/analytics.py).

The staff console runs alone on a seeded SQLite store (the figures come
from the store only); an analyst signs in by keyboard, changes the period
by keyboard and the page has no axe violations at desktop size and at
1280x800 seen at 200 % zoom (640x400 CSS pixels).
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any, Iterator

import pytest
from aiohttp import web
from sqlalchemy.engine import Engine

from bot.metrics.bench import seed
from bot.store.db import create_engine_for
from bot.store.schema import upgrade
from staff.accounts import Accounts
from staff.assistant import Assistant
from staff.console import Console
from staff.sessions import Sessions, SignInLimit
from staff.web import create_app
from tests.browser.pages import TIMEOUT_MS, axe_violations
from tests.conftest import free_port

pytestmark = [pytest.mark.browser]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The staff console on loopback over 300 seeded conversations."""
    url = f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'nssa.db'}"
    upgrade(url)
    engine: Engine = create_engine_for(url)
    seed(engine, 300, days=21)
    Accounts(engine).add("ann", "analyst", PASSWORD)
    port = free_port()
    console = Console(engine, Assistant("http://127.0.0.1:9", "unused-token-0123456789"),
                      lambda: None)  # type: ignore[arg-type,return-value]
    app = create_app(console, Sessions(engine), SignInLimit(engine), secure_cookies=False)
    runner = web.AppRunner(app)
    # Its own loop in its own thread: Playwright's sync API holds this thread's loop.
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
    yield f"http://127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    engine.dispose()


@pytest.mark.parametrize("width,height", [(1280, 800), (640, 400)])
def test_analytics_page_by_keyboard_without_axe_violations(
    browser: Any, console_url: str, width: int, height: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        errors: list = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{console_url}/sign-in")
        # Typed only once the name field has the focus (autofocus), so no
        # keystroke is lost to a page still settling.
        page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
        page.keyboard.type("ann")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/$"))
        page.get_by_role("link", name="Analytics").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/analytics$"))
        assert page.locator("dl.figures dd").first.inner_text() == "300"
        assert page.evaluate("document.querySelector('main img').naturalWidth") > 0
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.locator("#period").focus()
        page.keyboard.press("ArrowDown")  # day -> week
        page.locator("button", has_text="Show").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"period=week"))
        assert re.search(r"\d{4}-W\d{2}", page.locator("table").first.inner_text())
        assert axe_violations(page) == []
        assert errors == []
    finally:
        context.close()
