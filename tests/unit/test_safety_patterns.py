"""The self-harm pattern of data/core/safety.yml: what it must catch and what it must not.

service-standards.md: if someone mentions self-harm or suicide, the crisis
wording comes first. The pattern overrides the classifier (bot.nlu), so a
miss is a citizen in crisis answered with a routine answer, and a false hit
an ordinary question answered with the crisis line.
"""

from __future__ import annotations

import re

import pytest
import yaml

from bot.settings import PROJECT_ROOT


def _pattern() -> re.Pattern:
    data = yaml.safe_load((PROJECT_ROOT / "data" / "core" / "safety.yml").read_text())
    (entry,) = [e for e in data["nlu"] if e.get("regex") == "self_harm"]
    (line,) = [x for x in entry["examples"].splitlines() if x.strip()]
    return re.compile(line.strip()[2:], re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "i keep thinking about suicide",
    "feeling suicidal again",
    "sucidal thoughts every night",
    "suiside",
    "i dont see the point of living anymore",
    "whats the point in living like this",
    "honestly i just want to end it.",
    "im going to end it tonight",
    "i want to end it all",
    "i want to kill myself",
    "i have been cutting myself",
    "i'd be better off dead",
    "how many pills to never wake up",
    "i want to go to sleep and not wake up",
])
def test_self_harm_is_caught(text: str) -> None:
    """Mentions of self-harm or suicide, typos and indirect wording included."""
    assert _pattern().search(text), text


@pytest.mark.parametrize("text", [
    "how do i end my unemployment benefit",
    "i want to end it early, can i stop my parental benefit before the end",
    "can i end it and apply again later",
    "what is the point of the contribution statement",
    "my pension succeeded my disability benefit",
    "what happens to the pension when someone dies",
    "i am going to sleep, bye",
])
def test_ordinary_questions_are_not_caught(text: str) -> None:
    """Ordinary questions with nearby words keep their own answers."""
    assert not _pattern().search(text), text
