"""The chat page as a test drives it, and axe-core's verdict on a page."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

NODE_MODULES = Path(__file__).with_name("node_modules")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 60_000


@dataclass
class ChatPage:
    """The project's chat page in one browser tab, read and driven like a citizen would."""

    page: Any
    url: str

    def load(self) -> "ChatPage":
        self.page.goto(self.url)
        return self

    def open(self) -> None:
        self.page.get_by_role("button", name="Open the chat").click()
        self.wait_connected()

    def wait_connected(self) -> None:
        # A function, not an expression: the page's CSP forbids eval.
        self.page.wait_for_function(
            "() => document.getElementById('nssa-chat-status').textContent === 'Connected'"
        )

    @property
    def input(self) -> Any:
        return self.page.get_by_label("Your message")

    def bot_count(self) -> int:
        return self.page.locator("#nssa-chat-log .msg-bot").count()

    def send(self, text: str) -> None:
        """Type `text` and press Enter, as a keyboard user does."""
        self.input.fill(text)
        self.input.press("Enter")

    def wait_for_bot(self, pattern: str, after: int = 0) -> str:
        """The text of the first bot message after the first `after` that matches `pattern`."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            texts = self.bot_texts()[after:]
            for text in texts:
                if regex.search(text):
                    return text
            self.page.wait_for_timeout(200)
        raise AssertionError(f"no bot message matching {pattern!r}; got {self.bot_texts()}")

    def say(self, text: str, expect: str) -> str:
        """Send `text`; the bot message that answers it with `expect`."""
        before = self.bot_count()
        self.send(text)
        return self.wait_for_bot(expect, before)

    def bot_texts(self) -> List[str]:
        return [self._text(t) for t in
                self.page.locator("#nssa-chat-log .msg-bot").all_inner_texts()]

    def user_texts(self) -> List[str]:
        return [self._text(t) for t in
                self.page.locator("#nssa-chat-log .msg-user").all_inner_texts()]

    def choices(self) -> List[str]:
        return self.page.locator("#nssa-chat-log .choices button").all_inner_texts()

    def session_id(self) -> str:
        return self.page.evaluate("localStorage.getItem('nssa-webchat-session')")

    def focused(self) -> Dict[str, Any]:
        return self.page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                       return {id: e.id, tag: e.tagName, text: e.textContent.trim(),
                               outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
        )

    @staticmethod
    def _text(text: str) -> str:
        # The speaker's name is there for screen readers only.
        return re.sub(r"^(You said|NSSA Assistant|Advisor):\s*", "", text.strip())



def axe_violations(page: Any) -> List[Dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now.

    Finite animations (a message fading in) are let finish first: axe measures
    colour contrast with the opacity of the moment, and a message caught in
    its 150 ms fade-in failed the contrast check on a loaded machine.
    """
    axe = NODE_MODULES / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.skip(f"{axe} is missing: run `npm ci` in tests/browser (make test does it)")
    # Evaluated through the DevTools protocol, so the page's CSP does not block it.
    page.evaluate(axe.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
             await Promise.all(document.getAnimations()
                 .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity)
                 .map(a => a.finished.catch(() => null)));
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                     resultTypes: ['violations']});
             return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.map(n => n.target.join(' '))}));
           }""",
        WCAG_TAGS,
    )
