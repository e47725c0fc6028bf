"""The chat widget in Chromium against the whole product, started as `make run` starts it.

Customer's browser → demo portal page with the widget → hub (gunicorn, Socket.IO over a
websocket) → Rasa → action server → portal API, and back. Takes the README's screenshot (into
docs/ only with `WAYFINDER_UPDATE_SCREENSHOTS=1`; otherwise into a temporary directory).
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
import requests
import socketio
from playwright.sync_api import Page, expect

from bot.catalogue import load_catalogue

pytestmark = pytest.mark.stack
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "widget-step-through.png"  # shown in the README: rewritten only when asked
UPDATE_SCREENSHOT = os.environ.get("WAYFINDER_UPDATE_SCREENSHOTS") == "1"
LOG = "#wayfinder-widget [role=log]"
ANSWER_TIMEOUT = 30_000  # ms: the first answers of a freshly started Rasa are slow on two cores


def open_chat(page: Page, stack: dict, path: str = "/") -> None:
    page.goto(stack["portal"] + path)
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    expect(page.get_by_label("Message")).to_be_focused()


def say(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")


def bot_messages(page: Page):
    return page.locator(f"{LOG} > [data-sender=bot][data-id]")


def converse(page: Page, text: str) -> None:
    """Say `text`, then wait until the hub has it and the bot's answers to it are shown."""
    before = bot_messages(page).count()
    say(page, text)
    sent = page.locator(f"{LOG} > [data-sender=customer]").last
    expect(sent).not_to_have_class(re.compile("wf-msg--pending"), timeout=ANSWER_TIMEOUT)
    expect(bot_messages(page)).not_to_have_count(before, timeout=ANSWER_TIMEOUT)


def session_id(page: Page) -> str:
    return page.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':session')).map(k => localStorage[k])[0]")


