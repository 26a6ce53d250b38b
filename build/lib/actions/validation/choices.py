"""Fixed answers: the number of the option, its words, or a common synonym.

A choice is read from the whole answer: "1", "yes please", "I am her
stepmother". The words of other languages come from the `choices:` of
translations/<code>/texts.yml (docs/translating.md), in any conversation.
Longer phrases win over the words in them ("step mother" is a
step-parent, not a parent); two different options, or a "not" left over, make
the answer unclear, and the citizen is asked again rather than guessed for.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from actions.validation._base import ValidationError, clean
from actions.validation.working_days import OFFICES

__all__ = [
    "yes_no",
    "relationship",
    "work_status",
    "delivery",
    "language",
    "period",
    "complaint_topic",
    "time_window",
    "office",
]

_NEGATORS = frozenset(
    "not dont never isnt arent doesnt didnt cant cannot wont neither nor".split()
)
_FILLERS = frozenset("option number nr choice".split())


def _words(text: Any) -> List[str]:
    """Lower-case words and emoji of an answer, without punctuation."""
    value = clean(text).casefold()
    value = "".join(c for c in value if unicodedata.category(c) not in ("Mn", "Sk", "Cf"))
    value = re.sub(r"[.'\u2019`\u00b4]", "", value).replace("_", " ").replace("-", " ")
    return [
        token
        for token in re.findall(r"\w+|[^\w\s]", value)
        if token[0].isalnum() or unicodedata.category(token[0]) == "So"
    ]


class _Choice:
    """Reads one of a fixed list of answers; options are numbered from 1 in order."""

    def __init__(
        self, name: str, options: Sequence[Tuple[Any, str]], message: str, fuzzy: bool = True
    ) -> None:
        self.name = name
        self.values = [value for value, _ in options]
        # A synonym written "=am" counts only as the whole answer, not inside a sentence.
        self.phrases: Dict[Tuple[str, ...], Any] = {}
        self.whole_only: Set[Tuple[str, ...]] = set()
        for value, synonyms in options:
            self._add(value, synonyms.split(","))
        self.message = message
        self.fuzzy = fuzzy
        self._translated = False

    def _add(self, value: Any, synonyms: Sequence[str]) -> None:
        for synonym in synonyms:
            phrase = tuple(_words(synonym))
            if phrase:
                self.phrases.setdefault(phrase, value)
                if synonym.strip().startswith("="):
                    self.whole_only.add(phrase)

    def _add_translations(self) -> None:
        """The words of every language's `choices:` (read once, on first use)."""
        if self._translated:
            return
        from bot.i18n.catalogue import default_catalogue

        values = {str(value).lower(): value for value in self.values}
        for value, synonyms in default_catalogue().choices(self.name).items():
            if value.lower() in values:
                self._add(values[value.lower()], synonyms)
        self._translated = True

    def __call__(self, text: Any) -> Any:
        self._add_translations()
        words = _words(text)
        if not words:
            raise ValidationError(self.message)
        used = [False] * len(words)
        found = set()
        lead = 1 if words[0] in _FILLERS and len(words) > 1 else 0
        if re.fullmatch(r"[0-9]{1,2}", words[lead]) and 1 <= int(words[lead]) <= len(self.values):
            found.add(self.values[int(words[lead]) - 1])
            used[: lead + 1] = [True] * (lead + 1)
        for phrase in sorted(self.phrases, key=len, reverse=True):
            if phrase in self.whole_only and len(phrase) != len(words):
                continue
            size = len(phrase)
            for start in range(len(words) - size + 1):
                window = slice(start, start + size)
                if tuple(words[window]) == phrase and not any(used[window]):
                    used[window] = [True] * size
                    found.add(self.phrases[phrase])
        negated = any(word in _NEGATORS for word, done in zip(words, used, strict=True) if not done)
        if len(found) == 1 and not negated:
            return found.pop()
        if not found and not negated and self.fuzzy:
            guess = self._close(" ".join(words))
            if guess is not None:
                return guess
        raise ValidationError(self.message)

    def _close(self, answer: str) -> Optional[Any]:
        if len(answer) < 4:
            return None
        names = {" ".join(phrase): value for phrase, value in self.phrases.items()}
        values = {names[name] for name in _close_matches(answer, list(names), 0.8)}
        return values.pop() if len(values) == 1 else None


