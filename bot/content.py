"""Content checks a content team can trust: every problem names file and line.

- `coverage_report`: each `key` of the handbook's facts.tsv that no response
  contains, unless listed with a reason in evaluation/coverage_exclusions.tsv.
- `content_problems`: SMS variants (needed where the full text is over 320
  characters, never over 320 themselves), and the FAQ map (evaluation/faq_map.yml:
  every FAQ is answered, with the numbers of its handbook answer).
- `duplicate_examples`: held-out or end-to-end texts that are also training
  examples.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot.errors import ContentError
from bot.settings import PROJECT_ROOT

__all__ = [
    "HANDBOOK_DIR",
    "SMS_LIMIT",
    "Response",
    "Example",
    "Content",
    "load_content",
    "load_examples",
    "coverage_report",
    "content_problems",
    "duplicate_examples",
    "faq_answers",
]

HANDBOOK_DIR = PROJECT_ROOT.parent / "shared" / "handbook"
SMS_LIMIT = 320
SMS_CHANNEL = "sms"


@dataclass
class Response:
    """A response with its variations and where it is written."""

    name: str
    variations: List[dict]
    file: Path
    line: int

    def texts(self) -> List[str]:
        """Every variation's text."""
        return [v.get("text") or "" for v in self.variations]

    def default_texts(self) -> List[str]:
        """Texts of the variations without a channel (web chat, Telegram)."""
        return [v.get("text") or "" for v in self.variations if not v.get("channel")]

    def channel_texts(self, channel: str) -> List[str]:
        """Texts of the variations for one channel."""
        return [v.get("text") or "" for v in self.variations if v.get("channel") == channel]

    @property
    def where(self) -> str:
        """`file:line` for messages."""
        return f"{_rel(self.file)}:{self.line}"


@dataclass(frozen=True)
class Example:
    """One NLU example and where it is written."""

    intent: str
    text: str
    file: Path
    line: int

    @property
    def where(self) -> str:
        """`file:line` for messages."""
        return f"{_rel(self.file)}:{self.line}"


