"""Personal numbers kept out of the conversation store and the logs.

identity-and-privacy.md: a national ID number (11 digits), a bank account
number (NR + 2 check digits + 16 digits) or a phone number is never shown
in full. The same holds for what the assistant keeps:

- `mask_personal_numbers(text)` hides such numbers in free text but their
  last 4 digits, irreversibly (the user's and the bot's texts in the stored
  events, every log message). Agency numbers (0800 ..., +999 20 600 100) and
  case, Housing Office and employer numbers are not personal and stay.
  Phone numbers of other countries, written with + or 00 in any of their
  forms (spaces, dashes, dots, brackets, "(0)"), are found by the
  `phonenumbers` library's `PhoneNumberMatcher` (Google's libphonenumber
  rules), not by a pattern of this module.
- `Sealer` encrypts (Fernet, key derived from the `NSSA_STORE_KEY` setting)
  the slot values a form needs later, so the database holds a token and the
  action server still gets the real value (`bot/store/tracker.py`).
- `protect_event` / `reveal_event` apply both to one serialised Rasa event.
- `install_log_masking()` makes every log record of the process masked: it
  wraps `logging`'s record factory, so the message (with its arguments), an
  exception's traceback and a stack trace are masked when the record is
  made, whatever handler or formatter writes it later (Rasa's structlog
  output ends in the standard `logging` too). Fields given with `extra=`
  are set after the factory and are not masked: Sanic's access log puts the
  request line there, whose conversation ids are opaque, never a number. The Rasa server installs it
  by loading the tracker store, the action server by importing `actions`,
  the worker by importing `bot.worker`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import traceback
import unicodedata
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "SEALED_SLOTS",
    "SEAL_PREFIX",
    "Sealer",
    "mask_personal_numbers",
    "mask_strings",
    "protect_event",
    "reveal_event",
    "install_log_masking",
]

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- masking text

# Separators citizens put between digit groups: spaces, dashes, dots, slashes, brackets.
_SEP = r"[ \t\u00a0\u2007\u202f\-\u2010-\u2015\u2212./()]"
_TOKEN = re.compile(
    # Kept as they are: case and Housing Office numbers, employer numbers, dates.
    rf"(?P<keep>(?<!\w)(?:(?i:NSSA)[ \-_./]{{0,3}}[0-9]{{4}}[ \-_./]{{0,3}}[0-9]{{6}}"
    rf"|(?i:HO|ER)[ \-_./]{{0,3}}[0-9]{{8}}"
    rf"|[0-9]{{1,2}}([./\-])[0-9]{{1,2}}\2[0-9]{{4}}|[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}})"
    rf"(?![0-9]))"
    rf"|(?P<account>(?<!\w)(?i:NR)(?:{_SEP}{{0,2}}[0-9]){{14,20}}(?![0-9]))"
    rf"|(?P<intl>(?<![\w+])(?:\+|00){_SEP}?999(?:{_SEP}{{0,2}}[0-9]){{8,10}}(?![0-9]))"
    rf"|(?P<chain>[0-9]+(?:{_SEP}{{1,2}}[0-9]+)*)"
)
_DIGITS = re.compile(r"[0-9]+")
_ANY_DIGIT = re.compile(r"[0-9]")
# Freephone numbers (0800) are services, not people; +999 20 600 100 is the
# agency's line from abroad (agency.md).
_SERVICE_PREFIX = "0800"
_AGENCY_FROM_ABROAD = "20600100"


# PhoneNumberMatcher reads "00 44 ..." as international only for a region
# whose international call prefix is 00 (as Northland's: 00999); only numbers
# written with + or 00 are taken from it, national ones are this module's.
_MATCHER_REGION = "GB"
_WRITTEN_COUNTRY_CODE = (
    phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
    phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD,
)


def _hide(digits: str) -> str:
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def _is_personal(groups: List[str]) -> bool:
    """Tell whether consecutive digit groups hold an ID, phone, account or card number."""
    if any(len(group) >= 9 for group in groups):
        return True
    for start in range(len(groups)):
        digits = ""
        fours = 0
        for group in groups[start:]:
            digits += group
            fours = fours + 1 if len(group) == 4 else 0
            phone = len(digits) == 10 and digits[0] == "0"
            phone = phone and not digits.startswith(_SERVICE_PREFIX)
            if len(digits) == 11 or phone or fours >= 4:
                return True
            if len(digits) > 20:
                break
    return False


def _masked(match: "re.Match[str]") -> Optional[str]:
    """The masked form of a match, or None to keep it as it is."""
    kind, text = match.lastgroup, match.group()
    digits = "".join(_DIGITS.findall(text))
    if kind == "account":
        return text[:2] + _hide(digits)
    if kind == "intl":
        national = digits[3:] if digits.startswith("999") else digits[5:]
        return None if national == _AGENCY_FROM_ABROAD else "+999" + _hide(national)
    if kind == "chain" and _is_personal(_DIGITS.findall(text)):
        return _hide(digits)
    return None


# Any decimal digit (Unicode Nd, the characters `_ascii` turns into 0-9).
_DECIMAL_DIGIT = re.compile(r"\d")


def _ascii(char: str) -> str:
    """One character for one: any decimal digit as 0-9, full-width signs as ASCII."""
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if "\uff01" <= char <= "\uff5e":
        return chr(ord(char) - 0xFEE0)
    return " " if char == "\u3000" else char


def _international_phones(plain: str) -> List[Tuple[int, int, str]]:
    """(start, end, masked) of each number written with + or 00 in `plain`.

    Masked as "+<country code>" and the national number but its last 4.
    Northland's +999 is no country code libphonenumber knows, so the
    agency's +999 20 600 100 (and any +999 number) is left to `_TOKEN`.
    """
    if "+" not in plain and "00" not in plain:
        return []  # nothing written internationally: skip the matcher's work
    found = []
    matcher = phonenumbers.PhoneNumberMatcher(
        plain, _MATCHER_REGION, leniency=phonenumbers.Leniency.POSSIBLE
    )
    for match in matcher:
        # Only a country code the text wrote (+44, 0044): "00022912348" is an ID
        # number. The matcher does not say where the code came from; a parse does.
        try:
            number = phonenumbers.parse(match.raw_string, _MATCHER_REGION, keep_raw_input=True)
        except phonenumbers.NumberParseException:
            continue
        if number.country_code_source not in _WRITTEN_COUNTRY_CODE:
            continue
        national = str(number.national_number)
        if number.italian_leading_zero:
            national = "0" * (number.number_of_leading_zeros or 1) + national
        found.append((match.start, match.end, f"+{number.country_code}" + _hide(national)))
    return found


def _overlaps(start: int, end: int, spans: List[Tuple[int, int, str]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end, _ in spans)


def mask_personal_numbers(text: str) -> str:
    """Hide national ID numbers, NR accounts and phone numbers in free text but their last 4."""
    # Errs on the side of hiding: a date or postcode typed right next to a
    # phone number may be hidden with it, but a national ID number, an NR
    # account or a phone number is never kept.
    if not _DECIMAL_DIGIT.search(text):
        return text  # every number hidden here has decimal digits (the turn's many short strings)
    # Matched on an ASCII copy of the same length, so spans point into `text`.
    plain = "".join(map(_ascii, text))
    tokens = list(_TOKEN.finditer(plain))
    # References, dates, accounts and +999 numbers keep their meaning; a
    # foreign phone number found by the matcher replaces the digit chains in it.
    firm = [(m.start(), m.end(), "") for m in tokens if m.lastgroup != "chain"]
    phones = [span for span in _international_phones(plain)
              if not _overlaps(span[0], span[1], firm)]
    edits = list(phones)
    for match in tokens:
        if _overlaps(match.start(), match.end(), phones):
            continue
        masked = _masked(match)
        if masked is not None:
            edits.append((match.start(), match.end(), masked))
    parts, kept_from = [], 0
    for start, end, masked in sorted(edits):
        parts += [text[kept_from:start], masked]
        kept_from = end
    parts.append(text[kept_from:])
    return "".join(parts)


def mask_strings(value: Any) -> Any:
    """A copy of a JSON-like value with every string masked; the value itself is not changed."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {key: mask_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_strings(item) for item in value]
    return value


