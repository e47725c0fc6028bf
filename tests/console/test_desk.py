"""What advisers do: claim (one wins), reply to the widget, follow live, hand back to the assistant, resolve."""

from __future__ import annotations

import threading

import pytest

from bot.console import desk
from bot.console.models import Adviser as AdviserRow
from bot.console.models import Handover
from bot.hub.rasa_client import RasaUnavailable
from bot.hub.store import Conversation, Message, db
from tests.console.conftest import Adviser, events, hand_over, start_conversation
from tests.hub.conftest import PORTAL_ORIGIN, socket_client


def customer_socket(app, conversation_id):
    sock = socket_client(app, PORTAL_ORIGIN)
    ack = sock.emit("session_request", {"session_id": conversation_id}, callback=True)
    assert ack["session_id"] == conversation_id
    sock.get_received()
    return sock


# -- claim -------------------------------------------------------------------------------------


def test_claiming_from_the_queue_page(app, alice, waiting):
    page = alice.get("/console/").get_data(as_text=True)
    assert "The online service itself failed" in page and "Pay your council tax" in page
    response = alice.form(f"/console/handovers/{waiting['handover_id']}/claim")
    assert response.status_code == 302
    with app.app_context():
        handover = db.session.get(Handover, waiting["handover_id"])
        assert handover.status == "claimed" and handover.claimed_by.username == "alice"
        assert db.session.get(Conversation, waiting["conversation_id"]).handled_by == "adviser"


def test_two_advisers_claim_at_once_and_one_wins(app, alice, bob, waiting):
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def claim(adviser):
        barrier.wait()
        results[adviser.username] = adviser.api(f"/console/api/handovers/{waiting['handover_id']}/claim").status_code

    threads = [threading.Thread(target=claim, args=(a,)) for a in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results.values()) == [200, 409]
    with app.app_context():
        winner = "alice" if results["alice"] == 200 else "bob"
        assert db.session.get(Handover, waiting["handover_id"]).claimed_by.username == winner


def test_the_claim_is_decided_in_the_database_not_by_what_a_request_read(app, waiting, monkeypatch):
    """Both advisers read the handover while it was waiting; the conditional UPDATE lets only one through."""
    monkeypatch.setattr(desk, "get_for", lambda adviser, handover_id: db.session.get(Handover, handover_id))
    with app.app_context():
        alice = AdviserRow.query.filter_by(username="alice").one()
        bob = AdviserRow.query.filter_by(username="bob").one()
        with app.test_request_context():
            desk.claim(alice, waiting["handover_id"])
            with pytest.raises(desk.DeskError) as refused:
                desk.claim(bob, waiting["handover_id"])
            assert refused.value.status == 409 and refused.value.code == "already_claimed"
            assert db.session.get(Handover, waiting["handover_id"]).claimed_by.username == "alice"


def test_claiming_greets_the_customer_by_the_advisers_name(app, alice, waiting):
    customer = customer_socket(app, waiting["conversation_id"])
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    received = customer.get_received()
    said = [e["args"][0] for e in received if e["name"] == "bot_uttered"]
    assert said[-1]["sender"] == "adviser" and said[-1]["sender_name"] == "Alice"
    assert "Alice" in said[-1]["text"] and "won't need to repeat" in said[-1]["text"]
    talking = [e["args"][0] for e in received if e["name"] == "talking_to"]
    assert talking[-1] == {"kind": "adviser", "name": "Alice"}


# -- the conversation view and replies ---------------------------------------------------------


def test_the_conversation_view_shows_the_summary_and_the_redacted_transcript(app, client, alice, waiting):
    client.post("/webhooks/rest/webhook", json={"sender": waiting["conversation_id"],
                                                "message": "my card 4111 1111 1111 1111 <b>still</b> fails"})
    page = alice.get(f"/console/handovers/{waiting['handover_id']}").get_data(as_text=True)
    for shown in ("Pay your council tax", "card declined", "New to the site", "Card details",
                  "PAYMENT_SERVICE_DOWN", "The payment service answered 503 twice.",
                  "Trying again on their own, Stepping through with the assistant", "Checked by the assistant",
                  "it keeps saying declined", "[card number removed]", "&lt;b&gt;still&lt;/b&gt;"):
        assert shown in page, shown
    assert "4111" not in page and "<b>still</b>" not in page
    data = alice.get(f"/console/api/handovers/{waiting['handover_id']}").get_json()
    assert data["handover"]["step_reached"] == "Card details"
    assert [m["sender"] for m in data["transcript"]][:2] == ["customer", "bot"]
    assert {"id": "card", "title": "Enter your card details"} in data["handback_steps"]


