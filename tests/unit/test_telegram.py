"""Telegram channel pieces without a server: splitting, button data, pacing, parsing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from rasa.shared.exceptions import RasaException

from channels.telegram import InvalidUpdate, TelegramInput, _command
from channels.telegram_api import _HideToken
from channels.telegram_text import Pacer, callback_data_for, payload_for, split_text
from tests.fakes.telegram_api import DATA, recorded

NO_FILE = Path("/nonexistent")


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TestSplitText:
    def test_a_short_text_is_one_part(self) -> None:
        assert split_text("  Hello.  ") == ["Hello."]

    def test_empty_and_blank_texts_have_no_parts(self) -> None:
        assert split_text("") == [] and split_text(" \n ") == []

    def test_paragraphs_are_kept_whole_when_they_fit(self) -> None:
        first, second = "a" * 3000, "b" * 3000
        assert split_text(f"{first}\n\n{second}") == [first, second]

    def test_a_long_paragraph_is_cut_at_a_line_then_a_word(self) -> None:
        lines = "\n".join(["word " * 100] * 20)  # 20 lines of 500 characters
        parts = split_text(lines)
        assert all(units(p) <= 4096 for p in parts)
        assert " ".join(" ".join(parts).split()) == " ".join(lines.split())
        assert all(not p.endswith("wor") for p in parts)  # never inside a word
        words = split_text("word " * 2000)
        assert all(p.endswith("word") for p in words) and len(words) == 3

    def test_a_word_longer_than_a_message_is_cut(self) -> None:
        parts = split_text("x" * 9000)
        assert [len(p) for p in parts] == [4096, 4096, 808]

    def test_emoji_count_as_two_utf16_units_and_are_never_cut_in_half(self) -> None:
        parts = split_text("\U0001F600" * 3000)  # 6000 units
        assert [units(p) for p in parts] == [4096, 1904]
        assert "".join(parts) == "\U0001F600" * 3000

    @pytest.mark.parametrize("limit", [10, 37, 100])
    def test_no_text_is_lost_at_any_limit(self, limit: int) -> None:
        text = json.loads((DATA / "huge_text.json").read_text())["message"]["text"]
        parts = split_text(text, limit)
        assert all(units(p) <= limit for p in parts)
        assert "".join(parts).replace(" ", "") == text.replace(" ", "")


class FakeButtons:
    """ButtonPayloads in memory."""

    PREFIX = "b:"

    def __init__(self) -> None:
        self.stored: Dict[str, str] = {}

    def short_id(self, payload: str) -> str:
        short = f"b:{len(self.stored):024d}"
        self.stored[short] = payload
        return short

    def payload_of(self, short_id: str) -> Optional[str]:
        return self.stored.get(short_id)


class TestCallbackData:
    @pytest.mark.parametrize("payload", ["1", "/deny", "/request_callback", "Ja, gjerne ✓"])
    def test_a_payload_that_fits_travels_as_itself(self, payload: str) -> None:
        buttons = FakeButtons()
        assert callback_data_for(payload, buttons) == payload and not buttons.stored
        assert payload_for(payload, buttons) == payload

    @pytest.mark.parametrize(
        "payload",
        [
            "/choose_slot" + "x" * 60,  # over 64 bytes
            "/é" * 33,  # 66 bytes in 34 characters
            '/inform{"slot": "2026-12-01T09:00"}',  # sets an entity
            "/affirm@0.9",  # a confidence
            "b:looks-like-a-short-id",
        ],
    )
    def test_other_payloads_travel_as_stored_short_ids(self, payload: str) -> None:
        buttons = FakeButtons()
        data = callback_data_for(payload, buttons)
        assert data.startswith("b:") and len(data.encode()) <= 64
        assert payload_for(data, buttons) == payload

    @pytest.mark.parametrize(
        "data", ['/inform{"identity_level": 2}', "/affirm@1.0", "b:unknown", "", None]
    )
    def test_forged_or_unknown_callback_data_has_no_payload(self, data: Optional[str]) -> None:
        assert payload_for(data, FakeButtons()) is None


class FakeTime:
    """A clock that `sleep` moves on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: List[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class TestPacer:
    async def test_one_message_a_second_per_chat(self) -> None:
        time = FakeTime()
        pacer = Pacer(1.0, time.clock, time.sleep)
        sent = []
        for _ in range(3):
            await pacer.wait("42")
            sent.append(time.now)
        assert sent == [100.0, 101.0, 102.0]

    async def test_chats_do_not_wait_for_each_other(self) -> None:
        time = FakeTime()
        pacer = Pacer(1.0, time.clock, time.sleep)
        await pacer.wait("1")
        await pacer.wait("2")
        assert time.sleeps == [] and time.now == 100.0

    async def test_no_wait_after_a_quiet_second(self) -> None:
        time = FakeTime()
        pacer = Pacer(1.0, time.clock, time.sleep)
        await pacer.wait("42")
        time.now += 5
        await pacer.wait("42")
        assert time.sleeps == []

    async def test_hold_delays_the_next_message(self) -> None:
        time = FakeTime()
        pacer = Pacer(1.0, time.clock, time.sleep)
        await pacer.wait("42")
        pacer.hold("42", 7)
        await pacer.wait("42")
        assert time.now == 107.0


class TestParse:
    @pytest.fixture
    def channel(self) -> TelegramInput:
        return TelegramInput("123:abc", "s" * 20, database_url="sqlite:////nonexistent/x.db")

    @pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.stem)
    def test_every_recorded_update_parses(self, channel: TelegramInput, path: Path) -> None:
        update = channel.parse(path.read_bytes())
        assert update.update_id == json.loads(path.read_text())["update_id"]

    @pytest.mark.parametrize(
        "body, reason",
        [
            (b"", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (b"{update_id: 1}", "not JSON"),
            (b"[1, 2]", "not a JSON object"),
            (b'"text"', "not a JSON object"),
            (b"{}", "update_id"),
            (b'{"update_id": "7"}', "update_id"),
            (b'{"update_id": true}', "update_id"),
            (b'{"update_id": -1}', "update_id"),
            (b'{"update_id": 7, "message": "hello"}', "not a Telegram Update"),
            (b'{"update_id": 7, "message": {"message_id": 1}}', "not a Telegram Update"),
            (b'{"update_id": 7, "callback_query": {"id": "1"}}', "not a Telegram Update"),
            (b'{"update_id": 7, "edited_message": []}', "not a Telegram Update"),
        ],
    )
    def test_malformed_bodies_are_refused_by_name(
        self, channel: TelegramInput, body: bytes, reason: str
    ) -> None:
        with pytest.raises(InvalidUpdate, match=reason):
            channel.parse(body)

    def test_an_unreadable_update_of_a_type_not_taken_is_an_empty_update(
        self, channel: TelegramInput
    ) -> None:
        update = channel.parse(b'{"update_id": 9, "poll": {"id": "1"}}')
        assert update.update_id == 9 and update.poll is None and update.message is None

    @pytest.mark.parametrize(
        "header, ok",
        [("s" * 20, True), ("s" * 19, False), ("s" * 21, False), ("", False), (None, False),
         ("ß" * 20, False), ("\ud800" * 20, False), ("s" * 19 + "t", False)],
    )
    def test_only_the_secret_authorizes(
        self, channel: TelegramInput, header: Optional[str], ok: bool
    ) -> None:
        assert channel.authorized(header) is ok


@pytest.mark.parametrize(
    "text, command",
    [
        ("/start", ("start", "")),
        ("/start K7QX2M", ("start", "K7QX2M")),
        ("/START@NSSA_help_bot  abc ", ("start", "abc")),
        ("/help", ("help", "")),
        ("/", ("", "")),
    ],
)
def test_commands_and_their_argument(text: str, command: tuple) -> None:
    assert _command(text) == command


def test_recorded_updates_can_take_their_own_ids() -> None:
    body = recorded("callback_query", update_id=5, chat_id=77, data="2")
    query = body["callback_query"]
    assert body["update_id"] == 5 and query["message"]["chat"]["id"] == 77
    assert query["from"]["id"] == 77 and query["data"] == "2"
    assert query["message"]["from"]["is_bot"]  # the bot's own message keeps its sender


class TestFromCredentials:
    def test_missing_token_names_the_setting(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NSSA_ENV_FILE", str(NO_FILE))
        monkeypatch.delenv("NSSA_TELEGRAM_TOKEN", raising=False)
        monkeypatch.delenv("NSSA_TELEGRAM_SECRET", raising=False)
        with pytest.raises(RasaException, match="NSSA_TELEGRAM_TOKEN"):
            TelegramInput.from_credentials(None)
        with pytest.raises(RasaException, match="NSSA_TELEGRAM_SECRET"):
            TelegramInput.from_credentials({"token": "123:abc"})

    def test_settings_fill_in_what_credentials_leave_out(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("NSSA_ENV_FILE", str(NO_FILE))
        monkeypatch.setenv("NSSA_TELEGRAM_TOKEN", "123:abc")
        monkeypatch.setenv("NSSA_TELEGRAM_SECRET", "s" * 20)
        monkeypatch.setenv("NSSA_MAX_MESSAGE_CHARS", "50")
        channel = TelegramInput.from_credentials({"api_url": "http://127.0.0.1:9/"})
        assert channel.name() == "telegram"
        assert channel._api_url == "http://127.0.0.1:9" and channel._gate.max_chars == 50
        assert channel.authorized("s" * 20)

    def test_a_bad_setting_is_a_rasa_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NSSA_ENV_FILE", str(NO_FILE))
        monkeypatch.setenv("NSSA_TELEGRAM_SECRET", "has spaces in it, not allowed")
        with pytest.raises(RasaException, match="NSSA_TELEGRAM_SECRET"):
            TelegramInput.from_credentials({"token": "123:abc"})


def test_the_token_is_hidden_in_log_records() -> None:
    import logging

    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, 'HTTP Request: %s %s "%s"',
        ("POST", "https://api.telegram.org/bot123:abc/sendMessage", 200), None,
    )
    assert _HideToken("123:abc").filter(record)
    assert "123:abc" not in record.getMessage() and "/bot<token>/sendMessage" in record.getMessage()


def test_the_token_is_hidden_even_when_log_masking_changed_the_bot_id_first() -> None:
    import logging

    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    # bot/privacy.py's record factory masks digit runs before any filter runs.
    url = "https://api.telegram.org/bot*****6789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s",
                               (url,), None)
    assert _HideToken(token).filter(record)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in record.getMessage()
