"""Conversation review: filters, the transcript with what the assistant understood, exports."""

from __future__ import annotations

import re

import pytest
import yaml

from bot.content.models import MessageNlu
from bot.hub.rasa_client import RasaUnavailable, Turn
from bot.hub.store import db
from tests.content.seed import seed


@pytest.fixture
def seeded(app, assistant, customer, alice):
    return seed(app, assistant, customer)


def listed(editor, query: str = "") -> list[str]:
    response = editor.get(f"/console/review?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'data-conversation-id="([^"]+)"', response.get_data(as_text=True))


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["c1", "c2", "c3", "c4", "c5", "c6"]),
    ("escalated=1", ["c3", "c4", "c6"]),
    ("fallback=1", ["c4"]),
    ("low_confidence=1", ["c4"]),
    ("low_confidence=1&threshold=0.93", ["c3", "c4", "c6", "c2"]),
    ("stuck=1", ["c1", "c3", "c5"]),
    ("low_rating=1", ["c3", "c5"]),
    ("escalated=1&low_rating=1", ["c3"]),
    ("service=report_missed_bin", ["c5"]),
])
def test_each_filter_finds_the_conversations_it_names(cara, seeded, query, expected):
    assert sorted(listed(cara, query)) == sorted(seeded[name] for name in expected)


def test_the_list_names_the_step_a_conversation_is_stuck_at_by_its_title(cara, seeded):
    page = cara.get("/console/review?stuck=1").get_data(as_text=True)
    row = page[page.index(f'data-conversation-id="{seeded["c1"]}"'):][:1500]
    assert '<span class="badge">stuck at Enter your card details</span>' in row


@pytest.mark.parametrize("query", ["threshold=2", "threshold=x", "service=Not%20an%20id", "page=x"])
def test_bad_filters_are_a_clear_error(cara, query):
    response = cara.get(f"/console/review?{query}")
    assert response.status_code == 400
    assert "must be" in response.get_data(as_text=True)


def test_the_transcript_shows_each_customer_messages_intent_confidence_and_entities(cara, seeded):
    page = cara.get(f"/console/review/{seeded['c4']}").get_data(as_text=True)
    assert "blah the thing broke" in page
    assert re.search(r'class="intent flag-bad">nlu_fallback</span>\s*<span class="confidence">0.31', page)
    page = cara.get(f"/console/review/{seeded['c1']}").get_data(as_text=True)
    assert re.search(r'>state_goal</span>\s*<span class="confidence">0.97</span>\s*'
                     r'<span class="entity">service=pay_council_tax</span>', page)
    assert "/council-tax/pay/card · CARD_DECLINED" in page
    assert "Rated" not in page and "5/5" in page
    # the steps by their titles in the catalogue, as the insights show them
    assert re.search(r"<dt>Step reached</dt><dd>Enter your card details · stuck at Enter your card details</dd>", page)
    page = cara.get(f"/console/review/{seeded['c4']}").get_data(as_text=True)
    assert "<dt>Step reached</dt><dd>None of the service's steps yet</dd>" in page


def test_an_unknown_conversation_is_a_404_page(cara):
    response = cara.get("/console/review/nobody")
    assert response.status_code == 404 and "no such conversation" in response.get_data(as_text=True)


def test_nlu_data_is_read_from_the_tracker_without_events_on_every_turn(app, assistant, customer):
    someone = customer()
    someone.says("hello")
    someone.says("still there?")
    assert assistant.tracker_calls == [(someone.id, "NONE"), (someone.id, "NONE")]
    with app.app_context():
        assert [n.intent for n in MessageNlu.query.filter_by(conversation_id=someone.id)] == ["greet", "greet"]


def test_a_tracker_sent_with_the_answer_is_recorded_without_reading_it_again(app, assistant, customer):
    """The hub's channel in Rasa answers with the tracker after the turn: no second request per message."""
    def converse(sender, text, metadata=None):
        messages = assistant.send(sender, text, metadata)
        return Turn(messages, {"sender_id": sender, "slots": dict(assistant.slots.get(sender, {})),
                               "latest_message": assistant.latest[sender]})

    assistant.converse = converse
    assistant.understand("still there?", "stuck", 0.42)
    someone = customer()
    someone.says("hello")
    someone.says("still there?")
    assert assistant.tracker_calls == []
    with app.app_context():
        found = [(n.intent, n.confidence) for n in MessageNlu.query.filter_by(conversation_id=someone.id)]
    assert found == [("greet", 0.9), ("stuck", 0.42)]


def test_a_failing_tracker_read_never_fails_the_customers_turn(app, assistant, customer):
    def broken(*args, **kwargs):
        raise ConnectionError("rasa went away")

    assistant.tracker = broken
    someone = customer()
    assert someone.says("hello")[0]["text"] == "you said: hello"