def test_an_advisers_reply_reaches_the_customers_widget_with_their_name(app, alice, waiting):
    customer = customer_socket(app, waiting["conversation_id"])
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    customer.get_received()
    response = alice.api(f"/console/api/handovers/{waiting['handover_id']}/reply",
                         {"text": "I can take the payment by phone. My card 4111 1111 1111 1111"})
    assert response.status_code == 201
    said = events(customer, "bot_uttered")
    assert said == [{**said[0], "sender": "adviser", "sender_name": "Alice",
                     "text": "I can take the payment by phone. My card [card number removed]"}]


def test_replying_over_the_socket_and_the_form(app, alice, waiting):
    customer = customer_socket(app, waiting["conversation_id"])
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    socket = alice.socket()
    answer = socket.emit("reply", {"handover_id": waiting["handover_id"], "text": "By socket"},
                         namespace="/advisers", callback=True)
    assert answer["ok"]
    assert alice.form(f"/console/handovers/{waiting['handover_id']}/reply", text="By form").status_code == 302
    assert [e["text"] for e in events(customer, "bot_uttered")][-2:] == ["By socket", "By form"]


def test_a_reply_needs_the_chat_claimed_and_some_text(app, alice, waiting):
    handover = waiting["handover_id"]
    assert alice.api(f"/console/api/handovers/{handover}/reply", {"text": "hi"}).status_code == 409
    alice.api(f"/console/api/handovers/{handover}/claim")
    assert alice.api(f"/console/api/handovers/{handover}/reply", {"text": "   "}).status_code == 400
    assert alice.api(f"/console/api/handovers/{handover}/reply", {"text": "x" * 2001}).status_code == 400
    assert alice.api(f"/console/api/handovers/{handover}/reply", {"text": 5}).status_code == 400


# -- live --------------------------------------------------------------------------------------


def test_a_new_handover_reaches_every_advisers_console(app, client, alice, bob):
    consoles = [alice.socket(), bob.socket()]
    conversation_id = start_conversation(client)
    handover_id = hand_over(client, conversation_id).get_json()["handover_id"]
    for socket in consoles:
        (item,) = events(socket, "handover_waiting", "/advisers")
        assert item["id"] == handover_id and item["reason"] == "system_failure" and item["position"] == 1
        assert "customer_words" not in item  # the queue shows no customer text
    alice.api(f"/console/api/handovers/{handover_id}/claim")
    for socket in consoles:
        (change,) = events(socket, "handover_changed", "/advisers")
        assert change["status"] == "claimed" and change["claimed_by"] == "Alice"


