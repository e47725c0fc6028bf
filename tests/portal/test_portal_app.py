"""The app factory: configuration, secrets, seeding, headers and how it is run."""

from __future__ import annotations

import logging

import pytest

from demo_portal import create_app
from demo_portal.__main__ import listen_address
from demo_portal.models import Account, Address, Fault, Vehicle, db
from demo_portal.settings import load_settings


def _dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_demo_data(app):
    with app.app_context():
        alex = db.session.get(Account, "10000001")
        assert (alex.name, alex.postcode, alex.balance_pence, alex.saved_card_last4) == (
            "Alex Morgan", "RV1 1AA", 124560, "4242")
        assert alex.address.garden_waste
        sam = db.session.get(Account, "10000002")
        assert sam.locked and sam.balance_pence == 0 and sam.saved_card_last4 is None
        jo = db.session.get(Account, "10000003")
        assert jo.balance_pence == 31000 and not jo.address.garden_waste
        assert {v.registration for v in Vehicle.query} == {"RV12ABC", "AB51XYZ", "RV70DEF"}
        for postcode in ("RV1 1AA", "RV2 3BB", "RV9 9ZZ"):
            assert Address.query.filter_by(postcode=postcode).count() == 3


def test_seeding_is_idempotent_and_keeps_changes(app):
    with app.app_context():
        db.session.get(Account, "10000001").balance_pence = 5
        db.session.commit()
        counts = (Account.query.count(), Address.query.count(), Fault.query.count())
    again = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": "x"})
    with again.app_context():
        assert (Account.query.count(), Address.query.count(), Fault.query.count()) == counts
        assert db.session.get(Account, "10000001").balance_pence == 5
    _dispose(again)


def test_configuration_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WAYFINDER_PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("WAYFINDER_PORTAL_TOKEN", "env-token")
    monkeypatch.setenv("WAYFINDER_PORTAL_SECRET_KEY", "env-secret")
    monkeypatch.setenv("WAYFINDER_PORTAL_SLOW_SECONDS", "2.5")
    app = create_app()
    assert app.config["PORTAL_TOKEN"] == "env-token"
    assert app.config["SECRET_KEY"] == "env-secret"
    assert app.config["SLOW_SECONDS"] == 2.5
    assert (tmp_path / "env.db").exists()
    response = app.test_client().get("/api/faults",
                                     headers={"Authorization": "Bearer env-token"})
    assert response.status_code == 200
    _dispose(app)


def test_passed_in_config_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("WAYFINDER_PORTAL_TOKEN", "env-token")
    settings = load_settings({"PORTAL_TOKEN": "given", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                              "SECRET_KEY": "k"})
    assert settings["PORTAL_TOKEN"] == "given"


def test_default_database_is_under_var(monkeypatch, tmp_path):
    import demo_portal.settings as settings_module

    monkeypatch.delenv("WAYFINDER_PORTAL_DATABASE_URL", raising=False)
    monkeypatch.setattr(settings_module, "PROJECT_ROOT", tmp_path)
    settings = load_settings({"SECRET_KEY": "k"})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'var' / 'portal.db'}"
    assert (tmp_path / "var").is_dir()


def test_a_missing_secret_key_is_random_and_warned_about(monkeypatch, caplog):
    monkeypatch.delenv("WAYFINDER_PORTAL_SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING):
        first = load_settings({"SQLALCHEMY_DATABASE_URI": "sqlite://"})["SECRET_KEY"]
    second = load_settings({"SQLALCHEMY_DATABASE_URI": "sqlite://"})["SECRET_KEY"]
    assert len(first) >= 32 and first != second
    assert "WAYFINDER_PORTAL_SECRET_KEY" in caplog.text


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_database_works(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k"})
    client = app.test_client()
    assert client.post("/council-tax/pay").status_code == 303
    assert client.get("/council-tax/pay/account").status_code == 200


def test_session_cookie_and_headers(client):
    response = client.post("/council-tax/pay")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("riverside_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unexpected_errors_are_json_under_api(app, client):
    @app.get("/api/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False
    response = client.get("/api/boom")
    assert response.status_code == 500 and response.is_json
    assert response.get_json()["error"]["code"] == "INTERNAL_ERROR"


@pytest.mark.parametrize("url,port", [(None, 8001), ("http://127.0.0.1:9123", 9123),
                                      ("http://localhost", 8001)])
def test_development_server_address(monkeypatch, url, port):
    if url is None:
        monkeypatch.delenv("WAYFINDER_PORTAL_URL", raising=False)
    else:
        monkeypatch.setenv("WAYFINDER_PORTAL_URL", url)
    assert listen_address() == ("127.0.0.1", port)
