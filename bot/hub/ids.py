"""Conversation ids the hub issues: random, signed, so a client-chosen id is never trusted."""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, Signer


class ConversationIds:
    """Issue and verify signed conversation ids (`<random>.<signature>`)."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is needed to sign conversation ids")
        self._signer = Signer(secret_key, salt="wayfinder.conversation")

    def issue(self) -> str:
        return self._signer.sign(secrets.token_hex(16)).decode("ascii")

    def verify(self, candidate: object) -> str | None:
        """The id itself when the hub issued it, else None."""
        if not isinstance(candidate, str) or not 0 < len(candidate) <= 80:
            return None
        try:
            self._signer.unsign(candidate)
        except BadSignature:
            return None
        return candidate
