"""`POST /api/handovers` and `POST /api/callbacks`: token, validation (nothing half-written), queue, callbacks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.console.models import AdviserSession, CallbackTicket, Handover
from bot.hub.store import Conversation, Message, db, utcnow
from tests.console.conftest import (
    HUB_TOKEN,
    SUMMARY,
    Adviser,
    add_advisers,
    console_app,
    hand_over,
    start_conversation,
)


def count(app, model) -> int:
    with app.app_context():
        return model.query.count()


# -- the token -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong", HUB_TOKEN + "x", HUB_TOKEN[:-1]])
def test_handovers_need_the_hub_token(app, client, alice, token):
    conversation_id = start_conversation(client)
    response = hand_over(client, conversation_id, token=token)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorised"
    assert count(app, Handover) == 0


def test_a_conversation_id_is_not_the_hub_token(app, client):
    conversation_id = start_conversation(client)
    assert hand_over(client, conversation_id, token=conversation_id).status_code == 401


def test_without_a_configured_token_the_api_is_closed(tmp_path, assistant, monkeypatch):
    monkeypatch.delenv("WAYFINDER_HUB_TOKEN", raising=False)
    app = console_app(tmp_path, assistant, WAYFINDER_HUB_TOKEN="")
    client = app.test_client()
    conversation_id = start_conversation(client)
    assert hand_over(client, conversation_id, token="").status_code == 503
    assert hand_over(client, conversation_id, token="anything").status_code == 503


def test_callbacks_need_the_hub_token(app, client):
    response = client.post("/api/callbacks", json={"name": "Alex", "phone": "07700900123"})
    assert response.status_code == 401 and count(app, CallbackTicket) == 0


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": None}, "reason"),
        ({"reason": "bored"}, "reason"),
        ({"familiarity": "expert"}, "familiarity"),
        ({"goal": "Pay Council Tax!"}, "goal"),
        ({"problem": 42}, "problem"),
        ({"tried": ["everything"]}, "tried"),
        ({"tried": "retry_alone"}, "tried"),
        ({"error_codes": ["not a code"]}, "error_codes"),
        ({"error_codes": "CARD_DECLINED"}, "error_codes"),
        ({"pages_visited": "/council-tax"}, "pages_visited"),
        ({"pages_visited": ["/x", 5]}, "pages_visited"),
        ({"identity_verified": "yes"}, "identity_verified"),
        ({"failure_details": "x" * 2001}, "failure_details"),
        ({"customer_words": [{"text": "hi"}]}, "customer_words"),
        ({"colour": "blue"}, "body"),
        ({"conversation_id": 7}, "conversation_id"),
    ],
)
def test_a_bad_summary_is_refused_naming_the_field_and_nothing_is_written(app, client, alice, changes, field):
    conversation_id = start_conversation(client)
    response = hand_over(client, conversation_id, **changes)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_handover" and field in error["fields"]
    assert field in error["message"]
    assert count(app, Handover) == 0
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).handled_by == "bot"


@pytest.mark.parametrize("body", [None, [], "text", 5])
def test_a_body_that_is_not_an_object_is_refused(app, client, body):
    response = client.post("/api/handovers", json=body, headers={"Authorization": f"Bearer {HUB_TOKEN}"})
    assert response.status_code == 400 and count(app, Handover) == 0


def test_an_unknown_conversation_is_404(app, client, alice):
    response = hand_over(client, "not-a-conversation")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_conversation"
    assert count(app, Handover) == 0


def test_a_long_conversation_keeps_the_latest_words_and_pages(app, client, alice):
    conversation_id = start_conversation(client)
    words = [f"message {n}" for n in range(60)]
    pages = [f"/page/{n}" for n in range(80)]
    codes = [f"E{n:02d}" for n in range(30)]
    answer = hand_over(client, conversation_id, customer_words=words, pages_visited=pages, error_codes=codes)
    assert answer.status_code == 201
    with app.app_context():
        handover = db.session.get(Handover, answer.get_json()["handover_id"])
        assert handover.customer_words == words[-20:] and handover.pages_visited == pages[-50:]
        assert handover.error_codes == codes[:20]


def test_the_summary_needs_only_the_conversation_and_the_reason(app, client, alice):
    conversation_id = start_conversation(client)
    response = client.post("/api/handovers", json={"conversation_id": conversation_id, "reason": "customer_request"},
                           headers={"Authorization": f"Bearer {HUB_TOKEN}"})
    assert response.status_code == 201
    # no problem told (the customer wanted the service itself): not "Not agreed yet", which read as
    # though the assistant had not checked what the customer wanted
    page = alice.get(f"/console/handovers/{response.get_json()['handover_id']}").get_data(as_text=True)
    assert "None told yet" in page and "Not agreed yet" not in page


def test_the_action_servers_summary_shape_is_accepted(app, client, alice):
    """What actions/handover.py's HandoverSummary.as_dict() sends today."""
    conversation_id = start_conversation(client)
    body = {"conversation_id": conversation_id, "reason": "stuck", "goal": "pay_council_tax",
            "goal_name": "Pay your council tax", "problem": None, "familiarity": None, "step_reached": "Card details",
            "pages_visited": [], "error_codes": [], "tried": [], "identity_verified": False,
            "customer_words": ["help"]}
    response = client.post("/api/handovers", json=body, headers={"Authorization": f"Bearer {HUB_TOKEN}"})
    assert response.status_code == 201, response.get_json()


