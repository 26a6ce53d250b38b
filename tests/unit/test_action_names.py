"""Every custom action of domain.yml is served by the action server under that name, and back."""

from __future__ import annotations

from typing import Set

import yaml
from rasa_sdk.executor import ActionExecutor

from bot.settings import PROJECT_ROOT


def served() -> Set[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    # rasa_sdk also registers ActionSubmitRequest, the base of the CMS submissions,
    # whose name() is abstract (None): Rasa never asks for an action named None.
    return {name for name in executor.actions if name is not None}


def declared() -> Set[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name for name in domain["actions"] if not name.startswith("utter_")}


def test_the_action_server_serves_every_action_the_domain_declares() -> None:
    assert declared() - served() == set()


def test_every_action_served_is_declared_in_the_domain() -> None:
    assert served() - declared() == set()
