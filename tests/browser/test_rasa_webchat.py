"""The published rasa-webchat widget (npm) completes a conversation against the channel.

A tiny page on a server of the test's own (another origin, as on a site
embedding the widget) loads rasa-webchat's UMD bundle from node_modules.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.browser.pages import NODE_MODULES, TIMEOUT_MS
from tests.conftest import free_port
from tests.e2e.conftest import Assistant

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rasa-webchat</title></head>
<body><div id="webchat"></div>
<script src="/index.js"></script>
<script>
  WebChat.default({{
    selector: "#webchat", socketUrl: "{socket_url}", socketPath: "/socket.io/",
    title: "NSSA", initPayload: "", embedded: true, showMessageDate: false,
    customData: {{language: "en"}}, params: {{storage: "local"}}
  }}, null);
</script></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def widget_page(tmp_path: Path, webchat_assistant: Assistant) -> Iterator[str]:
    """The URL of a page embedding rasa-webchat, pointed at the assistant."""
    bundle = NODE_MODULES / "rasa-webchat" / "lib" / "index.js"
    if not bundle.exists():
        pytest.skip(f"{bundle} is missing: run `npm ci` in tests/browser (make test does it)")
    (tmp_path / "index.js").write_bytes(bundle.read_bytes())
    (tmp_path / "index.html").write_text(
        PAGE.format(socket_url=webchat_assistant.settings.rasa_url), encoding="utf-8"
    )
    server = ThreadingHTTPServer(("127.0.0.1", free_port()),
                                 partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def test_rasa_webchat_completes_a_conversation(
    browser: Any, widget_page: str, webchat_assistant: Assistant
) -> None:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(widget_page)
        field = page.locator(".rw-new-message")
        field.wait_for()

        def say(text: str, expect: str) -> None:
            field.fill(text)
            field.press("Enter")
            page.locator(".rw-response", has_text=expect).first.wait_for()

        say("when is child benefit paid", "15th of each month")
        say("i want to make a complaint", "What is your complaint about")
        page.locator(".rw-reply", has_text="Waiting time").click()
        page.locator(".rw-response", has_text="What happened").first.wait_for()

        session = page.evaluate(
            "JSON.parse(localStorage.getItem('chat_session') || '{}').session_id"
        )
        assert session and session.startswith("webchat-")
        tracker = webchat_assistant.tracker(session)
        said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert said == ["when is child benefit paid", "i want to make a complaint", "3"]
        assert tracker["latest_input_channel"] == "webchat"
    finally:
        context.close()
