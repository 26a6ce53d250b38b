"""The newest model, when models were copied together (tryout2: same modification time)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.training import latest_model


def test_models_with_one_modification_time_are_told_apart_by_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rasa names a model by its training time: the later name is the newer model,
    # whatever order the directory lists them in.
    names = ["20261207-191359-rigid-cockpit.tar.gz", "20261207-111309-silent-lark.tar.gz",
             "20261207-165211-intense-anchovy.tar.gz"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    listed = [tmp_path / name for name in names]
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(listed))
    assert latest_model(tmp_path) == tmp_path / "20261207-191359-rigid-cockpit.tar.gz"


def test_a_newer_file_wins_over_a_later_name(tmp_path: Path) -> None:
    (tmp_path / "b-fixed.tar.gz").write_bytes(b"")
    os.utime(tmp_path / "b-fixed.tar.gz", (1_000_000, 1_000_000))
    (tmp_path / "a-fixed.tar.gz").write_bytes(b"")
    assert latest_model(tmp_path) == tmp_path / "a-fixed.tar.gz"
