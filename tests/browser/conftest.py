"""Debian's headless Chromium, driven by Playwright, against the real running assistant.

`make test` installs what these need first: Chromium (scripts/chromium.sh,
Debian's package) and axe-core and rasa-webchat from npm (package-lock.json,
`npm ci` into tests/browser/node_modules). Playwright never downloads a
browser of its own: it starts /usr/bin/chromium by its path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.pages import TIMEOUT_MS, ChatPage
from tests.e2e.conftest import Assistant, run_assistant

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _need(path: Path, how: str) -> None:
    if not path.exists():
        pytest.skip(f"{path} is missing: {how} (make test does it)")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    _need(CHROMIUM, "run scripts/chromium.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def webchat_assistant(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The whole assistant (back-ends, actions, Rasa with the web chat) on its own SQLite file.

    Subscribed to the reference CMS's events, delivered every second, as `make run` does.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.notices import subscribe

    var = tmp_path_factory.mktemp("browser-var")
    for assistant in run_assistant(
        var, model, f"sqlite:///{var / 'nssa.db'}",
        backend_env={"NSSA_CMS_DELIVERY_INTERVAL": "1", "NSSA_CMS_RETRY_BASE_SECONDS": "1"},
    ):
        # In a thread of its own: Playwright's sync API may hold this thread's event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, subscribe(assistant.settings)).result()
        yield assistant


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (own localStorage) at a desktop size."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def chat(context: Any, webchat_assistant: Assistant) -> ChatPage:
    """The chat page, loaded."""
    url = f"{webchat_assistant.settings.rasa_url}/webhooks/webchat/"
    return ChatPage(context.new_page(), url).load()
