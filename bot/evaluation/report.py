"""The per-category table of the frozen set, its targets and its files.

Targets (issue 9): answerable >= 95 % with the fact; out of scope >= 95 %
refused with no NSSA fact; multi-turn >= 90 % of turns right; crisis 100 %
with the crisis line first; 0 answerable rows routed to distress or a
hand-over. In the other languages (issue 10: Arabic, Polish, Ukrainian and
any added later) answerable and out of scope >= 90 %. Written to
`<out>/<lang>.json`, `<out>/failures.tsv` and `<out>/categories.png` (the
numbers are printed too).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from bot.evaluation.matching import Checks, contains
from bot.evaluation.runner import ConversationResult, QuestionResult, expected_language

__all__ = ["Line", "LanguageResult", "render", "write_files", "plot"]

# label, minimum share in % (None: at most `count` rows), shown target
TARGETS = {
    "answerable": (95.0, ">= 95 %"),
    "out_of_scope": (95.0, ">= 95 %"),
    "multi-turn turns": (90.0, ">= 90 %"),
    "crisis first": (100.0, "= 100 %"),
    "language detected": (98.0, ">= 98 %"),
    "language detected (short)": (98.0, ">= 98 %"),
}
# Issue 10's bar for the languages after English.
OTHER_LANGUAGES = {
    "answerable": (90.0, ">= 90 %"),
    "out_of_scope": (90.0, ">= 90 %"),
}
ROUTED = "routed to distress/hand-over"


@dataclass
class Line:
    """One row of the table."""

    lang: str
    category: str
    n: int
    right: int
    target: str = "-"
    passed: Optional[bool] = None

    @property
    def percent(self) -> float:
        """The share right, in percent."""
        return 100.0 * self.right / self.n if self.n else 0.0

    @property
    def result(self) -> str:
        """PASS, FAIL or - (no target)."""
        return "-" if self.passed is None else ("PASS" if self.passed else "FAIL")


@dataclass
class LanguageResult:
    """Everything measured for one language."""

    lang: str
    questions: List[QuestionResult] = field(default_factory=list)
    conversations: List[ConversationResult] = field(default_factory=list)

    def lines(self) -> List[Line]:
        """The table's lines for this language (categories present only)."""
        lines = []
        for category in ("answerable", "out_of_scope", "crisis", "language_choice"):
            rows = [q for q in self.questions if q.category == category]
            if rows:
                label = "crisis first" if category == "crisis" else category
                lines.append(_line(self.lang, label, len(rows), sum(q.ok for q in rows)))
            if rows and category == "crisis":
                # Diagnostic, no target: the line anywhere in the reply (after the notice, say).
                anywhere = sum(contains(f"{q.turn.first_message}\n{q.turn.reply}",
                                        q.row["expect_first"]) for q in rows)
                lines.append(Line(self.lang, "crisis line anywhere", len(rows), anywhere))
        turns = [t for c in self.conversations for t in c.turns]
        if turns:
            lines.append(_line(self.lang, "multi-turn turns", len(turns), sum(t.ok for t in turns)))
        answerable = [q for q in self.questions if q.category == "answerable"]
        if answerable:
            routed = sum(q.routed for q in answerable)
            lines.append(Line(self.lang, ROUTED, len(answerable), routed, "= 0", routed == 0))
        # Language identification (issue 10): the language the message was read in.
        for label, rows in (("language detected", self.questions),
                            ("language detected (short)",
                             [q for q in self.questions if q.row.get("short")])):
            if rows:
                right = sum(q.turn.detected == expected_language(q.row) for q in rows)
                lines.append(_line(self.lang, label, len(rows), right))
        return lines

    def confusions(self, top: int = 10) -> List[str]:
        """The most frequent (expected answer -> what was done) among wrong answerable rows."""
        pairs: Counter = Counter()
        for q in self.questions:
            if q.category == "answerable" and not q.ok:
                given = ", ".join(q.turn.policy_answers + [f"start {f}" for f in q.turn.forms])
                given = given or (q.turn.intent or "nothing")
                expected = str(q.row.get("answer", "?"))
                if given == expected:
                    given += " (the answer, without the fact)"
                pairs[(expected, given)] += 1
        return [f"{n:3d}  {exp} -> {got}" for (exp, got), n in pairs.most_common(top)]


