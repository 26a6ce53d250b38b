"""Stock Rasa 3.6 on our content: the bot `rasa init` makes, given our NLU data and answers.

    stock_project(target)   writes the project: `rasa init`'s config.yml as it
                            is (no pipeline, no policies: Rasa's defaults,
                            DIET, ResponseSelector, TED), the built-in REST
                            channel, Rasa's SQLTrackerStore on an SQLite file,
                            no action server; data: our handbook topics
                            (data/topics, their examples and answers) and our
                            core intents' examples (data/core/nlu.yml), a rule
                            from each intent to its `utter_<intent>` answer
    ensure_stock_model(target, report, quick=False)
                            trains it with `rasa train` when the project
                            changed (its fingerprint), else keeps the model

`quick`: Rasa's default pipeline and policies (the ones `rasa init`'s empty
config.yml gets, rasa/engine/recipes/config_files/default_config.yml)
written out with 1 epoch instead of 100 each. Answering costs the same (the
same networks, the same sizes), the answers are worse: for a run on a
machine too loaded to train 4 x 100 epochs in time (DIET took 8 minutes an
epoch at a load average of 13). `make bench` trains the real thing.

Nothing of the project's own runtime is in it: no masking, sealing,
language identification, channels or actions; what it answers is what
Rasa's stock set-up answers on the same content.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Set, Tuple

import yaml

from bot.settings import PROJECT_ROOT

__all__ = ["stock_project", "ensure_stock_model", "STOCK_MODEL"]

STOCK_MODEL = "stock"


def _init_project() -> Path:
    import rasa.cli

    return Path(rasa.cli.__file__).parent / "initial_project"


def _intents(nlu_files: List[Path]) -> Tuple[List[str], Set[str]]:
    """(every intent, those with answers of their own: retrieval intents like pension/what)."""
    intents: List[str] = []
    retrieval: Set[str] = set()
    for path in nlu_files:
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            full = str(item.get("intent") or "")
            name = full.split("/", 1)[0]
            if name and name not in intents:
                intents.append(name)
            if "/" in full:
                retrieval.add(name)
    return intents, retrieval


def _quick_config() -> str:
    """Rasa's default config with 1 epoch per trained component (module docstring)."""
    import rasa.engine.recipes

    path = Path(rasa.engine.recipes.__file__).parent / "config_files" / "default_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for part in (*config["pipeline"], *config["policies"]):
        if "epochs" in part:
            part["epochs"] = 1
    return yaml.safe_dump(config, sort_keys=False)


def stock_project(target: Path, quick: bool = False) -> Path:
    """Write the stock project into `target` (emptied first); its folder."""
    if target.exists():
        shutil.rmtree(target)
    (target / "data").mkdir(parents=True)
    if quick:
        (target / "config.yml").write_text(_quick_config(), encoding="utf-8")
    else:
        shutil.copy(_init_project() / "config.yml", target / "config.yml")
    nlu_files = sorted((PROJECT_ROOT / "data" / "topics").glob("*.yml"))
    nlu_files.append(PROJECT_ROOT / "data" / "core" / "nlu.yml")
    for path in nlu_files:
        shutil.copy(path, target / "data" / f"{path.parent.name}-{path.name}")
    ours = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    responses: Dict[str, Any] = ours.get("responses") or {}
    # A topic's answers (utter_pension/what, ...) are in its data file; a core
    # intent's answer in our domain. Each intent with an answer gets its rule.
    intents, topics = _intents(nlu_files)
    answered = [name for name in intents if name in topics or f"utter_{name}" in responses]
    rules = [{"rule": f"answer {name}", "steps": [{"intent": name},
                                                  {"action": f"utter_{name}"}]}
             for name in answered]
    (target / "data" / "rules.yml").write_text(
        yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False), encoding="utf-8")
    domain = {
        "version": "3.1",
        "intents": intents,
        "responses": {f"utter_{name}": responses[f"utter_{name}"]
                      for name in answered if name not in topics},
        "actions": [f"utter_{name}" for name in answered if name in topics],
        "session_config": ours.get("session_config"),
    }
    (target / "domain.yml").write_text(yaml.safe_dump(domain, sort_keys=False,
                                                      allow_unicode=True), encoding="utf-8")
    (target / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    return target


def _fingerprint(project: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*.yml")):
        digest.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def ensure_stock_model(target: Path, report: Callable[[str], None], quick: bool = False) -> Path:
    """The stock model for the current content, trained (a few minutes) when it changed."""
    target = target.resolve()
    source = target / "project"
    stock_project(source, quick)
    print_ = _fingerprint(source)
    model = target / "models" / f"{STOCK_MODEL}.tar.gz"
    stamp = target / "fingerprint"
    if model.is_file() and stamp.is_file() and stamp.read_text() == print_:
        report(f"stock Rasa: model {model} is up to date")
        return model
    epochs = "1 epoch each (--quick)" if quick else "100 epochs each"
    report(f"stock Rasa: training rasa init's default pipeline (DIET, ResponseSelector, TED; "
           f"{epochs}) on our content; its log: {target / 'train.log'} ...")
    with open(target / "train.log", "wb") as log:
        subprocess.run(
            [str(Path(sys.executable).with_name("rasa")), "train", "--config", "config.yml",
             "--domain", "domain.yml", "--data", "data", "--out", str(model.parent),
             "--fixed-model-name", STOCK_MODEL, "--force"],
            cwd=source, check=True, stdout=log, stderr=subprocess.STDOUT,
        )
    stamp.write_text(print_)
    report(f"stock Rasa: trained, {model}")
    return model
