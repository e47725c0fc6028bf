"""Issue 8 (7): the XSS corpus is inert everywhere, checked in Chromium.

The corpus goes in as the customer's text on a portal page (the widget), comes back from the
assistant inside its answers the way a slot value is echoed (text with markdown, a button's
title), travels in the handover summary, is shown in the adviser console's summary card and
transcript, and goes back to the customer in an adviser's reply. Nothing of it may run (no
`window.pwned`), create an element, a `javascript:` link, or break the Content-Security-Policy.

The hub and the portal are the real apps served over HTTP; a scripted assistant stands in for
Rasa (tests/support/browser.py), so what the bot says is known exactly.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Page, expect

from tests.console.conftest import HUB_TOKEN, PASSWORD
from tests.support.browser import new_page

LOG = "#wayfinder-widget [role=log]"
CORPUS = [
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '<svg onload="window.pwned=1"><circle r=9></svg>',
    "[click me](javascript:window.pwned=1)",
    '"><iframe srcdoc="<script>parent.pwned=1</script>"></iframe>',
]
INJECTED = "script:not([src]), img[src=x], svg[onload], iframe, [onerror], [onload], a[href^='javascript']"


def inert(page: Page, scope: str) -> None:
    assert page.evaluate("window.pwned") is None, "a payload ran"
    assert page.locator(f"{scope} :is({INJECTED})").count() == 0, page.locator(scope).inner_html()[:2000]
    hrefs = page.locator(f"{scope} a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("http://", "https://", "/", "#")) for h in hrefs if h), hrefs


def test_the_corpus_is_inert_in_the_widget_the_bots_echo_and_the_console(browser, scripted_site):
    errors: list = []
    customer, adviser = new_page(browser, errors), new_page(browser, errors)
    assistant = scripted_site["assistant"]
    for payload in CORPUS:  # the bot echoes what it was told, as it would a slot value
        assistant.script[payload] = [{"text": f"Thanks. So your name is **{payload}**. See [help]({payload})",
                                      "buttons": [{"title": payload, "payload": "/affirm"}]}]

    customer.goto(scripted_site["portal"] + "/")
    customer.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    box = customer.get_by_label("Message")
    for payload in CORPUS:
        box.fill(payload)
        box.press("Enter")
        expect(customer.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("So your name is")
        expect(customer.locator(f"{LOG} > [data-sender=customer]").last).to_contain_text(payload)
    expect(customer.locator(f"{LOG} button", has_text=CORPUS[-1])).to_be_visible()  # a button titled with it
    inert(customer, "#wayfinder-widget")
    customer.reload()  # the history, drawn again from the hub (the chat stays open)
    for payload in CORPUS:
        expect(customer.locator(LOG)).to_contain_text(payload)
    inert(customer, "#wayfinder-widget")

    conversation = assistant.sent[-1]["sender"]
    adviser.goto(scripted_site["hub"] + "/console/")
    adviser.get_by_label("Username").fill("alice")
    adviser.get_by_label("Password").fill(PASSWORD)
    adviser.get_by_role("button", name="Sign in").click()
    expect(adviser.get_by_role("heading", name=re.compile("Waiting"))).to_be_visible()  # online now
    handed = requests.post(scripted_site["hub"] + "/api/handovers", timeout=10,
                           headers={"Authorization": f"Bearer {HUB_TOKEN}"},
                           json={"conversation_id": conversation, "reason": "customer_request",
                                 "customer_words": CORPUS, "failure_details": CORPUS[1], "goal_name": CORPUS[2],
                                 "step_reached": CORPUS[4], "pages_visited": ["/" + CORPUS[0]]})
    assert handed.status_code == 201, handed.text

    adviser.goto(f"{scripted_site['hub']}/console/handovers/{handed.json()['handover_id']}")
    for payload in CORPUS:
        expect(adviser.locator("#transcript")).to_contain_text(payload)
        expect(adviser.locator(".summary")).to_contain_text(payload)
    inert(adviser, "main")
    adviser.get_by_role("button", name="Claim this chat").click()
    adviser.get_by_label("Your reply").fill(CORPUS[1] + " " + CORPUS[3])
    adviser.get_by_role("button", name="Send to the customer").click()
    expect(customer.locator(f"{LOG} > [data-sender=adviser]").last).to_contain_text(CORPUS[1])
    expect(adviser.locator("#transcript")).to_contain_text(CORPUS[3])
    inert(customer, "#wayfinder-widget")
    inert(adviser, "main")
    assert not errors, errors
