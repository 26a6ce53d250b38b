"""Every package the code imports directly is declared in pyproject.toml (issue 13).

A package that only arrives as another's dependency (redis-py through rasa)
would vanish, or change under the code, when that package changes its own.
The production packages may import what `[project] dependencies` or an extra
declares (the `designs` extra for `python -m bot designs`); tests/ and
scripts/ may also import the `dev` extra. An import is matched to the
distribution that installs it (its RECORD or top_level.txt).
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, Set

import pytest
import tomli

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("bot", "actions", "channels", "clients", "staff", "backends")
OWN = set(PRODUCTION) | {"tests", "scripts", "mutation"}
# Import names of declared packages that a clean clone may not have installed
# (the `designs` extra), where the import name is not the distribution's.
NOT_INSTALLED_NAMES = {"spellchecker": "pyspellchecker"}
# A distribution's files that are not its importable packages.
NOT_PACKAGES = (".dist-info", ".egg-info", ".data")


def canonicalize_name(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): `PyYAML` -> `pyyaml`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """`SQLAlchemy>=1.4,<2` -> `sqlalchemy`; `rasa[spacy]==3.6` -> `rasa`."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return canonicalize_name(match.group(1))


def imported(folders: Iterable[str]) -> Dict[str, Set[str]]:
    """Top-level names of the absolute imports in `folders`, not stdlib nor the project's."""
    found: Dict[str, Set[str]] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in OWN:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def installers() -> Dict[str, Set[str]]:
    """Import name -> the (canonical) names of the distributions that install it."""
    found: Dict[str, Set[str]] = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        tops = set((dist.read_text("top_level.txt") or "").split())
        for file in dist.files or ():
            first = file.parts[0]
            if first.endswith(NOT_PACKAGES) or first in ("..", "__pycache__"):
                continue
            tops.add(first[:-3] if first.endswith(".py") else first)
        for top in tops:
            found.setdefault(top, set()).add(name)
    return found


def declared(*extras: str) -> Set[str]:
    """Canonical names in `[project] dependencies` and the named extras."""
    project = tomli.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {requirement_name(r) for r in requirements}


def undeclared(folders: Iterable[str], allowed: Set[str]) -> Dict[str, str]:
    """Imports whose distribution is not in `allowed`: name -> where it is imported."""
    by_import = installers()
    missing = {}
    for name, places in sorted(imported(folders).items()):
        dists = by_import.get(name) or {canonicalize_name(NOT_INSTALLED_NAMES.get(name, name))}
        if not dists & allowed:
            missing[name] = f"{'/'.join(sorted(dists))} (in {sorted(places)[0]})"
    return missing


def test_production_code_imports_only_declared_packages() -> None:
    assert undeclared(PRODUCTION, declared("designs")) == {}


def test_tests_and_scripts_import_only_declared_packages() -> None:
    assert undeclared(("tests", "scripts"), declared("designs", "dev")) == {}


@pytest.mark.parametrize("source, expected", [
    ("import redis\n", {"redis"}),
    ("from sqlalchemy.orm import Session\n", {"sqlalchemy"}),
    ("import os\nfrom . import sibling\nfrom bot.settings import Settings\n", set()),
])
def test_imports_are_read_as_top_level_names(tmp_path: Path, monkeypatch, source: str,
                                             expected: Set[str]) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "module.py").write_text(source)
    assert set(imported(["pkg"])) == expected


def test_an_undeclared_import_is_found() -> None:
    # redis-py is installed (rasa needs it): declared or not, it is matched.
    assert "redis" in undeclared(["channels"], declared("designs") - {"redis"})
