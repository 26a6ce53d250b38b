"""The words of other languages around an estimate's figures, read as English.

The parsers of `parsing.py` read "28 years", "I'm 58", "3 kids", "€2,400 a
month". A citizen writing Polish, Ukrainian or Arabic says "28 lat", "мені
58", "3 dzieci", "2400 يورو بالشهر". Translators list those words in
`choices: estimate_words:` of `translations/<code>/texts.yml`, each under the
English words it means:

    choices:
      estimate_words:
        years: lat, lata, latach, rok, roku
        i'm: mam

`english()` replaces each of them, as a whole word (the longest first), by
its English key (bot/i18n/english_words.py), so the same parsers read every
language; adding a language is a content task.
"""

from __future__ import annotations

import re
from typing import Dict

from bot.i18n import english_words

__all__ = ["english", "estimate_words"]

_CHOICE = "estimate_words"
# "i'm 58 years" is an age in English too: "58 lat" / "58 років" after "I'm".
_AGE_YEARS = re.compile(r"\b(i'm\s+\d+(?:[.,]\d+)?\s*years?)\b(?!\s+(?:old|of)\b)")


def estimate_words() -> Dict[str, str]:
    """Every language's word (casefolded) and the English it means (read once)."""
    return english_words.words(_CHOICE)


def english(value: str) -> str:
    """A casefolded message with the other languages' estimate words in English."""
    return _AGE_YEARS.sub(r"\1 old", english_words.english(value, _CHOICE))
