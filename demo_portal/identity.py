"""Identity tokens: proof, for 15 minutes, that a customer passed the identity check."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import ApiError
from .models import Account, db

SALT = "wayfinder-identity-token"
MAX_AGE_SECONDS = 15 * 60


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue_token(account_reference: str) -> str:
    return _serializer().dumps({"account": account_reference})


def account_for_token(token: object) -> Account:
    """The account a token was issued for; ApiError 401 when missing, forged or expired."""
    if not isinstance(token, str) or not token:
        raise ApiError(401, "IDENTITY_TOKEN_INVALID", field="identity_token")
    try:
        payload = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise ApiError(401, "IDENTITY_TOKEN_EXPIRED", field="identity_token") from None
    except BadSignature:
        raise ApiError(401, "IDENTITY_TOKEN_INVALID", field="identity_token") from None
    account = None
    if isinstance(payload, dict) and isinstance(payload.get("account"), str):
        account = db.session.get(Account, payload["account"])
    if account is None:
        raise ApiError(401, "IDENTITY_TOKEN_INVALID", field="identity_token")
    return account
