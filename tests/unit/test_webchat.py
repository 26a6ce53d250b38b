"""The web chat's pure parts: session ids, the widget's message format, the transcript."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.exceptions import RasaException

from channels.webchat import WebchatInput, _metadata, new_session_id, valid_session_id
from channels.webchat_format import transcript, widget_message


class TestSessionIds:
    def test_new_ids_are_valid_and_different(self) -> None:
        ids = {new_session_id() for _ in range(100)}
        assert len(ids) == 100 and all(valid_session_id(i) for i in ids)

    @pytest.mark.parametrize("value", [None, "", "webchat-", "webchat-" + "A" * 32,
                                       "sms-" + "a" * 32, "webchat-" + "a" * 32 + "\n",
                                       " webchat-" + "a" * 32, 1, b"webchat-" + b"a" * 32])
    def test_anything_else_is_not(self, value: Any) -> None:
        assert not valid_session_id(value)


class TestWidgetMessage:
    def test_buttons_become_quick_replies_and_url_buttons_links(self) -> None:
        message = {"text": "Pick", "buttons": [
            {"title": "Yes", "payload": "1"},
            {"title": "Handbook", "url": "https://nssa.example", "type": "web_url"},
            {"payload": "no title"}, "not a button"]}
        assert widget_message(message) == {
            "text": "Pick",
            "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "1"}],
            "buttons": [{"type": "web_url", "title": "Handbook", "url": "https://nssa.example"}],
        }

    def test_an_image_is_an_attachment(self) -> None:
        assert widget_message({"image": "https://nssa.example/a.png"}) == {
            "attachment": {"type": "image", "payload": {"src": "https://nssa.example/a.png"}}}

    def test_rasa_bookkeeping_keys_are_left_out(self) -> None:
        message = {"text": "Hi", "template_name": "utter_greet", "utter_action": "utter_greet"}
        assert widget_message(message) == {"text": "Hi"}


class TestTranscript:
    def test_the_citizens_words_and_the_bots_in_order(self) -> None:
        events = [
            SessionStarted(), ActionExecuted("action_listen"),
            UserUttered("hello"),
            BotUttered("Pick one", data={"buttons": [{"title": "Morning", "payload": "1"}]}),
            UserUttered("1"),
            UserUttered("EXTERNAL: EXTERNAL_notice", intent={"name": "EXTERNAL_notice"}),
            BotUttered("Your case was decided."),
            BotUttered(None),
        ]
        assert transcript(events) == [
            {"sender": "user", "text": "hello"},
            {"sender": "bot", "text": "Pick one",
             "buttons": [{"title": "Morning", "payload": "1"}]},
            {"sender": "user", "text": "Morning"},
            {"sender": "bot", "text": "Your case was decided."},
        ]

    def test_only_the_last_messages(self) -> None:
        events = [UserUttered(f"m{i}") for i in range(10)]
        assert [m["text"] for m in transcript(events, limit=3)] == ["m7", "m8", "m9"]


@pytest.mark.parametrize(
    "data, expected",
    [({"customData": {"language": "en"}}, {"language": "en"}),
     ({"metadata": '{"a": 1}'}, {"a": 1}),
     ({"customData": "{not json"}, None),
     ({"customData": ["a"]}, None),
     ({"customData": {"x": "y" * 2000}}, None),
     ({}, None)],
)
def test_metadata(data: dict, expected: Any) -> None:
    assert _metadata(data) == expected


class TestFromCredentials:
    def test_limits_from_credentials(self) -> None:
        channel = WebchatInput.from_credentials(
            {"max_message_chars": 50, "rate_limit_per_minute": 3})
        assert (channel.gate.max_chars, channel.gate.per_minute) == (50, 3)

    def test_limits_from_the_settings(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NSSA_MAX_MESSAGE_CHARS", "123")
        monkeypatch.setenv("NSSA_RATE_LIMIT_PER_MINUTE", "7")
        channel = WebchatInput.from_credentials(None)
        assert (channel.gate.max_chars, channel.gate.per_minute) == (123, 7)

    def test_a_bad_setting_stops_the_channel_naming_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("NSSA_MAX_MESSAGE_CHARS", "lots")
        with pytest.raises(RasaException, match="NSSA_MAX_MESSAGE_CHARS"):
            WebchatInput.from_credentials({})

    @pytest.mark.parametrize("limits", [{"max_message_chars": 0, "rate_limit_per_minute": 3},
                                        {"max_message_chars": "x", "rate_limit_per_minute": 3}])
    def test_bad_limits_in_credentials(self, limits: dict) -> None:
        with pytest.raises(RasaException, match="max_message_chars"):
            WebchatInput.from_credentials(limits)


def test_an_advisors_message_is_marked_live_and_in_the_history() -> None:
    assert widget_message({"text": "Ana here.", "advisor": "ana"}) == {
        "text": "Ana here.", "metadata": {"advisor": True}}
    assert widget_message({"text": "Hello", "language": "pl", "advisor": "ana"})["metadata"] == {
        "lang": "pl", "dir": "ltr", "advisor": True}
    assert "metadata" not in widget_message({"text": "Hello"})
    history = transcript([
        BotUttered("I'll connect you with an advisor now.", {}, {}),
        UserUttered("hello?"),
        BotUttered("Ana here.", {}, {"advisor": "ana"}),
    ])
    assert [m.get("advisor", False) for m in history] == [False, False, True]
