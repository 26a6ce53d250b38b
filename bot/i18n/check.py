"""The translations' content check (`python -m bot translations`, part of `make check`).

Per language, with file and line:

- MISSING   an English text (variation) with no translation yet (it is sent in
            English); listed, not an error: translating is ongoing work.
- STALE     the English changed after the translation was made (its `source`
            is not the English text's hash any more); sent in English until
            the translator updates the text and the `source`.
- NUMBERS   a translation that lacks a number of its English text (amount,
            percentage, date, time, phone number, form name), compared by
            value in the language's own way of writing numbers: an error.
- KEEP      a {placeholder} or a button payload of the English missing or
            changed in the translation: an error.
- SMS       a translated SMS variant over what the channel sends: over 320
            characters (an error), and for languages that need UCS-2 (Arabic,
            Cyrillic), over 2 SMS segments (listed: fit 2 messages where you can).
- ORPHAN    a translation of a text English no longer has: an error.

and the handbook coverage on the numbers: how many of the handbook's facts
with a number (facts.tsv) a fresh translation in the language tells.

`scaffold(code)` adds every missing entry to the language's files, with the
English text beside it and its `source` hash, so a translator only writes
`text:` (docs/translating.md); an entry still without a text whose English
changed gets the new English and hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.i18n import numbers
from bot.i18n.catalogue import Catalogue, Entry, source_hash, variation_key
from bot.i18n.languages import SOURCE, TRANSLATIONS_DIR, languages
from bot.settings import PROJECT_ROOT

__all__ = ["LanguageReport", "report", "render", "scaffold", "SMS_LIMIT", "UCS2_SEGMENT_UNITS"]

SMS_LIMIT = 320
# 2 concatenated UCS-2 segments carry 2 x 67 UTF-16 units.
UCS2_SEGMENT_UNITS = 134
_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


@dataclass
class LanguageReport:
    """What the check found for one language."""

    code: str
    total: int = 0
    fresh: int = 0
    missing: List[Tuple[Entry, str]] = field(default_factory=list)
    stale: List[Tuple[Entry, Entry]] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    facts_total: int = 0
    facts_told: int = 0

    @property
    def ok(self) -> bool:
        """No errors (missing and stale texts are reported, not errors)."""
        return not self.errors


def _mirror(english: Entry, code: str) -> str:
    return f"translations/{code}/{english.file}"


def _needs_ucs2(text: str) -> bool:
    from bot.i18n.gsm7 import is_gsm7, to_gsm7

    return not is_gsm7(to_gsm7(text))


def _check_one(english: Entry, entry: Entry, code: str, decimal: str) -> List[str]:
    problems = []
    lost = numbers.missing_facts(english.text, entry.text, decimal)
    if lost:
        problems.append(f"{entry.where}: NUMBERS {english.name} lacks {', '.join(lost)} "
                        f"(English at {english.where})")
    wanted = set(_PLACEHOLDER.findall(english.text))
    have = set(_PLACEHOLDER.findall(entry.text))
    if wanted != have:
        problems.append(f"{entry.where}: KEEP {english.name} must have the placeholders "
                        f"{sorted(wanted) or 'none'}, not {sorted(have) or 'none'}")
    payloads = [b.get("payload") for b in english.variation.get("buttons") or ()]
    given = [b.get("payload") for b in entry.variation.get("buttons") or ()]
    if given and given != payloads:
        problems.append(f"{entry.where}: KEEP {english.name} buttons must keep the payloads "
                        f"{payloads}")
    return problems


def report(code: str, catalogue: Optional[Catalogue] = None) -> LanguageReport:
    """The check of one language."""
    catalogue = catalogue or Catalogue()
    lang = languages()[code]
    result = LanguageReport(code)
    translated = dict(catalogue.translated(code))
    for name, variations in catalogue.english().items():
        for english in variations:
            result.total += 1
            key = variation_key(name, english.channel, english.index)
            entry = translated.pop(key, None)
            if entry is None or not entry.text.strip():
                where = entry.where if entry is not None else _mirror(english, code)
                result.missing.append((english, where))
                continue
            if entry.source != source_hash(english.variation):
                result.stale.append((entry, english))
                continue
            result.fresh += 1
            result.errors += _check_one(english, entry, code, lang.decimal)
            if english.channel == "sms":
                _sms_rules(entry, result)
    for entry in translated.values():
        result.errors.append(f"{entry.where}: ORPHAN {entry.name} has no English text any more")
    _coverage(catalogue, code, lang.decimal, result)
    return result


def _sms_rules(entry: Entry, result: LanguageReport) -> None:
    if len(entry.text) > SMS_LIMIT:
        result.errors.append(f"{entry.where}: SMS {entry.name} is {len(entry.text)} characters "
                             f"(at most {SMS_LIMIT})")
    elif _needs_ucs2(entry.text) and len(entry.text) > UCS2_SEGMENT_UNITS:
        result.notes.append(f"{entry.where}: SMS {entry.name} is {len(entry.text)} characters "
                            f"in UCS-2: over 2 SMS (at most {UCS2_SEGMENT_UNITS} fit 2)")


def _coverage(catalogue: Catalogue, code: str, decimal: str, result: LanguageReport) -> None:
    from bot.content import load_facts

    told = []
    for variations in catalogue.english().values():
        for english in variations:
            usable = catalogue.usable(code, english)
            if usable is not None:
                told.append(numbers.facts(usable.text, decimal))
    for fact in load_facts():
        wanted = numbers.facts(fact.key)
        if not wanted:
            continue
        result.facts_total += 1
        # Told when one translated text has all the numbers of the fact.
        result.facts_told += any(wanted <= text for text in told)


def render(result: LanguageReport, verbose: bool = True) -> str:
    """The report for people."""
    lines = [
        f"{result.code}: {result.fresh} of {result.total} texts translated, "
        f"{len(result.missing)} missing, {len(result.stale)} stale, {len(result.errors)} errors; "
        f"handbook facts with numbers told in {result.code}: "
        f"{result.facts_told} of {result.facts_total}"
    ]
    lines += [f"  ERROR {problem}" for problem in result.errors]
    for entry, english in result.stale:
        lines.append(f"  STALE {entry.where}: {entry.name} (English changed at {english.where}; "
                     f"translate the new English, then set source: "
                     f"{source_hash(english.variation)})")
    lines += [f"  NOTE  {note}" for note in result.notes]
    if verbose:
        for english, where in result.missing:
            channel = f" ({english.channel})" if english.channel else ""
            lines.append(f"  MISSING {english.name}{channel}: English at {english.where}, "
                         f"translation in {where.split(':')[0]}")
    return "\n".join(lines)


class _BlockDumper(yaml.SafeDumper):
    """Writes texts of several lines as literal blocks (`|-`), as the English files do."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def scaffold(code: str, catalogue: Optional[Catalogue] = None,
             translations: Path = TRANSLATIONS_DIR) -> List[Path]:
    """Add every missing entry to the files of `code` (English beside it, `text: ""`)."""
    if code == SOURCE or code not in languages():
        raise ValueError(f"{code} is not a language to translate into")
    catalogue = catalogue or Catalogue()
    present = catalogue.translated(code)
    by_file: Dict[str, List[Entry]] = {}
    for variations in catalogue.english().values():
        for english in variations:
            entry = present.get(variation_key(english.name, english.channel, english.index))
            if entry is None:
                by_file.setdefault(english.file, []).append(english)
            elif not entry.text.strip() and entry.source != source_hash(english.variation):
                _refresh(translations / code / english.file, english)
    written = []
    for relative, entries in by_file.items():
        path = translations / code / relative
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
        section = "texts" if relative == "texts.yml" else "responses"
        block = data.setdefault(section, {}) or {}
        data[section] = block
        for english in entries:
            item: Dict[str, object] = {}
            if english.channel:
                item["channel"] = english.channel
            item["source"] = source_hash(english.variation)
            item["english"] = english.text
            if english.variation.get("buttons"):
                item["buttons"] = [dict(b) for b in english.variation["buttons"]]
            item["text"] = ""
            block.setdefault(english.name, []).append(item)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = (f"# {languages()[code].name} translation of {relative} "
                  "(docs/translating.md). Write `text:`; keep `source:`.\n")
        path.write_text(header + yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True,
                                           sort_keys=False, width=1000), encoding="utf-8")
        written.append(path)
    return written


def _refresh(path: Path, english: Entry) -> None:
    """An untranslated entry whose English changed: the new English and hash beside it."""
    raw = path.read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in raw.splitlines() if line.startswith("#"))
    data = yaml.safe_load(raw) or {}
    section = "texts" if english.file == "texts.yml" else "responses"
    same = [v for v in (data.get(section) or {}).get(english.name) or []
            if (v.get("channel") or None) == english.channel]
    if english.index < len(same):
        same[english.index]["source"] = source_hash(english.variation)
        same[english.index]["english"] = english.text
        path.write_text(header + yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True,
                                           sort_keys=False, width=1000), encoding="utf-8")


def relative_to_project(path: Path) -> str:
    """A path for messages."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
