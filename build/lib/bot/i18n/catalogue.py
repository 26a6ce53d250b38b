"""The translation catalogue: every text of the assistant, in every language.

English is the source. Its texts are Rasa responses (domain.yml and the
`responses:` of data/**.yml, data/lang/ excepted) and the texts Rasa does not
send itself (texts.yml: the channels' own answers, the web chat page's labels
and the words that go into responses' variables, such as weekday names).
Each other language is a tree translations/<code>/ mirroring those files,
with the same names and variations:

    responses:                      # texts: in translations/<code>/texts.yml
      utter_greet:
      - source: 4be1c0a9d2           # source_hash() of the English it translates
        text: Dzień dobry. ...
      - channel: sms                 # one entry per English variation
        source: ...
        text: ...

A translation is used when it has a text and its `source` is the hash of the
English variation as it is now; otherwise (missing, empty or stale) the
English variation is used, so a changed fact is never told in an old
translation. `python -m bot translations` reports both with file and line.

Variables a response is given may be plain values or references resolved
in the message's language: `{"term": "weekday_0"}` (a text of texts.yml,
with optional "vars"), `{"money": 75050}` (cents) or a list of parts.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml

from bot.errors import ContentError
from bot.i18n import numbers
from bot.i18n.languages import SOURCE, TRANSLATIONS_DIR, language, languages, plural_form
from bot.settings import PROJECT_ROOT

__all__ = [
    "Entry",
    "Catalogue",
    "default_catalogue",
    "EnglishTerms",
    "fill",
    "LANGUAGE_KEY",
    "english_files",
    "load_entries",
    "source_hash",
    "variation_key",
]

# A term's plural forms besides `text` (CLDR's categories; bot/i18n/languages.py).
PLURAL_FORMS = ("zero", "one", "two", "few", "many")
# Where the NLG writes the language a message is in (its BotUttered metadata).
LANGUAGE_KEY = "language"
_RELOAD_SECONDS = 2.0


@dataclass(frozen=True)
class Entry:
    """One variation of a text, English or translated, and where it is written."""

    name: str
    channel: Optional[str]
    index: int
    variation: Mapping[str, Any]
    file: str
    line: int

    @property
    def text(self) -> str:
        """The variation's text ('' if none)."""
        return str(self.variation.get("text") or "")

    @property
    def source(self) -> Optional[str]:
        """The source hash a translation carries."""
        value = self.variation.get("source")
        return str(value) if value is not None else None

    @property
    def where(self) -> str:
        """`file:line` for messages."""
        return f"{self.file}:{self.line}"


def source_hash(variation: Mapping[str, Any]) -> str:
    """Ten hex digits of the SHA-256 of a variation's text and button titles."""
    buttons = [b for b in variation.get("buttons") or () if isinstance(b, dict)]
    titles = [str(b.get("title", "")) for b in buttons]
    digest = hashlib.sha256("\x1f".join([str(variation.get("text") or ""), *titles]).encode())
    return digest.hexdigest()[:10]


