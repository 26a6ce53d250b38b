"""How to apply is not a yes/no question: no "apply" answer opens with yes or no.

"czy muszę składać wniosek co roku?" got "Tak. Możesz złożyć wniosek..." and
"how do i apply for child benefit" got "Yes. You can start it in the chat":
an answer read after any way of asking must not open with a yes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

from bot.settings import PROJECT_ROOT

OPENERS = ("yes", "no.", "no,", "tak", "nie.", "так", "ні.", "نعم", "لا.")


def _apply_texts() -> Iterator[Tuple[str, str]]:
    files = sorted((PROJECT_ROOT / "data" / "topics").glob("*.yml")) + sorted(
        (PROJECT_ROOT / "translations").glob("*/data/topics/*.yml"))
    for path in files:
        responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses")
        for name, variants in (responses or {}).items():
            if name.endswith("/apply"):
                for variant in variants:
                    text = variant.get("text")
                    if text:
                        yield f"{Path(path).relative_to(PROJECT_ROOT)}: {name}", text


_TEXTS = list(_apply_texts())


@pytest.mark.parametrize("where,text", _TEXTS, ids=[where for where, _ in _TEXTS])
def test_an_apply_answer_does_not_open_with_yes_or_no(where: str, text: str) -> None:
    assert not text.strip().lower().startswith(OPENERS), where
