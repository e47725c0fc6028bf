"""The test stories (tests/stories/test_*.yml) pass `rasa test --fail-on-prediction-errors` on the trained model.

Core-only replay: the stories give each action's slot events, so no action server is needed.
`make test` trains first; without a model for the current inputs this is skipped (run `make train`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.stories import build

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def test_the_yaml_is_what_build_py_writes():
    for name, (title, make) in build.FILES.items():
        assert (HERE / name).read_text() == build.render(title, make()), f"run python -m tests.stories.build ({name})"


def test_there_are_at_least_sixty_stories_and_the_matrix_covers_every_service():
    from bot.build import CATALOGUE_DIR
    from bot.catalogue import load_catalogue

    stories = [s for name in build.FILES for s in yaml.safe_load((HERE / name).read_text())["stories"]]
    assert len(stories) >= 60
    matrix = " ".join(s["story"] for s in yaml.safe_load((HERE / "test_evidence_matrix.yml").read_text())["stories"])
    for service in load_catalogue(CATALOGUE_DIR).services:
        for evidence in ("new customer, their own slip", "familiar customer, their own slip",
                         "new customer, the system has failed", "familiar customer, the system has failed"):
            assert f"{service}: {evidence}" in matrix


def test_the_stories_pass_on_the_trained_model(tmp_path):
    from bot.build import model_path

    model = model_path()
    if not model.exists():
        pytest.skip(f"no model for the current inputs ({model.name}): run `make train`")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("rasa")), "test", "core", "--model", str(model),
         "--stories", str(HERE), "--fail-on-prediction-errors", "--out", str(tmp_path / "results"),
         "--no-plot"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    detail = failed.read_text()[-6000:] if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, detail
