"""The staff console in Debian's Chromium against the whole running assistant (issue 11).

An advisor signs in (keyboard only) in one browser context, a citizen opens
the web chat in another and asks twice for a person; the advisor sees the
conversation arrive in the queue without reloading, takes it, they exchange
messages both ways while the assistant stays silent, and after the hand-back
the assistant answers the citizen again. axe-core checks every console page
at desktop size and at 1280x800 seen at 200 % zoom (640x400 CSS pixels).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from bot.store.db import create_engine_for
from bot.store.handovers import Handovers
from bot.store.tables import person_conversations, utcnow
from staff.accounts import Accounts
from tests.browser.pages import TIMEOUT_MS, ChatPage, axe_violations
from tests.e2e.conftest import Assistant, run_assistant
from tests.e2e.test_telegram import SECRET, TOKEN, Telegram, texts
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSWORD = "correct horse battery"
CONNECT = "I'll connect you with an advisor now."
HANDED_BACK = "You are talking with the NSSA Assistant again."
ASK_PERSON = "i want to talk to a person"


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeTelegramApi]:
    """Telegram's Bot API on loopback."""
    api = FakeTelegramApi(TOKEN)
    with api.in_thread():
        yield api


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, model: Path,
         fake_telegram: FakeTelegramApi) -> Iterator[Assistant]:
    """The whole assistant with its staff console and Telegram, advisor hours always."""
    var = tmp_path_factory.mktemp("console-var")
    for assistant in run_assistant(var, model, f"sqlite:///{var / 'nssa.db'}", settings_env={
        "NSSA_ADVISOR_HOURS": "always", "NSSA_TELEGRAM_TOKEN": TOKEN,
        "NSSA_TELEGRAM_SECRET": SECRET, "NSSA_TELEGRAM_API_URL": fake_telegram.url,
    }):
        accounts = Accounts(create_engine_for(assistant.settings.database_url))
        for name, role in (("alice", "advisor"), ("bob", "advisor"), ("carl", "advisor"),
                           ("ada", "admin"), ("erin", "editor")):
            accounts.add(name, role, PASSWORD)
        yield assistant


def sign_in(context: Any, live: Assistant, name: str) -> Any:
    """A console tab signed in as `name`, by keyboard alone."""
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.script_errors = errors  # checked at the end of each test
    page.goto(f"{live.settings.staff_url}/sign-in")
    assert page.evaluate("document.activeElement.id") == "name"  # autofocus
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(queue|audit|review|)$"))
    return page


