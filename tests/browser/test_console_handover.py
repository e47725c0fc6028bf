"""Two browsers in Chromium: a customer on the portal is handed over, an adviser answers and hands back.

The hub and the portal are real and served over HTTP; a scripted assistant stands in for
Rasa, and the handover is posted the way `action_handover` posts it. Checks the console's
script under its Content-Security-Policy (no inline script), the live queue, the reply in
the widget with the adviser's name, live customer messages, and the hand-back.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Page, expect

from tests.console.conftest import HUB_TOKEN, PASSWORD, SUMMARY
from tests.support.browser import new_page

LOG = "#wayfinder-widget [role=log]"


def ask_for_a_person(customer: Page, site: dict, path: str) -> str:
    """The customer asks the (scripted) assistant for a person on a portal page; the conversation id."""
    customer.goto(site["portal"] + path)
    customer.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    box = customer.get_by_label("Message")
    box.fill("I want a person")
    box.press("Enter")
    expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: I want a person")
    return site["assistant"].sent[-1]["sender"]


def sign_in_to_the_live_queue(adviser: Page, site: dict, username: str = "alice") -> None:
    adviser.goto(site["hub"] + "/console/")
    adviser.get_by_label("Username").fill(username)
    adviser.get_by_label("Password").fill(PASSWORD)
    adviser.get_by_role("button", name="Sign in").click()
    expect(adviser.get_by_role("heading", name=re.compile("Waiting"))).to_be_visible()
    expect(adviser.locator("#waiting-empty")).to_be_visible()
    expect(adviser.locator("body[data-live=connected]")).to_have_count(1)  # live queue joined


def test_a_customer_is_handed_over_answered_and_handed_back(browser, scripted_site):
    site = scripted_site
    errors: list = []
    customer, adviser = new_page(browser, errors), new_page(browser, errors)

    # the customer talks to the assistant on the portal; the adviser signs in and opens the queue
    conversation_id = ask_for_a_person(customer, site, "/council-tax/pay")
    box = customer.get_by_label("Message")
    sign_in_to_the_live_queue(adviser, site)

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


def test_a_customer_waiting_for_an_adviser_can_go_back_to_the_assistant(browser, scripted_site):
    site = scripted_site
    errors: list = []
    customer, adviser = new_page(browser, errors), new_page(browser, errors)
    conversation_id = ask_for_a_person(customer, site, "/")
    box = customer.get_by_label("Message")
    sign_in_to_the_live_queue(adviser, site)
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


def test_the_queue_catches_up_with_what_happened_while_it_was_not_connected(browser, scripted_site):
    """The queue page is drawn before its live connection joins the advisers' room (and a connection
    can drop): whatever changed meanwhile is shown once it connects, not only after a reload."""
    site = scripted_site
    errors: list = []
    first, second, adviser = new_page(browser, errors), new_page(browser, errors), new_page(browser, errors)
    colleague = new_page(browser, errors)
    sign_in_to_the_live_queue(colleague, site, "bob")  # an adviser online: customers are queued, not offered a call

    def hand_over(conversation_id: str) -> int:
        answer = requests.post(site["hub"] + "/api/handovers", json={**SUMMARY, "conversation_id": conversation_id},
                               headers={"Authorization": f"Bearer {HUB_TOKEN}"}, timeout=10)
        assert answer.status_code == 201
        return answer.json()["handover_id"]

    first_id = hand_over(ask_for_a_person(first, site, "/"))
    adviser.route("**/socket.io/**", lambda route: route.abort())  # the live connection cannot get through
    adviser.goto(site["hub"] + "/console/")
    adviser.get_by_label("Username").fill("alice")
    adviser.get_by_label("Password").fill(PASSWORD)
    adviser.get_by_role("button", name="Sign in").click()
    rows = adviser.locator("#waiting tbody tr")
    expect(rows).to_have_count(1)
    expect(adviser.locator("#live-notice")).to_contain_text("paused")

    # meanwhile the first customer goes back to the assistant and a second one is handed over
    site["assistant"].on_page = [{"text": "You're back with me, the assistant."}]
    first.locator("#wayfinder-widget").get_by_role("button", name="Back to the assistant").click()
    expect(first.locator("#wayfinder-widget")).to_contain_text("You're talking to: Assistant")
    second_id = hand_over(ask_for_a_person(second, site, "/"))
    expect(adviser.locator(f'#waiting tbody tr[data-handover-id="{first_id}"]')).to_have_count(1)  # not yet told

    adviser.unroute("**/socket.io/**")  # Socket.IO's client tries again by itself
    expect(adviser.locator("body[data-live=connected]")).to_have_count(1, timeout=20_000)
    expect(adviser.locator(f'#waiting tbody tr[data-handover-id="{second_id}"]')).to_have_count(1)
    expect(rows).to_have_count(1)  # the first is gone
    expect(adviser.locator("#waiting-count")).to_have_text("1")
    expect(adviser.locator("#live-notice")).to_have_text("")
    expect(colleague.locator("#waiting tbody tr")).to_have_count(1)  # the one connected all along agrees
    assert not errors, errors
