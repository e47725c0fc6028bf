"""The end-of-chat rating: stored in the hub, for the holder of the conversation id only."""

from __future__ import annotations

import pytest

from bot.content.models import Journey
from bot.hub.store import db


def test_a_rating_and_comment_are_stored_and_can_be_changed(app, customer):
    someone = customer()
    someone.says("hello")
    answer = someone.rates(2, "couldn't find the button, card 4111 1111 1111 1111")
    assert answer.status_code == 201
    assert answer.get_json()["comment"] == "couldn't find the button, card [card number removed]"
    assert someone.rates(4).status_code == 201
    with app.app_context():
        journey = db.session.get(Journey, someone.id)
        assert (journey.rating, journey.rating_comment) == (4, None)


@pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": True}, {},
                                  {"rating": 3, "comment": 7}, {"rating": 3, "comment": "x" * 1001}])
def test_a_bad_rating_is_refused_with_the_field_named(app, customer, body):
    someone = customer()
    someone.says("hello")
    answer = someone.client.post("/api/conversation/rating", json=body,
                                 headers={"Authorization": f"Bearer {someone.id}"})
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]["fields"]) <= {"rating", "comment"}
    with app.app_context():
        assert db.session.get(Journey, someone.id).rating is None


def test_only_the_conversations_own_id_may_rate_it(customer):
    someone = customer()
    someone.says("hello")
    assert someone.rates(5, conversation_id="not-an-issued-id").status_code == 404
    assert someone.rates(5, conversation_id=someone.id + "x").status_code == 404
    assert someone.client.post("/api/conversation/rating", json={"rating": 5}).status_code == 404
