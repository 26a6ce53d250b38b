"""Retrain, compare with the live model, go live: the review inbox's one action.

    candidate = train_candidate(settings)              # rasa train, data/ as edited
    result = compare(settings, candidate)              # per answer and per category
    go_live(settings, candidate)                       # every Rasa server, no restart

The comparison parses, with each model exactly as the server does (Rasa's
Agent, the fallback included), the held-out NLU set (evaluation/held_out: F1 per
answer) and the English frozen questions (evaluation/frozen/en/questions.yml: share
right per category, scored as `python -m bot designs` scores them). `quick`
(the default) takes every second held-out example and every third frozen
question: about 600 messages instead of 1,440. The live model's scores are
kept in var/review/evaluations, so each retrain parses with the candidate
only.

Going live copies the candidate into NSSA_MODEL_DIR (where `python -m bot
run` finds the latest model on a restart, with the data's fingerprint
recorded so it is not trained again) and asks each Rasa server
(`Settings.live_servers`) to load it over the internal API
(channels/model_swap.py), which swaps it in between two messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import httpx

from bot.errors import NssaError
from bot.settings import PROJECT_ROOT, Settings

__all__ = ["Candidate", "RetrainError", "train_candidate", "scores", "compare", "render",
           "live_model", "go_live", "latest_candidate"]

logger = logging.getLogger(__name__)

Report = Callable[[str], None]


class RetrainError(NssaError):
    """Training, evaluating or going live failed."""


@dataclass(frozen=True)
class Candidate:
    """A model trained from data/ as edited, not live yet."""

    model: Path
    fingerprint: str
    trained_seconds: float

    def as_json(self) -> Dict[str, Any]:
        """For the CLI's JSON and the console."""
        return {"model": self.model.name, "trained_seconds": round(self.trained_seconds, 1)}


def _quiet(_: str) -> None:
    return None


def _folder(settings: Settings, name: str) -> Path:
    path = settings.var_dir / "review" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def train_candidate(settings: Settings, report: Report = _quiet,
                    root: Path = PROJECT_ROOT) -> Candidate:
    """Train root's data/ as it is now into var/review/candidates."""
    from bot.training import fingerprint, train, training_inputs

    # The fingerprint `bot run` checks is the project's own data's.
    stamp = fingerprint(training_inputs()) if root == PROJECT_ROOT else ""
    name = time.strftime("candidate-%Y%m%d-%H%M%S", time.gmtime())
    report("training (rasa train) ...")
    started = time.monotonic()
    try:
        # Not forced: Rasa's cache keeps what the edit did not touch (the policies).
        model = train(settings, output=_folder(settings, "candidates"), fixed_model_name=name,
                      root=root, force=False)
    except Exception as exc:  # noqa: BLE001 - rasa train's failure, whatever it is
        raise RetrainError(f"rasa train failed: {exc}") from exc
    seconds = time.monotonic() - started
    model.with_name(name + ".json").write_text(
        json.dumps({"fingerprint": stamp, "trained_seconds": seconds}))
    report(f"trained {model.name} in {seconds:.0f} s")
    return Candidate(model, stamp, seconds)


def latest_candidate(settings: Settings) -> Optional[Candidate]:
    """The newest candidate trained, if any."""
    folder = _folder(settings, "candidates")
    models = sorted(folder.glob("candidate-*.tar.gz"))
    if not models:
        return None
    meta_path = folder / (models[-1].name[: -len(".tar.gz")] + ".json")
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    return Candidate(models[-1], str(meta.get("fingerprint", "")),
                     float(meta.get("trained_seconds", 0.0)))


def _evaluation_rows(quick: bool) -> List[Dict[str, Any]]:
    from bot.evaluation import held_out_examples
    from bot.evaluation.designs import CATEGORIES
    from bot.evaluation.frozen_set import EVAL_DIR, load_rows

    examples = held_out_examples()
    rows: List[Dict[str, Any]] = [{"text": e.text, "gold": e.intent}
                                  for e in (examples[::2] if quick else examples)]
    frozen = [r for r in load_rows(EVAL_DIR / "en" / "questions.yml")
              if r.get("category") in CATEGORIES]
    rows += [{"text": str(r["text"]), "row": r} for r in (frozen[::3] if quick else frozen)]
    return rows