def variation_key(name: str, channel: Optional[str], index: int) -> Tuple[str, str, int]:
    """The key a translation is matched on: name, channel ('' for none), position."""
    return (name, channel or "", index)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping under '__line__'."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> Dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def load_entries(path: Path, root: Path = PROJECT_ROOT) -> List[Entry]:
    """The variations of the `responses:` and `texts:` of one file, with lines."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise ContentError(f"{_rel(path, root)}:{line}: not valid YAML: {exc}") from None
    entries: List[Entry] = []
    for section in ("responses", "texts"):
        block = data.get(section) or {}
        if not isinstance(block, dict):
            continue
        for name, variations in block.items():
            if name == "__line__":
                continue
            counts: Dict[str, int] = {}
            for variation in variations or []:
                if not isinstance(variation, dict):
                    continue
                line = int(variation.pop("__line__", 0))
                _strip_lines(variation)
                channel = variation.get("channel") or None
                index = counts.get(channel or "", 0)
                counts[channel or ""] = index + 1
                entries.append(Entry(str(name), channel, index, variation, _rel(path, root), line))
    return entries


def _strip_lines(value: Any) -> None:
    if isinstance(value, dict):
        value.pop("__line__", None)
        for item in value.values():
            _strip_lines(item)
    elif isinstance(value, list):
        for item in value:
            _strip_lines(item)


def english_files(root: Path = PROJECT_ROOT) -> List[Path]:
    """The files the English texts are written in."""
    data = sorted(p for p in (root / "data").rglob("*.yml") if "lang" not in p.relative_to(
        root / "data").parts[:1])
    return [root / "domain.yml", *data, root / "texts.yml"]


def _translation_files(lang: str, translations: Path) -> List[Path]:
    folder = translations / lang
    return sorted(folder.rglob("*.yml")) if folder.is_dir() else []


class Catalogue:
    """English texts and their translations, re-read when a translation file changes."""

    def __init__(
        self,
        root: Path = PROJECT_ROOT,
        translations: Path = TRANSLATIONS_DIR,
        english: Optional[Mapping[str, List[Dict[str, Any]]]] = None,
    ) -> None:
        self.root = root
        self.translations = translations
        self._lock = threading.Lock()
        self._english = self._english_entries(english)
        self._translated: Dict[str, Dict[Tuple[str, str, int], Entry]] = {}
        self._stamps: Dict[str, Tuple[Tuple[str, float], ...]] = {}
        self._checked: Dict[str, float] = {}
        self._responses: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}

    def _english_entries(
        self, responses: Optional[Mapping[str, List[Dict[str, Any]]]]
    ) -> Dict[str, List[Entry]]:
        entries: Dict[str, List[Entry]] = {}
        if responses is None:
            paths = english_files(self.root)
        else:
            # The model's responses are the English in force; texts.yml is read.
            paths = [self.root / "texts.yml"]
            for name, variations in responses.items():
                counts: Dict[str, int] = {}
                for variation in variations:
                    channel = variation.get("channel") or None
                    index = counts.get(channel or "", 0)
                    counts[channel or ""] = index + 1
                    entries.setdefault(name, []).append(
                        Entry(name, channel, index, dict(variation), "model", 0))
        for path in paths:
            if path.is_file():
                for entry in load_entries(path, self.root):
                    entries.setdefault(entry.name, []).append(entry)
        return entries

    # --- what is in force ------------------------------------------------------

    def english(self) -> Dict[str, List[Entry]]:
        """Every English text by name, its variations in order."""
        return self._english

    def translated(self, lang: str) -> Dict[Tuple[str, str, int], Entry]:
        """The translations of `lang` by variation_key (re-read when their files change)."""
        if lang == SOURCE:
            return {}
        self._maybe_reload(lang)
        return self._translated.get(lang, {})

    def _maybe_reload(self, lang: str) -> None:
        now = time.monotonic()
        if lang in self._translated and now - self._checked.get(lang, 0.0) < _RELOAD_SECONDS:
            return
        with self._lock:
            self._checked[lang] = now
            files = _translation_files(lang, self.translations)
            stamp = tuple((str(p), p.stat().st_mtime) for p in files)
            if lang in self._translated and stamp == self._stamps.get(lang):
                return
            found: Dict[Tuple[str, str, int], Entry] = {}
            for path in files:
                for entry in load_entries(path, self.root):
                    found[variation_key(entry.name, entry.channel, entry.index)] = entry
            self._translated[lang] = found
            self._stamps[lang] = stamp
            self._responses.pop(lang, None)

    def usable(self, lang: str, english: Entry) -> Optional[Entry]:
        """The translation of an English variation if it has a text and is not stale."""
        key = variation_key(english.name, english.channel, english.index)
        entry = self.translated(lang).get(key)
        if entry is None or not entry.text.strip():
            return None
        if entry.source != source_hash(english.variation):
            return None
        return entry

    def variations(self, name: str, lang: str) -> List[Dict[str, Any]]:
        """The variations of one text in `lang` (English where not translated).

        Each carries LANGUAGE_KEY: the language it is really in.
        """
        result = []
        for english in self._english.get(name, []):
            entry = self.usable(lang, english) if lang != SOURCE else None
            if entry is None:
                result.append({**english.variation, LANGUAGE_KEY: SOURCE})
                continue
            merged = {k: v for k, v in english.variation.items()
                      if k != "text" and k not in PLURAL_FORMS}
            merged.update({k: v for k, v in entry.variation.items()
                           if k not in ("source", "english")})
            merged["buttons"] = _buttons(english.variation, entry.variation)
            if not merged["buttons"]:
                merged.pop("buttons")
            merged[LANGUAGE_KEY] = lang
            result.append(merged)
        return result

    def responses(self, lang: str) -> Dict[str, List[Dict[str, Any]]]:
        """Every response in `lang`, for Rasa's template generator."""
        self.translated(lang)
        cached = self._responses.get(lang)
        if cached is None:
            cached = {name: self.variations(name, lang) for name in self._english}
            self._responses[lang] = cached
        return cached

    # --- texts outside Rasa's responses ---------------------------------------

    def text(
        self, name: str, lang: str, channel: Optional[str] = None, **variables: Any
    ) -> Tuple[str, str]:
        """(text, language it is in) of a text of texts.yml or a response's first variation."""
        variations = self.variations(name, lang)
        if not variations:
            raise KeyError(name)
        chosen = next((v for v in variations if v.get("channel") == channel), None) or next(
            (v for v in variations if not v.get("channel")), variations[0])
        actual = chosen[LANGUAGE_KEY]
        values = {k: self.render(v, actual) for k, v in variables.items()}
        text = str(chosen.get("text") or "")
        if "count" in variables:
            form = plural_form(variables["count"], actual)
            text = str(chosen.get(form) or text)
        return fill(text, values), actual

    def choices(self, name: str) -> Dict[str, List[str]]:
        """The words of every language for the values of one fixed answer (`choices:`)."""
        found: Dict[str, List[str]] = {}
        for lang in languages():
            if lang == SOURCE:
                continue
            for path in _translation_files(lang, self.translations):
                if path.name != "texts.yml":
                    continue
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                for value, words in ((data.get("choices") or {}).get(name) or {}).items():
                    found.setdefault(str(value), []).extend(
                        w.strip() for w in str(words or "").split(",") if w.strip())
        return found

    def render(self, value: Any, lang: str) -> Any:
        """A variable's value in `lang`: terms and amounts resolved, lists joined."""
        if isinstance(value, list) and all(_is_part(part) for part in value):
            return "".join(str(self.render(part, lang)) for part in value)
        if isinstance(value, dict) and "term" in value:
            inner = {k: self.render(v, lang) for k, v in (value.get("vars") or {}).items()}
            return self.text(str(value["term"]), lang, **inner)[0]
        if isinstance(value, dict) and "money" in value:
            return numbers.money(int(value["money"]), language(lang).decimal)
        return value


