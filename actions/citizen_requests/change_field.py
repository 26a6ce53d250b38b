""""2 No, change something": the answers to change, shown and read in the conversation's language.

The buttons' titles are the summary's labels (`term_label_<slot>` of
texts.yml) in the conversation's language: Rasa appends an action's buttons
after the response is generated, so they are written here. The citizen
picks an answer by its number, its button, or by naming it in a sentence in
English or their language ("the date", "дату переїзду", "datę
przeprowadzki"); a word of two answers is asked again.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker

from actions.citizen_requests.questions import Field

__all__ = ["label", "buttons", "chosen"]

# Words that name no answer: "change the date of the move".
_SMALL = frozenset("the a an of my to and or change it is want i new".split())


def label(form_field: Field, lang: Text) -> Text:
    """The field's label in `lang` (`term_label_<slot>`), else its English one."""
    from bot.i18n.catalogue import default_catalogue

    try:
        return str(default_catalogue().text(f"term_label_{form_field.slot}", lang)[0])
    except KeyError:
        return form_field.label


def _language(tracker: Tracker) -> Text:
    return str(tracker.get_slot("language") or "en")


def buttons(fields: Sequence[Field], tracker: Tracker) -> List[Dict[Text, Any]]:
    """One button a field, numbered from 1, titled in the conversation's language."""
    lang = _language(tracker)
    return [{"title": label(f, lang), "payload": str(i)} for i, f in enumerate(fields, 1)]


# Arabic writes "the" joined to its word: "التاريخ" is "the date" (تاريخ).
_ARABIC_ARTICLE = re.compile(r"^(?:و|ب|ل)?ال(?=[\u0600-\u06ff]{2})")


def _words(text: Text) -> List[Text]:
    return [_ARABIC_ARTICLE.sub("", w) for w in re.findall(r"[^\W_]+", text.casefold())
            if w not in _SMALL]


def _same_word(said: Text, written: Text) -> bool:
    """"дату" is "дата", "datę" is "data": the same word but for its last letters."""
    if said == written:
        return True
    common = 0
    for a, b in zip(said, written, strict=False):
        if a != b:
            break
        common += 1
    return common >= 3 and common >= min(len(said), len(written)) - 2


def chosen(text: Text, fields: Sequence[Field], tracker: Tracker) -> Optional[Field]:
    """The field named by number or in words, if exactly one; None otherwise."""
    said = text.strip().casefold()
    if said.isdigit():
        number = int(said)
        return fields[number - 1] if 1 <= number <= len(fields) else None
    languages = {"en", _language(tracker)}
    names = {f.slot: {label(f, lang).casefold() for lang in languages} | {f.label.casefold()}
             for f in fields}
    whole = [f for f in fields if said and any(n and (n in said or said in n)
                                               for n in names[f.slot])]
    if len(whole) == 1:
        return whole[0]
    words = _words(said)
    if not words:
        return None
    scores = []
    for form_field in fields:
        written = {w for n in names[form_field.slot] for w in _words(n)}
        matched = sum(any(_same_word(w, x) for x in written) for w in words)
        scores.append((matched, form_field))
    best = max(score for score, _ in scores)
    found = [f for score, f in scores if score == best and best > 0]
    return found[0] if len(found) == 1 else None
