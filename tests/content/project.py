"""A copy of the project's content (config, domain, data) in a folder of its own, for tests that change it."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.config import PROJECT_ROOT


def copy_project(target: Path) -> Path:
    """config.yml, domain/ and data/ as they are now, in `target`."""
    target.mkdir(parents=True)
    for name in ("config.yml", "domain", "domain.yml", "data"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, target / name)
    return target