def _close_matches(answer: str, names: List[str], cutoff: float) -> List[str]:
    """Close spellings that start with the same letter: "englsh", but not "unemployed"."""
    close = difflib.get_close_matches(answer, names, n=3, cutoff=cutoff)
    return [name for name in close if name[0] == answer[0]]


_YES_NO = _Choice(
    "yes_no",
    [
        (
            True,
            "yes,=y,yeah,yea,yep,yup,ya,yah,ok,okay,sure,correct,right,thats right,true,"
            "agree,i agree,i do,confirm,confirmed,of course,absolutely,definitely,go ahead,"
            "send,send it,no problem,no worries,sounds good,all good,"
            "👍,✅,✔,☑,tak,так,نعم",
        ),
        (
            False,
            "no,=n,nope,nah,no thanks,no thank you,incorrect,not correct,not right,wrong,false,"
            "disagree,dont agree,do not agree,dont send,do not send,change,change something,"
            "👎,❌,✖,nie,ні,нет,لا",
        ),
    ],
    "utter_invalid_yes_no",
    fuzzy=False,
)


def yes_no(text: Any) -> bool:
    """Return True for yes and False for no (1/2, yes/no and common synonyms)."""
    return _YES_NO(text)

_RELATIONSHIP = _Choice(
    "relationship",
    [
        (
            "parent",
            "parent,mother,father,mum,mom,mam,mummy,mommy,dad,daddy,birth parent,"
            "biological parent,adoptive parent,adoptive mother,adoptive father",
        ),
        (
            "step_parent",
            "step parent,stepparent,step,stepmother,step mother,stepfather,step father,"
            "stepmum,stepmom,step mum,step mom,stepdad,step dad",
        ),
        (
            "foster_parent",
            "foster parent,foster,foster mother,foster father,foster mum,foster mom,foster dad,"
            "foster carer,foster care,fosterparent",
        ),
        ("guardian", "guardian,legal guardian,guardianship"),
    ],
    "utter_invalid_relationship",
)


def relationship(text: Any) -> str:
    """Return parent, step_parent, foster_parent or guardian."""
    return _RELATIONSHIP(text)

_WORK_STATUS = _Choice(
    "work_status",
    [
        ("employee", "employee,employed,an employee,worker,salaried,posted worker,posted"),
        (
            "self_employed",
            "self employed,selfemployed,freelancer,freelance,own business,my own business,"
            "sole trader,entrepreneur,independent,independent contractor,business owner",
        ),
    ],
    "utter_invalid_work_status",
)


def work_status(text: Any) -> str:
    """Return employee or self_employed."""
    return _WORK_STATUS(text)

_DELIVERY = _Choice(
    "delivery",
    [
        (
            "online",
            "online,my nssa,mynssa,my account,nssa account,internet,digital,electronic,"
            "electronically,web,website,app",
        ),
        ("post", "post,by post,mail,by mail,letter,paper,postal,snail mail,posted"),
    ],
    "utter_invalid_delivery",
)


def delivery(text: Any) -> str:
    """Return online (My NSSA) or post."""
    return _DELIVERY(text)

_LANGUAGE = _Choice(
    "language",
    [
        ("northlandic", "northlandic,northland,northlandish,northlandic language"),
        ("english", "english,=eng,=en,in english"),
    ],
    "utter_invalid_letter_language",
)


def language(text: Any) -> str:
    """Return northlandic or english."""
    return _LANGUAGE(text)

_COMPLAINT_TOPIC = _Choice(
    "complaint_topic",
    [
        ("service", "service,customer service,quality of service,bad service,poor service"),
        (
            "staff",
            "staff,employee,employees,advisor,adviser,case worker,caseworker,officer,"
            "person,rude,behaviour,behavior,attitude,member of staff",
        ),
        (
            "waiting_time",
            "waiting time,waiting,wait,waited,delay,delayed,slow,too long,queue,late,"
            "waiting times",
        ),
        ("decision", "decision,refusal,refused,rejected,rejection,denied,outcome,my decision"),
        (
            "online_services",
            "online services,online service,online,website,web site,my nssa,mynssa,app,"
            "chat,chatbot,login,log in,internet,e id,eid",
        ),
        ("other", "other,something else,else,none of these,none,another thing,other topic"),
    ],
    "utter_invalid_complaint_topic",
)