def tracker(stack: dict, conversation_id: str) -> dict:
    response = requests.get(f"{stack['rasa']}/conversations/{conversation_id}/tracker",
                            params={"token": stack["env"]["WAYFINDER_RASA_TOKEN"]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_widget_opens_on_a_portal_page_and_the_assistant_answers_over_a_websocket(page, stack):
    open_chat(page, stack)
    converse(page, "hello")
    assert bot_messages(page).first.inner_text().strip()
    expect(page.locator(f"{LOG} > [data-sender=system]")).to_have_count(0)
    deadline = time.monotonic() + 10
    while page.evaluate("Wayfinder.transport()") != "websocket":
        assert time.monotonic() < deadline, "the widget never upgraded to a websocket under gunicorn"
        time.sleep(0.2)


def test_the_conversation_continues_on_the_next_page(page, stack):
    open_chat(page, stack, "/")
    converse(page, "i want to report a missed bin")
    first_id = session_id(page)
    first_answer = bot_messages(page).first.locator(".wf-bubble").inner_text()
    page.get_by_role("link", name="Report a missed bin collection").click()
    expect(page).to_have_url(re.compile("/bins/missed$"))
    expect(page.get_by_label("Message")).to_be_visible()  # the chat stays open
    expect(page.locator(f"{LOG} > [data-sender=customer]").first).to_contain_text("i want to report a missed bin")
    expect(bot_messages(page).first.locator(".wf-bubble")).to_have_text(first_answer)
    converse(page, "thanks")
    expect(page.locator(f"{LOG} > [data-sender=customer]")).to_have_count(2)
    assert session_id(page) == first_id
    said = [e["text"] for e in tracker(stack, first_id)["events"]
            if e["event"] == "user" and not (e.get("text") or "").startswith("EXTERNAL_")]
    assert said[:2] == ["i want to report a missed bin", "thanks"]


def test_an_error_code_on_the_page_reaches_the_bot(page, stack):
    page.goto(stack["portal"] + "/council-tax/pay")
    page.locator("#start-button").click()
    page.locator("#account-reference").fill("12")
    page.locator("#continue-button").click()
    expect(page.locator("[data-error-code=CT_REFERENCE_FORMAT]").first).to_be_attached()
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    converse(page, "it says my reference is wrong")
    latest = tracker(stack, session_id(page))["latest_message"]
    assert latest["text"] == "it says my reference is wrong"
    assert latest["metadata"] == {"page": "/council-tax/pay/account", "error_code": "CT_REFERENCE_FORMAT"}


def test_the_assistant_steps_the_customer_through_and_highlights_the_right_field(page, stack, tmp_path):
    steps = {step.id: step for step in load_catalogue(ROOT / "data" / "services").get("pay_council_tax").steps}
    page.set_viewport_size({"width": 1280, "height": 760})
    open_chat(page, stack, "/council-tax/pay")
    say(page, "can you walk me through paying my council tax")
    start = page.locator(steps["start"].highlight)
    expect(start).to_have_attribute("data-wayfinder-highlight", "", timeout=ANSWER_TIMEOUT)
    expect(start).to_have_css("outline-style", "solid")

    start.click()  # the customer operates the site; the widget tells the hub, the hub tells the bot
    field = page.locator(steps["account"].highlight)
    expect(field).to_have_attribute("data-wayfinder-highlight", "", timeout=ANSWER_TIMEOUT)
    expect(field).to_be_in_viewport()
    expect(page.locator("[data-wayfinder-highlight]")).to_have_count(1)
    events = tracker(stack, session_id(page))["events"]
    changed = [e for e in events if e["event"] == "user" and (e.get("parse_data") or {}).get("intent", {}).get("name")
               == "EXTERNAL_page_changed"]
    assert changed and {"entity": "page", "value": "/council-tax/pay/account"} in [
        {"entity": x["entity"], "value": x["value"]} for x in changed[-1]["parse_data"]["entities"]]
    page.wait_for_timeout(600)  # let the smooth scroll settle
    shot = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / SCREENSHOT.name
    page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")


def test_what_a_customer_types_is_shown_as_text_never_run(page, stack):
    open_chat(page, stack)
    payloads = ["<script>window.pwned=1</script>", '<img src=x onerror="window.pwned=1">',
                "[click](javascript:window.pwned=1)"]
    for payload in payloads:
        say(page, payload)
        expect(page.locator(f"{LOG} > [data-sender=customer]").last).to_contain_text(payload)
    expect(bot_messages(page)).not_to_have_count(0, timeout=ANSWER_TIMEOUT)
    page.reload()
    for payload in payloads:
        expect(page.locator(LOG)).to_contain_text(payload)
    widget = page.locator("#wayfinder-widget")
    assert widget.locator("script, img").count() == 0
    assert all(href.startswith(("http://", "https://"))
               for href in widget.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
    assert page.evaluate("window.pwned") is None


# -- people: callbacks and handovers (CS16, CS17, 6b) -------------------------------------


def set_fault(stack: dict, service: str, mode: str) -> None:
    answer = requests.post(f"{stack['portal']}/api/faults", json={"service": service, "mode": mode},
                           headers={"Authorization": f"Bearer {stack['env']['WAYFINDER_PORTAL_TOKEN']}"}, timeout=10)
    assert answer.status_code == 200, answer.text


def last_bot_text(page: Page) -> str:
    return bot_messages(page).last.inner_text()


def sign_in_adviser(page: Page, stack: dict) -> None:
    page.goto(stack["hub"] + "/console/")
    page.get_by_label("Username").fill("adviser")
    page.get_by_label("Password").fill(stack["env"]["WAYFINDER_ADVISER_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("Waiting"))).to_be_visible()


def test_with_nobody_online_a_callback_is_taken_in_the_chat_and_reaches_the_console(browser, stack):
    customer = browser.new_context(locale="en-GB").new_page()
    open_chat(customer, stack, "/")
    converse(customer, "can i speak to a real person please")
    expect(bot_messages(customer).last).to_contain_text("Would you like a callback?")
    converse(customer, "why?")  # answered, and the question asked again: the yes after it still counts
    expect(bot_messages(customer).nth(-2)).to_contain_text("none of our advisers can take this chat")
    expect(bot_messages(customer).last).to_contain_text("would you like an adviser to call you back?")
    converse(customer, "yes")
    expect(bot_messages(customer).last).to_contain_text("What name should the adviser ask for?")
    converse(customer, "12345")
    expect(bot_messages(customer).nth(-2)).to_contain_text("Please give your name in letters")
    converse(customer, "my name is Priya Shah")
    expect(bot_messages(customer).last).to_contain_text("phone number or email address")
    converse(customer, "0770 0900")
    expect(bot_messages(customer).nth(-2)).to_contain_text("doesn't look like a phone number")
    converse(customer, "priya.shah@example.com")
    expect(bot_messages(customer).last).to_contain_text("When suits you best?")
    customer.locator(f"{LOG}").get_by_role("button", name="A morning").click()
    expect(bot_messages(customer).last).to_contain_text(re.compile(r"Your reference is CB-\d+"), timeout=ANSWER_TIMEOUT)
    reference = re.search(r"CB-\d+", last_bot_text(customer)).group(0)
    assert "email you in the morning" in last_bot_text(customer)

    adviser = browser.new_context(locale="en-GB").new_page()
    sign_in_adviser(adviser, stack)
    adviser.goto(stack["hub"] + "/console/callbacks")
    ticket = adviser.locator("h2", has_text=reference)
    expect(ticket).to_contain_text("Priya Shah")
    expect(adviser.locator("body")).not_to_contain_text("12345")  # the rejected details were never stored
    adviser.context.close()
    customer.context.close()


def test_a_system_failure_goes_to_an_adviser_who_answers_and_hands_back(browser, stack):
    """The issue's two-browser test on the real stack: fault switch → failure path → adviser → hand back."""
    errors: list = []
    customer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    adviser = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
    for page in (customer, adviser):
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in_adviser(adviser, stack)  # an adviser is online: chats are queued, not offered a callback
    set_fault(stack, "apply_parking_permit", "down")
    try:
        open_chat(customer, stack, "/parking/permit")
        converse(customer, "i want to apply for a parking permit")
        said = " ".join(bot_messages(customer).all_inner_texts())
        assert "isn't working" in said and "not anything you've done" in said
        converse(customer, "yes please")
        expect(bot_messages(customer).last).to_contain_text(re.compile(r"number 1 in the queue"))
        widget = customer.locator("#wayfinder-widget")
        expect(widget).to_contain_text("Waiting for an adviser")
        expect(widget.get_by_role("button", name="Back to the assistant")).to_be_visible()

        # the adviser sees it live, with the summary the assistant built
        row = adviser.locator("#waiting tbody tr")
        expect(row).to_have_count(1, timeout=ANSWER_TIMEOUT)
        expect(row).to_contain_text("The online service itself failed")
        row.get_by_role("link", name="Read summary").click()
        summary = adviser.locator(".summary")
        expect(summary).to_contain_text("parking permit", ignore_case=True)
        expect(adviser.locator("#transcript")).to_contain_text("i want to apply for a parking permit")
        adviser.get_by_role("button", name="Claim this chat").click()
        expect(customer.locator(LOG)).to_contain_text("Hello, I'm Sam, an adviser.")
        expect(widget).to_contain_text("You're talking to: Sam")

        adviser.get_by_label("Your reply").fill("The permit system is down; I can take your application by phone.")
        adviser.get_by_role("button", name="Send to the customer").click()
        expect(customer.locator(LOG)).to_contain_text("I can take your application by phone.")
        answers = bot_messages(customer).count()
        say(customer, "ok thanks, my number is 07700 900123")
        expect(adviser.locator("#transcript")).to_contain_text("07700 900123")
        customer.wait_for_timeout(3000)
        expect(bot_messages(customer)).to_have_count(answers)  # while an adviser has the chat, the bot is silent

        # back to the assistant at a chosen step: it says so and carries on
        adviser.get_by_label("Carry on from").select_option(index=1)
        adviser.get_by_label("Note for the assistant").fill("Took the application by phone")
        adviser.get_by_role("button", name="Hand back").click()
        expect(customer.locator(LOG)).to_contain_text("handed you back to me", timeout=ANSWER_TIMEOUT)
        expect(bot_messages(customer).last).to_contain_text("Step 1 of")  # the step the adviser chose
        expect(widget).to_contain_text("You're talking to: Assistant")
        expect(widget.get_by_role("button", name="Back to the assistant")).to_be_hidden()
        converse(customer, "thank you")
        assert bot_messages(customer).last.inner_text().strip()
    finally:
        set_fault(stack, "apply_parking_permit", "none")
    assert not errors, errors
    customer.context.close()
    adviser.context.close()


# -- other Socket.IO clients (Rasa's own widgets speak this protocol) --------------------


def test_a_rasa_socketio_client_chats_through_the_hub_with_the_id_it_is_given(stack):
    client = socketio.Client(reconnection=False)
    confirmed, uttered = [], []
    client.on("session_confirm", confirmed.append)
    client.on("bot_uttered", uttered.append)
    client.connect(stack["hub"], headers={"Origin": stack["portal"]}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": "chosen-by-the-client"})
        _wait(lambda: confirmed)
        session = confirmed[0]["session_id"]
        assert session != "chosen-by-the-client"
        client.emit("user_uttered", {"message": "hello", "session_id": session, "customData": {"language": "en"}})
        _wait(lambda: uttered, timeout=ANSWER_TIMEOUT / 1000)
        assert uttered[0]["text"]
    finally:
        client.disconnect()


def test_a_page_on_another_origin_cannot_open_the_socket(stack):
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(stack["hub"], headers={"Origin": "http://evil.example"}, transports=["polling"],
                       wait_timeout=10)


def _wait(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _hub_processes(stack: dict) -> tuple:
    """The hub's gunicorn master and worker, checked to be descendants of the stack this test started."""
    log = Path(stack["log"]).read_text()
    port = stack["hub"].rsplit(":", 1)[1]
    master = int(re.findall(rf"Listening at: http://127\.0\.0\.1:{port} \((\d+)\)", log)[-1])
    pid = master
    while pid > 1 and pid != stack["pgid"]:
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert pid == stack["pgid"], "the hub found is not part of the stack this test started"
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return master, [int(w) for w in workers]


def test_after_the_hub_restarts_the_widget_reconnects_and_nothing_typed_is_lost(page, stack):
    open_chat(page, stack)
    converse(page, "hello")
    answers_before = bot_messages(page).count()
    master, workers = _hub_processes(stack)
    os.kill(master, signal.SIGSTOP)  # no new worker until we say so
    try:
        for worker in workers:
            os.kill(worker, signal.SIGKILL)
        expect(page.locator("#wayfinder-widget .wf-status")).to_contain_text("offline", timeout=15_000)
        say(page, "are you still there?")
        pending = page.locator(f"{LOG} > [data-sender=customer]").last
        expect(pending).to_contain_text("Waiting to send")
    finally:
        os.kill(master, signal.SIGCONT)  # gunicorn starts a fresh worker: the hub is back
    expect(pending).not_to_contain_text("Waiting to send", timeout=40_000)
    expect(page.locator("#wayfinder-widget .wf-status")).not_to_contain_text("offline")
    expect(bot_messages(page)).not_to_have_count(answers_before, timeout=ANSWER_TIMEOUT)
    page.reload()
    customer = page.locator(f"{LOG} > [data-sender=customer]")
    expect(customer).to_have_count(2)
    expect(customer.last).to_contain_text("are you still there?")