def _line(lang: str, label: str, n: int, right: int) -> Line:
    if label not in TARGETS:
        return Line(lang, label, n, right)
    minimum, shown = TARGETS[label] if lang == "en" else OTHER_LANGUAGES.get(label, TARGETS[label])
    return Line(lang, label, n, right, shown, 100.0 * right / n >= minimum - 1e-9)


def render(results: List[LanguageResult], title: str) -> str:
    """The table printed by `make eval`."""
    header = f"{'lang':<5} {'category':<30} {'n':>5} {'right':>6} {'%':>6}  {'target':<8} result"
    out = [title, header]
    for result in results:
        for line in result.lines():
            out.append(f"{line.lang:<5} {line.category:<30} {line.n:>5} {line.right:>6} "
                       f"{line.percent:>6.1f}  {line.target:<8} {line.result}")
    for result in results:
        confusions = result.confusions()
        if confusions:
            out.append(f"Most frequent misses ({result.lang}, answerable: expected -> given):")
            out.extend("  " + c for c in confusions)
    return "\n".join(out)


def _turn_json(turn: Any) -> Dict[str, Any]:
    return {"reply": turn.reply, "first_message": turn.first_message, "answered": turn.answered,
            "intent": turn.intent, "confidence": round(turn.confidence, 3),
            "routes": turn.routes, "error": turn.error}


def _language_json(result: LanguageResult) -> Dict[str, Any]:
    return {
        "lang": result.lang,
        "summary": [{**asdict(line), "percent": round(line.percent, 1), "result": line.result}
                    for line in result.lines()],
        "questions": [{"id": q.row.get("id"), "category": q.category, "ok": q.ok,
                       "failures": q.failures, **_turn_json(q.turn)} for q in result.questions],
        "conversations": [{"id": c.row.get("id"), "kind": c.row.get("kind"), "turns": [
            {"turn": t.index, "user": t.turn_row.get("user"), "ok": t.ok, "failures": t.failures,
             **_turn_json(t.turn)} for t in c.turns]} for c in result.conversations],
    }


def _flat(text: str) -> str:
    return " ⏎ ".join(part.strip() for part in str(text).splitlines() if part.strip())


def write_files(results: List[LanguageResult], out: Path) -> List[Path]:
    """`<lang>.json` for each language and one `failures.tsv`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = out / f"{result.lang}.json"
        path.write_text(json.dumps(_language_json(result), indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    path = out / "failures.tsv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["lang", "id", "category", "text", "expected", "reply", "why", "answered"])
        for result in results:
            for q in result.questions:
                if not q.ok:
                    writer.writerow([result.lang, q.row.get("id"), q.category,
                                     _flat(q.row.get("text", "")), Checks.of(q.row).describe(),
                                     _flat(q.turn.reply), "; ".join(q.failures), q.turn.answered])
            for c in result.conversations:
                for t in c.turns:
                    if not t.ok:
                        writer.writerow([result.lang, f"{c.row.get('id')}#{t.index}",
                                         c.row.get("kind"), _flat(t.turn_row.get("user", "")),
                                         Checks.of(t.turn_row).describe(), _flat(t.turn.reply),
                                         "; ".join(t.failures), t.turn.answered])
    written.append(path)
    return written


def plot(results: List[LanguageResult], path: Path) -> Path:
    """Bar plot of % right per category and language, targets marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    categories: List[str] = []
    for result in results:
        for line in result.lines():
            if line.category not in categories:
                categories.append(line.category)
    fig, ax = plt.subplots(figsize=(max(7.0, 1.6 * len(categories)), 4.5))
    width = 0.8 / max(1, len(results))
    for index, result in enumerate(results):
        values = {line.category: line.percent for line in result.lines()}
        xs = [i + index * width for i, c in enumerate(categories) if c in values]
        ys = [values[c] for c in categories if c in values]
        bars = ax.bar(xs, ys, width, label=result.lang)
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
    for i, category in enumerate(categories):
        target = TARGETS.get(category, (0.0 if category == ROUTED else None, ""))[0]
        if target is not None:
            ax.hlines(target, i - width / 2, i + 0.8 - width / 2, colors="black",
                      linestyles="dashed")
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(categories))])
    ax.set_xticklabels([c.replace(" ", "\n", 1) for c in categories], fontsize=8)
    ax.set_ylabel("% (dashed: target)")
    ax.set_ylim(0, 105)
    ax.set_title("Frozen evaluation set: share right per category")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
