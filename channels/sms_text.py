"""What an SMS says: GSM-7 text, segments, numbered options and keywords.

    to_gsm7, segments
                     the alphabet, from bot/i18n/gsm7.py: plain stand-ins
                     where they make a text GSM-7, the parts a text is billed as
    limits           a turn's body and its cut are counted in segments, so a
                     UCS-2 text never costs more parts than the longest
                     GSM-7 text does (3 parts joined, 11 at most)
    options          a turn's buttons as numbered options (never STOP, HELP
                     or START); `numbered_text` shows them as "1 ... Reply
                     1, 2 or 3" unless the text already numbers them
    choose           a reply (number or title) mapped back to its payload
    compose_turn     a bot turn as SMS bodies: one body where the turn fits
                     in 320 characters, never one over 1600
    keyword          STOP / START / HELP words (the whole message)

The GSM 03.38 alphabet (`to_gsm7`, `segments`) is bot/i18n/gsm7.py's, from
the `gsm0338` codec, not from a table of our own.
The few words an SMS adds ("Reply 1 or 2", the nssa.example/chat pointer)
are texts of texts.yml, in the turn's language. No I/O but reading those.

Keywords (the whole message, any case; `keyword` here, acted on by
channels/sms.py before anything else):
    STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (and Twilio's REVOKE,
        OPTOUT): opted out in the store; no answer, nothing more is sent to
        the number, proactive notices included (SmsOutput checks before
        every send). Twilio confirms the opt-out itself and refuses further
        messages (error 21610, which also opts the number out here).
    START, UNSTOP (and YES from an opted-out number, as Twilio does): opted
        back in, with a short confirmation.
    HELP (and Twilio's INFO): the handbook's help text.
    With Twilio's Advanced Opt-Out, the webhook carries OptOutType and
    Twilio has already answered: the store is updated, nothing is sent.
    A message from an opted-out number that is not START is not answered
    and not given to Rasa (an answer could not be delivered).

"cancel" inside a form: CANCEL alone is a carrier opt-out keyword, so a
citizen who texts just "cancel" is opted out (no further texts; the form
is left as it is and ends with the conversation after 15 minutes;
nothing is sent to a back-end without the "1 Yes, send it" confirmation).
To stop a form and keep getting texts, the citizen writes it in words:
"cancel the request", "stop the form", "never mind", "quit the form" are
the `cancel` intent (data/core/requests.yml), which stops the form.
No SMS text tells the citizen to type "cancel".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence

from bot.i18n.gsm7 import Segments, is_gsm7, segments, to_gsm7

__all__ = [
    "PREFERRED_CHARS",
    "MAX_CHARS",
    "OPT_OUT",
    "OPT_IN",
    "HELP",
    "Segments",
    "Option",
    "BotMessage",
    "is_gsm7",
    "to_gsm7",
    "segments",
    "options",
    "numbered_text",
    "choose",
    "fit",
    "compose_turn",
    "keyword",
]

# service-standards.md, SMS rules: an answer is at most 320 characters (2
# messages). Twilio refuses a body over 1600 characters.
PREFERRED_CHARS = 320
MAX_CHARS = 1600
# The same numbers of parts in UCS-2: 320 GSM-7 characters go in 3 parts,
# 1600 in 11; 3 and 11 UCS-2 parts carry 201 and 737 UTF-16 units.
UCS2_PREFERRED_UNITS = 201
UCS2_MAX_UNITS = 737


def __getattr__(name: str) -> str:
    """MORE_POINTER and HELP_TEXT: their English texts of texts.yml, on use."""
    names = {"MORE_POINTER": "sms_more", "HELP_TEXT": "sms_help"}
    if name in names:
        return _say(names[name])
    raise AttributeError(name)


def _say(name: str, lang: Optional[str] = None, **variables: Any) -> str:
    from channels.texts import say

    return say(name, lang, **variables)

# Twilio's default keywords (Advanced Opt-Out's defaults), matched on the
# whole message, case-insensitive, as Twilio does.
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})
# Twilio also takes YES as an opt-in, but only from a number that opted out:
# elsewhere "yes" is an ordinary answer.
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})
_NEVER_OPTIONS = OPT_OUT | OPT_IN | HELP

@dataclass(frozen=True)
class Option:
    """One numbered choice offered by SMS."""

    number: int
    title: str
    payload: str


def _is_keyword(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in _NEVER_OPTIONS


def options(buttons: Optional[Iterable[Mapping[str, Any]]]) -> List[Option]:
    """Rasa buttons as numbered options; none titled or paid as STOP, HELP, START or the like."""
    kept: List[Option] = []
    for button in buttons or []:
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or title).strip()
        if not title or _is_keyword(title) or _is_keyword(payload):
            continue
        kept.append(Option(len(kept) + 1, title, payload))
    return kept


def reply_hint(count: int, lang: Optional[str] = None) -> str:
    """The hint after a numbered list: Reply 1 / Reply 1 or 2 / Reply 1, 2 or 3."""
    numbers = [str(n) for n in range(1, count + 1)]
    if count <= 1:
        return _say("sms_reply_one", lang)
    return _say("sms_reply_many", lang, numbers=", ".join(numbers[:-1]), last=numbers[-1])


def _already_numbered(text: str, opts: Sequence[Option]) -> bool:
    """Whether the text itself says "1 Yes ... 2 No" for these options (no second list)."""
    for option in opts:
        first_word = re.escape(option.title.split()[0])
        if not re.search(rf"(?<!\d){option.number}[.):]?\s+{first_word}", text, re.IGNORECASE):
            return False
    return True


def numbered_text(text: str, opts: Sequence[Option], lang: Optional[str] = None) -> str:
    """The text with its options as a numbered list and "Reply 1, 2 or 3", unless it has them."""
    if not opts or _already_numbered(text, opts):
        return text
    lines = [f"{o.number} {o.title}" for o in opts]
    return "\n".join([text.rstrip(), *lines, reply_hint(len(opts), lang)]).strip()


def _normal(text: str) -> str:
    return " ".join(to_gsm7(text).casefold().strip().rstrip(".!").split())


def choose(text: str, opts: Sequence[Option]) -> Optional[str]:
    """The payload a reply picks: its number ("2", "2.") or its title (any case); else None."""
    if not opts:
        return None
    number = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text)
    if number:
        wanted = int(number.group(1))
        return next((o.payload for o in opts if o.number == wanted), None)
    said = _normal(text)
    return next((o.payload for o in opts if _normal(o.title) == said), None)


_SENTENCE_END = re.compile(r"(?<=[.!?\u061f])\s+|\n+")


def max_chars(text: str) -> int:
    """The most characters a body of this text's encoding may have (11 parts)."""
    return MAX_CHARS if is_gsm7(text) else UCS2_MAX_UNITS


