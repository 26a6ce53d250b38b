"""The frozen English conversations against the real Rasa and action servers.

Target (issue 9): at least 90 % of the turns right. The conversations are
evaluation/frozen/en/conversations.yml, scored as `python -m bot eval` scores them.
"""

from __future__ import annotations

import pytest

from bot.evaluation.client import RestAssistant, StoredEvents
from bot.evaluation.frozen_set import EVAL_DIR, load_rows
from bot.evaluation.runner import Runner

pytestmark = pytest.mark.e2e

TARGET = 0.90


def test_english_conversations_reach_the_multi_turn_target(assistant) -> None:
    """English conversations reach the multi turn target."""
    client = RestAssistant(assistant.settings.rasa_url,
                           otp_log=assistant.settings.var_dir / "cms" / "otp.log",
                           stored=StoredEvents(assistant.settings.database_url,
                                               assistant.settings.store_key))
    results = Runner(client).conversations(load_rows(EVAL_DIR / "en" / "conversations.yml"))
    turns = [(c.row["id"], t) for c in results for t in c.turns]
    failing = [
        f"{conv_id}#{t.index} {t.turn_row['user']!r}: {'; '.join(t.failures)}\n"
        f"    got {t.turn.answered}: {t.turn.reply[:200]!r}"
        for conv_id, t in turns if not t.ok
    ]
    right = len(turns) - len(failing)
    summary = f"{right}/{len(turns)} turns right ({100 * right / len(turns):.1f} %, target 90 %)"
    print(summary, *failing, sep="\n")
    assert right >= TARGET * len(turns), summary + "\n" + "\n".join(failing)
