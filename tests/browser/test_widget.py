"""The chat widget in Chromium on the real demo portal and the real hub (a scripted assistant answers).

What the widget does with what the hub sends: the DOM contract, buttons, highlights, page
views, markdown kept safe, keyboard use, notices, phone and zoomed layouts, contrast.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

LOG = "#wayfinder-widget [role=log]"
ALL_PAGES = ["/", "/council-tax/pay", "/bins/missed", "/parking/permit", "/bulky-waste", "/sign-in",
             "/sign-in/forgot", "/account/details", "/demo/mailbox", "/no-such-page"]


def open_chat(page: Page, site: dict, path: str = "/") -> None:
    page.goto(site["portal"] + path)
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    expect(page.get_by_label("Message")).to_be_focused()


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Message")
    box.fill(text)
    box.press("Enter")


def messages(page: Page):
    return page.locator(f"{LOG} > *")


def last_bot_text(page: Page) -> str:
    return page.locator(f"{LOG} > [data-sender=bot]").last.inner_text()


def test_every_portal_page_embeds_the_widget(page, scripted_site):
    for path in ALL_PAGES:
        page.goto(scripted_site["portal"] + path)
        expect(page.locator("#wayfinder-widget")).to_have_count(1)
        launcher = page.locator("#wayfinder-widget button[aria-label*=chat i]")
        expect(launcher).to_be_visible()
    scripts = page.locator("script[src$='/webchat/wayfinder.js']")
    expect(scripts).to_have_count(1)


def test_the_dom_contract_and_a_first_answer(page, scripted_site):
    open_chat(page, scripted_site)
    log = page.locator(LOG)
    expect(log).to_have_attribute("aria-live", "polite")
    assert page.get_by_label("Message").evaluate("e => e.tagName") == "TEXTAREA"
    expect(messages(page)).to_have_count(1)  # the greeting
    say(page, "hello there")
    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(1)).to_contain_text("hello there")
    expect(messages(page).nth(2)).to_contain_text("You said: hello there")
    expect(page.locator("#wayfinder-widget")).to_contain_text("You're talking to: Assistant")
    expect(messages(page).nth(2).locator("time")).to_have_count(1)
    sent = scripted_site["assistant"].sent
    assert sent[0]["metadata"] == {"page": "/"} and "." in sent[0]["sender"]


def test_the_conversation_follows_the_customer_to_the_next_page(page, scripted_site):
    open_chat(page, scripted_site, "/")
    say(page, "first page")
    expect(messages(page)).to_have_count(3)
    session = page.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':session')).map(k => localStorage[k])")
    page.goto(scripted_site["portal"] + "/bins/missed")
    expect(page.get_by_label("Message")).to_be_visible()  # still open on the next page
    expect(messages(page)).to_have_count(3)
    expect(page.locator(LOG)).to_contain_text("first page")
    say(page, "second page")
    expect(messages(page)).to_have_count(5)
    senders = {m["sender"] for m in scripted_site["assistant"].sent}
    assert senders == set(session)
    assert scripted_site["assistant"].sent[1]["metadata"] == {"page": "/bins/missed"}


def test_quick_replies_are_buttons_in_their_message_until_answered(page, scripted_site):
    scripted_site["assistant"].script["help"] = [
        {"text": "Have you used our online services before?",
         "buttons": [{"title": "Yes, often", "payload": "/express_experienced_user"},
                     {"title": "No, first time", "payload": "/express_new_user"}]}]
    open_chat(page, scripted_site)
    say(page, "help")
    offered = messages(page).nth(2)
    expect(offered.get_by_role("button", name="No, first time")).to_be_visible()
    page.reload()  # unanswered, so still offered after a page load
    offered = messages(page).nth(2)
    offered.get_by_role("button", name="No, first time").click()
    expect(messages(page).nth(3)).to_contain_text("No, first time")
    expect(page.locator("#wayfinder-widget .wf-quick-reply")).to_have_count(0)
    expect(messages(page).nth(4)).to_contain_text("You said: /express_new_user")
    page.reload()  # the history shows the title, not the payload
    expect(messages(page).nth(3)).to_contain_text("No, first time")
    expect(page.locator("#wayfinder-widget .wf-quick-reply")).to_have_count(0)


def test_the_highlighted_field_is_outlined_scrolled_to_and_moved_on(page, scripted_site):
    assistant = scripted_site["assistant"]
    assistant.script["show me"] = [{"text": "Type your **account reference** in the box I've outlined."},
                                   {"custom": {"highlight": "#account-reference"}}]
    assistant.script["and then?"] = [{"text": "Now the postcode."}, {"custom": {"highlight": "#postcode"}}]
    page.set_viewport_size({"width": 1280, "height": 500})
    page.goto(scripted_site["portal"] + "/council-tax/pay")
    page.locator("#start-button").click()
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    say(page, "show me")
    field = page.locator("#account-reference")
    expect(field).to_have_attribute("data-wayfinder-highlight", "")
    expect(field).to_have_css("outline-style", "solid")
    expect(field).to_be_in_viewport()
    say(page, "and then?")
    expect(page.locator("#postcode")).to_have_attribute("data-wayfinder-highlight", "")
    expect(page.locator("[data-wayfinder-highlight]")).to_have_count(1)

    # The customer submits the form with a mistake: the page view reaches the bot with the error code.
    assistant.on_page = [{"text": "That reference needs 8 digits."}, {"custom": {"highlight": "#account-reference"}}]
    field.fill("123")
    page.locator("#continue-button").click()
    expect(page.locator("[data-error-code=CT_REFERENCE_FORMAT]").first).to_be_attached()
    expect(page.locator(LOG)).to_contain_text("That reference needs 8 digits.")
    expect(page.locator("#account-reference")).to_have_attribute("data-wayfinder-highlight", "")
    assert assistant.triggered[-1]["intent"] == "EXTERNAL_page_changed"
    assert assistant.triggered[-1]["entities"] == {"page": "/council-tax/pay/account", "error_code": "CT_REFERENCE_FORMAT"}


def test_the_error_code_on_the_page_goes_with_each_message(page, scripted_site):
    page.goto(scripted_site["portal"] + "/council-tax/pay")
    page.locator("#start-button").click()
    page.locator("#account-reference").fill("1")
    page.locator("#continue-button").click()
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    say(page, "it says my reference is wrong")
    expect(messages(page)).to_have_count(3)
    assert scripted_site["assistant"].sent[-1]["metadata"] == {"page": "/council-tax/pay/account",
                                                               "error_code": "CT_REFERENCE_FORMAT"}
    assert scripted_site["assistant"].triggered == []  # no step-through, so no page events for the bot


XSS = [
    "<script>window.pwned = 1</script>",
    '<img src="x" onerror="window.pwned = 1">',
    "[click me](javascript:window.pwned=1)",
    "[or me](javascript:alert`1`)",
]


def assert_inert(page: Page) -> None:
    widget = page.locator("#wayfinder-widget")
    assert widget.locator("script, img, iframe, object, embed").count() == 0
    for href in widget.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith(("https://", "http://")), href
    assert page.evaluate("window.pwned") is None


def test_html_and_script_links_stay_inert_text(page, scripted_site):
    scripted_site["assistant"].script["links"] = [{"text": (
        "**Useful:**\n- [Council tax help](https://council.example/help)\n- https://council.example/pay\n"
        "- [bad](javascript:window.pwned=1) <img src=x onerror=window.pwned=1> <b>not bold</b>")}]
    open_chat(page, scripted_site)
    for payload in XSS:
        say(page, payload)
        expect(page.locator(LOG)).to_contain_text(f"You said: {payload}")
    say(page, "links")
    expect(page.locator(LOG)).to_contain_text("<b>not bold</b>")
    bot = page.locator(f"{LOG} > [data-sender=bot]").last
    expect(bot.locator("strong")).to_have_text("Useful:")
    expect(bot.locator("li")).to_have_count(3)
    link = bot.get_by_role("link", name=re.compile("Council tax help"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile("noopener"))
    expect(bot).to_contain_text("[bad](javascript:window.pwned=1)")
    assert_inert(page)
    page.reload()  # the same from the history
    expect(page.locator(LOG)).to_contain_text(XSS[1])
    assert_inert(page)


def test_keyboard_only_open_type_pick_a_button_and_close(page, scripted_site):
    scripted_site["assistant"].script["help"] = [
        {"text": "Shall I step you through it?",
         "buttons": [{"title": "Yes please", "payload": "/affirm"}, {"title": "No thanks", "payload": "/deny"}]}]
    page.goto(scripted_site["portal"] + "/")
    launcher = page.locator("#wayfinder-widget .wf-launcher")
    for _ in range(80):
        page.keyboard.press("Tab")
        if launcher.evaluate("e => e === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    box = page.get_by_label("Message")
    expect(box).to_be_focused()
    page.keyboard.type("help")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="No thanks")).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="No thanks")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Yes please")).to_be_focused()
    page.keyboard.press("Space")
    expect(messages(page).last).to_contain_text("You said: /affirm")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#wf-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    assert [m["text"] for m in scripted_site["assistant"].sent] == ["help", "/affirm"]


def test_unread_badge_and_typing_indicator(page, scripted_site):
    assistant = scripted_site["assistant"]
    assistant.script["guide me"] = [{"text": "Press Start."}, {"custom": {"highlight": "#start-button"}}]
    assistant.delay = 1.5
    open_chat(page, scripted_site, "/council-tax/pay")
    say(page, "guide me")
    expect(page.locator("#wayfinder-widget .wf-typing")).to_be_visible()
    expect(page.locator(LOG)).to_contain_text("Press Start.")
    expect(page.locator("#wayfinder-widget .wf-typing")).to_be_hidden()
    page.keyboard.press("Escape")
    assistant.on_page = [{"text": "Well done, you're on the account page."}, {"custom": {"highlight": "#postcode"}}]
    page.locator("#start-button").click()  # the step-through follows the customer with the chat closed
    launcher = page.locator("#wayfinder-widget .wf-launcher")
    expect(launcher).to_have_attribute("aria-label", "Open chat, 1 new message")
    expect(launcher.locator(".wf-badge")).to_have_text("1")
    launcher.click()
    expect(launcher).to_be_hidden()
    page.keyboard.press("Escape")
    expect(launcher).to_have_attribute("aria-label", "Open chat")


def test_card_numbers_are_removed_and_the_customer_is_told(page, scripted_site):
    open_chat(page, scripted_site)
    say(page, "my card is 4242 4242 4242 4242")
    expect(page.locator(f"{LOG} > [data-sender=customer]")).to_contain_text("[card number removed]")
    expect(page.locator(f"{LOG} > [data-sender=system]")).to_contain_text("removed a card number")
    assert "4242 4242" not in page.locator(LOG).inner_text()
    assert "4242" not in scripted_site["assistant"].sent[0]["text"]


def test_a_message_over_2000_characters_is_kept_in_the_box_with_a_clear_message(page, scripted_site):
    open_chat(page, scripted_site)
    say(page, "x" * 2001)
    expect(page.locator("#wayfinder-widget .wf-problem")).to_contain_text("2,000")
    expect(page.get_by_label("Message")).to_have_value("x" * 2001)
    expect(page.get_by_label("Message")).to_have_attribute("aria-invalid", "true")
    assert scripted_site["assistant"].sent == []


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 640, "height": 450}],
                         ids=["phone-360px", "desktop-at-200pc-zoom"])
def test_small_screens_and_200pc_zoom(page, scripted_site, viewport):
    scripted_site["assistant"].script["where?"] = [{"text": "In the box I've outlined."},
                                                   {"custom": {"highlight": "#postcode"}}]
    page.set_viewport_size(viewport)
    page.goto(scripted_site["portal"] + "/council-tax/pay")
    page.locator("#start-button").click()
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    panel = page.locator("#wf-panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"] + 0.5
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= viewport["height"] + 0.5
    say(page, "where?")
    expect(page.locator(LOG)).to_contain_text("In the box I've outlined.")
    for name in ("Message", "Send", "Close"):
        expect(page.get_by_label(name).or_(page.get_by_role("button", name=name)).first).to_be_in_viewport()
    field = page.locator("#postcode")
    expect(field).to_have_attribute("data-wayfinder-highlight", "")
    page.wait_for_timeout(800)  # the smooth scroll
    box = field.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.locator("#wf-panel").bounding_box()["y"], \
        "the outlined field is hidden behind the chat"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"


CONTRAST = """
(pairs) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => c.map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                      .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const bg = getComputedStyle(el).backgroundColor;
      if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return pairs.map(selector => {
    const el = document.querySelector(selector);
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(background(el)))];
    return [selector, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}
