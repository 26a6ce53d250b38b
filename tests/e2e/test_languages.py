"""Languages end to end over the REST channel: the real Rasa and action servers.

The Polish translations are real (translations/pl/), so are a few Arabic
ones; everything else falls back to English. The language comes from the
message, stays on "ok" and numbers, follows an explicit choice, and a
request is completed in Polish and found in the reference CMS.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Dict, List

import pytest

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"NSSA-\d{4}-\d{6}")
_senders = itertools.count(1)


def sender() -> str:
    return f"e2e-lang-{next(_senders)}"


def languages_of(assistant, who: str) -> List[str]:
    """The language of every bot message of the stored conversation (BotUttered metadata)."""
    return [(e.get("metadata") or {}).get("language")
            for e in assistant.tracker(assistant.conversation(who))["events"]
            if e["event"] == "bot"]


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("text", "") for m in messages]


def test_a_polish_question_gets_the_notice_and_the_answer_in_polish(assistant) -> None:
    who = sender()
    reply = texts(assistant.send(who, "ile wynosi pelna emerytura"))
    assert reply[0].startswith("Witamy w Asystencie NSSA"), reply
    assert "1480,00 €" in reply[1] and "40 latach" in reply[1], reply
    assert set(languages_of(assistant, who)) == {"pl"}


def test_ok_and_thanks_keep_the_conversations_language(assistant) -> None:
    who = sender()
    assistant.send(who, "kiedy wyplacana jest emerytura")
    assert texts(assistant.send(who, "ok")) == ["Czy możemy jeszcze w czymś pomóc?"]
    assert texts(assistant.send(who, "1")) != []
    assert languages_of(assistant, who)[-1] == "pl"
    assert texts(assistant.send(who, "dzieki"))[0].startswith("Proszę bardzo")


def test_a_chosen_language_is_kept_until_another_is_chosen(assistant) -> None:
    who = sender()
    assistant.send(who, "kiedy wyplacana jest emerytura")
    assert "English" in "\n".join(texts(assistant.send(who, "English please")))
    # Chosen: a Polish sentence is answered in English now.
    reply = texts(assistant.send(who, "ile wynosi pelna emerytura"))
    assert "€1,480.00" in reply[0] and languages_of(assistant, who)[-1] == "en"
    assistant.send(who, "po polsku")
    assert languages_of(assistant, who)[-1] == "pl"
    tracker = assistant.tracker(assistant.conversation(who))
    assert (tracker["slots"]["language"], tracker["slots"]["language_chosen"]) == ("pl", True)


def test_the_crisis_line_comes_first_in_polish(assistant) -> None:
    who = sender()
    reply = texts(assistant.send(who, "nie chce juz zyc, chce sie zabic"))
    assert "0800 111 222" in reply[0] and "Krajowego Telefonu Kryzysowego" in reply[0], reply
    # The privacy notice waited: it comes with the next answer.
    assert texts(assistant.send(who, "dziekuje"))[0].startswith("Witamy w Asystencie NSSA")


def test_a_call_back_in_polish_is_opened_in_the_cms(assistant) -> None:
    who = sender()
    reply = texts(assistant.send(who, "czy ktos moze do mnie oddzwonic?"))
    assert reply[-1] == (
        "Doradca może oddzwonić do Ciebie w ciągu 2 dni roboczych. Jak się nazywasz?")
    assistant.send(who, "Anna Kowalska")
    wrong = texts(assistant.send(who, "0412 345 67"))
    assert wrong[0].startswith("Numer telefonu ma 10 cyfr"), wrong
    assistant.send(who, "0412345678")
    assistant.send(who, "rano")
    summary = "\n".join(texts(assistant.send(who, "w sprawie emerytury")))
    assert "- Kiedy: rano (09:00–12:00)" in summary and "1 Tak, wyślij" in summary, summary
    done = "\n".join(texts(assistant.send(who, "1")))
    assert "Twój numer sprawy to" in done and "w porze: rano" in done, done
    reference = REFERENCE.findall(done)[-1]
    rows = [r for r in assistant.cms_cases() if r[0] == reference]
    assert len(rows) == 1 and rows[0][2] == "callback_request"


def test_an_arabic_answer_is_marked_arabic(assistant) -> None:
    who = sender()
    reply = texts(assistant.send(who, "متى يتم دفع المعاش؟ أريد أن أعرف التاريخ"))
    assert reply[0].startswith("مرحبًا بك في مساعد NSSA"), reply
    assert "19 يونيو" in reply[1], reply
    assert set(languages_of(assistant, who)) == {"ar"}

