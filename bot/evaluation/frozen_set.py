"""The frozen evaluation set on disk: its files, rows and manifest.

evaluation/frozen/<lang>/questions.yml and conversations.yml hold the rows
(format: evaluation/frozen/README.md). evaluation/frozen/MANIFEST.tsv holds `id<TAB>sha256`
of every frozen row; rows are only ever added, so a listed row that changed
or disappeared is an error, and `freeze` only appends.

A row's hash is the SHA-256 of its parsed YAML as canonical JSON (keys
sorted, UTF-8), so comments and quoting do not matter, every value does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import yaml

from bot.errors import ContentError
from bot.settings import PROJECT_ROOT

__all__ = [
    "EVAL_DIR",
    "QUESTIONS",
    "CONVERSATIONS",
    "EvalFile",
    "discover",
    "load_rows",
    "row_hash",
    "read_manifest",
    "manifest_problems",
    "unfrozen",
    "freeze",
    "schema_problems",
]

EVAL_DIR = PROJECT_ROOT / "evaluation" / "frozen"
MANIFEST = "MANIFEST.tsv"
QUESTIONS = "questions.yml"
CONVERSATIONS = "conversations.yml"

CATEGORIES = ("answerable", "out_of_scope", "crisis", "language_choice")
OUT_OF_SCOPE_KINDS = ("other_country", "other_organisation", "other_person", "general_knowledge",
                      "chit_chat", "manipulation", "prompt_injection", "gibberish", "emoji")
CONVERSATION_KINDS = ("follow_up", "topic_switch", "question_in_request", "plain_request",
                      "correction", "yes_no_thanks", "estimate", "language_stickiness")
STYLES = ("web", "telegram", "sms")
_CHECK_KEYS = ("expect", "expect_any", "forbid", "expect_first")


@dataclass(frozen=True)
class EvalFile:
    """One file of the set: its language (the folder) and kind."""

    path: Path
    lang: str

    @property
    def is_conversations(self) -> bool:
        """True for conversations.yml."""
        return self.path.name == CONVERSATIONS

    def rows(self) -> List[Dict[str, Any]]:
        """The file's rows."""
        return load_rows(self.path)


def discover(eval_dir: Path = EVAL_DIR, langs: Sequence[str] = (),
             file: Optional[Path] = None) -> List[EvalFile]:
    """The set's files, by language then questions before conversations."""
    if file is not None:
        path = file.resolve()
        if not path.is_file():
            raise ContentError(f"{file}: no such evaluation file")
        return [EvalFile(path, path.parent.name)]
    files = []
    for folder in sorted(p for p in eval_dir.iterdir() if p.is_dir()):
        if langs and folder.name not in langs:
            continue
        for name in (QUESTIONS, CONVERSATIONS):
            if (folder / name).is_file():
                files.append(EvalFile(folder / name, folder.name))
    return files


def load_rows(path: Path) -> List[Dict[str, Any]]:
    """The rows of one YAML file (a list of mappings)."""
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ContentError(f"{path}: expected a list of rows")
    return rows


def row_hash(row: Dict[str, Any]) -> str:
    """SHA-256 of the row as canonical JSON."""
    canonical = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_manifest(eval_dir: Path = EVAL_DIR) -> Dict[str, str]:
    """Each frozen row's id and hash, in the manifest's order."""
    path = eval_dir / MANIFEST
    frozen: Dict[str, str] = {}
    if not path.is_file():
        return frozen
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        row_id, sep, digest = line.partition("\t")
        if not sep or len(digest.strip()) != 64:
            raise ContentError(f"{path}:{number}: expected id<TAB>sha256")
        if row_id in frozen:
            raise ContentError(f"{path}:{number}: {row_id} is listed twice")
        frozen[row_id] = digest.strip()
    return frozen


def _all_rows(eval_dir: Path) -> Dict[str, Dict[str, Any]]:
    rows: Dict[str, Dict[str, Any]] = {}
    for eval_file in discover(eval_dir):
        for row in eval_file.rows():
            rows[str(row.get("id"))] = row
    return rows