"""


def test_text_meets_wcag_aa_contrast(page, scripted_site):
    scripted_site["assistant"].script["hi"] = [
        {"text": "Hello [help](https://council.example/)", "buttons": [{"title": "OK", "payload": "/affirm"}]}]
    open_chat(page, scripted_site)
    say(page, "hi")
    expect(page.locator("#wayfinder-widget .wf-quick-reply")).to_be_visible()
    say(page, "x" * 2001)
    selectors = [".wf-title", ".wf-talking-to", ".wf-msg--customer .wf-bubble p", ".wf-msg--bot .wf-bubble p",
                 ".wf-msg--bot .wf-bubble a", ".wf-quick-reply", ".wf-meta", ".wf-label", ".wf-send", ".wf-privacy",
                 ".wf-problem"]
    for selector, ratio in page.evaluate(CONTRAST, [f"#wayfinder-widget {s}" for s in selectors]):
        assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f} is below 4.5:1"


def test_a_hub_with_no_room_for_another_chat_says_busy_and_the_message_goes_once_there_is(page, scripted_site):
    """What the hub answers a new chat while open ones fill its threads (bot/hub/capacity.py): 503 and
    Retry-After. The customer is told the chat is busy, not that their own connection is down."""
    full = re.compile(r"/socket\.io/")
    page.route(full, lambda route: route.fulfill(
        status=503, headers={"Retry-After": "5", "Content-Type": "application/json"},
        body='{"error": {"code": "busy", "message": "too many open chats; try again shortly"}}'))
    open_chat(page, scripted_site)
    status = page.locator("#wayfinder-widget .wf-status")
    expect(status).to_contain_text("very busy")
    expect(status).not_to_contain_text("offline")
    say(page, "is anyone there")
    expect(page.locator(f"{LOG} > [data-sender=customer]").last).to_contain_text("Waiting to send")
    page.unroute(full)  # room again: the widget's next retry connects and sends what waited
    expect(page.locator(f"{LOG} > [data-sender=bot]").last).to_contain_text("You said: is anyone there",
                                                                           timeout=20_000)
    expect(status).not_to_contain_text("busy")


def test_a_page_from_an_origin_not_allowed_cannot_chat(page, scripted_site):
    other_origin = scripted_site["portal"].replace("127.0.0.1", "localhost")
    page.goto(other_origin + "/")
    page.get_by_role("button", name=re.compile("chat", re.IGNORECASE)).click()
    expect(page.locator("#wayfinder-widget .wf-status")).to_contain_text("offline")
    say(page, "anyone?")
    expect(page.locator(f"{LOG} > [data-sender=customer]")).to_contain_text("Waiting to send")
    assert scripted_site["assistant"].sent == []
