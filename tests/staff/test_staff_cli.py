"""`python -m bot staff add|list|disable|reset`, through click's CliRunner on a real database."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import cli
from bot.store.db import create_engine_for
from staff.accounts import Accounts


def run(tmp_path: Path, *args: str, stdin: str = "") -> tuple:
    env = {"NSSA_ENV_FILE": "/nonexistent", "NSSA_VAR_DIR": str(tmp_path),
           "NSSA_DATABASE_URL": f"sqlite:///{tmp_path / 'nssa.db'}"}
    result = CliRunner().invoke(cli, ["staff", *args], input=stdin, env=env)
    return result.exit_code, result.output


def test_accounts_are_made_listed_disabled_and_reset(tmp_path: Path) -> None:
    assert run(tmp_path, "list") == (
        0, "No staff accounts yet: python -m bot staff add NAME --role advisor\n")
    assert run(tmp_path, "add", "Alice", "--role", "advisor", stdin="a long passphrase\n") == (
        0, "Staff account alice (advisor) made.\n")
    code, out = run(tmp_path, "add", "alice", "--role", "admin", stdin="a long passphrase\n")
    assert code == 2 and "there is already a staff account 'alice'" in out
    code, out = run(tmp_path, "add", "bob", "--role", "chief", stdin="a long passphrase\n")
    assert code == 2 and "Invalid value for '--role'" in out
    code, out = run(tmp_path, "add", "bob", "--role", "admin", stdin="short\n")
    assert code == 2 and "at least 12 characters" in out
    accounts = Accounts(create_engine_for(f"sqlite:///{tmp_path / 'nssa.db'}"))
    assert accounts.authenticate("alice", "a long passphrase") is not None
    assert run(tmp_path, "disable", "alice") == (0, "Staff account alice disabled.\n")
    code, out = run(tmp_path, "list")
    assert code == 0 and out.startswith("alice\tadvisor\tdisabled ")
    assert accounts.authenticate("alice", "a long passphrase") is None
    assert run(tmp_path, "reset", "alice", stdin="another passphrase\n")[0] == 0
    assert run(tmp_path, "list") == (0, "alice\tadvisor\tactive\n")
    assert accounts.authenticate("alice", "another passphrase") is not None
    assert accounts.authenticate("alice", "a long passphrase") is None
    code, out = run(tmp_path, "disable", "nobody")
    assert code == 2 and "there is no staff account 'nobody'" in out


def test_serve_refuses_cookies_without_secure_beyond_loopback(tmp_path: Path) -> None:
    env = {"NSSA_ENV_FILE": "/nonexistent", "NSSA_VAR_DIR": str(tmp_path),
           "NSSA_DATABASE_URL": f"sqlite:///{tmp_path / 'nssa.db'}",
           "NSSA_STAFF_HOST": "0.0.0.0", "NSSA_STAFF_SECURE_COOKIES": "false"}
    result = CliRunner().invoke(cli, ["staff", "serve"], env=env)
    assert result.exit_code == 2
    assert "NSSA_STAFF_SECURE_COOKIES=false with NSSA_STAFF_HOST=0.0.0.0" in result.output
