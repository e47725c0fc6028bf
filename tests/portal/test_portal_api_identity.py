"""`POST /api/identity/check` and identity tokens; JSON errors for any bad request."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from demo_portal.identity import SALT


def test_identity_check_ok(client):
    response = client.post("/api/identity/check",
                           json={"account_reference": "10000001", "postcode": "rv1 1aa"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True and body["name"] == "Alex Morgan"
    assert isinstance(body["identity_token"], str) and len(body["identity_token"]) > 20


@pytest.mark.parametrize("reference,postcode", [("10000001", "RV2 3BB"),
                                                ("10000009", "RV1 1AA")])
def test_identity_check_fails(client, reference, postcode):
    response = client.post("/api/identity/check",
                           json={"account_reference": reference, "postcode": postcode})
    assert response.status_code == 200
    assert response.get_json() == {"verified": False}


@pytest.mark.parametrize("body,code,field", [
    ({"account_reference": "1234", "postcode": "RV1 1AA"}, "CT_REFERENCE_FORMAT",
     "account_reference"),
    ({"account_reference": "1000000A", "postcode": "RV1 1AA"}, "CT_REFERENCE_FORMAT",
     "account_reference"),
    ({"account_reference": "10000001", "postcode": "RV1"}, "POSTCODE_INVALID", "postcode"),
    ({"account_reference": 10000001, "postcode": "RV1 1AA"}, "FIELD_INVALID",
     "account_reference"),
    ({"postcode": "RV1 1AA"}, "FIELD_MISSING", "account_reference"),
    ({"account_reference": "10000001"}, "FIELD_MISSING", "postcode"),
])
def test_identity_check_bad_input(client, body, code, field):
    response = client.post("/api/identity/check", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["field"] == field


@pytest.mark.parametrize("raw", [b"", b"{", b"null", b"[1, 2]", b"\xff\xfe"])
def test_identity_check_not_a_json_object(client, raw):
    response = client.post("/api/identity/check", data=raw, content_type="application/json")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["error"]["code"] == "INVALID_JSON"


def test_huge_body_is_refused_with_json(client):
    response = client.post("/api/identity/check", data=b"{" + b" " * 3_000_000 + b"}",
                           content_type="application/json")
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["error"]["code"] == "BODY_TOO_LARGE"


def test_unknown_api_routes_and_methods_answer_json(client):
    response = client.get("/api/nothing/here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "NOT_FOUND"
    response = client.get("/api/identity/check")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    response = client.get("/api/services/pay_dog_licence/status")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "UNKNOWN_SERVICE"


def test_token_from_another_secret_is_refused(client):
    forged = URLSafeTimedSerializer("not-the-secret", salt=SALT).dumps({"account": "10000001"})
    response = client.post("/api/services/pay_council_tax/transactions",
                           json={"identity_token": forged})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "IDENTITY_TOKEN_INVALID"


def test_token_expires_after_15_minutes(client, app, monkeypatch):
    token = client.post("/api/identity/check", json={"account_reference": "10000001",
                                                     "postcode": "RV1 1AA"}
                        ).get_json()["identity_token"]
    from itsdangerous import timed

    real_now = timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(timed.TimestampSigner, "get_timestamp",
                        lambda self: real_now(self) + 15 * 60 + 5)
    response = client.post("/api/services/pay_council_tax/transactions",
                           json={"identity_token": token})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "IDENTITY_TOKEN_EXPIRED"
