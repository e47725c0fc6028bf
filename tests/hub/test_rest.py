"""The REST front door: ids the hub issues, storage, redaction, bad input, an unavailable assistant."""

from __future__ import annotations

import pytest

from bot.hub.store import Conversation, Message, db
from tests.hub.conftest import make_app


def send(client, message, sender=None, metadata=None):
    body = {"message": message}
    if sender is not None:
        body["sender"] = sender
    if metadata is not None:
        body["metadata"] = metadata
    return client.post("/webhooks/rest/webhook", json=body)


def test_first_message_gets_a_signed_id_and_the_bots_answers(client, assistant):
    response = send(client, "hi")
    assert response.status_code == 200
    replies = response.get_json()
    assert [r["text"] for r in replies] == ["you said: hi", "pick one"]
    conversation_id = replies[0]["recipient_id"]
    assert all(r["recipient_id"] == conversation_id for r in replies)
    assert "." in conversation_id  # random part + signature
    assert replies[1]["buttons"] == [{"title": "Yes", "payload": "/affirm"}]
    assert assistant.sent[0]["sender"] == conversation_id


def test_the_issued_id_continues_the_same_conversation(client, app):
    first = send(client, "hi").get_json()[0]["recipient_id"]
    second = send(client, "pay council tax", sender=first).get_json()[0]["recipient_id"]
    assert second == first
    with app.app_context():
        texts = [(m.sender, m.text) for m in db.session.get(Conversation, first).messages]
    assert texts[0] == ("customer", "hi")
    assert ("customer", "pay council tax") in texts
    assert len(texts) == 6


@pytest.mark.parametrize("forged", ["alex", "123", "0" * 32 + ".forged", "x" * 500])
def test_an_id_the_hub_did_not_issue_starts_a_new_conversation(client, assistant, forged):
    replies = send(client, "hello", sender=forged).get_json()
    assert replies[0]["recipient_id"] != forged
    assert assistant.sent[0]["sender"] != forged


def test_page_metadata_is_passed_on_and_remembered(client, app, assistant):
    meta = {"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED", "evil": "<script>"}
    cid = send(client, "it says declined", metadata=meta).get_json()[0]["recipient_id"]
    assert assistant.sent[0]["metadata"] == {"page": "/council-tax/pay/verify", "error_code": "CARD_DECLINED"}
    with app.app_context():
        conversation = db.session.get(Conversation, cid)
        assert conversation.last_page == "/council-tax/pay/verify"
        assert conversation.last_error_code == "CARD_DECLINED"


def test_card_numbers_and_passwords_are_never_stored_or_forwarded(client, app, assistant):
    send(client, "my card 4242 4242 4242 4242 cvv 123 and my password is Hunter22!")
    forwarded = assistant.sent[0]["text"]
    assert "4242 4242" not in forwarded and "Hunter22" not in forwarded and "123" not in forwarded
    with app.app_context():
        stored = " ".join(m.text or "" for m in Message.query.all())
    assert "4242" not in stored and "Hunter22" not in stored


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("not json", "text/plain"),
        ("[1, 2]", "application/json"),
        ('{"message": 5}', "application/json"),
        ('{"message": ""}', "application/json"),
        ('{"message": "   "}', "application/json"),
        ('{"message": "hi", "sender": 7}', "application/json"),
        ('{"message": "hi", "metadata": "page"}', "application/json"),
        ('{"message": "hi", "metadata": {"error_code": "<b>"}}', "application/json"),
        ('{"message": "' + "x" * 3000 + '"}', "application/json"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_the_next_message_works(client, body, content_type):
    response = client.post("/webhooks/rest/webhook", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert send(client, "hi").status_code == 200


def test_a_huge_body_is_refused_with_413_json(client):
    response = client.post("/webhooks/rest/webhook", data="{" + "x" * 1_000_000, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def test_emoji_and_control_characters_are_accepted_as_text(client, assistant):
    response = send(client, "help \x00\x07 " + "😀" * 500)
    assert response.status_code == 200
    assert "\x00" not in assistant.sent[0]["text"]


def test_assistant_down_gives_an_honest_answer_not_an_error(client, assistant, app):
    assistant.fail = True
    response = send(client, "hi")
    assert response.status_code == 200
    text = response.get_json()[0]["text"]
    assert "problem on our side" in text and "01632 960 000" in text
    with app.app_context():
        assert Message.query.filter_by(sender="system").count() == 1


def test_healthz_reports_each_part(client, assistant):
    ok = client.get("/healthz")
    assert ok.status_code == 200
    assert ok.get_json() == {"ready": True, "rasa": {"ok": True}, "actions": {"ok": True}, "store": {"ok": True}}
    assistant.healthy = False
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.get_json()["rasa"] == {"ok": False}


def test_unknown_routes_answer_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_customer_is_told_when_something_was_removed(client):
    replies = send(client, "my card is 4242 4242 4242 4242").get_json()
    assert replies[0]["custom"] == {"notice": "redacted"} and "don't share" in replies[0]["text"]
    assert [r["text"] for r in replies[1:]] == ["you said: my card is [card number removed]", "pick one"]


def test_a_long_message_is_refused_with_a_clear_reason(client):
    response = send(client, "x" * 2001)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "message_too_long"
    assert "2,000 characters" in response.get_json()["error"]["message"]


def test_rest_conversations_are_rate_limited_with_429_and_retry_after(tmp_path, assistant):
    app = make_app(tmp_path, assistant, WAYFINDER_RATE_LIMIT="2/minute")
    client = app.test_client()
    sender = send(client, "one").get_json()[0]["recipient_id"]
    assert send(client, "two", sender=sender).status_code == 200
    refused = send(client, "three", sender=sender)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert [s["text"] for s in assistant.sent] == ["one", "two"]
    assert send(client, "a new conversation").status_code == 200
