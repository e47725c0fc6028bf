"""The model is keyed on a hash of its inputs, so nothing retrains when nothing changed."""

from bot import build


def test_fingerprint_changes_with_content_not_with_time(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "PROJECT_ROOT", tmp_path)
    (tmp_path / "data").mkdir()
    a = tmp_path / "data" / "a.yml"
    a.write_text("one")
    first = build.fingerprint([tmp_path / "data"])
    a.touch()
    assert build.fingerprint([tmp_path / "data"]) == first
    a.write_text("two")
    assert build.fingerprint([tmp_path / "data"]) != first
    (tmp_path / "data" / "b.yml").write_text("new file")
    assert build.fingerprint([tmp_path / "data"]) != first


def test_the_other_organisations_file_is_an_input_of_the_model():
    """A content team's change to it must make `make train` retrain, not reuse the model."""
    assert build.SCOPE_DIR in build.model_inputs()
    assert (build.SCOPE_DIR / "other_organisations.yml").exists()


def test_model_name_carries_the_fingerprint():
    path = build.model_path("0123456789abcdef")
    assert path.name == "wayfinder-0123456789abcdef.tar.gz"
    assert path.parent == build.MODELS_DIR


def _model(models, name, **parts):
    import json
    import os

    path = models / f"wayfinder-{name}.tar.gz"
    path.write_bytes(b"model")
    manifest = {"rasa": "3.6.21", "config": "c", "domain": "d", "data": "x", "dialogue": "s", "nlp": "n"}
    manifest.update(parts)
    manifest = {k: v for k, v in manifest.items() if v is not None}
    build.manifest_path(path).write_text(json.dumps(manifest))
    os.utime(path, (len(list(models.iterdir())), len(list(models.iterdir()))))  # newer each time
    return path


def test_a_fast_retraining_starts_from_the_newest_model_and_keeps_its_policies_only_when_the_dialogue_is_the_same(
        tmp_path, monkeypatch):
    monkeypatch.setattr(build, "MODELS_DIR", tmp_path)
    target = tmp_path / "wayfinder-target.tar.gz"
    now = {"rasa": "3.6.21", "config": "c", "domain": "d", "data": "y", "dialogue": "s", "nlp": "n"}
    assert build.fast_base(target, now)[0] is None  # nothing to start from

    older = _model(tmp_path, "older")
    assert build.fast_base(target, now)[:2] == (older, True)  # only NLU examples changed
    assert build.fast_base(target, {**now, "dialogue": "s2"})[:2] == (older, False)  # a story changed too
    newest = _model(tmp_path, "newest", dialogue=None)  # written before the manifest knew the dialogue
    assert build.fast_base(target, now)[:2] == (newest, False)
    _model(tmp_path, "newer-config", config="c2")
    base, keep, why = build.fast_base(target, now)
    assert base is None and not keep and "config changed" in why