@dataclass
class Content:
    """All responses and training examples of the assistant."""

    responses: Dict[str, Response] = field(default_factory=dict)
    examples: List[Example] = field(default_factory=list)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _read_yaml(path: Path) -> Tuple[dict, List[str]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise ContentError(f"{_rel(path)}:{line}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{_rel(path)}:1: expected a mapping at the top")
    return data, text.splitlines()


def _line_of(lines: List[str], needle: str, start: int = 0) -> int:
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    return 0


def _examples_in(path: Path, data: dict, lines: List[str]) -> Iterable[Example]:
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        if not intent:
            continue
        block_line = _line_of(lines, f"intent: {intent}")
        for raw in str(block.get("examples") or "").splitlines():
            raw = raw.strip()
            if not raw.startswith("- "):
                continue
            text = raw[2:].strip()
            yield Example(intent, text, path, _line_of(lines, raw, block_line) or block_line)


def load_examples(paths: Iterable[Path]) -> List[Example]:
    """NLU examples of the given files."""
    examples: List[Example] = []
    for path in paths:
        data, lines = _read_yaml(path)
        examples.extend(_examples_in(path, data, lines))
    return examples


def load_content(root: Path = PROJECT_ROOT) -> Content:
    """Responses of domain.yml and data/, and the training examples of data/."""
    content = Content()
    for path in [root / "domain.yml", *sorted((root / "data").rglob("*.yml"))]:
        data, lines = _read_yaml(path)
        for name, variations in (data.get("responses") or {}).items():
            if name in content.responses:
                raise ContentError(
                    f"{_rel(path)}:{_line_of(lines, name + ':')}: response {name} is "
                    f"also defined at {content.responses[name].where}"
                )
            content.responses[name] = Response(
                name, list(variations or []), path, _line_of(lines, f"{name}:")
            )
        content.examples.extend(_examples_in(path, data, lines))
    return content


# --- handbook coverage -------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One line of facts.tsv."""

    id: str
    file: str
    topic: str
    fact: str
    key: str


@dataclass
class CoverageReport:
    """Which facts no response contains."""

    facts: List[Fact]
    uncovered: List[Fact]
    excluded: Dict[str, str]
    stale: List[str] = field(default_factory=list)

    def render(self) -> str:
        """A report for people."""
        lines = [
            f"Handbook facts: {len(self.facts)}, covered: "
            f"{len(self.facts) - len(self.uncovered) - len(self.excluded)}, "
            f"excluded with a reason: {len(self.excluded)}, uncovered: {len(self.uncovered)}"
        ]
        for fact in self.uncovered:
            lines.append(f"  UNCOVERED {fact.id} ({fact.file}, {fact.topic}): "
                         f"key {fact.key!r} - {fact.fact}")
        for fact_id, reason in sorted(self.excluded.items()):
            lines.append(f"  excluded  {fact_id}: {reason}")
        for fact_id in self.stale:
            lines.append(f"  STALE     {fact_id}: excluded, but an answer now has it; "
                         "remove the exclusion")
        return "\n".join(lines)


def load_facts(handbook_dir: Path = HANDBOOK_DIR) -> List[Fact]:
    """The facts of facts.tsv."""
    path = handbook_dir / "facts.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Fact(r["id"], r["file"], r["topic"], r["fact"], r["key"]) for r in rows]


def load_exclusions(path: Path) -> Dict[str, str]:
    """`id<TAB>reason` lines; a line without a reason is an error."""
    excluded: Dict[str, str] = {}
    if not path.is_file():
        return excluded
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        fact_id, _, reason = raw.partition("\t")
        if not reason.strip():
            raise ContentError(f"{_rel(path)}:{number}: {fact_id}: give a reason after a tab")
        excluded[fact_id.strip()] = reason.strip()
    return excluded


def coverage_report(
    content: Content,
    exclusions: Optional[Path] = None,
    handbook_dir: Path = HANDBOOK_DIR,
) -> CoverageReport:
    """Facts whose key appears in no response text (any variation)."""
    exclusions = exclusions or PROJECT_ROOT / "evaluation" / "coverage_exclusions.tsv"
    facts = load_facts(handbook_dir)
    corpus = "\n".join(t for r in content.responses.values() for t in r.texts())
    excluded = load_exclusions(exclusions)
    uncovered = [f for f in facts if f.key not in corpus and f.id not in excluded]
    stale = [f.id for f in facts if f.id in excluded and f.key in corpus]
    known = {f.id for f in facts}
    stale += sorted(k for k in excluded if k not in known)
    return CoverageReport(
        facts, uncovered, {k: v for k, v in excluded.items() if k in known}, stale
    )


# --- channel variants and the FAQ map ----------------------------------------

_NUMBER = re.compile(
    r"€[\d,]+\.\d\d"            # amounts
    r"|\+?\d[\d ]*\d{3} \d{3}"  # phone numbers
    r"|\d\d:\d\d"               # times
    r"|\d+(?:\.\d+)?%"          # percentages
    r"|[A-Z]{2,3}-\d"           # form names such as APP-1
    r"|\d+"
)


def faq_answers(handbook_dir: Path = HANDBOOK_DIR) -> Dict[int, str]:
    """FAQ number -> answer text, from faq.md."""
    text = (handbook_dir / "faq.md").read_text(encoding="utf-8")
    answers: Dict[int, str] = {}
    for match in re.finditer(r"\*\*(\d+)\. [^*]+\*\*\n(.+?)(?=\n\n|\Z)", text, re.S):
        answers[int(match.group(1))] = match.group(2).strip()
    return answers


def content_problems(
    content: Content,
    faq_map_path: Optional[Path] = None,
    handbook_dir: Path = HANDBOOK_DIR,
) -> List[str]:
    """Every broken content rule, as `file:line: message`."""
    problems: List[str] = []
    for response in content.responses.values():
        if not response.default_texts():
            problems.append(f"{response.where}: {response.name} has no text without a channel")
        longest = max((len(t) for t in response.default_texts()), default=0)
        sms = response.channel_texts(SMS_CHANNEL)
        if longest > SMS_LIMIT and not sms:
            problems.append(
                f"{response.where}: {response.name} is {longest} characters; "
                f"add a `channel: sms` variant of at most {SMS_LIMIT}"
            )
        for text in sms:
            if len(text) > SMS_LIMIT:
                problems.append(
                    f"{response.where}: {response.name} SMS variant is {len(text)} "
                    f"characters (at most {SMS_LIMIT})"
                )
    faq_map_path = faq_map_path or PROJECT_ROOT / "evaluation" / "faq_map.yml"
    faq_map = yaml.safe_load(faq_map_path.read_text(encoding="utf-8"))
    for number, answer in faq_answers(handbook_dir).items():
        names = faq_map.get(number)
        if not names:
            problems.append(f"{_rel(faq_map_path)}: FAQ {number} is not mapped to a response")
            continue
        names = [names] if isinstance(names, str) else names
        missing = [n for n in names if n not in content.responses]
        if missing:
            problems.append(f"{_rel(faq_map_path)}: FAQ {number}: no response {', '.join(missing)}")
            continue
        texts = "\n".join(t for n in names for t in content.responses[n].default_texts())
        for token in sorted(set(_NUMBER.findall(answer))):
            if token not in texts:
                problems.append(
                    f"{content.responses[names[0]].where}: FAQ {number} says {token!r}, "
                    f"{' / '.join(names)} does not"
                )
    return problems


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def duplicate_examples(training: List[Example], others: Iterable[Example]) -> List[str]:
    """Texts in `others` that are also training examples."""
    seen = {_normal(e.text): e for e in training}
    return [
        f"{o.where}: {o.text!r} is also a training example at {seen[_normal(o.text)].where}"
        for o in others
        if _normal(o.text) in seen
    ]
