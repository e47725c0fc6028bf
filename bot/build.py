"""Builds what the assistant runs on, only when its inputs changed: the spaCy pipeline and the Rasa model."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

BUILD_DIR = PROJECT_ROOT / "build"
SPACY_PIPELINE = BUILD_DIR / "spacy_pipeline"
SPACY_STAMP = BUILD_DIR / "spacy_pipeline.hash"
MODELS_DIR = PROJECT_ROOT / "models"
CATALOGUE_DIR = PROJECT_ROOT / "data" / "services"
SCOPE_DIR = PROJECT_ROOT / "data" / "scope"  # other organisations' names (bot.nlp.scope), kept in the model
RASA_DATA_DIRS = ("data/nlu", "data/rules", "data/stories")
DIALOGUE_DATA_DIRS = ("data/rules", "data/stories")
KEEP_MODELS = 3
# `wayfinder train --fast`: fine-tune the latest model for this share of the epochs (see README).
FAST_EPOCH_FRACTION = 0.2


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            found.append(path)
    return found


def fingerprint(paths: Iterable[Path], extra: str = "") -> str:
    """A hash of the files' relative names and contents (order-independent of the file system)."""
    digest = hashlib.sha256(extra.encode())
    for path in _files(paths):
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def spacy_inputs() -> list[Path]:
    return [CATALOGUE_DIR, PROJECT_ROOT / "bot" / "nlp" / "pipeline.py", PROJECT_ROOT / "bot" / "catalogue"]


def model_inputs() -> list[Path]:
    domain = PROJECT_ROOT / "domain"
    return [
        PROJECT_ROOT / "config.yml",
        domain if domain.is_dir() else PROJECT_ROOT / "domain.yml",
        *(PROJECT_ROOT / d for d in RASA_DATA_DIRS),
        SCOPE_DIR,
        *spacy_inputs(),
    ]


def rasa_version() -> str:
    from importlib.metadata import version

    return version("rasa")


def ensure_spacy_pipeline(force: bool = False) -> Path:
    """Rebuild build/spacy_pipeline when the catalogue (or the builder) changed."""
    from bot.catalogue import load_catalogue
    from bot.nlp.pipeline import build_pipeline

    key = fingerprint(spacy_inputs())
    if not force and SPACY_PIPELINE.is_dir() and SPACY_STAMP.exists() and SPACY_STAMP.read_text().strip() == key:
        logger.info("spaCy pipeline is up to date (%s)", key)
        return SPACY_PIPELINE
    logger.info("building the spaCy pipeline from %s", CATALOGUE_DIR.relative_to(PROJECT_ROOT))
    build_pipeline(load_catalogue(CATALOGUE_DIR), SPACY_PIPELINE)
    SPACY_STAMP.write_text(key + "\n")
    return SPACY_PIPELINE


def model_path(key: str | None = None) -> Path:
    key = key or fingerprint(model_inputs(), extra=rasa_version())
    return MODELS_DIR / f"wayfinder-{key}.tar.gz"


def manifest() -> dict[str, str]:
    """What a model was trained from, part by part: a fast retraining needs the same config and domain."""
    domain = PROJECT_ROOT / "domain"
    return {
        "rasa": rasa_version(),
        "config": fingerprint([PROJECT_ROOT / "config.yml"]),
        "domain": fingerprint([domain if domain.is_dir() else PROJECT_ROOT / "domain.yml"]),
        "data": fingerprint([*(PROJECT_ROOT / d for d in RASA_DATA_DIRS), SCOPE_DIR]),
        "dialogue": fingerprint([PROJECT_ROOT / d for d in DIALOGUE_DATA_DIRS]),
        "nlp": fingerprint(spacy_inputs()),
    }


def manifest_path(model: Path) -> Path:
    return model.with_name(model.name[: -len(".tar.gz")] + ".json")


def fast_base(target: Path, current: dict[str, str]) -> tuple[Path | None, bool, str]:
    """The newest model a fast retraining can start from (or None), and why.

    The flag says whether that model's dialogue (rules, stories; the domain is the same) is this
    one's too: then only the NLU components need fine-tuning and the policies come from the cache.
    """
    models = sorted((m for m in MODELS_DIR.glob("wayfinder-*.tar.gz") if m != target),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for model in models:
        try:
            earlier = json.loads(manifest_path(model).read_text())
        except (OSError, ValueError):
            continue
        changed = [part for part in ("rasa", "config", "domain") if earlier.get(part) != current[part]]
        if changed:
            return None, False, f"{' and '.join(changed)} changed since {model.name}: a full training is needed"
        if earlier.get("dialogue") == current["dialogue"]:
            return model, True, f"only NLU examples or the catalogue changed since {model.name}"
        return model, False, f"only the training data or the catalogue changed since {model.name}"
    return None, False, "no earlier model to start from: a full training is needed"


def rasa_train_command(name: str, out: Path, base: Path | None = None, same_dialogue: bool = False) -> list[str]:
    """`rasa train` (through bot/rasa_train.py) into `out`/`name`.tar.gz, run in the project directory.

    With `base`, a fine-tune of that model for FAST_EPOCH_FRACTION of the epochs; with
    `same_dialogue` too, the policies keep their settings (and come from Rasa's cache).
    """
    keep_policies = ["--keep-policies"] if base is not None and same_dialogue else []
    command = [
        sys.executable, "-m", "bot.rasa_train", *keep_policies, "train",
        "--config", "config.yml",
        "--domain", "domain" if (PROJECT_ROOT / "domain").is_dir() else "domain.yml",
        "--data", *RASA_DATA_DIRS,
        "--out", str(out),
        "--fixed-model-name", name,
    ]
    if base is not None:
        # the data was checked by `make check-content`; Rasa's own check would add ~20 s
        command += ["--finetune", str(base), "--epoch-fraction", str(FAST_EPOCH_FRACTION), "--skip-validation"]
    return command


def ensure_model(force: bool = False, fast: bool = False) -> Path:
    """Train the Rasa model unless one keyed on exactly these inputs exists. Returns its path.

    `fast`: when only the data (NLU examples, stories, rules, catalogue) changed since the newest
    model, fine-tune that model for FAST_EPOCH_FRACTION of the epochs (`rasa train --finetune`)
    instead of training from scratch; otherwise train in full.
    """
    ensure_spacy_pipeline()
    target = model_path()
    if target.exists() and not force:
        logger.info("model is up to date: %s", target.relative_to(PROJECT_ROOT))
        return target
    MODELS_DIR.mkdir(exist_ok=True)
    current = manifest()
    name = target.name[: -len(".tar.gz")]
    base, same_dialogue = None, False
    if fast:
        base, same_dialogue, why = fast_base(target, current)
        logger.info("fast retraining: %s", why)
    command = rasa_train_command(name, MODELS_DIR, base, same_dialogue)
    logger.info("training the Rasa model (a few minutes): %s", " ".join(command))
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True)
    if not target.exists():
        raise RuntimeError(f"rasa train finished but {target} is missing")
    manifest_path(target).write_text(json.dumps(current, indent=1) + "\n")
    _prune_models(keep=target)
    return target


def _prune_models(keep: Path) -> None:
    models = sorted(MODELS_DIR.glob("wayfinder-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][KEEP_MODELS - 1:]:
        old.unlink()
        manifest_path(old).unlink(missing_ok=True)
