"""Train the model only when the data, domain or config changed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional

from bot.settings import PROJECT_ROOT, Settings

__all__ = ["training_inputs", "fingerprint", "latest_model", "ensure_model", "train",
           "record_model"]

logger = logging.getLogger(__name__)

_FINGERPRINT_FILE = "model-fingerprint.json"


def training_inputs(root: Path = PROJECT_ROOT, config: str = "config.yml") -> List[Path]:
    """Every file whose content goes into the model, the trained components' code included."""
    files = [root / config, root / "domain.yml"]
    files.extend(sorted((root / "data").rglob("*.yml")))
    # What the trainable components of config.yml learn depends on their code.
    files.extend(sorted((root / "bot" / "nlu").rglob("*.py")))
    files.append(root / "bot" / "i18n" / "langid.py")
    return files


def fingerprint(files: Iterable[Path]) -> str:
    """A hash of the names and contents of `files`."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def latest_model(model_dir: Path) -> Optional[Path]:
    """The newest model archive in `model_dir`, if any.

    Models copied together share a modification time: then the later name
    (Rasa names a model by its training time) is the newer one.
    """
    models = sorted(model_dir.glob("*.tar.gz"), key=lambda p: (p.stat().st_mtime, p.name))
    return models[-1] if models else None


def _rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def train(
    settings: Settings,
    config: str = "config.yml",
    output: Optional[Path] = None,
    fixed_model_name: Optional[str] = None,
    root: Path = PROJECT_ROOT,
    force: bool = True,
) -> Path:
    """Run `rasa train` on root's config, domain and data; return the model it wrote.

    The pipeline's own components (bot.nlu, ...) are this checkout's, whatever
    the virtual environment has installed. `force=False` lets Rasa take the
    components whose inputs did not change from its cache (the project's
    .rasa/cache, whatever the root): after an NLU edit, the policies.
    """
    out_dir = output or settings.model_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        _rasa(), "train", "--config", config, "--domain", "domain.yml",
        "--data", "data", "--out", str(out_dir),
    ]
    if force:
        argv.append("--force")
    if fixed_model_name:
        argv += ["--fixed-model-name", fixed_model_name]
    started = time.monotonic()
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    cache = os.environ.get("RASA_CACHE_DIRECTORY") or str(PROJECT_ROOT / ".rasa" / "cache")
    # Rasa's output on stderr: stdout stays the command's own (`bot inbox retrain --json`).
    subprocess.run(argv, cwd=root, check=True, stdout=2,
                   env={**os.environ, "PYTHONPATH": path, "RASA_CACHE_DIRECTORY": cache})
    logger.info("rasa train took %.1f s", time.monotonic() - started)
    model = latest_model(out_dir)
    if model is None:
        raise RuntimeError(f"rasa train wrote no model to {out_dir}")
    return model


def ensure_model(settings: Settings) -> Path:
    """The current model, training a new one if the inputs changed."""
    stamp_path = settings.var_dir / _FINGERPRINT_FILE
    current = fingerprint(training_inputs())
    model = latest_model(settings.model_dir)
    if model is not None and stamp_path.is_file():
        stamp = json.loads(stamp_path.read_text())
        if stamp.get("fingerprint") == current and stamp.get("model") == model.name:
            logger.info("Model %s is up to date.", model.name)
            return model
    logger.info("Data, domain or config changed since the last model: training.")
    model = train(settings)
    record_model(settings, model, current)
    return model


def record_model(settings: Settings, model: Path, data_fingerprint: str) -> None:
    """Note that `model` was trained from inputs with this fingerprint (ensure_model's check)."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    (settings.var_dir / _FINGERPRINT_FILE).write_text(
        json.dumps({"fingerprint": data_fingerprint, "model": model.name}))
