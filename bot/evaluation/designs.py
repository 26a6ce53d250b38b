"""`python -m bot designs`: NLU designs compared on the frozen set, message by message.

Each design is `bot.nlu.AnswerClassifier` with other features (its config
keys); it is trained on the NLU examples of data/ (every language, as
`rasa train` does, the `regex:` overrides included) and parses each frozen
question as the server does: the classifier, the override, then the
FallbackClassifier's threshold and ambiguity threshold of config.yml. This
scores what the NLU decided, not the reply, so it runs in minutes where
`make eval` needs the whole assistant for each model:

- answerable: right when the answer chosen is the row's `answer` (a form is
  its starting intent; a personal estimate's intent counts for the topic's
  amount and eligibility answers);
- out_of_scope: right when the intent is `out_of_scope` or the fallback;
- crisis: right when the intent is `self_harm`.

Also the training time and the prediction time per message (p50, p95).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.content import load_examples
from bot.evaluation.frozen_set import EVAL_DIR, load_rows
from bot.settings import PROJECT_ROOT

__all__ = ["DESIGNS", "DesignResult", "form_intents", "right_answer", "compare_designs", "render"]

# name: (what it is, AnswerClassifier config over config.yml's)
DESIGNS: Dict[str, Tuple[str, Dict[str, Any]]] = {
    "tfidf": ("word + character n-gram TF-IDF, SGD on the logistic loss (config.yml)", {}),
    "tfidf-lbfgs": ("the same features, LogisticRegression lbfgs C=30 (before issue 9's speed-up)",
                    {"solver": "logistic", "C": 30.0, "max_iter": 2000}),
    "tfidf+embeddings": ("the same plus wordllama sentence embeddings", {"embeddings": 1.0}),
    "tfidf+spelling": ("pyspellchecker corrects unknown words first", {"spelling": True}),
}
CATEGORIES = ("answerable", "out_of_scope", "crisis")


def form_intents(root: Path = PROJECT_ROOT) -> Dict[str, str]:
    """Each form of the rules and the intent that starts it (`bank_form`: `change_bank_account`)."""
    found: Dict[str, str] = {}
    for path in sorted((root / "data").rglob("*.yml")):
        for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []:
            steps = rule.get("steps") or []
            intent = next((str(s["intent"]) for s in steps if "intent" in s), None)
            for step in steps:
                action = str(step.get("action") or "")
                if intent and action.endswith("_form") and not action.startswith("action_"):
                    found.setdefault(action, intent)
    return found


def _pipeline_settings(root: Path) -> Tuple[Dict[str, Any], float, float]:
    """config.yml's AnswerClassifier config and the fallback thresholds."""
    config = yaml.safe_load((root / "config.yml").read_text(encoding="utf-8"))
    classifier: Dict[str, Any] = {}
    threshold, ambiguity = 0.3, 0.1
    for component in config.get("pipeline") or []:
        name = str(component.get("name"))
        if name.endswith("AnswerClassifier"):
            classifier = {k: v for k, v in component.items() if k != "name"}
        if name == "FallbackClassifier":
            threshold = float(component.get("threshold", threshold))
            ambiguity = float(component.get("ambiguity_threshold", ambiguity))
    return classifier, threshold, ambiguity


def _overrides(root: Path) -> List[Tuple[str, "re.Pattern[str]"]]:
    found = []
    for path in sorted((root / "data").rglob("*.yml")):
        for entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "regex" in entry:
                for line in str(entry.get("examples") or "").splitlines():
                    if line.strip().startswith("- "):
                        found.append((str(entry["regex"]),
                                      re.compile(line.strip()[2:], re.IGNORECASE)))
    return found


@dataclass
class DesignResult:
    """One design's scores on the frozen questions."""

    name: str
    description: str
    train_seconds: float
    right: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    milliseconds: List[float] = field(default_factory=list)
    wrong: List[Tuple[str, str, str]] = field(default_factory=list)

    def percent(self, category: str) -> float:
        """Share right in a category, in per cent."""
        return 100.0 * self.right[category] / self.total[category] if self.total[category] else 0

    def quantile(self, q: float) -> float:
        """Prediction time per message at quantile q, in milliseconds."""
        return statistics.quantiles(self.milliseconds, n=100)[int(q * 100) - 1]