# -- the queue -------------------------------------------------------------------------------------


def test_a_handover_is_stored_queued_and_the_bot_goes_quiet(app, client, assistant, alice):
    conversation_id = start_conversation(client)
    response = hand_over(client, conversation_id)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "waiting" and body["position"] == 1 and body["wait_minutes"] >= 1
    assert body["advisers_online"] == 1 and body["already_open"] is False
    with app.app_context():
        handover = db.session.get(Handover, body["handover_id"])
        assert handover.reason == "system_failure" and handover.step_reached == "Card details"
        assert handover.error_codes == ["PAYMENT_SERVICE_DOWN"] and handover.identity_verified is True
        assert handover.customer_words[1] == "my card is [card number removed]"  # redacted before storing
        assert db.session.get(Conversation, conversation_id).handled_by == "queue"
    sent = len(assistant.sent)
    answer = client.post("/webhooks/rest/webhook", json={"sender": conversation_id, "message": "hello?"})
    assert answer.status_code == 200 and answer.get_json() == []
    assert len(assistant.sent) == sent  # the bot was not asked
    with app.app_context():
        assert Message.query.filter_by(conversation_id=conversation_id, text="hello?").count() == 1


def test_queue_positions_and_wait_estimates(app, client, alice):
    first = hand_over(client, start_conversation(client)).get_json()
    second = hand_over(client, start_conversation(client)).get_json()
    third = hand_over(client, start_conversation(client)).get_json()
    assert [first["position"], second["position"], third["position"]] == [1, 2, 3]
    # alice has no chat open: the first is hers at once; then WAYFINDER_HANDOVER_MINUTES (6) a customer
    assert [first["wait_minutes"], second["wait_minutes"], third["wait_minutes"]] == [1, 6, 12]
    alice.api(f"/console/api/handovers/{first['handover_id']}/claim")
    again = hand_over(client, start_conversation(client)).get_json()
    assert again["position"] == 3 and again["wait_minutes"] == 18  # alice is busy now: all three wait for her
    Adviser(app, "bob")  # a second adviser, free: takes the next at once, and two share the rest
    assert hand_over(client, start_conversation(client)).get_json()["wait_minutes"] == 9


def test_handing_over_twice_gives_the_same_place(app, client, alice):
    conversation_id = start_conversation(client)
    first = hand_over(client, conversation_id).get_json()
    again = hand_over(client, conversation_id)
    assert again.status_code == 200
    assert again.get_json()["handover_id"] == first["handover_id"] and again.get_json()["already_open"]
    assert count(app, Handover) == 1


def test_the_database_allows_one_open_handover_per_conversation(app, client, alice):
    from sqlalchemy.exc import IntegrityError

    conversation_id = start_conversation(client)
    hand_over(client, conversation_id)
    with app.app_context():
        db.session.add(Handover(conversation_id=conversation_id, reason="stuck", status="waiting"))
        with pytest.raises(IntegrityError):
            db.session.commit()


# -- no adviser, or out of hours: a callback -------------------------------------------------------


def test_with_nobody_online_a_callback_is_offered(app, client):
    conversation_id = start_conversation(client)
    response = hand_over(client, conversation_id)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "callback_offered" and body["why"] == "no_adviser_online"
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).handled_by == "bot"
        assert db.session.get(Handover, body["handover_id"]).status == "callback"


def test_advisers_who_are_away_or_long_gone_are_not_online(app, client, alice):
    alice.form("/console/availability", available="0")
    assert hand_over(client, start_conversation(client)).get_json()["status"] == "callback_offered"
    alice.form("/console/availability", available="1")
    with app.app_context():
        AdviserSession.query.one().last_seen = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert hand_over(client, start_conversation(client)).get_json()["status"] == "callback_offered"
    alice.get("/console/")  # the console is open again
    with app.app_context():
        row = AdviserSession.query.one()
        row.last_seen = utcnow() - timedelta(seconds=60)  # within presence, past the write throttle
        db.session.commit()
    assert hand_over(client, start_conversation(client)).get_json()["status"] == "waiting"


def test_out_of_hours_a_callback_is_offered_with_the_next_opening(tmp_path, assistant):
    now = datetime.now(timezone.utc)
    closed_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(now.weekday() + 3) % 7]
    app = console_app(tmp_path, assistant, WAYFINDER_OPENING_HOURS=f"{closed_day} 09:00-17:00",
                      WAYFINDER_TIMEZONE="UTC")
    add_advisers(app)
    client = app.test_client()
    Adviser(app, "alice")
    body = hand_over(client, start_conversation(client)).get_json()
    assert body["status"] == "callback_offered" and body["why"] == "out_of_hours"
    assert body["next_opening"].endswith("09:00:00+00:00")
    assert "09:00 to 17:00" in body["opening_hours"]


