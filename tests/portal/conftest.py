"""Fixtures for the demo portal tests: an app on a fresh database per test, and a driver."""

from __future__ import annotations

import pytest
from portal_support import PORTAL_TOKEN, Portal

from demo_portal import create_app
from demo_portal.models import db


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}",
        "SECRET_KEY": "test-secret-key",
        "PORTAL_TOKEN": PORTAL_TOKEN,
        "SLOW_SECONDS": 0.3,
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def portal(app, client):
    return Portal(app, client)