def _decide(classes: Sequence[str], probabilities: Sequence[float], text: str,
            overrides: Sequence[Tuple[str, "re.Pattern[str]"]],
            threshold: float, ambiguity: float) -> Tuple[str, str]:
    """(intent, answer) as the server's pipeline decides them."""
    from bot.nlu import parse_result

    forced = next((name for name, rx in overrides if rx.search(text)), None)
    if forced in classes:
        probabilities = [1.0 if label == forced else 0.0 for label in classes]
    result = parse_result(list(classes), list(probabilities))
    ranking = result["intent_ranking"]
    intent = ranking[0]["name"]
    if ranking[0]["confidence"] < threshold or (
            len(ranking) > 1 and ranking[0]["confidence"] - ranking[1]["confidence"] < ambiguity):
        return "nlu_fallback", "nlu_fallback"
    selector = (result.get("response_selector") or {}).get(intent)
    answer = selector["response"]["intent_response_key"] if selector else intent
    return intent, answer


def right_answer(row: Dict[str, Any], intent: str, answer: str, forms: Dict[str, str]) -> bool:
    """Whether the NLU's (intent, answer) is right for a frozen row of its category."""
    category = row.get("category")
    if category == "out_of_scope":
        return intent in ("out_of_scope", "nlu_fallback")
    if category == "crisis":
        return intent == "self_harm"
    gold = str(row.get("answer") or "")
    gold = forms.get(gold, gold)
    topic, _, key = gold.partition("/")
    estimate = key in ("amount", "eligibility") and intent == f"estimate_{topic}"
    return answer == gold or intent == gold or estimate


def compare_designs(names: Sequence[str] = (), lang: str = "en",
                    root: Path = PROJECT_ROOT) -> List[DesignResult]:
    """Train each design and score it on evaluation/frozen/<lang>/questions.yml."""
    from bot.nlu.classifier import AnswerClassifier

    examples = load_examples(sorted((root / "data").rglob("*.yml")))
    texts = [e.text for e in examples]
    labels = [e.intent for e in examples]
    base, threshold, ambiguity = _pipeline_settings(root)
    overrides = _overrides(root)
    forms = form_intents(root)
    rows = [r for r in load_rows(EVAL_DIR / lang / "questions.yml")
            if r.get("category") in CATEGORIES]
    results = []
    for name in names or list(DESIGNS):
        description, config = DESIGNS[name]
        classifier: Any = AnswerClassifier({**base, **config}, None, None)  # type: ignore[arg-type]
        started = time.perf_counter()
        pipeline = classifier.fit_pipeline(texts, labels)
        result = DesignResult(name, description, time.perf_counter() - started)
        classes = list(pipeline.classes_)
        for row in rows:
            text = str(row["text"])
            began = time.perf_counter()
            probabilities = pipeline.predict_proba([text])[0]
            intent, answer = _decide(classes, probabilities, text, overrides, threshold, ambiguity)
            result.milliseconds.append(1000 * (time.perf_counter() - began))
            category = str(row["category"])
            result.total[category] += 1
            if right_answer(row, intent, answer, forms):
                result.right[category] += 1
            else:
                result.wrong.append((str(row["id"]), str(row.get("answer") or category), answer))
        results.append(result)
    return results


def render(results: Sequence[DesignResult], out: Optional[Path] = None) -> str:
    """The comparison table; with `out`, each design's wrong rows in <out>/<design>.tsv."""
    head = f"{'design':<20}" + "".join(f"{c:>16}" for c in CATEGORIES)
    lines = [head + f"{'train s':>9}{'p50 ms':>8}{'p95 ms':>8}"]
    for r in results:
        cells = "".join(f"{r.right[c]:>5}/{r.total[c]:<4}{r.percent(c):5.1f}%" for c in CATEGORIES)
        lines.append(f"{r.name:<20}{cells}{r.train_seconds:>9.0f}"
                     f"{r.quantile(0.5):>8.1f}{r.quantile(0.95):>8.1f}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{r.name}.tsv").write_text(
                "".join(f"{i}\t{gold}\t{got}\n" for i, gold, got in r.wrong), encoding="utf-8")
    return "\n".join(lines)