# -- callback tickets ------------------------------------------------------------------------------


def post_callback(client, **body):
    return client.post("/api/callbacks", json=body, headers={"Authorization": f"Bearer {HUB_TOKEN}"})


def test_a_callback_ticket_is_stored_with_the_handover_summary(app, client, alice):
    alice.form("/console/availability", available="0")
    conversation_id = start_conversation(client)
    hand_over(client, conversation_id)
    response = post_callback(client, conversation_id=conversation_id, name="Alex Morgan",
                             phone="07700 900 123", preferred_time="morning")
    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"] == "CB-00001" and body["contact"] == "phone" and body["preferred_time"] == "morning"
    page = alice.get("/console/callbacks").get_data(as_text=True)
    assert "Alex Morgan" in page and "07700900123" in page and "PAYMENT_SERVICE_DOWN" in page
    listed = alice.get("/console/api/callbacks").get_json()["callbacks"]
    assert listed[0]["handover"]["reason"] == "system_failure"
    done = alice.api(f"/console/api/callbacks/{listed[0]['id']}/done", {"note": "called, paid by phone"})
    assert done.status_code == 200 and done.get_json()["callback"]["status"] == "done"
    assert alice.api(f"/console/api/callbacks/{listed[0]['id']}/done", {}).status_code == 409


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "", "phone": "07700900123"}, {"name"}),
        ({"name": "Alex", "phone": "12345"}, {"phone"}),
        ({"name": "Alex", "phone": "07700 900 123 ext 4"}, {"phone"}),
        ({"name": "Alex", "email": "alex@"}, {"email"}),
        ({"name": "Alex", "email": "alex at example.com"}, {"email"}),
        ({"name": "Alex"}, {"contact"}),
        ({"name": "Alex", "phone": "07700900123", "preferred_time": "whenever"}, {"preferred_time"}),
        ({"name": "Alex", "phone": "07700900123", "preferred_time": "2001-01-01T10:00"}, {"preferred_time"}),
        ({"name": "Alex", "phone": "07700900123", "preferred_time": "2999-01-01T10:00"}, {"preferred_time"}),
        ({"name": "12345", "phone": "x", "email": "y"}, {"name", "phone", "email"}),
        ({"name": "Alex", "phone": "07700900123", "fax": "01632960001"}, {"body"}),
    ],
)
def test_bad_callback_details_get_clear_errors_and_nothing_is_stored(app, client, body, fields):
    response = post_callback(client, **body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_callback" and set(error["fields"]) == fields
    assert all(text for text in error["fields"].values())
    assert count(app, CallbackTicket) == 0


def test_a_callback_time_must_be_in_opening_hours(tmp_path, assistant):
    app = console_app(tmp_path, assistant, WAYFINDER_OPENING_HOURS="Mon-Sun 09:00-17:00", WAYFINDER_TIMEZONE="UTC")
    client = app.test_client()
    tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    late = post_callback(client, name="Alex", email="alex@example.com", preferred_time=f"{tomorrow}T20:00")
    assert late.status_code == 400 and "09:00 to 17:00" in late.get_json()["error"]["fields"]["preferred_time"]
    good = post_callback(client, name="Alex", email="alex@example.com", preferred_time=f"{tomorrow}T10:30")
    assert good.status_code == 201 and good.get_json()["preferred_time"] == f"{tomorrow}T10:30"


@pytest.mark.parametrize("phone", ["07700 900123", "+44 7700 900123", "0044 7700 900123", "(01632) 960-001",
                                   "+33 1 23 45 67 89"])
def test_usual_ways_of_writing_a_phone_number_are_accepted(app, client, phone):
    assert post_callback(client, name="Alex O'Brien-Smith", phone=phone).status_code == 201


def test_a_callback_for_an_unknown_conversation_is_refused(app, client):
    response = post_callback(client, conversation_id="nope", name="Alex", phone="07700900123")
    assert response.status_code == 404 and count(app, CallbackTicket) == 0


# -- the customer goes back to the assistant ----------------------------------------------------


def test_the_customer_can_go_back_to_the_assistant(app, client, assistant, waiting):
    conversation_id = waiting["conversation_id"]
    assert client.post("/api/conversation/back-to-assistant",
                       headers={"Authorization": "Bearer forged"}).status_code == 404
    response = client.post("/api/conversation/back-to-assistant",
                           headers={"Authorization": f"Bearer {conversation_id}"})
    assert response.status_code == 200
    assert response.get_json() == {"returned": True, "talking_to": {"kind": "assistant", "name": None}}
    with app.app_context():
        handover = db.session.get(Handover, waiting["handover_id"])
        assert handover.status == "resolved" and handover.outcome == "customer_returned"
    answer = client.post("/webhooks/rest/webhook", json={"sender": conversation_id, "message": "pay my bill"})
    assert answer.get_json()[-2]["text"] == "you said: pay my bill"


def test_summary_example_is_complete():
    """The example in the tests uses every field the API knows (so the docs and tests stay in step)."""
    from bot.hub.handovers import FIELDS

    assert set(SUMMARY) | {"conversation_id"} == set(FIELDS)
