"""Redaction: what a customer might type that must never be kept."""

import pytest

from bot.hub.redact import redact


@pytest.mark.parametrize(
    "text, secret",
    [
        ("card 4242 4242 4242 4242", "4242 4242"),
        ("card 4242424242424242", "4242424242424242"),
        ("card 4000-0000-0000-0002 declined", "4000-0000-0000-0002"),
        ("cvv is 123", "123"),
        ("security code: 9876", "9876"),
        ("the 3 digits on the back are 321", "321"),
        ("my password is Riverside-2024", "Riverside-2024"),
        ("password: hunter22", "hunter22"),
    ],
)
def test_secrets_are_masked(text, secret):
    assert secret not in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "my account reference is 10000001",
        "postcode RV1 1AA",
        "call me on 07700 900123",
        "my password is wrong",
        "it says the password was rejected",
        "I forgot my password",
        "1234 5678 9012 3456 is not a real card",  # fails the Luhn check, so not a card number
    ],
)
def test_ordinary_words_are_kept(text):
    assert redact(text) == text
