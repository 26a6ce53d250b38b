"""Language identification on the frozen evaluation sets (`python -m bot languages`).

Each question of evaluation/frozen/<code>/questions.yml is parsed by the trained
model as the first message of a new conversation (no hint, no earlier
message), exactly as the Rasa server parses it; its `language` entity is
compared with the folder's language, or with the row's `choose` for a
language choice ("English please" in the Polish set chooses English). The
accuracy is printed per language and for the short rows (`short: true`,
1-3 words) separately, with the time per message of the whole NLU pipeline
and of the language identifier alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from bot.settings import PROJECT_ROOT

__all__ = ["LanguageScore", "eval_rows", "measure", "render"]

EVAL_DIR = PROJECT_ROOT / "evaluation" / "frozen"


@dataclass
class LanguageScore:
    """Right and total, all rows and short rows, with the misses."""

    code: str
    right: int = 0
    total: int = 0
    short_right: int = 0
    short_total: int = 0
    misses: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of rows whose language was right."""
        return self.right / self.total if self.total else 0.0

    @property
    def short_accuracy(self) -> float:
        """Share of short rows whose language was right."""
        return self.short_right / self.short_total if self.short_total else 0.0


def eval_rows(directory: Path = EVAL_DIR) -> Dict[str, List[dict]]:
    """The questions of every language folder of the frozen set."""
    rows: Dict[str, List[dict]] = {}
    for path in sorted(directory.glob("*/questions.yml")):
        rows[path.parent.name] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return rows


async def _parse_all(model: Path, rows: Dict[str, List[dict]]) -> Tuple[
        Dict[str, LanguageScore], List[float]]:
    from rasa.core.agent import Agent

    logging.getLogger("rasa").setLevel(logging.WARNING)
    agent = Agent.load(str(model))
    scores: Dict[str, LanguageScore] = {}
    seconds: List[float] = []
    for code, questions in rows.items():
        score = scores.setdefault(code, LanguageScore(code))
        for row in questions:
            text = str(row.get("text") or "")
            wanted = row.get("choose") or code
            start = time.perf_counter()
            parse = await agent.parse_message(text)
            seconds.append(time.perf_counter() - start)
            got = parse.get("language")
            ok = got == wanted
            score.total += 1
            score.right += ok
            if row.get("short"):
                score.short_total += 1
                score.short_right += ok
            if not ok:
                score.misses.append((text, str(got)))
    return scores, seconds


def _identifier_seconds(rows: Dict[str, List[dict]], model: Path) -> List[float]:
    """Time of the language identifier alone, from the model's trained detector."""
    import tarfile
    import tempfile

    import joblib

    from bot.i18n.langid import Detector

    with tempfile.TemporaryDirectory() as tmp, tarfile.open(model) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("language.joblib"))
        archive.extract(member, tmp)
        detector = Detector(joblib.load(Path(tmp) / member.name))
    seconds = []
    for questions in rows.values():
        for row in questions:
            start = time.perf_counter()
            detector.detect(str(row.get("text") or ""))
            seconds.append(time.perf_counter() - start)
    return seconds


def _percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def measure(model: Path, directory: Path = EVAL_DIR) -> Tuple[Dict[str, LanguageScore],
                                                             Dict[str, float]]:
    """Scores per language and the timings (ms) of the pipeline and the identifier."""
    rows = eval_rows(directory)
    scores, seconds = asyncio.run(_parse_all(model, rows))
    alone = _identifier_seconds(rows, model)
    timing = {
        "pipeline_p50": _percentile(seconds, 0.5) * 1000,
        "pipeline_p95": _percentile(seconds, 0.95) * 1000,
        "identifier_p50": _percentile(alone, 0.5) * 1000,
        "identifier_p95": _percentile(alone, 0.95) * 1000,
    }
    return scores, timing


def render(scores: Dict[str, LanguageScore], timing: Dict[str, float],
           misses: Optional[int] = 5) -> str:
    """The figures for people."""
    lines = ["Language identification on evaluation/frozen/<code>/questions.yml "
             "(first message of a conversation, no hint):"]
    for code, score in scores.items():
        lines.append(
            f"  {code}: {score.accuracy:.1%} ({score.right}/{score.total}); "
            f"short messages {score.short_accuracy:.1%} ({score.short_right}/{score.short_total})")
        for text, got in score.misses[:misses or 0]:
            lines.append(f"      missed: {text!r} -> {got}")
    lines.append(
        f"  time per message: NLU pipeline p50 {timing['pipeline_p50']:.1f} ms, "
        f"p95 {timing['pipeline_p95']:.1f} ms; language identifier alone "
        f"p50 {timing['identifier_p50']:.2f} ms, p95 {timing['identifier_p95']:.2f} ms")
    return "\n".join(lines)