def test_the_customers_messages_and_pages_reach_the_adviser_live(app, client, alice, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    socket = alice.socket()
    followed = socket.emit("follow", {"handover_id": waiting["handover_id"]}, namespace="/advisers", callback=True)
    assert followed["ok"] and followed["handover"]["reason"] == "system_failure"
    customer = customer_socket(app, waiting["conversation_id"])
    customer.emit("user_uttered", {"message": "are you there?"}, callback=True)
    customer.emit("page_view", {"page": "/council-tax/pay/card", "error_code": "CARD_DECLINED"}, callback=True)
    live = events(socket, "chat_message", "/advisers")
    assert [m["message"]["text"] for m in live if m["message"]["sender"] == "customer"] == ["are you there?"]
    pages = [m["message"] for m in live if m["message"]["sender"] == "page"]
    assert pages[-1]["page"] == "/council-tax/pay/card" and pages[-1]["error_code"] == "CARD_DECLINED"
    assert all(m["handover_id"] == waiting["handover_id"] for m in live)
    now_on = alice.get(f"/console/api/handovers/{waiting['handover_id']}").get_json()["handover"]
    assert now_on["current_page"] == "/council-tax/pay/card" and now_on["current_error_code"] == "CARD_DECLINED"


def test_conversations_still_with_the_bot_are_not_sent_to_advisers(app, client, alice):
    socket = alice.socket()
    conversation_id = start_conversation(client)
    client.post("/webhooks/rest/webhook", json={"sender": conversation_id, "message": "just the bot"})
    assert events(socket, "chat_message", "/advisers") == []


def test_the_queue_over_the_socket(app, alice, waiting):
    answer = alice.socket().emit("queue", {}, namespace="/advisers", callback=True)
    assert answer["ok"] and [h["id"] for h in answer["handovers"]] == [waiting["handover_id"]]
    assert answer["advisers_online"] == 1


# -- hand back and resolve -------------------------------------------------------------------------


def test_hand_back_tells_rasa_the_step_and_note_and_the_bot_answers_again(app, client, assistant, alice, waiting):
    conversation_id, handover = waiting["conversation_id"], waiting["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    customer = customer_socket(app, conversation_id)
    assistant.trigger_replies = [{"text": "I'm back. Let's carry on from the card details."}]
    response = alice.api(f"/console/api/handovers/{handover}/handback",
                         {"step": "card", "note": "Payments work again; card 4111 1111 1111 1111"})
    assert response.status_code == 200
    assert assistant.triggered[-1] == {"sender": conversation_id, "intent": "EXTERNAL_handback",
                                       "entities": {"step": "card",
                                                    "note": "Payments work again; card [card number removed]"}}
    received = customer.get_received()
    said = [e["args"][0] for e in received if e["name"] == "bot_uttered"]
    assert said[-1]["text"] == "I'm back. Let's carry on from the card details."
    assert [e["args"][0] for e in received if e["name"] == "talking_to"][-1] == {"kind": "assistant", "name": None}
    with app.app_context():
        item = db.session.get(Handover, handover)
        assert item.status == "resolved" and item.outcome == "handed_back" and item.handback_step == "card"
        assert db.session.get(Conversation, conversation_id).handled_by == "bot"
    answer = client.post("/webhooks/rest/webhook", json={"sender": conversation_id, "message": "done it"})
    assert answer.get_json()[0]["text"] == "you said: done it"


def test_hand_back_by_form_without_a_step(app, alice, assistant, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    response = alice.form(f"/console/handovers/{waiting['handover_id']}/handback", step="", note="")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    assert assistant.triggered[-1]["entities"] == {}


def test_hand_back_refuses_a_step_the_service_does_not_have(alice, assistant, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    response = alice.api(f"/console/api/handovers/{waiting['handover_id']}/handback", {"step": "launch_rocket"})
    assert response.status_code == 400 and assistant.triggered == []


def test_when_the_assistant_is_down_the_chat_stays_with_the_adviser(app, alice, assistant, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    assistant.fail = True
    response = alice.api(f"/console/api/handovers/{waiting['handover_id']}/handback", {"step": "card"})
    assert response.status_code == 502 and response.get_json()["error"]["code"] == "assistant_unavailable"
    with app.app_context():
        assert db.session.get(Handover, waiting["handover_id"]).status == "claimed"
        assert db.session.get(Conversation, waiting["conversation_id"]).handled_by == "adviser"


def test_resolving_records_the_outcome_and_the_assistant_answers_next(app, client, alice, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    assert alice.api(f"/console/api/handovers/{waiting['handover_id']}/resolve",
                     {"outcome": "made_up"}).status_code == 400
    response = alice.form(f"/console/handovers/{waiting['handover_id']}/resolve", outcome="resolved",
                          note="Paid by phone")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(Handover, waiting["handover_id"])
        assert (item.status, item.outcome, item.outcome_note) == ("resolved", "resolved", "Paid by phone")
        notice = Message.query.filter_by(conversation_id=waiting["conversation_id"], sender="system").all()[-1]
        assert "Alice has finished helping you" in notice.text
    assert alice.get(f"/console/handovers/{waiting['handover_id']}").status_code == 200  # still hers to read
    assert alice.api(f"/console/api/handovers/{waiting['handover_id']}/reply", {"text": "hi"}).status_code == 409


def test_a_closed_chat_can_be_handed_over_again(app, client, alice, waiting):
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/claim")
    alice.api(f"/console/api/handovers/{waiting['handover_id']}/resolve", {"outcome": "resolved"})
    again = hand_over(client, waiting["conversation_id"], reason="customer_request")
    assert again.status_code == 201 and again.get_json()["handover_id"] != waiting["handover_id"]


def test_a_missing_handover_is_404(alice):
    assert alice.get("/console/handovers/999").status_code == 404
    assert alice.get("/console/api/handovers/999").status_code == 404
    assert alice.api("/console/api/handovers/999/claim").status_code == 404


def test_availability(app, alice):
    assert alice.api("/console/api/availability", {"available": "no"}).status_code == 400
    assert alice.api("/console/api/availability", {"available": False}).get_json() == {"available": False}
    assert alice.get("/console/api/me").get_json()["available"] is False
    assert "Away" in alice.get("/console/").get_data(as_text=True)


def test_assistant_failure_type_is_the_hubs():
    assert issubclass(RasaUnavailable, Exception)


def test_persistence_across_a_restart(tmp_path, assistant):
    """Same database file, new app: accounts, handovers, transcript and even the signed-in session survive."""
    from tests.console.conftest import add_advisers, console_app

    first = console_app(tmp_path, assistant)
    add_advisers(first)
    client = first.test_client()
    alice = Adviser(first, "alice")
    conversation_id = start_conversation(client)
    handover = hand_over(client, conversation_id).get_json()["handover_id"]
    alice.api(f"/console/api/handovers/{handover}/claim")
    alice.api(f"/console/api/handovers/{handover}/reply", {"text": "Still here"})
    client.post("/api/callbacks", json={"name": "Alex", "phone": "07700900123"},
                headers={"Authorization": "Bearer hub-token-for-tests"})

    second = console_app(tmp_path, assistant)  # a restart: same file, new app
    again = second.test_client()
    again.set_cookie("session", alice.client.get_cookie("session").value)
    data = again.get(f"/console/api/handovers/{handover}").get_json()
    assert data["handover"]["status"] == "claimed" and data["handover"]["claimed_by"] == "Alice"
    assert "Still here" in [m["text"] for m in data["transcript"]]
    assert len(again.get("/console/api/callbacks").get_json()["callbacks"]) == 1
    fresh = Adviser(second, "bob")  # accounts survive: bob signs in with his password
    assert fresh.get("/console/api/me").get_json()["display_name"] == "Bob"


def test_the_supervisors_page_has_the_reassign_form_and_it_works(app, alice, sue, waiting):
    handover = waiting["handover_id"]
    assert "Reassign" not in alice.get(f"/console/handovers/{handover}").get_data(as_text=True)
    page = sue.get(f"/console/handovers/{handover}").get_data(as_text=True)
    assert "Reassign" in page and ">Alice</option>" in page
    with app.app_context():
        alice_id = AdviserRow.query.filter_by(username="alice").one().id
    assert sue.form(f"/console/handovers/{handover}/reassign", to=str(alice_id)).status_code == 302
    page = alice.get(f"/console/handovers/{handover}").get_data(as_text=True)
    assert "Send to the customer" in page and "Hand back" in page


def test_claiming_over_the_socket(app, alice, bob, waiting):
    first = alice.socket().emit("claim", {"handover_id": waiting["handover_id"]}, namespace="/advisers", callback=True)
    second = bob.socket().emit("claim", {"handover_id": waiting["handover_id"]}, namespace="/advisers", callback=True)
    assert first["ok"] and first["handover"]["claimed_by"] == "Alice"
    assert second == {"ok": False, "error": "already_claimed", "message": "Another adviser has just taken this chat."}
    bad = alice.socket().emit("claim", {"handover_id": "one"}, namespace="/advisers", callback=True)
    assert bad["error"] == "invalid_handover_id"


def test_marking_a_callback_done_from_the_page(app, client, alice):
    client.post("/api/callbacks", json={"name": "Alex", "email": "alex@example.com"},
                headers={"Authorization": "Bearer hub-token-for-tests"})
    page = alice.get("/console/callbacks").get_data(as_text=True)
    assert "CB-00001" in page and "alex@example.com" in page and "Mark done" in page
    assert alice.form("/console/callbacks/1/done", note="Emailed").status_code == 302
    page = alice.get("/console/callbacks").get_data(as_text=True)
    assert "Emailed" in page and "Mark done" not in page
    assert alice.form("/console/callbacks/99/done").status_code == 404