def wait_for(predicate: Any, what: str, seconds: float = TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_an_advisor_takes_a_web_chat_conversation_and_hands_it_back(
    browser: Any, live: Assistant
) -> None:
    staff_context = browser.new_context(viewport={"width": 1280, "height": 800})
    citizen_context = browser.new_context(viewport={"width": 1280, "height": 800})
    staff_context.set_default_timeout(TIMEOUT_MS)
    citizen_context.set_default_timeout(TIMEOUT_MS)
    try:
        advisor = sign_in(staff_context, live, "alice")
        advisor.get_by_role("button", name="Mark me present").press("Enter")
        advisor.get_by_text("You are marked present.").wait_for()

        chat = ChatPage(citizen_context.new_page(),
                        f"{live.settings.rasa_url}/webhooks/webchat/").load()
        chat.open()
        chat.say(ASK_PERSON, "person")
        chat.say(ASK_PERSON, "in the queue")
        assert any(CONNECT in text for text in chat.bot_texts())

        # The queue shows it live: no reload on the advisor's side.
        # By keyboard: focus and Enter, as a keyboard user reaches them with Tab.
        advisor.get_by_role("link", name="Open conversation 1").focus()
        advisor.keyboard.press("Enter")
        advisor.get_by_role("button", name="Take this conversation").focus()
        advisor.keyboard.press("Enter")
        advisor.get_by_text("You hold this conversation now.").wait_for()
        transcript = advisor.locator("#transcript")
        assert "Citizen: " + ASK_PERSON in transcript.inner_text()

        # Citizen -> advisor, live; the assistant says nothing.
        bots = chat.bot_count()
        chat.send("Are you a real person?")
        transcript.get_by_text("Are you a real person?").wait_for()
        chat.page.wait_for_timeout(5000)
        assert chat.bot_count() == bots

        # Advisor -> citizen, on the open web chat; the page is not reloaded.
        advisor.evaluate("window.notReloaded = true")
        box = advisor.get_by_label("Message to the citizen")
        box.fill("Yes, I am Alice from NSSA. How can I help?")
        box.press("Tab")
        advisor.keyboard.press("Enter")
        chat.wait_for_bot("I am Alice from NSSA", bots)
        transcript.get_by_text("Advisor alice:").wait_for()
        assert advisor.evaluate("window.notReloaded") is True

        # The advisor asks the citizen to confirm who they are; then sees their cases.
        advisor.get_by_role("button", name="Ask to verify identity").click()
        advisor.get_by_text("The citizen was asked to verify their identity.").wait_for()
        chat.wait_for_bot("national ID number", bots)
        chat.say("85031212345", "date of birth")
        chat.say("12.03.1985", "confirmed who you are")
        transcript.get_by_text("confirmed who you are").first.wait_for()
        # The advisor never sees the numbers the citizen typed.
        assert "85031212345" not in transcript.inner_text()
        assert "12.03.1985" not in transcript.inner_text()
        # The result shows live: the identity level is no longer 0.
        wait_for(lambda: advisor.locator("#identity-level").inner_text()[:1] in ("1", "2"),
                 "the identity level to change on the advisor's page")
        advisor.reload()
        advisor.get_by_role("link", name="Show the person's cases").click()
        advisor.get_by_text("NSSA-2026-000101").wait_for()
        advisor.go_back()

        advisor.get_by_role("button", name="Hand back to the assistant").click()
        advisor.get_by_text("The conversation is back with the assistant.").wait_for()
        chat.wait_for_bot(re.escape(HANDED_BACK), bots)
        answered = chat.say("when is the old-age pension paid", "20th")
        assert "20th" in answered
        # Her history lists it; the page's script ran without an error throughout.
        advisor.locator("#ended-list").get_by_text("handed back").wait_for()
        assert advisor.script_errors == []
    finally:
        staff_context.close()
        citizen_context.close()


def _pages(live: Assistant) -> Tuple[str, str]:
    """A waiting and a held conversation, the held one by a verified person."""
    handovers = Handovers(create_engine_for(live.settings.database_url))
    engine = create_engine_for(live.settings.database_url)
    waiting, held = f"axe-waiting-{time.time_ns()}", f"axe-held-{time.time_ns()}"
    handovers.request(waiting, "webchat", "distress", 0)
    handovers.request(held, "webchat", "complaint", 2)
    handovers.take(held, "bob")
    with engine.begin() as connection:
        # The person's latest conversation is this one (one row per person).
        connection.execute(person_conversations.delete().where(
            person_conversations.c.person_id == "P-1003"))
        connection.execute(person_conversations.insert().values(
            person_id="P-1003", conversation_id=held, channel="webchat", updated_at=utcnow()))
    return waiting, held


@pytest.mark.parametrize("width,height", [(1280, 800), (640, 400)])
def test_axe_finds_no_violations_on_any_console_page(
    browser: Any, live: Assistant, width: int, height: int
) -> None:
    waiting, held = _pages(live)
    base = live.settings.staff_url
    found = {}
    for name, paths in (
        ("bob", ["/queue", f"/conversations/{waiting}", f"/conversations/{held}",
                 f"/conversations/{held}/cases", "/callbacks", "/audit"]),
        ("ada", ["/audit"]),
        ("erin", ["/review", "/review/new-answers", "/review/retrain"]),
    ):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = sign_in(context, live, name)
            for path in paths:
                page.goto(base + path)
                found[(name, path)] = axe_violations(page)
                page.keyboard.press("Tab")  # the skip link first, and visibly so
                assert page.evaluate("document.activeElement.textContent") == (
                    "Skip to main content"), path
                assert page.evaluate(
                    "getComputedStyle(document.activeElement).outlineStyle") == "solid", path
                # Reflow at 200 %: nothing wider than the window but the tables' own scroll.
                assert page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth"), path
            assert page.script_errors == []
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(re.compile("/sign-in$"))
            found[(name, "/sign-in")] = axe_violations(page)
        finally:
            context.close()
    assert {key: v for key, v in found.items() if v} == {}


def test_an_advisor_takes_a_telegram_conversation_and_hands_it_back(
    browser: Any, live: Assistant, fake_telegram: FakeTelegramApi
) -> None:
    telegram = Telegram(live, fake_telegram)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        advisor = sign_in(context, live, "carl")
        advisor.get_by_role("button", name="Mark me present").click()
        chat = 840_000_000 + time.time_ns() % 1000
        telegram.say(chat, "/start")
        telegram.say(chat, ASK_PERSON)
        assert CONNECT in texts(telegram.say(chat, ASK_PERSON))

        row = advisor.locator("#queue-table tbody tr", has_text="telegram").last
        row.get_by_role("link").click()
        advisor.get_by_role("button", name="Take this conversation").click()
        advisor.get_by_text("You hold this conversation now.").wait_for()
        assert telegram.say(chat, "Hello, anyone there?") == []  # the assistant is silent
        advisor.locator("#transcript").get_by_text("Hello, anyone there?").wait_for()

        advisor.get_by_label("Message to the citizen").fill("Carl from NSSA here.")
        advisor.get_by_role("button", name="Send").click()
        wait_for(lambda: texts(telegram.sent(chat)[-1:]) == "Carl from NSSA here.",
                 "the advisor's message on Telegram")
        advisor.get_by_role("button", name="Hand back to the assistant").click()
        advisor.get_by_text("The conversation is back with the assistant.").wait_for()
        assert HANDED_BACK in texts(telegram.sent(chat)[-1:])
        assert "20th" in texts(telegram.say(chat, "when is the old-age pension paid"))
    finally:
        context.close()


def test_an_advisor_transfers_to_a_colleague_who_closes_it(
    browser: Any, live: Assistant
) -> None:
    handovers = Handovers(create_engine_for(live.settings.database_url))
    conversation = f"transfer-{time.time_ns()}"
    handovers.request(conversation, "webchat", "complaint", 0)
    handovers.take(conversation, "bob")
    bobs = browser.new_context(viewport={"width": 1280, "height": 800})
    carls = browser.new_context(viewport={"width": 1280, "height": 800})
    for context in (bobs, carls):
        context.set_default_timeout(TIMEOUT_MS)
    try:
        bob = sign_in(bobs, live, "bob")
        bob.goto(f"{live.settings.staff_url}/conversations/{conversation}")
        other_tab = bobs.new_page()
        other_tab.goto(f"{live.settings.staff_url}/conversations/{conversation}")
        carl = sign_in(carls, live, "carl")

        bob.get_by_label("Transfer to").select_option("carl")
        bob.get_by_role("button", name="Transfer", exact=True).click()
        bob.get_by_text("The conversation was transferred.").wait_for()
        # Bob's other tab of it says it is no longer his.
        other_tab.get_by_role("alert").get_by_text("carl holds this conversation").wait_for()

        # Carl's queue shows it live, under his conversations; he closes it.
        carl.locator("#mine-list").get_by_role("link", name="webchat conversation").click()
        carl.get_by_label("Outcome").select_option("referred")
        carl.get_by_role("button", name="Close", exact=True).click()
        carl.get_by_text("The conversation is closed.").wait_for()
        carl.locator("#ended-list").get_by_text("closed: referred").first.wait_for()
        assert handovers.holder(conversation) is None
        assert bob.script_errors == [] and carl.script_errors == []
    finally:
        bobs.close()
        carls.close()