async def _parse(model: Path, texts: Sequence[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def scores(settings: Settings, model: Path, quick: bool = True) -> Dict[str, Any]:
    """F1 per answer (held-out set) and share right per category (frozen questions)."""
    from sklearn.metrics import precision_recall_fscore_support

    from bot.evaluation.designs import form_intents, right_answer
    from bot.evaluation.held_out import answer_of

    rows = _evaluation_rows(quick)
    digest = hashlib.sha256(json.dumps([r["text"] for r in rows]).encode()).hexdigest()[:12]
    cache = _folder(settings, "evaluations") / f"{model.name}-{digest}.json"
    if cache.is_file():
        return dict(json.loads(cache.read_text()))
    parses = asyncio.run(_parse(model, [r["text"] for r in rows]))
    gold, predicted = [], []
    right: Dict[str, int] = {}
    total: Dict[str, int] = {}
    forms = form_intents(PROJECT_ROOT)
    for row, parse in zip(rows, parses, strict=True):
        answer = answer_of(parse)
        if "gold" in row:
            gold.append(row["gold"])
            predicted.append(answer)
            continue
        category = str(row["row"]["category"])
        intent = (parse.get("intent") or {}).get("name") or ""
        total[category] = total.get(category, 0) + 1
        right[category] = right.get(category, 0) + int(
            right_answer(row["row"], intent, answer, forms))
    labels = sorted(set(gold))
    _, _, f1, support = precision_recall_fscore_support(gold, predicted, labels=labels,
                                                        zero_division=0)
    result = {
        "model": model.name,
        "answers": {label: [round(float(f1[i]), 4), int(support[i])]
                    for i, label in enumerate(labels)},
        "categories": {c: [right.get(c, 0), total[c]] for c in sorted(total)},
        "parsed": len(rows),
    }
    cache.write_text(json.dumps(result))
    return result


def compare(live: Dict[str, Any], candidate: Dict[str, Any]) -> Dict[str, Any]:
    """The change per answer and per category, candidate against live."""
    answers = []
    for label in sorted(set(live["answers"]) | set(candidate["answers"])):
        before = live["answers"].get(label, [0.0, 0])[0]
        after, support = candidate["answers"].get(label, [0.0, 0])
        answers.append({"answer": label, "live_f1": before, "candidate_f1": after,
                        "change": round(after - before, 4), "support": support})
    categories = []
    for name in sorted(set(live["categories"]) | set(candidate["categories"])):
        a, n = live["categories"].get(name, [0, 0])
        b, m = candidate["categories"].get(name, [0, 0])
        share_a, share_b = (a / n if n else 0.0), (b / m if m else 0.0)
        categories.append({"category": name, "live": round(share_a, 4),
                           "candidate": round(share_b, 4),
                           "change": round(share_b - share_a, 4), "questions": m})
    macro = [sum(v[0] for v in s["answers"].values()) / max(1, len(s["answers"]))
             for s in (live, candidate)]
    return {"live_model": live["model"], "candidate_model": candidate["model"],
            "answer_macro_f1": {"live": round(macro[0], 4), "candidate": round(macro[1], 4)},
            "categories": categories,
            "answers": sorted(answers, key=lambda r: (r["change"], r["answer"])),
            "worse": [r["answer"] for r in answers if r["change"] < 0],
            "better": [r["answer"] for r in answers if r["change"] > 0]}


def render(result: Dict[str, Any], changed_only: bool = True) -> str:
    """The comparison as text (the CLI's), numbers as in the JSON."""
    macro = result["answer_macro_f1"]
    lines = [f"Live: {result['live_model']}   Candidate: {result['candidate_model']}",
             f"Answer macro F1: {macro['live']:.3f} -> {macro['candidate']:.3f}", "",
             f"{'category':<16}{'live':>8}{'candidate':>11}{'change':>9}"]
    for row in result["categories"]:
        lines.append(f"{row['category']:<16}{row['live']:>8.1%}{row['candidate']:>11.1%}"
                     f"{row['change']:>+9.1%}")
    rows = [r for r in result["answers"] if r["change"] or not changed_only]
    lines += ["", f"{'answer (held-out F1)':<34}{'live':>7}{'candidate':>11}{'change':>9}"]
    lines += [f"{r['answer']:<34}{r['live_f1']:>7.2f}{r['candidate_f1']:>11.2f}"
              f"{r['change']:>+9.2f}" for r in rows]
    if not rows:
        lines.append("(no answer changed)")
    return "\n".join(lines)


def _headers(settings: Settings) -> Dict[str, str]:
    if not settings.api_token:
        raise RetrainError("NSSA_API_TOKEN is not set: the Rasa servers' internal API needs it")
    return {"Authorization": f"Bearer {settings.api_token}"}


def live_model(settings: Settings, transport: Optional[httpx.BaseTransport] = None) -> Path:
    """The model the first Rasa server answers with; else the latest in NSSA_MODEL_DIR."""
    from bot.training import latest_model

    try:
        with httpx.Client(transport=transport, timeout=10.0) as client:
            answer = client.get(f"{settings.live_servers[0]}/webhooks/internal/model",
                                headers=_headers(settings))
        if answer.status_code == 200:
            path = settings.model_dir / str(answer.json()["model"])
            if path.is_file():
                return path
    except (httpx.HTTPError, RetrainError, ValueError, KeyError):
        logger.info("No Rasa server answered: the live model is the latest in %s",
                    settings.model_dir)
    latest = latest_model(settings.model_dir)
    if latest is None:
        raise RetrainError(f"no model in {settings.model_dir} to compare with")
    return latest


def go_live(settings: Settings, candidate: Candidate, report: Report = _quiet,
            transport: Optional[httpx.BaseTransport] = None) -> List[Dict[str, Any]]:
    """Copy the candidate into NSSA_MODEL_DIR and swap it in on every Rasa server."""
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    target = settings.model_dir / candidate.model.name
    shutil.copyfile(candidate.model, target)  # a new mtime: the latest model from now on
    if candidate.fingerprint:
        from bot.training import record_model

        record_model(settings, target, candidate.fingerprint)
    results: List[Dict[str, Any]] = []
    headers = _headers(settings)
    with httpx.Client(transport=transport, timeout=300.0) as client:
        for server in settings.live_servers:
            report(f"loading {target.name} on {server} ...")
            try:
                answer = client.put(f"{server}/webhooks/internal/model", headers=headers,
                                    json={"model_file": target.name})
                body = answer.json() if answer.content else {}
            except (httpx.HTTPError, ValueError) as exc:
                results.append({"server": server, "status": None, "error": str(exc)})
                continue
            results.append({**body, "server": server, "status": answer.status_code})
    failed = [r for r in results if r.get("status") != 200]
    if failed:
        raise RetrainError("not live on " + ", ".join(
            f"{r['server']} ({r.get('reason') or r.get('error') or r.get('status')})"
            for r in failed))
    report(f"live: {target.name}")
    return results
