"""Adviser accounts from the command line (`wayfinder adviser add`) and the demo adviser `wayfinder run` makes."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from bot import cli
from bot.console.accounts import ensure_demo_adviser, store_app
from bot.console.models import Adviser


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    monkeypatch.setenv("WAYFINDER_DATABASE_URL", url)
    monkeypatch.setenv("WAYFINDER_DATA_DIR", str(tmp_path))
    return url


def advisers(url):
    with store_app(url).app_context():
        return {a.username: (a.display_name, a.role, a.password_hash) for a in Adviser.query.all()}


def test_adviser_add_with_the_password_from_an_environment_variable(database, monkeypatch, capsys):
    monkeypatch.setenv("NEW_PASSWORD", "a long enough password")
    code = cli.main(["adviser", "add", "jo", "--name", "Jo Bloggs", "--role", "supervisor",
                     "--password-env", "NEW_PASSWORD"])
    assert code == 0
    assert "customers will see 'Jo Bloggs'" in capsys.readouterr().out
    name, role, hashed = advisers(database)["jo"]
    assert (name, role) == ("Jo Bloggs", "supervisor")
    assert check_password_hash(hashed, "a long enough password") and "a long enough password" not in hashed


def test_a_content_editor_is_told_what_the_account_can_do(database, monkeypatch, capsys):
    monkeypatch.setenv("NEW_PASSWORD", "a long enough password")
    assert cli.main(["adviser", "add", "cara", "--name", "Cara", "--role", "content",
                     "--password-env", "NEW_PASSWORD"]) == 0
    out = capsys.readouterr().out
    assert "Content editor cara created: review and insights in the console, no chats." in out
    assert "customers will see" not in out


def test_adviser_add_asks_for_the_password_twice(database, monkeypatch):
    answers = iter(["another long password", "another long password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert cli.main(["adviser", "add", "kim", "--name", "Kim"]) == 0
    assert advisers(database)["kim"][1] == "adviser"


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        (["adviser", "add", "kim", "--name", "Kim", "--password-env", "UNSET_VAR"], {}, "UNSET_VAR is not set"),
        (["adviser", "add", "kim", "--name", "Kim", "--password-env", "P"], {"P": "short"}, "at least 10"),
        (["adviser", "add", "Kim Smith", "--name", "Kim", "--password-env", "P"], {"P": "long password ok"},
         "username"),
    ],
)
def test_adviser_add_refuses_bad_details_and_creates_nothing(database, monkeypatch, capsys, argv, env, says):
    monkeypatch.delenv("UNSET_VAR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert cli.main(argv) == 2
    assert says in capsys.readouterr().err
    assert advisers(database) == {}


def test_adviser_add_refuses_a_username_that_exists(database, monkeypatch, capsys):
    monkeypatch.setenv("P", "a long enough password")
    assert cli.main(["adviser", "add", "jo", "--name", "Jo", "--password-env", "P"]) == 0
    assert cli.main(["adviser", "add", "jo", "--name", "Other Jo", "--password-env", "P"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert advisers(database)["jo"][0] == "Jo"


def test_the_demo_adviser_is_created_then_kept_in_step_with_the_password(database):
    ensure_demo_adviser(database, "first demo password")
    ensure_demo_adviser(database, "first demo password")
    first = advisers(database)["adviser"]
    assert check_password_hash(first[2], "first demo password") and first[1] == "adviser"
    ensure_demo_adviser(database, "second demo password")
    second = advisers(database)["adviser"]
    assert check_password_hash(second[2], "second demo password")
    assert len(advisers(database)) == 1
