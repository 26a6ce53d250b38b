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
its English key, so the same parsers read every language; adding a language
is a content task. Arabic words are also found after the conjunction "و"
("وعمري"), which Arabic writes joined to the next word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Tuple

__all__ = ["english", "estimate_words"]

_CHOICE = "estimate_words"
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# "i'm 58 years" is an age in English too: "58 lat" / "58 років" after "I'm".
_AGE_YEARS = re.compile(r"\b(i'm\s+\d+(?:[.,]\d+)?\s*years?)\b(?!\s+(?:old|of)\b)")


@lru_cache(maxsize=1)
def estimate_words() -> Dict[str, str]:
    """Every language's word (casefolded) and the English it means (read once)."""
    from bot.i18n.catalogue import default_catalogue

    found: Dict[str, str] = {}
    for english_words, synonyms in default_catalogue().choices(_CHOICE).items():
        for word in synonyms:
            found.setdefault(" ".join(word.casefold().split()), english_words)
    return found


@lru_cache(maxsize=1)
def _pattern() -> Tuple["re.Pattern[str]", Dict[str, str]]:
    words = estimate_words()
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(w) for w in alternatives) or r"(?!x)x"
    return re.compile(rf"(?<![\w'])(و)?({body})(?![\w'])"), words


def english(value: str) -> str:
    """A casefolded message with the other languages' estimate words in English."""
    pattern, words = _pattern()

    def replace(match: "re.Match[str]") -> str:
        conjunction, word = match.group(1), match.group(2)
        if conjunction and not _ARABIC.match(word):
            return match.group(0)
        return ("and " if conjunction else "") + words[word]

    value = pattern.sub(replace, value)
    return _AGE_YEARS.sub(r"\1 old", value)
