"""Two browsers in Chromium: a customer on the portal is handed over, an adviser answers and hands back.

The hub and the portal are real and served over HTTP; a scripted assistant stands in for
Rasa, and the handover is posted the way `action_handover` posts it. Checks the console's
script under its Content-Security-Policy (no inline script), the live queue, the reply in
the widget with the adviser's name, live customer messages, and the hand-back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ScriptedAssistant, _free_port, _Served
from tests.console.conftest import FAST_HASH, HUB_TOKEN, PASSWORD, SUMMARY, add_advisers

LOG = "#wayfinder-widget [role=log]"


@pytest.fixture
def site(tmp_path) -> Iterator[dict]:
    from bot.hub import create_app as create_hub
    from demo_portal import create_app as create_portal

    assistant = ScriptedAssistant()
    hub_port, portal_port = _free_port(), _free_port()
    hub_url, portal_url = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{portal_port}"
    hub_app = create_hub({"SECRET_KEY": "browser-test", "TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hub.db'}",
                          "WAYFINDER_ALLOWED_ORIGINS": (portal_url, hub_url), "WAYFINDER_HUB_URL": hub_url,
                          "WAYFINDER_HUB_TOKEN": HUB_TOKEN, "WAYFINDER_OPENING_HOURS": "always",
                          "WAYFINDER_PASSWORD_METHOD": FAST_HASH}, assistant=assistant)
    add_advisers(hub_app)
    portal_app = create_portal({"TESTING": True, "SECRET_KEY": "browser-test", "HUB_URL": hub_url,
                                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}"})
    hub, portal = _Served(hub_app, hub_port), _Served(portal_app, portal_port)
    try:
        yield {"hub": hub_url, "portal": portal_url, "assistant": assistant}
    finally:
        hub.stop()
        portal.stop()


def new_page(browser: Browser, errors: list) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return page


def test_a_customer_is_handed_over_answered_and_handed_back(browser, site):
    errors: list = []
    customer, adviser = new_page(browser, errors), new_page(browser, errors)

    # the customer talks to the assistant on the portal
    customer.goto(site["portal"] + "/council-tax/pay")
    customer.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    box = customer.get_by_label("Message")
    box.fill("I want a person")
    box.press("Enter")
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: I want a person")
    conversation_id = site["assistant"].sent[-1]["sender"]

    # the adviser signs in and opens the queue
    adviser.goto(site["hub"] + "/console/")
    adviser.get_by_label("Username").fill("alice")
    adviser.get_by_label("Password").fill(PASSWORD)
    adviser.get_by_role("button", name="Sign in").click()
    expect(adviser.get_by_role("heading", name=re.compile("Waiting"))).to_be_visible()
    expect(adviser.locator("#waiting-empty")).to_be_visible()
    adviser.wait_for_function("document.getElementById('live-notice').textContent === ''")

    # the action server hands the conversation over: it appears in the queue live
    answer = requests.post(site["hub"] + "/api/handovers", json={**SUMMARY, "conversation_id": conversation_id},
                           headers={"Authorization": f"Bearer {HUB_TOKEN}"}, timeout=10)
    assert answer.status_code == 201 and answer.json()["position"] == 1
    row = adviser.locator("#waiting tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("The online service itself failed")
    expect(adviser.locator("#live-notice")).to_contain_text("New customer waiting")

    # the adviser reads the summary and claims the chat
    row.get_by_role("link", name="Read summary").click()
    expect(adviser.locator(".summary")).to_contain_text("PAYMENT_SERVICE_DOWN")
    expect(adviser.locator(".summary")).to_contain_text("Card details")
    expect(adviser.locator("#transcript")).to_contain_text("I want a person")
    adviser.get_by_role("button", name="Claim this chat").click()
    expect(customer.locator(LOG)).to_contain_text("Hello, I'm Alice, an adviser.")
    expect(customer.locator("#wayfinder-widget")).to_contain_text("You're talking to: Alice")

    # replies go both ways, live
    adviser.get_by_label("Your reply").fill("I can see the payment service is down. I'll take it by phone.")
    adviser.get_by_role("button", name="Send to the customer").click()
    expect(customer.locator(LOG)).to_contain_text("I'll take it by phone.")
    expect(customer.locator(LOG)).to_contain_text("Alice said:")
    expect(adviser.get_by_label("Your reply")).to_have_value("")  # sent over the socket, no reload
    box.fill("thank you <b>so</b> much")
    box.press("Enter")
    expect(adviser.locator("#transcript")).to_contain_text("thank you <b>so</b> much")

    # hand back to the assistant: it answers again
    site["assistant"].on_page = [{"text": "I'm back. Shall we carry on with your payment?"}]
    adviser.get_by_label("Carry on from").select_option("card")
    adviser.get_by_label("Note for the assistant").fill("Payment taken by phone")
    adviser.get_by_role("button", name="Hand back").click()
    expect(adviser.get_by_role("heading", name=re.compile("Waiting"))).to_be_visible()
    expect(customer.locator(LOG)).to_contain_text("I'm back. Shall we carry on with your payment?")
    assert site["assistant"].triggered[-1] == {"sender": conversation_id, "intent": "EXTERNAL_handback",
                                               "entities": {"step": "card", "note": "Payment taken by phone"}}
    box.fill("yes please")
    box.press("Enter")
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: yes please")
    assert not errors, errors


def test_a_customer_waiting_for_an_adviser_can_go_back_to_the_assistant(browser, site):
    errors: list = []
    customer, adviser = new_page(browser, errors), new_page(browser, errors)
    customer.goto(site["portal"] + "/")
    customer.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    box = customer.get_by_label("Message")
    box.fill("I want a person")
    box.press("Enter")
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: I want a person")
    conversation_id = site["assistant"].sent[-1]["sender"]
    adviser.goto(site["hub"] + "/console/")
    adviser.get_by_label("Username").fill("alice")
    adviser.get_by_label("Password").fill(PASSWORD)
    adviser.get_by_role("button", name="Sign in").click()
    expect(adviser.locator("#waiting-empty")).to_be_visible()
    adviser.wait_for_function("document.getElementById('live-notice').textContent === ''")  # live queue joined
    answer = requests.post(site["hub"] + "/api/handovers", json={**SUMMARY, "conversation_id": conversation_id},
                           headers={"Authorization": f"Bearer {HUB_TOKEN}"}, timeout=10)
    assert answer.status_code == 201
    widget = customer.locator("#wayfinder-widget")
    expect(widget).to_contain_text("Waiting for an adviser")
    expect(adviser.locator("#waiting tbody tr")).to_have_count(1)

    site["assistant"].on_page = [{"text": "You're back with me, the assistant."}]
    widget.get_by_role("button", name="Back to the assistant").click()
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You're back with me")
    expect(widget).to_contain_text("You're talking to: Assistant")
    expect(widget.get_by_role("button", name="Back to the assistant")).to_be_hidden()
    expect(adviser.locator("#waiting tbody tr")).to_have_count(0)  # gone from the advisers' queue, live
    assert site["assistant"].triggered[-1] == {"sender": conversation_id, "intent": "EXTERNAL_handback",
                                               "entities": {"by": "customer"}}
    box.fill("hello again")
    box.press("Enter")
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: hello again")
    assert not errors, errors