# ---------------------------------------------------------------- sealing slots

# Slots whose value is sealed whatever it looks like (domain.yml): identity
# numbers, account and phone numbers, the one-time code, dates of birth (the
# other half of a level 1 check). Any other slot is sealed only when its
# value holds something `mask_personal_numbers` would hide.
SEALED_SLOTS: FrozenSet[str] = frozenset(
    {
        "national_id",
        "verified_national_id",
        "child_national_id",
        "date_of_birth",
        "verified_date_of_birth",
        "new_account",
        "callback_phone",
        "contact_phone",
        "housing_phone",
        "otp_code",
    }
)

SEAL_PREFIX = "nssa-sealed:v1:"
_HKDF_INFO = b"nssa conversation store: sealed slot values v1"


class Sealer:
    """Encrypts JSON values to text tokens and back, with a key derived from a secret."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the store key (NSSA_STORE_KEY) must not be empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
            secret.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @staticmethod
    def is_sealed(value: Any) -> bool:
        """Whether `value` is a token made by `seal`."""
        return isinstance(value, str) and value.startswith(SEAL_PREFIX)

    def seal(self, value: Any) -> str:
        """The value as an encrypted token (a new one each time)."""
        plain = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return SEAL_PREFIX + self._fernet.encrypt(plain).decode("ascii")

    def unseal(self, token: str) -> Any:
        """The value of a token; `ValueError` (no value in it) if it is not one of this key's."""
        if not self.is_sealed(token):
            raise ValueError("not a sealed value")
        try:
            plain = self._fernet.decrypt(token[len(SEAL_PREFIX) :].encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise ValueError("sealed with another key or damaged") from None
        return json.loads(plain)


def _protect_slot_value(name: str, value: Any, sealer: Sealer) -> Any:
    if value is None or sealer.is_sealed(value):
        return value
    if name in SEALED_SLOTS or mask_strings(value) != value:
        return sealer.seal(value)
    return value


def protect_event(
    data: Dict[str, Any], sealer: Sealer, *, answers_sealed_slot: bool = False
) -> Dict[str, Any]:
    """What the store keeps of a serialised event: slots sealed, every text masked.

    `answers_sealed_slot`: the event is the citizen's answer to the question
    of a slot in `SEALED_SLOTS` (a one-time code, a date of birth), so every
    digit of its text is hidden. Returns a new dict; `data` (which may
    share its parse data with the in-memory event) is not changed.
    """
    if data.get("event") == "slot":
        masked = {key: mask_strings(item) for key, item in data.items() if key != "value"}
        masked["value"] = _protect_slot_value(str(data.get("name")), data.get("value"), sealer)
        return masked
    masked = mask_strings(data)
    if answers_sealed_slot and data.get("event") == "user":
        masked = _hide_answer(masked)
    return masked


def _hide_answer(event: Dict[str, Any]) -> Dict[str, Any]:
    """The user event with every digit of its text and entity values hidden (a new dict).

    A one-time code or a date of birth has no last 4 to show. Intent names
    and the rest of the parse data stay: the policies read them next turn.
    """
    def hide(value: Any) -> Any:
        return _ANY_DIGIT.sub("*", value) if isinstance(value, str) else value

    hidden = {**event, "text": hide(event.get("text"))}
    parse_data = event.get("parse_data")
    if isinstance(parse_data, dict):
        entities = [
            {**entity, "value": hide(entity.get("value"))} if isinstance(entity, dict) else entity
            for entity in parse_data.get("entities") or []
        ]
        hidden["parse_data"] = {**parse_data, "text": hide(parse_data.get("text")),
                                "entities": entities}
    return hidden


def reveal_event(data: Dict[str, Any], sealer: Sealer) -> Dict[str, Any]:
    """A stored event as Rasa needs it: sealed slot values opened (in place, and returned).

    A value sealed with another key (the key was changed) comes back as None:
    the form asks again rather than failing the conversation.
    """
    if data.get("event") == "slot" and sealer.is_sealed(data.get("value")):
        try:
            data["value"] = sealer.unseal(data["value"])
        except ValueError:
            logger.warning("A sealed value of slot %s cannot be opened; it is empty now.",
                           data.get("name"))
            data["value"] = None
    return data


# ---------------------------------------------------------------- logs

_installed = False


def _mask_record(record: logging.LogRecord) -> None:
    """Mask the record's message, traceback and stack in place, formatting them now."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: its arguments are not written anywhere
        message = f"{record.msg} (arguments hidden: they did not fit the message)"
    record.msg, record.args = mask_personal_numbers(str(message)), ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = mask_personal_numbers(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_numbers(record.stack_info)


def install_log_masking() -> None:
    """Mask personal numbers in every log record of this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _mask_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