def _is_part(value: Any) -> bool:
    """A string, a number, or a term or amount reference (not a button)."""
    if isinstance(value, dict):
        return "term" in value or "money" in value
    if isinstance(value, list):
        return all(_is_part(part) for part in value)
    return isinstance(value, (str, int, float))


_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Put `values` into the {name} placeholders of `text`; unknown ones stay."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def _buttons(english: Mapping[str, Any], translated: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """English buttons with the translated titles (payloads are never translated)."""
    titles = [b.get("title") for b in translated.get("buttons") or () if isinstance(b, dict)]
    result = []
    for index, button in enumerate(english.get("buttons") or ()):
        title = titles[index] if index < len(titles) and titles[index] else button.get("title")
        result.append({**button, "title": title})
    return result


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The process's catalogue of the project's files, made on first use."""
    return Catalogue()


class EnglishTerms(Mapping[str, str]):
    """Some terms of texts.yml by their key, in English, read on first use (tests, logs)."""

    def __init__(self, prefix: str, keys: Tuple[str, ...]) -> None:
        self.prefix = prefix
        self.keys_ = keys

    def __getitem__(self, key: str) -> str:
        if key not in self.keys_:
            raise KeyError(key)
        return default_catalogue().text(self.prefix + key, SOURCE)[0]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_)

    def __len__(self) -> int:
        return len(self.keys_)