def manifest_problems(eval_dir: Path = EVAL_DIR) -> List[str]:
    """Frozen rows that changed or were removed, each naming its id."""
    rows = _all_rows(eval_dir)
    problems = []
    for row_id, digest in read_manifest(eval_dir).items():
        if row_id not in rows:
            problems.append(f"{row_id}: frozen row was removed (rows are only ever added)")
        elif row_hash(rows[row_id]) != digest:
            problems.append(f"{row_id}: frozen row was changed (add a new row instead)")
    return problems


def unfrozen(eval_dir: Path = EVAL_DIR) -> List[str]:
    """Ids of rows not yet in the manifest, in file order."""
    frozen = read_manifest(eval_dir)
    return [row_id for row_id in _all_rows(eval_dir) if row_id not in frozen]


def freeze(eval_dir: Path = EVAL_DIR) -> List[str]:
    """Append the hashes of rows not yet frozen; never rewrite a line. Returns their ids."""
    problems = manifest_problems(eval_dir)
    if problems:
        raise ContentError("Cannot freeze: " + "; ".join(problems))
    rows = _all_rows(eval_dir)
    new = unfrozen(eval_dir)
    if new:
        path = eval_dir / MANIFEST
        existing = path.read_text(encoding="utf-8") if path.is_file() else ""
        lines = "".join(f"{row_id}\t{row_hash(rows[row_id])}\n" for row_id in new)
        with path.open("a", encoding="utf-8") as handle:
            if existing and not existing.endswith("\n"):
                handle.write("\n")
            handle.write(lines)
    return new


def _check_problems(where: str, checks: Dict[str, Any]) -> List[str]:
    problems = []
    for key in ("expect", "expect_any", "forbid"):
        value = checks.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problems.append(f"{where}: {key} must be a list of non-empty strings")
    if not isinstance(checks.get("expect_first", ""), str):
        problems.append(f"{where}: expect_first must be a string")
    return problems


def schema_problems(eval_file: EvalFile, rows: Iterable[Dict[str, Any]]) -> List[str]:
    """Rows that do not follow the format, each naming its id and what is wrong."""
    problems: List[str] = []
    prefix = f"{eval_file.lang}-{'c' if eval_file.is_conversations else 'q'}-"
    for row in rows:
        row_id = str(row.get("id", "?"))
        if not row_id.startswith(prefix):
            problems.append(f"{row_id}: id must start with {prefix}")
        if eval_file.is_conversations:
            if row.get("kind") not in CONVERSATION_KINDS:
                problems.append(f"{row_id}: unknown kind {row.get('kind')!r}")
            turns = row.get("turns")
            if not isinstance(turns, list) or not turns:
                problems.append(f"{row_id}: a conversation needs turns")
                continue
            for number, turn in enumerate(turns, 1):
                where = f"{row_id} turn {number}"
                if not isinstance(turn, dict) or not str(turn.get("user") or "").strip():
                    problems.append(f"{where}: needs a user message")
                    continue
                problems += _check_problems(where, turn)
                if not any(turn.get(k) for k in _CHECK_KEYS):
                    problems.append(f"{where}: has no check")
            continue
        category = row.get("category")
        if category not in CATEGORIES:
            problems.append(f"{row_id}: unknown category {category!r}")
        if category == "out_of_scope" and row.get("topic") not in OUT_OF_SCOPE_KINDS:
            problems.append(f"{row_id}: unknown out-of-scope kind {row.get('topic')!r}")
        if row.get("style") not in STYLES:
            problems.append(f"{row_id}: style must be one of {', '.join(STYLES)}")
        if not str(row.get("text") or "").strip():
            problems.append(f"{row_id}: needs a text")
        problems += _check_problems(row_id, row)
        if category == "answerable" and not (row.get("expect") or row.get("expect_any")):
            problems.append(f"{row_id}: an answerable row names the fact(s) it expects")
        if category == "crisis" and not row.get("expect_first"):
            problems.append(f"{row_id}: a crisis row has expect_first")
    return problems
