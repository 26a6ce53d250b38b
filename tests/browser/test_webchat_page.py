"""The project's chat page in headless Chromium against the real assistant."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from tests.browser.pages import ChatPage, axe_violations
from tests.e2e.conftest import Assistant

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

COMPLAINT_TOPICS = ["Service", "Staff", "Waiting time", "Decision", "Online services", "Other"]


def test_a_conversation_with_buttons(chat: ChatPage) -> None:
    chat.open()
    chat.say("i want to make a complaint", "What is your complaint about")
    assert chat.choices() == COMPLAINT_TOPICS
    chat.page.get_by_role("button", name="Waiting time").click()
    chat.wait_for_bot("What happened")
    # The button's title is shown, not its payload; the used choices are gone.
    assert chat.user_texts()[-1] == "Waiting time"
    assert chat.choices() == []
    assert chat.focused()["id"] == "nssa-chat-input"


def test_a_reload_keeps_the_conversation(chat: ChatPage, webchat_assistant: Assistant) -> None:
    chat.open()
    chat.say("when is child benefit paid", "15th of each month")
    session_id = chat.session_id()
    assert session_id.startswith("webchat-")

    chat.page.reload()
    chat.wait_connected()
    # The chat stays open and shows the earlier transcript, then goes on.
    chat.page.wait_for_function(
        "() => document.querySelectorAll('#nssa-chat-log .msg-user').length"
    )
    assert chat.user_texts() == ["when is child benefit paid"]
    assert any("15th of each month" in text for text in chat.bot_texts())
    chat.say("and when is the old age pension paid", "pension")
    assert chat.session_id() == session_id

    tracker = webchat_assistant.tracker(session_id)
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["when is child benefit paid", "and when is the old age pension paid"]
    assert tracker["latest_input_channel"] == "webchat"


def test_a_forgotten_session_starts_afresh(chat: ChatPage) -> None:
    chat.page.evaluate(
        "localStorage.setItem('nssa-webchat-session', 'webchat-' + '0'.repeat(32))"
    )
    chat.page.reload()
    chat.open()
    assert chat.session_id().startswith("webchat-")
    assert chat.session_id() != "webchat-" + "0" * 32


@pytest.mark.parametrize(
    "width, height",
    [(1280, 800), (320, 640), (640, 400)],  # desktop, 320 px, 1280x800 at 200 % zoom
)
def test_axe_finds_no_wcag_violations(chat: ChatPage, width: int, height: int) -> None:
    chat.page.set_viewport_size({"width": width, "height": height})
    assert axe_violations(chat.page) == []          # the launcher only
    chat.open()
    chat.say("i want to make a complaint", "What is your complaint about")
    assert axe_violations(chat.page) == []          # a conversation with buttons
    # Nothing needs scrolling sideways, and the message field and Send fit.
    assert chat.page.evaluate("document.documentElement.scrollWidth") <= width
    for control in (chat.input, chat.page.get_by_role("button", name="Send")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def test_a_call_back_request_by_keyboard_alone(
    chat: ChatPage, webchat_assistant: Assistant
) -> None:
    keyboard = chat.page.keyboard
    keyboard.press("Tab")
    launcher = chat.focused()
    assert launcher["id"] == "nssa-chat-open"
    assert launcher["outline"] == "solid" and launcher["width"] >= 2   # visible focus
    keyboard.press("Enter")
    chat.wait_connected()
    assert chat.focused()["id"] == "nssa-chat-input"                  # focus moved in

    def type_and_enter(text: str, expect: str) -> None:
        before = chat.bot_count()
        keyboard.type(text)
        keyboard.press("Enter")
        chat.wait_for_bot(expect, before)

    def choose(title: str, expect: str) -> None:
        before = chat.bot_count()
        for _ in range(len(chat.choices()) + 2):
            keyboard.press("Shift+Tab")
            if chat.focused()["text"] == title:
                break
        focused = chat.focused()
        assert focused["tag"] == "BUTTON" and focused["text"] == title
        assert focused["outline"] == "solid" and focused["width"] >= 2
        keyboard.press("Enter")
        chat.wait_for_bot(expect, before)
        assert chat.focused()["id"] == "nssa-chat-input"

    type_and_enter("can someone call me back", "What is your name")
    type_and_enter("Erik Dahl", "Which phone number")
    type_and_enter("0412 345 678", "morning .* or the afternoon")
    choose("Afternoon", "What is it about")
    type_and_enter("a question about my pension", "Is this correct")
    choose("Yes, send it", r"Your reference number is NSSA-")
    reference = next(t for t in chat.bot_texts() if "Your reference number is" in t)
    assert "in the afternoon" in reference
    number = reference.split("Your reference number is ")[1].split(".")[0]
    assert [row[0] for row in webchat_assistant.cms_cases()].count(number) == 1

    keyboard.press("Escape")                                           # focus moved back
    assert chat.page.locator("#nssa-chat").is_hidden()
    assert chat.focused()["id"] == "nssa-chat-open"


def test_html_and_links_are_shown_as_text(chat: ChatPage) -> None:
    chat.open()
    sent = ('<img src=x onerror="window.pwned=1"><b>bold</b> see https://nssa.example/a?b=1, '
            "or javascript:window.pwned=2")
    chat.say(sent, ".")
    assert chat.user_texts()[-1] == sent
    log = chat.page.locator("#nssa-chat-log")
    assert log.locator("img, b, script").count() == 0
    links = log.locator("a")
    assert links.count() == 1 and links.get_attribute("href") == "https://nssa.example/a?b=1"
    assert chat.page.evaluate("window.pwned") is None


@pytest.mark.parametrize("motion, animation", [("reduce", "none"),
                                               ("no-preference", "nssa-appear")])
def test_the_page_respects_reduced_motion(
    browser: Any, webchat_assistant: Assistant, motion: str, animation: str
) -> None:
    context = browser.new_context(reduced_motion=motion)
    try:
        chat = ChatPage(context.new_page(),
                        f"{webchat_assistant.settings.rasa_url}/webhooks/webchat/").load()
        chat.open()
        chat.send("hello")
        chat.page.wait_for_selector("#nssa-chat-log .msg-user")
        assert chat.page.evaluate(
            "getComputedStyle(document.querySelector('#nssa-chat-log .msg')).animationName"
        ) == animation
    finally:
        context.close()


def test_axe_does_find_violations_where_there_are_some(context: Any) -> None:
    """The check above is not vacuous: a page with known faults fails it."""
    page = context.new_page()
    page.set_content('<html><body><img src="x.png"><button></button>'
                     '<p style="color:#aaa;background:#fff">faint</p></body></html>')
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "button-name", "color-contrast", "html-has-lang"} <= found


def test_a_proactive_notice_reaches_the_open_web_chat(
    chat: ChatPage, webchat_assistant: Assistant
) -> None:
    chat.open()
    chat.say("check my case", "national ID number")
    chat.say("85031212345", "date of birth")
    chat.say("12.03.1985", ".")
    notice = "Your pension is paid on 19 December."
    env = {"NSSA_CMS_DATABASE_URL":
           f"sqlite:///{webchat_assistant.settings.var_dir / 'cms' / 'cms.db'}",
           "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "backends.cms", "admin", "payment-date-change",
                    "P-1001", notice], env=env, check=True, capture_output=True, timeout=60)
    # Nothing typed: the CMS's event arrives in the page by itself.
    chat.wait_for_bot(re.escape(notice))
