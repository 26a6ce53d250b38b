"""The review inbox: real messages the assistant did not handle well, decided by editors.

    items.py      the messages to review, read from Rasa's `events` (masked)
    grouping.py   alike messages grouped (TF-IDF cosine): one row, a count
    examples.py   training examples written into data/ as one-line diffs
    decisions.py  the editors' decisions (table review_decisions)
    inbox.py      Inbox: open groups, filters, assign / out of scope / new answer
    retrain.py    retrain, compare with the live model, go live
    cli.py        `python -m bot inbox ...`

Nothing is trained until an editor decides; README "Review inbox".
"""

from bot.review.decisions import ASSIGN, NEW_ANSWER, OUT_OF_SCOPE, Decisions
from bot.review.inbox import Decided, Filters, Inbox, ReviewRefused

__all__ = ["ASSIGN", "NEW_ANSWER", "OUT_OF_SCOPE", "Decided", "Decisions", "Filters", "Inbox",
           "ReviewRefused"]