def complaint_topic(text: Any) -> str:
    """Return service, staff, waiting_time, decision, online_services or other."""
    return _COMPLAINT_TOPIC(text)

_TIME_WINDOW = _Choice(
    "time_window",
    [
        (
            "morning",
            "morning,mornings,in the morning,=am,before noon,before lunch,"
            "9 12,09 12,9 to 12,9 00 12 00,09 00 12 00",
        ),
        (
            "afternoon",
            "afternoon,afternoons,in the afternoon,=pm,after lunch,after noon,"
            "13 17,13 to 17,13 00 17 00",
        ),
    ],
    "utter_invalid_time_window",
)


def time_window(text: Any) -> str:
    """Return morning (09:00 to 12:00) or afternoon (13:00 to 17:00)."""
    return _TIME_WINDOW(text)

_PERIOD_ALL = frozenset("all every everything whole full complete entire".split())


def period(text: Any, first_year: int = 1970, last_year: int = 2025) -> str:
    """Return "all", or one year from 1970 to 2025 as text ("2019")."""
    message = ValidationError("utter_invalid_period", first=first_year, last=last_year)
    words = _words(text)
    years = [word for word in words if word.isdigit()]
    from bot.i18n.catalogue import default_catalogue

    every = _PERIOD_ALL | {
        word for synonym in default_catalogue().choices("period").get("all", ())
        for word in _words(synonym)
    }
    wants_all = any(word in every for word in words)
    if wants_all and not years:
        return "all"
    if wants_all or len(years) != 1 or len(years[0]) != 4:
        raise message
    if not first_year <= int(years[0]) <= last_year:
        raise ValidationError("utter_invalid_period_years", first=first_year, last=last_year)
    return years[0]


_OFFICE_MESSAGE = "utter_invalid_office"
_OFFICE_ALIASES: Dict[str, Tuple[str, ...]] = {
    "northhaven": ("northhavencentral", "northhaven", "central", "headoffice", "harbourstreet"),
    "eastmere": ("eastmere", "marketsquare"),
    "westfjord": ("westfjord", "westfiord", "quayroad"),
    "southvale": ("southvale", "stationavenue"),
    "highmoor": ("highmoor", "chapellane"),
}
_OFFICE_FILLERS = frozenset("office branch the in at to please nssa one i id like want".split())


def _office_for(compact: str) -> Optional[str]:
    """The one office a compact name, its start, or a close spelling stands for."""
    for office_id, aliases in _OFFICE_ALIASES.items():
        if compact in aliases:
            return office_id
    if len(compact) >= 3:
        starts = {
            office_id
            for office_id, aliases in _OFFICE_ALIASES.items()
            for alias in aliases
            if alias.startswith(compact)
        }
        if len(starts) == 1:
            return starts.pop()
    names = {alias: oid for oid, aliases in _OFFICE_ALIASES.items() for alias in aliases}
    close = {names[alias] for alias in _close_matches(compact, list(names), 0.75)}
    return close.pop() if len(close) == 1 else None


def office(text: Any) -> str:
    """Return the office id ("northhaven", ...) from its number, name, part or a typo."""
    words = [word for word in _words(text) if word not in _OFFICE_FILLERS]
    if not words:
        raise ValidationError(_OFFICE_MESSAGE)
    if len(words) == 1 and words[0].isdigit():
        if words[0] in {str(number) for number in range(1, len(OFFICES) + 1)}:
            return list(OFFICES)[int(words[0]) - 1]
        raise ValidationError(_OFFICE_MESSAGE)
    whole = _office_for("".join(words))
    if whole is not None:
        return whole
    # "Eastmere would be best": the words that name an office must agree.
    named = {_office_for(word) for word in words if len(word) >= 4 and not word.isdigit()}
    named.discard(None)
    if len(named) == 1:
        return str(named.pop())
    raise ValidationError(_OFFICE_MESSAGE)
