"""Signing in and out: same message for unknown users, throttling, new session at sign-in, idle timeout, cookies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.console.models import Adviser, AdviserSession
from bot.hub.store import db, utcnow
from tests.console.conftest import PASSWORD, console_app, csrf_token, login

WRONG = "That username and password don&#39;t match an adviser account."


def flashes(response) -> str:
    return response.get_data(as_text=True)


def test_signing_in_opens_the_queue(client):
    response = login(client, "alice")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "Alice" in page.get_data(as_text=True)


def test_usernames_are_not_case_sensitive(client):
    assert login(client, "  Alice ").status_code == 302


def test_a_wrong_password_and_an_unknown_user_look_the_same(app):
    wrong = login(app.test_client(), "alice", "not the password")
    unknown = login(app.test_client(), "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert WRONG in flashes(wrong) and WRONG in flashes(unknown)
    strip = [line for line in flashes(wrong).splitlines() if "csrf" not in line and "value=" not in line]
    assert strip == [line for line in flashes(unknown).splitlines() if "csrf" not in line and "value=" not in line]


def test_a_disabled_account_cannot_sign_in(app, client):
    with app.app_context():
        Adviser.query.filter_by(username="alice").one().active = False
        db.session.commit()
    response = login(client, "alice")
    assert response.status_code == 200 and WRONG in flashes(response)


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_sign_ins_are_throttled_without_saying_whether_the_user_exists(app, username):
    client = app.test_client()
    for _ in range(5):
        assert login(client, username, "wrong password").status_code == 200
    throttled = login(client, username, PASSWORD)  # even the right password waits now
    assert throttled.status_code == 429
    assert "Too many sign-in attempts. Please wait 15 minute(s) and try again." in flashes(throttled)
    assert login(client, "bob").status_code == 302  # another user is not affected


def test_one_address_cannot_try_many_usernames_quickly(app):
    client = app.test_client()
    for number in range(20):
        login(client, f"user{number}", "wrong password")
    assert login(client, "alice").status_code == 429


def test_a_good_sign_in_clears_that_users_failures(app):
    client = app.test_client()
    for _ in range(4):
        login(client, "alice", "wrong password")
    assert login(client, "alice").status_code == 302
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    for _ in range(4):
        login(client, "alice", "wrong password")
    assert login(client, "alice").status_code == 302


def test_signing_in_starts_a_new_session(app, client):
    client.get("/console/login")
    before = client.get_cookie("session").value
    login(client, "alice")
    after = client.get_cookie("session").value
    assert after != before
    # the cookie from before signing in opens nothing
    stale = app.test_client()
    stale.set_cookie("session", before)
    assert stale.get("/console/").status_code == 302
    # and each sign-in gets its own server-side session
    other = app.test_client()
    login(other, "alice")
    with app.app_context():
        assert AdviserSession.query.count() == 2


def test_a_session_is_refused_after_signing_out_even_with_the_old_cookie(app, client):
    login(client, "alice")
    cookie = client.get_cookie("session").value
    response = client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert response.status_code == 302 and response.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/console/").status_code == 302
    assert replay.get("/console/api/handovers").status_code == 401
    with app.app_context():
        assert AdviserSession.query.count() == 0


def test_signing_out_needs_a_post_with_the_token(client):
    login(client, "alice")
    assert client.get("/console/logout").status_code == 405
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/").status_code == 200


def test_an_idle_session_ends(app, client):
    login(client, "alice")
    with app.app_context():
        row = AdviserSession.query.one()
        row.last_active = utcnow() - timedelta(minutes=31)
        db.session.commit()
    response = client.get("/console/")
    assert response.status_code == 302
    assert "Your session has ended" in client.get("/console/login").get_data(as_text=True)
    with app.app_context():
        assert AdviserSession.query.count() == 0


def test_activity_keeps_the_session_alive(app, client):
    login(client, "alice")
    with app.app_context():
        row = AdviserSession.query.one()
        row.last_active = utcnow() - timedelta(minutes=29)
        db.session.commit()
    assert client.get("/console/").status_code == 200
    with app.app_context():
        assert utcnow() - AdviserSession.query.one().last_active < timedelta(minutes=1)


def test_the_idle_limit_is_a_setting(tmp_path, assistant):
    from tests.console.conftest import add_advisers

    app = console_app(tmp_path, assistant, WAYFINDER_ADVISER_IDLE_MINUTES="5")
    add_advisers(app)
    client = app.test_client()
    login(client, "alice")
    with app.app_context():
        AdviserSession.query.one().last_active = utcnow() - timedelta(minutes=6)
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite(client):
    response = login(client, "alice")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_cookie_is_secure_when_the_hub_is_served_over_https(tmp_path, assistant):
    from tests.console.conftest import add_advisers

    app = console_app(tmp_path, assistant, WAYFINDER_HUB_URL="https://hub.council.example")
    add_advisers(app)
    response = login(app.test_client(), "alice", base_url="https://hub.council.example")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/console", "/webchat/x.js"])
def test_sign_in_never_redirects_off_the_console(client, target):
    token = csrf_token(client)
    response = client.post(f"/console/login?next={target}",
                           data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/console/"


def test_sign_in_returns_to_the_console_page_asked_for(client):
    assert client.get("/console/callbacks").headers["Location"].startswith("/console/login?next=/console/callbacks")
    token = csrf_token(client)
    response = client.post("/console/login?next=/console/callbacks",
                           data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/console/callbacks"


def test_an_empty_form_says_what_is_missing(client):
    token = csrf_token(client)
    response = client.post("/console/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 200 and "Enter your username and your password." in flashes(response)


def test_a_session_ends_after_a_working_day_however_active(app, client):
    login(client, "alice")
    with app.app_context():
        AdviserSession.query.one().created_at = utcnow() - timedelta(hours=13)
        db.session.commit()
    assert client.get("/console/").status_code == 302


def test_the_cookie_lasts_only_as_long_as_the_browser_session(client):
    response = login(client, "alice")
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Expires" not in cookie and "Max-Age" not in cookie
