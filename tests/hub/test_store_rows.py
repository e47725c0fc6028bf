"""`get_row`: the hot paths' `session.get`, whose objects must behave exactly like loaded ones."""

from __future__ import annotations

from bot.content.models import Journey
from bot.hub.store import Conversation, Message, db, get_row


def test_a_row_read_on_the_connection_is_the_sessions_object_and_its_changes_are_stored(app):
    with app.app_context():
        db.session.add(Conversation(id="c-rows", channel="socket"))
        db.session.commit()
        db.session.add(Journey(conversation_id="c-rows", turns=2, fallbacks=0, ended_in_fallback=False))
        db.session.commit()
        db.session.expunge_all()

        conversation = get_row(Conversation, "c-rows")
        journey = get_row(Journey, "c-rows")
        assert conversation.channel == "socket" and conversation.handled_by == "bot"
        assert journey.turns == 2 and journey.started_at is not None
        assert get_row(Conversation, "c-rows") is conversation  # one object per row in a session
        assert db.session.get(Conversation, "c-rows") is conversation
        assert not db.session.dirty and not db.session.new  # loaded, not added: nothing to write

        journey.turns += 1
        conversation.last_page = "/pay/amount"
        db.session.add(Message(conversation_id="c-rows", sender="customer", text="hi", data={}))
        db.session.commit()
        db.session.expunge_all()

        assert db.session.get(Journey, "c-rows").turns == 3
        stored = db.session.get(Conversation, "c-rows")
        assert stored.last_page == "/pay/amount" and stored.channel == "socket"
        assert [m.text for m in stored.messages] == ["hi"]


def test_no_row_is_none_and_adds_nothing(app):
    with app.app_context():
        assert get_row(Conversation, "nobody") is None
        assert get_row(Journey, "nobody") is None
        assert not db.session.new