def preferred_chars(text: str) -> int:
    """The most characters a turn's joined body of this encoding has (3 parts)."""
    return PREFERRED_CHARS if is_gsm7(text) else UCS2_PREFERRED_UNITS


def fit(text: str, limit: Optional[int] = None, pointer: Optional[str] = None) -> str:
    """`text` within `limit` (by default 11 parts), else cut at a sentence end with `pointer`."""
    pointer = _say("sms_more") if pointer is None else pointer
    limit = max_chars(text + pointer) if limit is None else limit
    if len(text) <= limit:
        return text
    room = limit - len(pointer) - 1
    cut = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > room:
            break
        cut = match.start()
    if cut == 0:
        # No sentence end in reach: cut at a word.
        cut = text.rfind(" ", 0, room)
        cut = cut if cut > 0 else room
    return f"{text[:cut].rstrip()} {pointer}"


@dataclass(frozen=True)
class BotMessage:
    """One bot message of a turn: text, the buttons that came with it, its language."""

    text: str
    buttons: Sequence[Mapping[str, Any]] = ()
    language: Optional[str] = None


def turn_options(messages: Sequence[BotMessage]) -> List[Option]:
    """The options a turn offers: those of its last message with buttons."""
    for message in reversed(messages):
        opts = options(message.buttons)
        if opts:
            return opts
    return []


def compose_turn(messages: Sequence[BotMessage]) -> List[str]:
    """The SMS bodies for a bot turn, GSM-7 where possible.

    The turn's texts are joined into one body while the body stays within
    320 characters; a text that does not fit starts the next body. The last
    message with buttons gets them as a numbered list. A body over 1600
    characters is cut at a sentence with a pointer to nssa.example/chat
    (the numbered list is kept whole).
    """
    last_with_options = max(
        (i for i, m in enumerate(messages) if options(m.buttons)), default=None
    )
    lang = next((m.language for m in reversed(messages) if m.language), None)
    pointer = _say("sms_more", lang)
    texts: List[str] = []
    for index, message in enumerate(messages):
        text = to_gsm7(message.text or "").strip()
        if index == last_with_options:
            opts = options(message.buttons)
            listed = to_gsm7(numbered_text(text, opts, lang))
            tail = listed[len(text):] if listed.startswith(text) else ""
            most = max_chars(listed + pointer)
            body = (fit(text, most - len(tail), pointer) + tail if tail
                    else fit(listed, most, pointer))
            texts.append(body)
        elif text:
            texts.append(fit(text, max_chars(text + pointer), pointer))
    bodies: List[str] = []
    for text in texts:
        joined = f"{bodies[-1]}\n{text}" if bodies else text
        if bodies and len(joined) <= preferred_chars(joined):
            bodies[-1] = joined
        else:
            bodies.append(text)
    return bodies


def keyword(text: str, *, opted_out: bool = False) -> Optional[str]:
    """The keyword (stop, start or help) that the whole message is, else None."""
    word = " ".join(text.split()).upper()
    if word in OPT_OUT:
        return "stop"
    if word in OPT_IN or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return "start"
    if word in HELP:
        return "help"
    return None
