"""The chat page in Arabic: right to left, lang and dir on every message, axe clean."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.browser.pages import TIMEOUT_MS, ChatPage, axe_violations

pytestmark = pytest.mark.browser

QUESTION = "متى يتم دفع المعاش؟ أريد أن أعرف التاريخ"


@pytest.fixture
def arabic(browser: Any, webchat_assistant: Any) -> Iterator[ChatPage]:
    """The chat page in a browser whose language is Arabic."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        url = f"{webchat_assistant.settings.rasa_url}/webhooks/webchat/"
        yield ChatPage(ctx.new_page(), url).load()
    finally:
        ctx.close()


def _attributes(page: Any, selector: str) -> list:
    return page.eval_on_selector_all(
        selector, "nodes => nodes.map(n => [n.getAttribute('lang'), n.getAttribute('dir')])")


def test_the_page_and_every_message_are_arabic_right_to_left(arabic: ChatPage) -> None:
    page = arabic.page
    page.wait_for_function("() => document.documentElement.dir === 'rtl'")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.locator("h1").inner_text() == "المحادثة مع مساعد NSSA"
    assert axe_violations(page) == []
    page.get_by_role("button", name="افتح المحادثة").click()
    page.wait_for_function(
        "() => document.getElementById('nssa-chat-status').textContent === 'متصل'")
    page.get_by_label("رسالتك").fill(QUESTION)
    page.get_by_label("رسالتك").press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#nssa-chat-log .msg-bot')]"
        ".some(n => n.textContent.includes('19 يونيو'))")
    assert set(map(tuple, _attributes(page, "#nssa-chat-log .msg-bot"))) == {("ar", "rtl")}
    assert _attributes(page, "#nssa-chat-log .msg-user") == [["ar", "auto"]]
    # Mirrored: the assistant's bubbles start at the right, the citizen's at the left.
    log = page.locator("#nssa-chat-log").bounding_box()
    bot = page.locator("#nssa-chat-log .msg-bot").last.bounding_box()
    user = page.locator("#nssa-chat-log .msg-user").last.bounding_box()
    assert bot["x"] + bot["width"] > log["x"] + log["width"] - 40
    assert user["x"] < log["x"] + 40
    assert axe_violations(page) == []


def test_choosing_english_turns_the_page_left_to_right(arabic: ChatPage) -> None:
    page = arabic.page
    page.get_by_role("button", name="افتح المحادثة").click()
    page.wait_for_function(
        "() => document.getElementById('nssa-chat-status').textContent === 'متصل'")
    page.get_by_label("رسالتك").fill("English please")
    page.get_by_label("رسالتك").press("Enter")
    page.wait_for_function("() => document.documentElement.dir === 'ltr'")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert _attributes(page, "#nssa-chat-log .msg-bot")[-1] == ["en", "ltr"]
    assert page.get_by_role("button", name="Send").is_visible()
    assert axe_violations(page) == []
