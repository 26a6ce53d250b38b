"""The doors' shared secrets, and the settings a server open to a network must not keep.

    bearer_refusal    401 without `Authorization: Bearer <token>`, 403 with
                      another token, None with the right one (constant time);
                      the action server, the internal API and the REST
                      channel all ask it
    unsafe_settings   a message per setting that makes a non-loopback
                      interface unsafe: a missing NSSA_ACTION_TOKEN,
                      NSSA_API_TOKEN or NSSA_REST_TOKEN, a development default
                      secret; `python -m bot run` stops on any
    with_local_tokens the settings with an unset NSSA_ACTION_TOKEN and
                      NSSA_API_TOKEN filled from `var/run/tokens.json`: random
                      secrets this installation made once (mode 600), so the
                      embedded default on loopback is locked with no set-up

SECURITY.md says who can reach which port and what each secret protects.
"""

from __future__ import annotations

import dataclasses
import hmac
import ipaddress
import json
import os
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.errors import SettingsError
from bot.settings import Settings

__all__ = [
    "DEVELOPMENT_SECRETS",
    "TOKEN_SETTINGS",
    "bearer_refusal",
    "is_loopback",
    "unsafe_settings",
    "with_local_tokens",
]

# Settings whose default is a development secret anyone can read in this
# repository: (attribute, setting, default).
DEVELOPMENT_SECRETS = (
    ("store_key", "NSSA_STORE_KEY", "dev-store-key-change-me"),
    ("events_secret", "NSSA_CMS_EVENTS_SECRET", "dev-events-secret-change-me"),
    ("cms_token", "NSSA_CMS_TOKEN", "dev-cms-token"),
    ("housing_api_key", "NSSA_HOUSING_API_KEY", "dev-housing-key"),
)
# The doors' tokens a non-loopback set-up must set itself: (attribute, setting).
TOKEN_SETTINGS = (
    ("rest_token", "NSSA_REST_TOKEN"),
    ("api_token", "NSSA_API_TOKEN"),
    ("action_token", "NSSA_ACTION_TOKEN"),
)
# The tokens `with_local_tokens` makes when unset (the REST channel stays open
# on loopback so that `curl` and integrations under development just work).
_LOCAL = (("action_token", "NSSA_ACTION_TOKEN"), ("api_token", "NSSA_API_TOKEN"))
TOKENS_FILE = Path("run") / "tokens.json"


def bearer_refusal(authorization: Optional[str], token: str) -> Optional[int]:
    """401 (no bearer token), 403 (another token) or None (this token)."""
    if not authorization:
        return 401
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401
    # Bytes, so a non-ASCII header is a mismatch rather than a TypeError.
    if hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode("utf-8")):
        return None
    return 403


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def unsafe_settings(settings: Settings) -> List[str]:
    """What makes serving beyond loopback unsafe, one message per setting; [] on loopback."""
    exposed = [f"{name}={host}" for name, host in
               (("NSSA_HOST", settings.host), ("NSSA_ACTION_HOST", settings.action_host))
               if not is_loopback(host)]
    if not exposed:
        return []
    where = " and ".join(exposed)
    problems = [f"{setting} is not set; {where} serves beyond this machine, so set a secret "
                "of at least 16 characters"
                for attribute, setting in TOKEN_SETTINGS if not getattr(settings, attribute)]
    problems += [f"{setting} is the development default; {where} serves beyond this machine, "
                 "so set your own secret"
                 for attribute, setting, default in DEVELOPMENT_SECRETS
                 if getattr(settings, attribute) == default]
    return problems


def with_local_tokens(settings: Settings) -> Settings:
    """The settings with an unset action or API token taken from this installation's file.

    The file (`NSSA_VAR_DIR/run/tokens.json`, mode 600) is made with random
    tokens on first use, so every process of this installation (`bot run`,
    its children, `make shell`) finds the same ones.
    """
    missing = [(attribute, setting) for attribute, setting in _LOCAL
               if not getattr(settings, attribute)]
    if not missing:
        return settings
    kept = _local_tokens(settings.var_dir / TOKENS_FILE)
    filled: Dict[str, Any] = {attribute: kept[setting] for attribute, setting in missing}
    return dataclasses.replace(settings, **filled)


def _local_tokens(path: Path) -> Dict[str, str]:
    """The file's tokens, adding any that is missing (written with mode 600)."""
    tokens: Dict[str, str] = {}
    try:
        tokens = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise SettingsError(f"Cannot read the local tokens in {path}: {exc}") from None
    if not isinstance(tokens, dict):
        raise SettingsError(f"{path}: expected a JSON object of tokens; delete it to renew them")
    if all(isinstance(tokens.get(setting), str) for _, setting in _LOCAL):
        return tokens
    for _, setting in _LOCAL:
        if not isinstance(tokens.get(setting), str):
            tokens[setting] = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(tokens, out)
        os.replace(partial, path)
    except OSError as exc:
        raise SettingsError(f"Cannot write the local tokens to {path}: {exc}") from None
    return tokens
