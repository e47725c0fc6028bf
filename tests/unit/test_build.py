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


def test_model_name_carries_the_fingerprint():
    path = build.model_path("0123456789abcdef")
    assert path.name == "wayfinder-0123456789abcdef.tar.gz"
    assert path.parent == build.MODELS_DIR
