"""Other languages' words read as the English they mean, so one English parser reads them all.

Translators list the words a citizen types around a figure or a date in a
`choices:` list of `translations/<code>/texts.yml`, each under the English
it means (docs/translating.md):

    choices:
      estimate_words:          # actions/estimates/words.py
        years: lat, lata, latach, rok, roku
      date_words:              # actions/validation/relative_dates.py
        yesterday: wczoraj

`english(value, choice)` replaces each listed word or phrase, as a whole word
(the longest first), by its English. Arabic words are also found after the
conjunction "و" ("وعمري"), which Arabic writes joined to the next word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Tuple

__all__ = ["english", "words"]

_ARABIC = re.compile(r"[\u0600-\u06ff]")


@lru_cache(maxsize=None)
def words(choice: str) -> Dict[str, str]:
    """Every language's word (casefolded) in `choices: <choice>:` and its English (read once)."""
    from bot.i18n.catalogue import default_catalogue

    found: Dict[str, str] = {}
    for english_words, synonyms in default_catalogue().choices(choice).items():
        for word in synonyms:
            found.setdefault(" ".join(word.casefold().split()), english_words)
    return found


@lru_cache(maxsize=None)
def _pattern(choice: str) -> Tuple["re.Pattern[str]", Dict[str, str]]:
    listed = words(choice)
    body = "|".join(re.escape(w) for w in sorted(listed, key=len, reverse=True)) or r"(?!x)x"
    return re.compile(rf"(?<![\w'])(و)?({body})(?![\w'])"), listed


def english(value: str, choice: str) -> str:
    """`value` (casefolded) with the words of `choices: <choice>:` replaced by their English."""
    pattern, listed = _pattern(choice)

    def replace(match: "re.Match[str]") -> str:
        conjunction, word = match.group(1), match.group(2)
        if conjunction and not _ARABIC.match(word):
            return match.group(0)
        return ("and " if conjunction else "") + listed[word]

    return pattern.sub(replace, value)
