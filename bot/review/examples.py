"""Training examples written into data/, one line each, so the diff reads as a review.

An answer is an intent with its examples block in a file under data/
(`- intent: pension/amount` / `examples: |` in data/topics/pension.yml;
`out_of_scope` in data/core/out_of_scope.yml). `add_examples` inserts each
new example as one `    - text` line after the block's last example: the
rest of the file (comments, order, responses) is untouched, so `git diff`
shows only the added lines. A text is made safe for Rasa's example syntax
first (one line; no `[...]` entity markup) and skipped when the data already
has it (in any intent: Rasa would see two answers for one sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from bot.errors import NssaError
from bot.settings import PROJECT_ROOT

__all__ = ["UnknownAnswer", "Written", "answers", "clean_example", "add_examples",
           "existing_examples", "OUT_OF_SCOPE"]

OUT_OF_SCOPE = "out_of_scope"
_BLOCK = re.compile(r"^- intent: *(?P<name>\S+) *$")
_EXAMPLE = re.compile(r"^(?P<indent> +)- ")


class UnknownAnswer(NssaError):
    """No examples block in data/ for this answer."""


@dataclass(frozen=True)
class Written:
    """What add_examples did: the file, the lines added, the texts already there."""

    path: Path
    added: List[str]
    skipped: List[str]


def _english_files(root: Path) -> List[Path]:
    data = root / "data"
    return [p for p in sorted(data.rglob("*.yml")) if "lang" not in p.relative_to(data).parts]


def answers(root: Path = PROJECT_ROOT) -> Dict[str, Path]:
    """Every answer an editor can assign to (data/topics) and out_of_scope, with its file."""
    found: Dict[str, Path] = {}
    for path in sorted((root / "data" / "topics").glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _BLOCK.match(line)
            if match:
                found.setdefault(match["name"], path)
    # The out-of-scope examples' own file (data/core/nlu.yml has a few too).
    for path in sorted(_english_files(root), key=lambda p: p.stem != OUT_OF_SCOPE):
        names = {m["name"] for m in map(_BLOCK.match, path.read_text(encoding="utf-8").splitlines())
                 if m}
        if OUT_OF_SCOPE in names:
            found.setdefault(OUT_OF_SCOPE, path)
            break
    return found


def clean_example(text: str) -> str:
    """The text as one safe example line: whitespace folded, no entity markup."""
    text = re.sub(r"\s+", " ", text).strip()
    text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    return text.lstrip("-# ").strip()[:300]


def existing_examples(root: Path = PROJECT_ROOT) -> Dict[str, str]:
    """Every example in data/ (lower case) and its intent."""
    seen: Dict[str, str] = {}
    for path in _english_files(root):
        intent: Optional[str] = None
        for line in path.read_text(encoding="utf-8").splitlines():
            block = _BLOCK.match(line)
            if block:
                intent = block["name"]
            elif not line.startswith(" "):
                intent = None
            elif intent and _EXAMPLE.match(line):
                seen.setdefault(line.strip()[2:].strip().lower(), intent)
    return seen


def _insert_at(lines: List[str], answer: str) -> Tuple[int, str]:
    """Where the block of `answer` ends (after its last example) and the examples' indent."""
    start = next((i for i, line in enumerate(lines)
                  if (m := _BLOCK.match(line.rstrip("\n"))) and m["name"] == answer), None)
    if start is None:
        raise UnknownAnswer(f"no examples of {answer} in data/")
    end, indent = None, "    "
    for i in range(start + 1, len(lines)):
        line = lines[i].rstrip("\n")
        if line and not line.startswith(" "):
            break
        example = _EXAMPLE.match(line)
        if example:
            end, indent = i, example["indent"]
    if end is None:
        raise UnknownAnswer(f"{answer} has no examples block to add to")
    return end + 1, indent


def add_examples(answer: str, texts: Iterable[str], root: Path = PROJECT_ROOT) -> Written:
    """Append `texts` as examples of `answer` in its file; the texts already in data/ skipped."""
    path = answers(root).get(answer)
    if path is None:
        raise UnknownAnswer(f"no answer {answer} in data/topics (nor out_of_scope)")
    seen = existing_examples(root)
    added: List[str] = []
    skipped: List[str] = []
    for raw in texts:
        text = clean_example(raw)
        if not text:
            continue
        if text.lower() in seen:
            skipped.append(text)
            continue
        seen[text.lower()] = answer
        added.append(text)
    if added:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        at, indent = _insert_at(lines, answer)
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        lines[at:at] = [f"{indent}- {text}\n" for text in added]
        path.write_text("".join(lines), encoding="utf-8")
    return Written(path, added, skipped)
