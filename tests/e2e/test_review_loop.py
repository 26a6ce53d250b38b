"""The review loop end to end: inbox -> assign -> retrain -> compare -> live, on the real assistant.

A citizen asks in words the model has never seen; the messages are in the
inbox (masked, grouped); an editor assigns the group to an answer, which
writes the examples into a copy of the project's data/; the candidate is
trained and compared with the live model, then goes live on the running Rasa
server over its internal API while the citizen's conversation stays open:
the next question in the same conversation gets the assigned answer, and so
does a wording nobody assigned. The time from the decision to live is
printed with its CPU seconds and the load (README "Review inbox").
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bot.review import ASSIGN, Inbox
from bot.review.retrain import compare, go_live, scores, train_candidate
from bot.settings import PROJECT_ROOT
from bot.store.db import create_engine_for
from tests.e2e.conftest import Assistant, run_assistant

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORDINGS = ["what day does my old-timer money drop",
            "which day does the old-timer money drop",
            "old-timer money drop day?"]
PAYMENT_DAY = "20th of each month"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what `rasa train` reads: config, domain, data/."""
    root = tmp_path_factory.mktemp("project")
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    return root


@pytest.fixture(scope="module")
def live_assistant(tmp_path_factory: pytest.TempPathFactory, model: Path) -> Iterator[Assistant]:
    """The assistant with its own model folder (go-live copies the candidate there)."""
    var = tmp_path_factory.mktemp("review-var")
    models = var / "models"
    models.mkdir()
    shutil.copy(model, models / model.name)
    yield from run_assistant(var, models / model.name, f"sqlite:///{var / 'nssa.db'}",
                             settings_env={"NSSA_MODEL_DIR": str(models)})


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _model_on_server(assistant: Assistant) -> str:
    request = urllib.request.Request(
        f"{assistant.settings.rasa_url}/webhooks/internal/model",
        headers={"Authorization": f"Bearer {assistant.settings.api_token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["model"])


@pytest.mark.timeout(2400)  # rasa train inside: minutes on a loaded machine
def test_inbox_assign_retrain_compare_go_live(live_assistant: Assistant, project: Path,
                                              model: Path) -> None:
    settings = live_assistant.settings
    sender = "review-loop"
    for text in WORDINGS:
        assert PAYMENT_DAY not in live_assistant.ask(text, sender)
    engine = create_engine_for(settings.database_url)
    try:
        inbox = Inbox(engine, settings.review_confidence, project)
        [group] = [g for g in inbox.open_groups() if "old-timer" in g.text]
        assert len(group.items) == 3
        # The live model's scores are kept from its own go-live: as in daily use.
        before = scores(settings, settings.model_dir / model.name)

        started = time.monotonic()
        cpu = time.process_time() + _children_cpu()
        decided = inbox.decide([group.id], ASSIGN, "pension/payment", by="e2e")
        assert decided.written is not None and len(decided.written.added) == 3
        candidate = train_candidate(settings, root=project)
        trained = time.monotonic() - started
        after = scores(settings, candidate.model)
        result = compare(before, after)
        compared = time.monotonic() - started
        [loaded] = go_live(settings, candidate)
        live = time.monotonic() - started
        # CPU seconds of this process (parsing) and of rasa train: what a quiet machine needs.
        cpu = time.process_time() + _children_cpu() - cpu
        still_open = {i.event_id for g in inbox.open_groups() for i in g.items}
    finally:
        engine.dispose()
    print(f"\nReview loop: decided -> trained {trained:.0f} s, -> compared {compared:.0f} s, "
          f"-> live {live:.0f} s (model loaded in {loaded['seconds']} s; {cpu:.0f} CPU s, "
          f"load average {os.getloadavg()[0]:.1f}); "
          f"answer macro F1 {result['answer_macro_f1']}, categories {result['categories']}")
    assert loaded["status"] == 200 and loaded["previous"] == model.name
    assert _model_on_server(live_assistant) == candidate.model.name
    assert {r["category"] for r in result["categories"]} >= {"answerable", "out_of_scope"}
    # The same conversation goes on, now answered by the new model.
    assert PAYMENT_DAY in live_assistant.ask(WORDINGS[0], sender)
    assert PAYMENT_DAY in live_assistant.ask("when does my old-timer money drop", sender)
    assert not still_open & {i.event_id for i in group.items}
    # The 3-minute target is not asserted: on this shared machine the time is
    # the load's (README "Review inbox" has the figures and the load).


def _put_model(assistant: Assistant, body: bytes, token: str = "") -> int:
    request = urllib.request.Request(
        f"{assistant.settings.rasa_url}/webhooks/internal/model", data=body, method="PUT",
        headers={"Content-Type": "application/json",
                 **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_model_route_refuses_without_loading(live_assistant: Assistant, tmp_path: Path) -> None:
    token = str(live_assistant.settings.api_token)
    outside = tmp_path / "elsewhere.tar.gz"
    outside.write_bytes(b"not a model")
    before = _model_on_server(live_assistant)
    for body, wanted in ((b'{"model_file": "x.tar.gz"}', 404),
                         (json.dumps({"model_file": str(outside)}).encode(), 403),
                         (b'{"model_file": "../../etc/passwd"}', 403),
                         (b'{"model": 1}', 400), (b"[", 400)):
        assert _put_model(live_assistant, body, token) == wanted, body
    assert _put_model(live_assistant, b'{"model_file": "x.tar.gz"}') == 401
    wrong = "wrong-token-0123456789"
    assert _put_model(live_assistant, b'{"model_file": "x.tar.gz"}', wrong) == 403
    assert _model_on_server(live_assistant) == before
