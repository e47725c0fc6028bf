"""The end-of-chat rating in the widget (CS20 feedback): Chromium, the real portal and hub, a scripted
assistant; the rating lands in the hub's store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bot.content.models import Journey
from bot.hub.store import db
from tests.browser.test_widget import LOG, open_chat, say
from tests.support.browser import ScriptedAssistant, _Served

HUB_PORT, PORTAL_PORT = 23301, 23302  # issue 6's port range


@pytest.fixture
def site(tmp_path) -> Iterator[dict]:
    from bot.hub import create_app as create_hub
    from demo_portal import create_app as create_portal

    hub_url, portal_url = f"http://127.0.0.1:{HUB_PORT}", f"http://127.0.0.1:{PORTAL_PORT}"
    hub_app = create_hub({"SECRET_KEY": "rating-test", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}",
                          "WAYFINDER_ALLOWED_ORIGINS": (portal_url, hub_url), "WAYFINDER_HUB_URL": hub_url},
                         assistant=ScriptedAssistant())
    portal_app = create_portal({"TESTING": True, "SECRET_KEY": "rating-test", "HUB_URL": hub_url,
                                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"})
    hub, portal = _Served(hub_app, HUB_PORT), _Served(portal_app, PORTAL_PORT)
    try:
        yield {"hub": hub_url, "portal": portal_url, "hub_app": hub_app}
    finally:
        hub.stop()
        portal.stop()


def open_rating(page, site):
    """A chat with one answer, and its rating form opened with "Rate this chat"."""
    open_chat(page, site)
    say(page, "hello")
    expect(page.locator(f"{LOG} > [data-sender=bot]")).not_to_have_count(0)
    page.get_by_role("button", name="Rate this chat").click()
    return page.locator(f"{LOG} form.wf-rating")


def test_the_customer_rates_the_chat_with_the_keyboard_and_the_hub_keeps_it(page, site):
    form = open_rating(page, site)
    expect(form.get_by_role("group", name="How helpful was this chat?")).to_be_visible()
    expect(form.get_by_label("1", exact=True)).to_be_focused()
    form.get_by_role("button", name="Send rating").click()
    expect(form.get_by_role("alert")).to_have_text("Choose a number from 1 to 5.")
    page.keyboard.press("ArrowRight")  # radio buttons: the arrow keys choose
    expect(form.get_by_label("2", exact=True)).to_be_checked()
    form.get_by_label("Anything you'd like to tell us? (optional)").fill("the card page was confusing")
    form.get_by_role("button", name="Send rating").click()
    expect(page.locator(LOG)).to_contain_text("Thank you: your rating helps us improve this service.")
    expect(page.get_by_role("button", name="Change your rating")).to_be_visible()
    conversation_id = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.endsWith(':session'))[1]")
    with site["hub_app"].app_context():
        journey = db.session.get(Journey, conversation_id)
        assert (journey.rating, journey.rating_comment) == (2, "the card page was confusing")


def test_a_rating_the_hub_refuses_is_said_and_kept_in_the_form(page, site):
    form = open_rating(page, site)
    form.get_by_label("5", exact=True).check()
    # a comment longer than the hub accepts (the box's maxlength is bypassed on purpose)
    form.locator("textarea").evaluate("t => { t.removeAttribute('maxlength'); t.value = 'x'.repeat(1200); }")
    form.get_by_role("button", name="Send rating").click()
    expect(form.get_by_role("alert")).to_contain_text("couldn't send your rating")
    expect(form.get_by_label("5", exact=True)).to_be_checked()


def test_a_rating_being_written_survives_a_reconnect(page, site):
    """A network blip while the form is open: the history is drawn again on reconnecting, and the
    form (with the choice and the comment) used to go with the old messages."""
    form = open_rating(page, site)
    form.get_by_label("4", exact=True).check()
    form.get_by_label("Anything you'd like to tell us? (optional)").fill("quick and clear")
    page.evaluate("""() => {
        window.historyDrawn = 0;
        const draw = Wayfinder.chat.renderHistory.bind(Wayfinder.chat);
        Wayfinder.chat.renderHistory = (messages) => { draw(messages); window.historyDrawn += 1; };
        Wayfinder.chat.socket.io.engine.close();
    }""")
    page.wait_for_function("() => window.historyDrawn > 0", timeout=15_000)
    expect(form.get_by_label("4", exact=True)).to_be_checked()
    expect(form.get_by_label("Anything you'd like to tell us? (optional)")).to_have_value("quick and clear")
    form.get_by_role("button", name="Send rating").click()
    expect(page.locator(LOG)).to_contain_text("Thank you: your rating helps us improve this service.")