def test_export_as_a_test_story_is_redacted_and_annotated(cara, assistant, customer):
    someone = customer()
    text = "my reference is 40518273 and my email is sam@example.org"
    start = text.index("40518273")
    assistant.understand(text, "inform", 0.8, [{"entity": "account_reference", "value": "40518273",
                                                "start": start, "end": start + 8}], service="pay_council_tax")
    someone.says(text)
    response = cara.get(f"/console/review/{someone.id}/story.yml?kind=test")
    assert response.status_code == 200 and response.mimetype == "text/yaml"
    body = response.get_data(as_text=True)
    story = yaml.safe_load(body)["stories"][0]
    assert story["steps"][0] == {"user": "my reference is [12345678](account_reference) and my email is "
                                         "someone@example.com\n", "intent": "inform"}
    assert {"slot_was_set": [{"service": "pay_council_tax"}]} in story["steps"]
    assert {"action": "utter_inform"} in story["steps"]
    assert "40518273" not in body and "sam@example.org" not in body
    training = yaml.safe_load(cara.get(f"/console/review/{someone.id}/story.yml?kind=training").get_data(as_text=True))
    assert training["stories"][0]["steps"][0] == {"intent": "inform", "entities": [{"account_reference": "12345678"}]}


def test_export_says_so_when_rasa_is_not_answering(cara, assistant, customer):
    someone = customer()
    someone.says("hello")

    def down(*args, **kwargs):
        raise RasaUnavailable("Rasa answered 503")

    assistant.tracker = down
    response = cara.get(f"/console/review/{someone.id}/story.yml")
    assert response.status_code == 502 and "not answering" in response.get_data(as_text=True)
    assert cara.get(f"/console/review/{someone.id}/story.yml?kind=other").status_code == 400


def test_marking_a_message_as_an_example_makes_nlu_yaml(app, cara, assistant, customer):
    someone = customer()
    typed = "want to pay the council tax, card 4111 1111 1111 1111"
    text = "want to pay the council tax, card [card number removed]"  # what the hub sends Rasa
    start = text.index("council tax")
    assistant.understand(text, "nlu_fallback", 0.4, [{"entity": "service", "value": "pay_council_tax",
                                                      "start": start, "end": start + 11}])
    someone.says(typed)
    with app.app_context():
        message_id = MessageNlu.query.filter_by(conversation_id=someone.id).one().message_id
    assert cara.form(f"/console/review/messages/{message_id}/example", intent="state_goal").status_code == 302
    assert cara.form(f"/console/review/messages/{message_id}/example", intent="state_goal").status_code == 302
    nlu = yaml.safe_load(cara.get("/console/review/examples.yml").get_data(as_text=True))
    assert nlu["nlu"] == [{"intent": "state_goal", "examples":
                           '- want to pay the [council tax]{"entity": "service", "value": "pay_council_tax"}, '
                           "card (card number removed)\n"}]
    page = cara.get(f"/console/review/{someone.id}").get_data(as_text=True)
    assert "kept as state_goal" in page


@pytest.mark.parametrize("intent", ["", "not_an_intent", "EXTERNAL_page_changed", "x y"])
def test_marking_needs_one_of_the_assistants_intents(app, cara, customer, intent):
    someone = customer()
    someone.says("hello")
    with app.app_context():
        message_id = MessageNlu.query.filter_by(conversation_id=someone.id).one().message_id
    response = cara.form(f"/console/review/messages/{message_id}/example", intent=intent)
    assert response.status_code == 302
    assert "nlu:\n" in cara.get("/console/review/examples.yml").get_data(as_text=True)
    assert "- intent:" not in cara.get("/console/review/examples.yml").get_data(as_text=True)
    assert cara.form("/console/review/messages/999999/example", intent="greet").status_code == 404
    with app.app_context():
        assert db.session.query(MessageNlu).count() == 1


def test_a_record_that_cannot_be_stored_never_loses_the_bots_answers(app, assistant, customer, monkeypatch):
    """The record of a turn is committed with the bot's answers; if it is refused, the answers are stored alone."""
    from bot.content import recorder
    from bot.content.models import JourneyMark
    from bot.hub.store import Message

    someone = customer()
    someone.says("hello")

    def clashing(conversation_id, tracker, catalogue, customer_turn):  # a row the store refuses at commit
        db.session.add(JourneyMark(conversation_id="no-such-conversation", service="x", kind="step", value="y"))

    monkeypatch.setattr(recorder, "_record_turn", clashing)
    answers = someone.says("still there?")
    assert answers[0]["text"] == "you said: still there?"
    monkeypatch.undo()
    assert someone.says("and now?")[0]["text"] == "you said: and now?"
    with app.app_context():
        stored = [(m.sender, m.text) for m in Message.query.filter_by(conversation_id=someone.id).order_by(Message.id)]
        recorded = [n.intent for n in MessageNlu.query.filter_by(conversation_id=someone.id)]
    refused_turn = stored.index(("customer", "still there?"))
    assert stored[refused_turn + 1] == ("bot", "you said: still there?")
    last_turn = stored.index(("customer", "and now?"))
    assert stored[last_turn + 1] == ("bot", "you said: and now?")
    assert recorded == ["greet", "greet"]  # the first and the last turn; the refused one is not half-stored


def test_outside_the_routers_turns_the_recorder_stores_its_record_itself(app, assistant, customer):
    """The router commits a turn's record with the bot's answers; any other caller gets it stored at once."""
    from bot.content.models import Journey

    someone = customer()
    someone.says("hello")
    assistant.slots[someone.id] = {"service": "pay_council_tax", "current_step": "start"}
    with app.app_context():
        recording = app.extensions["wayfinder.router"].assistant
        recording.trigger_intent(someone.id, "EXTERNAL_handback", {"step": "start"})
        db.session.remove()  # nothing is committed after this: the record must already be stored
    with app.app_context():
        assert db.session.get(Journey, someone.id).service == "pay_council_tax"
