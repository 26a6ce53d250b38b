"""Held-out evaluation and the comparison of configurations.

The held-out set is evaluation/held_out/*.yml, never trained on. Each message is parsed
by the trained model exactly as the server would parse it (the fallback
classifier included, so a message answered with "not sure" counts as wrong).

- intent: the top-level intent (`pension` for `pension/amount`)
- answer: the intent plus, for policy topics, the answer the ResponseSelector
  picked (`pension/amount`)
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.content import Example, load_examples
from bot.settings import PROJECT_ROOT, Settings

__all__ = [
    "HELD_OUT_DIR",
    "Prediction",
    "EvaluationResult",
    "held_out_examples",
    "predict",
    "answer_of",
    "evaluate_model",
    "compare_configs",
]

logger = logging.getLogger(__name__)

HELD_OUT_DIR = PROJECT_ROOT / "evaluation" / "held_out"


@dataclass(frozen=True)
class Prediction:
    """What the model made of one held-out example."""

    example: Example
    intent: str
    answer: str
    seconds: float

    @property
    def gold_intent(self) -> str:
        """The expected top-level intent."""
        return self.example.intent.split("/")[0]


@dataclass
class Scores:
    """Per-label precision, recall, F1 and support, with the macro average."""

    per_label: Dict[str, Tuple[float, float, float, int]]
    macro_f1: float
    accuracy: float


@dataclass
class EvaluationResult:
    """Scores and timing of one model on the held-out set."""

    model: Path
    intents: Scores
    answers: Scores
    fallback_rate: float
    ms_per_message: float
    p95_ms: float
    predictions: List[Prediction] = field(repr=False, default_factory=list)

    def render(self, per_label: bool = True) -> str:
        """The report printed by `make eval`."""
        lines = [f"Model: {self.model.name}", f"Held-out messages: {len(self.predictions)}"]
        if per_label:
            lines.append("")
            lines.append(f"{'intent':<22}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
            for label, (p, r, f, n) in sorted(self.intents.per_label.items()):
                lines.append(f"{label:<22}{p:>10.3f}{r:>10.3f}{f:>10.3f}{n:>9}")
        intents, answers = self.intents, self.answers
        lines += [
            "",
            f"Intent macro F1:   {intents.macro_f1:.3f}  (accuracy {intents.accuracy:.3f})",
            f"Answer macro F1:   {answers.macro_f1:.3f}  (accuracy {answers.accuracy:.3f}, "
            f"{len(answers.per_label)} answers: topic and the answer within it)",
            f"Fallback rate:     {self.fallback_rate:.3f}",
            f"Prediction time:   {self.ms_per_message:.1f} ms per message "
            f"(p95 {self.p95_ms:.1f} ms)",
        ]
        worst = sorted(
            (f, label) for label, (_, _, f, n) in self.answers.per_label.items() if n
        )[:8]
        if worst:
            lines.append("Weakest answers:   "
                         + ", ".join(f"{label} {f1:.2f}" for f1, label in worst))
        return "\n".join(lines)


def held_out_examples(directory: Path = HELD_OUT_DIR) -> List[Example]:
    """Every example of the held-out set."""
    return load_examples(sorted(directory.glob("*.yml")))


def _scores(gold: Sequence[str], predicted: Sequence[str]) -> Scores:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_label = {
        label: (float(p[i]), float(r[i]), float(f[i]), int(n[i])) for i, label in enumerate(labels)
    }
    macro = sum(v[2] for v in per_label.values()) / len(per_label) if per_label else 0.0
    return Scores(per_label, macro, float(accuracy_score(gold, predicted)))


def answer_of(parse: dict) -> str:
    """The answer a parse chose: `topic/key` for a policy topic, else the intent."""
    intent = (parse.get("intent") or {}).get("name") or ""
    selector = parse.get("response_selector") or {}
    chosen = selector.get(intent) or selector.get("default") or {}
    key = (chosen.get("response") or {}).get("intent_response_key")
    if key and key.split("/")[0] == intent:
        return key
    if intent in (selector.get("all_retrieval_intents") or []):
        return f"{intent}/?"
    return intent


async def _predict(model: Path, examples: List[Example]) -> List[Prediction]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parse at debug level; keep the report readable.
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    predictions = []
    for example in examples:
        started = time.perf_counter()
        parse = await agent.parse_message(example.text)
        seconds = time.perf_counter() - started
        intent = (parse.get("intent") or {}).get("name") or ""
        predictions.append(Prediction(example, intent, answer_of(parse), seconds))
    return predictions


def predict(model: Path, examples: List[Example]) -> List[Prediction]:
    """Parse every example with the model, timing each parse."""
    return asyncio.run(_predict(model, examples))


def _confusion_png(gold: List[str], predicted: List[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(set(gold) | set(predicted))
    size = max(8, len(labels) * 0.4)
    fig, ax = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay.from_predictions(
        gold, predicted, labels=labels, ax=ax, xticks_rotation="vertical", colorbar=False
    )
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def evaluate_model(model: Path, out: Optional[Path] = None, plots: bool = True) -> EvaluationResult:
    """Evaluate `model` on the held-out set; write reports and PNGs to `out`."""
    predictions = predict(model, held_out_examples())
    gold_intents = [p.gold_intent for p in predictions]
    intents = [p.intent for p in predictions]
    times = sorted(p.seconds * 1000 for p in predictions)
    result = EvaluationResult(
        model=model,
        intents=_scores(gold_intents, intents),
        answers=_scores([p.example.intent for p in predictions], [p.answer for p in predictions]),
        fallback_rate=sum(i == "nlu_fallback" for i in intents) / max(1, len(intents)),
        ms_per_message=statistics.mean(times) if times else 0.0,
        p95_ms=times[int(0.95 * (len(times) - 1))] if times else 0.0,
        predictions=predictions,
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        errors = [
            {"text": p.example.text, "expected": p.example.intent, "predicted": p.answer,
             "where": p.example.where}
            for p in predictions
            if p.answer != p.example.intent
        ]
        (out / "errors.json").write_text(json.dumps(errors, indent=2, ensure_ascii=False))
        (out / "report.txt").write_text(result.render() + "\n")
        if plots:
            _confusion_png(gold_intents, intents, out / "intent_confusion_matrix.png",
                           "Intents, held-out set")
    return result


def compare_configs(settings: Settings, out: Path, configs: Optional[List[Path]] = None) -> str:
    """Train config.yml and each alternative; return a comparison table."""
    from bot.training import train

    configs = configs or [
        PROJECT_ROOT / "config.yml",
        *sorted((PROJECT_ROOT / "configs").glob("*.yml")),
    ]
    rows = []
    for number, config in enumerate(configs, start=1):
        model_dir = out / config.stem
        print(f"[{number}/{len(configs)}] {config.name}: training (rasa train) ...",
              file=sys.stderr, flush=True)
        started = time.monotonic()
        model = train(settings, config=str(config.relative_to(PROJECT_ROOT)), output=model_dir,
                      fixed_model_name=config.stem)
        train_seconds = time.monotonic() - started
        print(f"[{number}/{len(configs)}] {config.name}: trained in {train_seconds:.0f} s; "
              "evaluating on the held-out set ...", file=sys.stderr, flush=True)
        # Evaluate in a fresh process so one model's TensorFlow state does
        # not slow the next one down.
        subprocess.run(
            [sys.executable, "-m", "bot", "eval", "--held-out-only", "--model", str(model),
             "--out", str(model_dir / "eval")],
            cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        report = (model_dir / "eval" / "report.txt").read_text()
        rows.append((config.stem, train_seconds, report))
    lines = []
    for name, seconds, report in rows:
        lines.append(f"== {name}: rasa train {seconds:.0f} s")
        lines.extend(line for line in report.splitlines() if line.split(":")[0] in
                     ("Intent macro F1", "Answer macro F1", "Fallback rate", "Prediction time"))
    return "\n".join(lines)
