"""Redaction: what a customer might type that must never be kept."""

import pytest
import yaml

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
        ("pwd=abc123", "abc123"),
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
        "it says PASSWORD_TOO_WEAK",  # an error code the customer reads out
        "password_rejected",
        "Step 2 of 4: Reset your password (this page is at /sign-in/forgot)",
        "Enter a new password (10+ characters, with a number) twice.",
    ],
)
def test_ordinary_words_are_kept(text):
    assert redact(text) == text


def _assistant_texts() -> list[tuple[str, str]]:
    """Every response in the domain and every text in the catalogue, with a step's heading as the
    step-through shows it."""
    from bot.catalogue import load_catalogue
    from bot.config import PROJECT_ROOT

    texts = []
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        for name, variants in (yaml.safe_load(path.read_text()).get("responses") or {}).items():
            texts += [(name, v["text"]) for v in variants if v.get("text")]

    def walk(value, where):
        if isinstance(value, str):
            texts.append((where, value))
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{where}.{key}")
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                walk(inner, f"{where}[{i}]")

    for service in load_catalogue().services.values():
        walk(service.dict(), service.id)
        texts += [(f"{service.id}.{step.id}", f"Step 1 of 4: {step.title} (this page is at {step.screen})")
                  for step in service.steps]
    return texts


def test_the_assistants_own_words_are_never_redacted():
    """The hub redacts what the bot says too (it may repeat what a customer typed): before, customers
    read "Step 2 of 4: Reset your password [password removed] page is at /sign-in/forgot)"."""
    texts = _assistant_texts()
    assert len(texts) > 1000
    assert [(where, text) for where, text in texts if redact(text) != text] == []
