"""The self-harm patterns of Polish, Ukrainian and Arabic: what they must and must not catch.

service-standards.md: if someone mentions self-harm or suicide, the crisis
wording comes first, in every language. Every `regex: self_harm` of
data/lang/<code>/ overrides the classifier (bot.nlu), so a miss is a citizen
in crisis answered with a routine answer, and a false hit an ordinary
question answered with the crisis line. The phrases below are written for
this test, not taken from evaluation/frozen.
"""

from __future__ import annotations

import re
from typing import List

import pytest
import yaml

from bot.settings import PROJECT_ROOT


def _patterns(code: str) -> List[re.Pattern]:
    found = []
    for path in sorted((PROJECT_ROOT / "data" / "lang" / code).glob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if entry.get("regex") == "self_harm":
                found += [re.compile(line.strip()[2:], re.IGNORECASE)
                          for line in entry["examples"].splitlines() if line.strip()]
    return found


def _caught(code: str, text: str) -> bool:
    return any(p.search(text) for p in _patterns(code))


@pytest.mark.parametrize("code, text", [
    ("pl", "czasem myślę że lepiej by było beze mnie"),
    ("pl", "dzieciom bedzie lepiej bez mnie"),
    ("pl", "odkladam tabletki od miesiaca i wezme je wszystkie"),
    ("pl", "chce to wszystko skonczyc raz na zawsze"),
    ("pl", "znow sie tne"),
    ("pl", "po smierci zony nie widze juz sensu zycia"),
    ("pl", "jestem na dachu, zaraz skocze z dachu"),
    ("pl", "chce skoczyc"),
    ("uk", "дітям буде краще без мене"),
    ("uk", "не бачу більше сенсу жити"),
    ("uk", "я накопичив таблеток"),
    ("uk", "вип'ю всі таблетки сьогодні"),
    ("uk", "я повішусь"),
    ("uk", "хочу стрибнути з мосту"),
    ("uk", "не вижу смысла жить"),
    ("ar", "ما في معنى للحياة بعد ما خسرت شغلي"),
    ("ar", "عيلتي رح يرتاحوا مني"),
    ("ar", "رح ابلعهم كلهم"),
    ("ar", "جمعت حبوب من شهر"),
    ("ar", "واقف على الجسر وبدي انط"),
    ("ar", "رح ارمي حالي من الشباك"),
])
def test_self_harm_is_caught(code: str, text: str) -> None:
    """Indirect wording, pills, a jump, hanging: the crisis line first."""
    assert _caught(code, text), text


@pytest.mark.parametrize("code, text", [
    ("pl", "jak skonczyc wszystkie formalnosci z zasilkiem"),
    ("pl", "chce skonczyc wszystko w jednej wizycie"),
    ("pl", "czy do wniosku trzeba dolaczyc zaswiadczenie"),
    ("pl", "czy moge wziac tabletki na recepte refundowane"),
    ("pl", "jaki jest sens skladania wniosku o zasilek"),
    ("uk", "чи можна подати заяву без мене, через представника"),
    ("uk", "скільки таблеток покриває страховка"),
    ("uk", "хочу записатися до нього на прийом в понеділок"),
    ("ar", "بدي انط عالمكتب بكرا"),
    ("ar", "ما معنى كلمة اشتراكات"),
    ("ar", "كم سعر الدوا اللي بتغطيه التأمين"),
    ("ar", "بدي روح عالمكتب بكرا"),
])
def test_ordinary_questions_are_not_caught(code: str, text: str) -> None:
    """Ordinary questions with nearby words keep their own answers."""
    assert not _caught(code, text), text
