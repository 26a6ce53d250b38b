"""Readings 4 and 5: a question inside a request, and a follow-up to the last answer.

4. **A question in the middle of a request** that the classifier is unsure of
   is read in the topics of the answers that offer that request ("is it
   free?" while ordering a contribution statement).
5. **A follow-up.** A short message that continues the last answer ("and for
   three of them?", "what if it falls on a holiday?", "is there a lift?",
   "I'm 47") stays in that answer's topic, unless the classifier is sure of
   another topic the message itself names. Inside the topic the answer is
   picked from the classifier's ranking, the answers' own words and the last
   answer. A follow-up is never routed to distress. After a personal
   estimate, "and if I start 10 months early?" asks for the estimate again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Text

from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from bot import conversation_context as context
from bot.nlu_context import parse_data
from bot.nlu_context.answer_words import AnswerWords
from bot.nlu_context.offers import identity

__all__ = ["question_in_request", "follow_up", "estimate_again", "after_estimate"]

# How a continuation starts: "and for three?", "what if ...", "what about ...";
# by text message "n 3" and "& 3?" ("n" alone is no).
_CONTINUATION_EN = (
    r"(?:and|but|also|plus|then|what if|what about|how about|and if|for|in|on|at"
    r"|n(?=\s+[^\W_])|&)"
)
_ANAPHORS_EN = "it its that this them those these one there they he she his her him".split()
# With the spellings of texting pensioners: "wher do i send the form", "wen".
_QUESTION_WORDS_EN = """what when where who whom why which how whats wat wot wats wen whn wher
whr wheres whens hw hows""".split()
# A figure of the citizen's own ("I'm 47", "for three of them") continues the answer.
_NUMBER_WORDS_EN = "two three four five six seven eight nine ten eleven twelve half couple twins"


@dataclass(frozen=True)
class _Cues:
    """The words that make a message a follow-up, English and every translation's."""

    continuation: "re.Pattern[str]"
    anaphors: FrozenSet[str]
    question_words: FrozenSet[str]
    number_words: FrozenSet[str]
    joined_questions: FrozenSet[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    """English's cues and those of `choices: follow_up:` in translations/<code>/texts.yml.

    "a ile na trzecie?", "а якщо відмовлять?", "ولو اشتغلت نص دوام؟" are
    follow-ups as "and for the third?" is; read once, on first use.
    """
    from bot.i18n.catalogue import default_catalogue

    found = default_catalogue().choices("follow_up")

    def listed(key: str) -> List[str]:
        return [" ".join(w.casefold().split()) for w in found.get(key, [])]

    # A word ends where its letters end; a prefix ("ول-": Arabic joins "and
    # for" to the next word, "ولثلاثة") is followed by the word it joins.
    starts = sorted(listed("continuation"), key=len, reverse=True)
    alternatives = "|".join(
        [rf"{_CONTINUATION_EN}(?![^\W_])"]
        + [re.escape(w[:-1]) + r"(?=[^\W\d_])" if w.endswith("-") else re.escape(w) + r"(?![^\W_])"
           for w in starts])
    return _Cues(
        continuation=re.compile(
            rf"^\s*(?:(?:ok(?:ay)?|so|oh|right)[,.]?\s+)?(?:{alternatives})", re.IGNORECASE),
        anaphors=frozenset(_ANAPHORS_EN + listed("anaphor")),
        question_words=frozenset(_QUESTION_WORDS_EN + listed("question")),
        number_words=frozenset(_NUMBER_WORDS_EN.split() + listed("number")),
        joined_questions=frozenset(listed("question")),
    )


def _question_word_first(text: Text) -> bool:
    said = context.words(text)
    return bool(said) and said[0] in _cues().question_words | {
        "can", "could", "do", "does", "is", "are", "will"}


def question_in_request(
    message: Message, text: Text, events: List[Any], form: Text,
    words: AnswerWords, offers: Dict[Text, List[Text]], config: Dict[Text, Any],
) -> None:
    """Reading 4: a question asked while `form` is active, in the request's topics."""
    intent = message.get(INTENT) or {}
    said = context.words(text)
    confidence = float(config["confidence"])
    if (intent.get("name") == "distress" and (intent.get("confidence") or 0) < config[
            "sure"] and any(w.isdigit() for w in said)):
        # "and how long? i'm 35" answers the form's question; it is not distress.
        started = context.request_started_by(events, form)
        if started:
            parse_data.set_intent(message, started, confidence)
        return
    topics = parse_data.topics(message)
    if intent.get("name") in topics and (intent.get("confidence") or 0) >= 0.6:
        return  # the classifier is sure already
    if not (text.strip().endswith("?") or _question_word_first(text)):
        return
    started = context.request_started_by(events, form)
    answers = offers.get(started or "", [])
    related = {a.split("/")[0] for a in answers}
    candidates = [a for a in words.answers() if a.split("/")[0] in related]
    best = words.best(message, text, candidates, favoured=set(answers), need_words=True)
    if best is not None:
        parse_data.set_answer(message, best, confidence)


def follow_up(
    message: Message, text: Text, answer: Text, frame: Text,
    words: AnswerWords, config: Dict[Text, Any], after_estimate: bool = False,
) -> None:
    """Reading 5: keep a follow-up in the topic of `answer`; `frame` is the answer it follows up.

    After "how much is housing allowance?" and "who do I call about it?",
    the frame of "and for a couple?" is still the first answer. Right
    after a personal estimate (`after_estimate`), any short question the
    classifier is not sure of continues it ("متى يدفعون؟", when do they pay?).
    """
    said = context.words(text)
    if not said or len(said) > config["follow_up_max_words"] or identity(text):
        return
    cues = _cues()
    continuation = bool(cues.continuation.match(text))
    anaphor = bool(cues.anaphors.intersection(said))
    personal = any(w.isdigit() or w in cues.number_words for w in said)
    intent = message.get(INTENT) or {}
    name = str(intent.get("name") or "")
    confidence = float(intent.get("confidence") or 0.0)
    context_confidence = float(config["confidence"])
    topic = answer.split("/")[0]
    topics = parse_data.topics(message)
    # "kiedy bedzie przelew w sierpniu?", "які документи треба буде?": a
    # question with no cue word, whose topic the classifier is unsure of,
    # stays in the last topic when that topic is sure of its answer (below).
    question = text.strip().endswith("?") or _question_word_first(text)
    cued = continuation or anaphor or personal
    unsure = not cued and name in topics and confidence < config["sure"] and question
    # After an estimate the question is about that benefit unless the
    # classifier is sure of something else.
    asked = after_estimate and not cued and question and confidence < config["sure"]
    if not (cued or unsure or asked):
        return
    if (personal and name.startswith("estimate_") and name != f"estimate_{topic}"
            and topic in config["estimates"]):
        # "my wage is €3,000" after a sickness benefit answer: that estimate.
        parse_data.set_intent(message, f"estimate_{topic}", context_confidence)
        return
    if name != topic and name not in topics and name not in config["overridable"]:
        return  # a request, an estimate, thanks, goodbye ...: not a follow-up
    in_topic = words.in_topic(topic)
    covered = max((words.coverage(text, a) for a in in_topic), default=0.0)
    if name == "distress" and confidence >= config["sure"] and not (
        personal or covered >= 0.5
    ):
        return  # it reads as distress and has nothing of the topic in it
    if name != topic and name in topics and confidence >= config["sure"]:
        # The classifier is sure of another topic: stay only when the
        # message says it continues ("and for the Housing Office?") and
        # the last answer's words cover it at least as well, or when it
        # points back ("when is it paid?") with nothing of the other topic
        # that the last one does not have: "it" is what was just answered.
        other = parse_data.selected(message, name)
        pointed_back = anaphor and not continuation and other is not None and \
            words.coverage(text, other) <= covered
        if not pointed_back and (not continuation or not other or words.coverage(
                text, answer) < max(words.coverage(text, other), 0.5)):
            return
    # "and for a couple?" asks the last question again about something
    # else; "and how much is it?" asks a question of its own.
    # "a ile", "وقديش" (and how much) carry their question inside the
    # continuation: the translations' question words count there too.
    start = cues.continuation.match(text)
    again = continuation and not cues.question_words.intersection(
        context.words(cues.continuation.sub("", text, count=1))
    ) and not cues.joined_questions.intersection(context.words(start.group(0) if start else ""))
    frame = frame if frame.split("/")[0] == topic else answer
    favoured, bonus = {answer, frame}, 0.25
    if again:
        favoured, bonus = {frame}, 0.8
    elif anaphor and not cues.question_words.intersection(said) and words.coverage(
            text, answer) >= 0.99:
        # "is it open on Friday?" when the last answer says "Friday closed":
        # the last answer has the reply.
        parse_data.set_answer(message, answer, context_confidence)
        message.set(context.CONTEXT_KEY, {"follows": frame}, add_to_output=True)
        return
    best = words.best(message, text, in_topic, favoured=favoured, need_words=False,
                      bonus=bonus)
    if unsure and best is not None and words.placed(message, text, best) < config["sure"] \
            and confidence >= config["fallback"]:
        # The last topic cannot place it either: the classifier's reading
        # stands, unless that reading is too faint to be said at all ("كم رح
        # آخد؟", how much will I get?, at 0.13: "not sure" was the alternative).
        return
    if best is not None:
        parse_data.set_answer(message, best, context_confidence)
        message.set(context.CONTEXT_KEY, {"follows": frame}, add_to_output=True)


def estimate_again(message: Message, text: Text, benefit: Text, config: Dict[Text, Any]) -> bool:
    """After an estimate, "and if I start 10 months early?" asks for it again; True if so.

    The estimate's form keeps the figures already given and reads the new
    one from the message (actions/estimate_forms).
    """
    said = context.words(text)
    if not said or len(said) > config["follow_up_max_words"] + 4:
        return False
    cues = _cues()
    continuation = cues.continuation.match(text)
    figure = any(w.isdigit() or w in cues.number_words for w in said)
    if not (continuation or cues.anaphors.intersection(said) or figure):
        return False
    rest = cues.continuation.sub("", text, count=1) if continuation else text
    joined = cues.joined_questions.intersection(
        context.words(continuation.group(0) if continuation else ""))
    if not figure and (joined or cues.question_words.intersection(context.words(rest))):
        # "when do they pay?", "a kiedy wypłacają?" (and when do they pay?):
        # a question of its own, not the estimate again.
        return False
    intent = message.get(INTENT) or {}
    name = str(intent.get("name") or "")
    overridable = set(config["overridable"]) | parse_data.topics(message)
    if continuation and figure:
        overridable |= {"affirm", "deny"}  # "n 3": and 3, not no
    if name.startswith("estimate_") or name in overridable:
        parse_data.set_intent(message, f"estimate_{benefit}", float(config["confidence"]))
        return True
    return False


def after_estimate(
    message: Message, text: Text, benefit: Text, words: AnswerWords, config: Dict[Text, Any],
) -> None:
    """A follow-up to an estimate that does not ask for it again ("when do they pay?").

    Read as a follow-up to the benefit's rule answer (`<benefit>/amount`).
    """
    answers = words.in_topic(benefit)
    if answers:
        rule = f"{benefit}/amount" if f"{benefit}/amount" in answers else answers[0]
        follow_up(message, text, rule, rule, words, config, after_estimate=True)
