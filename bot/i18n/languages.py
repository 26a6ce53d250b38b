"""The assistant's languages, as translations/languages.yml describes them.

English (`SOURCE`) is the language every answer is written in first; the
others are folders of translations/ that mirror the English files. A
language's entry says how it is written (direction, decimal separator),
whether it is offered yet, and which words name it ("po polsku",
"English please").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Tuple

import yaml

from bot.errors import ContentError
from bot.settings import PROJECT_ROOT

__all__ = [
    "SOURCE",
    "TRANSLATIONS_DIR",
    "Language",
    "languages",
    "language",
    "offered",
    "from_hint",
    "named_in",
    "plural_form",
    "script_of",
    "lettered",
]

SOURCE = "en"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"


@dataclass(frozen=True)
class Language:
    """One language of the assistant."""

    code: str
    name: str
    native: str
    direction: str = "ltr"
    decimal: str = "."
    offered: bool = False
    names: Tuple[str, ...] = ()
    plural: str = "en"
    letters: str = ""

    @property
    def rtl(self) -> bool:
        """True for a language written right to left."""
        return self.direction == "rtl"


def _load(path: Path) -> Dict[str, Language]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read the languages: {exc}") from None
    found: Dict[str, Language] = {}
    for code, entry in (data.get("languages") or {}).items():
        entry = entry or {}
        if entry.get("direction", "ltr") not in ("ltr", "rtl"):
            raise ContentError(f"{path}: {code}: direction is ltr or rtl")
        found[str(code)] = Language(
            code=str(code),
            name=str(entry.get("name") or code),
            native=str(entry.get("native") or entry.get("name") or code),
            direction=str(entry.get("direction", "ltr")),
            decimal=str(entry.get("decimal", ".")),
            offered=bool(entry.get("offered", False)) or code == SOURCE,
            names=tuple(_fold(str(n)) for n in entry.get("names") or ()),
            plural=str(entry.get("plural") or "en"),
            letters=str(entry.get("letters") or "").casefold(),
        )
    if SOURCE not in found:
        raise ContentError(f"{path}: the source language {SOURCE} must be listed")
    return found


@lru_cache(maxsize=4)
def languages(root: Path = TRANSLATIONS_DIR) -> Dict[str, Language]:
    """Every language of translations/languages.yml, by code (read once)."""
    return _load(root / "languages.yml")


def language(code: Optional[str], root: Path = TRANSLATIONS_DIR) -> Language:
    """The language of `code`, English when it is unknown or None."""
    known = languages(root)
    return known.get(code or SOURCE) or known[SOURCE]


def offered(root: Path = TRANSLATIONS_DIR) -> Tuple[str, ...]:
    """Codes of the languages offered to citizens, English first."""
    return tuple(code for code, lang in languages(root).items() if lang.offered)


def from_hint(hint: Optional[str], root: Path = TRANSLATIONS_DIR) -> Optional[str]:
    """The offered language of a channel's hint ("pl-PL", "uk", "ar_EG"), or None."""
    if not isinstance(hint, str):
        return None
    code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    return code if code in offered(root) else None


def plural_form(count: object, code: str, root: Path = TRANSLATIONS_DIR) -> str:
    """The plural form a term takes for `count`: "one", "few", "many", ... or "text".

    The language's `plural` rule (translations/languages.yml) is one of en
    (1 is "one"), pl, uk (one, few, many) and ar (zero, one, two, few, many),
    after CLDR's rules for whole numbers.
    """
    try:
        n = abs(int(str(count)))
    except ValueError:
        return "text"
    rule = language(code, root).plural
    tens, hundreds = n % 10, n % 100
    if rule in ("pl", "uk"):
        if n == 1 or (rule == "uk" and tens == 1 and hundreds != 11):
            return "one"
        if 2 <= tens <= 4 and not 12 <= hundreds <= 14:
            return "few"
        return "many"
    if rule == "ar":
        forms = {0: "zero", 1: "one", 2: "two"}
        if n in forms:
            return forms[n]
        return "few" if 3 <= hundreds <= 10 else "many" if 11 <= hundreds <= 99 else "text"
    return "one" if n == 1 else "text"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_WORD = re.compile(r"[^\W\d_]+|\d+[^\W_]*", re.UNICODE)


def named_in(text: str, root: Path = TRANSLATIONS_DIR) -> Optional[str]:
    """The first language the text names ("po polsku" -> pl), or None.

    A word names a language when it starts with one of the language's
    `names` (Latin and Cyrillic) or contains it (Arabic, where "بال" and
    "ال" are written on to the word).
    """
    words = _WORD.findall(_fold(text))
    # Each name's script once per message, not once per word (it was half the parse time).
    stems = [(code, name, script_of(name) == "arabic")
             for code, lang in languages(root).items() for name in lang.names]
    for index, word in enumerate(words):
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else word
        for code, name, arabic in stems:
            if " " in name and pair.startswith(name):
                return code
            if word.startswith(name) or (arabic and name in word):
                return code
    return None


def script_of(text: str) -> Optional[str]:
    """The script most letters of `text` are in: latin, cyrillic, arabic, other; None if none."""
    counts: Dict[str, int] = {}
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = next(
            (s for s in ("LATIN", "CYRILLIC", "ARABIC") if name.startswith(s)), "OTHER"
        )
        counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts.items(), key=lambda item: item[1])[0].lower()




def lettered(text: str, root: Path = TRANSLATIONS_DIR) -> Optional[str]:
    """The one offered language whose own letters (`letters:`) `text` has, else None.

    "ąśż" are written in Polish only, of the languages offered: a Latin
    message with one of them is Polish however short it is.
    """
    folded = set(text.casefold())
    known = languages(root)
    found = {code for code in offered(root) if folded & set(known[code].letters)}
    return found.pop() if len(found) == 1 else None
