"""Settings and demo-mode secrets."""

import re
import stat
from pathlib import Path

import pytest

from bot.config import SECRET_NAMES, SETTINGS, ConfigError, Settings, ensure_secrets, read_env_file

ROOT = Path(__file__).resolve().parents[2]


def test_demo_mode_generates_missing_secrets_once_and_keeps_them(tmp_path):
    path = tmp_path / ".wayfinder.env"
    first = ensure_secrets({}, path)
    assert set(first) == set(SECRET_NAMES)
    assert all(len(v) >= 20 for v in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secrets({}, path) == first  # a restart keeps working with the same secrets


def test_given_secrets_win_and_are_not_written(tmp_path):
    path = tmp_path / ".wayfinder.env"
    given = {name: f"given-{name}" for name in SECRET_NAMES}
    assert ensure_secrets(given, path) == given
    assert not path.exists()


def test_production_mode_refuses_to_invent_secrets(tmp_path):
    with pytest.raises(ConfigError, match="WAYFINDER_"):
        ensure_secrets({"WAYFINDER_MODE": "production"}, tmp_path / "x.env")


def test_a_malformed_env_file_names_the_line(tmp_path):
    path = tmp_path / ".wayfinder.env"
    path.write_text("# comment\nGOOD=1\nnot a pair\n")
    with pytest.raises(ConfigError, match=r"\.wayfinder\.env:3"):
        read_env_file(path)


def test_defaults_and_allowed_origins():
    settings = Settings.from_env({})
    assert settings.hub_url == "http://127.0.0.1:8000"
    assert settings.allowed_origins == ("http://127.0.0.1:8000", "http://127.0.0.1:8001")
    custom = Settings.from_env({"WAYFINDER_ALLOWED_ORIGINS": "https://council.example, https://www.council.example/"})
    assert custom.allowed_origins == ("https://council.example", "https://www.council.example")


@pytest.mark.parametrize("name", ["WAYFINDER_HUB_URL", "WAYFINDER_RASA_URL"])
def test_an_address_without_a_port_is_a_clear_error(name):
    with pytest.raises(ConfigError, match="host and a port"):
        Settings.from_env({name: "localhost"})


def test_every_setting_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(WAYFINDER_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert set(SETTINGS) <= documented
