"""The doors' tokens and the start-up refusal of unsafe settings (bot/security.py, bot run)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.security import bearer_refusal, is_loopback, unsafe_settings, with_local_tokens
from bot.settings import load_settings

NO_FILE = Path("/nonexistent/.env")
TOKENS = {
    "NSSA_REST_TOKEN": "rest-token-0123456789",
    "NSSA_API_TOKEN": "api-token-0123456789",
    "NSSA_ACTION_TOKEN": "action-token-0123456789",
}
OWN_SECRETS = {
    "NSSA_STORE_KEY": "a-store-key-of-our-own",
    "NSSA_CMS_EVENTS_SECRET": "an-events-secret-of-our-own",
    "NSSA_CMS_TOKEN": "a-cms-token-of-our-own",
    "NSSA_HOUSING_API_KEY": "a-housing-key-of-our-own",
}


class TestBearer:
    @pytest.mark.parametrize(
        "header, status",
        [(None, 401), ("", 401), ("Basic abc", 401), ("Bearer", 401), ("Bearer  ", 401),
         ("Bearer wrong-token", 403), ("Bearer the-token-é", 403),
         ("Bearer the-token", None), ("bearer the-token", None), ("Bearer  the-token ", None)],
    )
    def test_only_the_token_opens(self, header, status) -> None:
        assert bearer_refusal(header, "the-token") == status


@pytest.mark.parametrize(
    "host, loopback",
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("assistant.example", False)],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


class TestUnsafeSettings:
    def test_the_embedded_default_on_loopback_is_fine(self) -> None:
        assert unsafe_settings(load_settings(environ={}, env_file=NO_FILE)) == []

    @pytest.mark.parametrize("interface", ["NSSA_HOST", "NSSA_ACTION_HOST"])
    def test_a_network_interface_names_every_missing_token_and_default_secret(
        self, interface: str
    ) -> None:
        problems = unsafe_settings(
            load_settings(environ={interface: "0.0.0.0"}, env_file=NO_FILE)
        )
        text = "\n".join(problems)
        for setting in [*TOKENS, *OWN_SECRETS]:
            assert setting in text
        assert len(problems) == len(TOKENS) + len(OWN_SECRETS)
        assert f"{interface}=0.0.0.0" in text

    def test_a_network_interface_with_every_secret_set_is_fine(self) -> None:
        environ = {"NSSA_HOST": "0.0.0.0", **TOKENS, **OWN_SECRETS}
        assert unsafe_settings(load_settings(environ=environ, env_file=NO_FILE)) == []

    def test_one_default_left_is_named_alone(self) -> None:
        environ = {"NSSA_HOST": "10.0.0.5", **TOKENS, **OWN_SECRETS,
                   "NSSA_STORE_KEY": "dev-store-key-change-me"}
        [problem] = unsafe_settings(load_settings(environ=environ, env_file=NO_FILE))
        assert problem.startswith("NSSA_STORE_KEY is the development default")


def test_bot_run_refuses_unsafe_settings_naming_each(tmp_path: Path) -> None:
    from bot.cli import cli

    result = CliRunner().invoke(cli, ["run", "--no-train"], env={
        "NSSA_ENV_FILE": str(NO_FILE), "NSSA_VAR_DIR": str(tmp_path), "NSSA_HOST": "0.0.0.0",
        "NSSA_REST_TOKEN": TOKENS["NSSA_REST_TOKEN"],
    })
    assert result.exit_code == 2
    assert "Refusing to start" in result.output
    for setting in ["NSSA_API_TOKEN", "NSSA_ACTION_TOKEN", *OWN_SECRETS]:
        assert setting in result.output
    assert "NSSA_REST_TOKEN" not in result.output
    assert not (tmp_path / "nssa.db").exists()  # stopped before anything was done


class TestLocalTokens:
    def test_unset_tokens_are_made_once_and_kept_private(self, tmp_path: Path) -> None:
        settings = load_settings(environ={"NSSA_VAR_DIR": str(tmp_path)}, env_file=NO_FILE)
        first = with_local_tokens(settings)
        assert first.action_token and first.api_token and first.action_token != first.api_token
        assert len(first.action_token) >= 32 and first.rest_token is None
        path = tmp_path / "run" / "tokens.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        again = with_local_tokens(settings)
        assert (again.action_token, again.api_token) == (first.action_token, first.api_token)
        assert json.loads(path.read_text())["NSSA_API_TOKEN"] == first.api_token

    def test_set_tokens_win(self, tmp_path: Path) -> None:
        settings = load_settings(
            environ={"NSSA_VAR_DIR": str(tmp_path), **TOKENS}, env_file=NO_FILE
        )
        assert with_local_tokens(settings) == settings
        assert not (tmp_path / "run" / "tokens.json").exists()

    def test_a_broken_file_names_itself(self, tmp_path: Path) -> None:
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "tokens.json").write_text("[1, 2]")
        settings = load_settings(environ={"NSSA_VAR_DIR": str(tmp_path)}, env_file=NO_FILE)
        with pytest.raises(Exception, match="tokens.json"):
            with_local_tokens(settings)
