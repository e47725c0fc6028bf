"""Pay your council tax, screen by screen; card numbers never kept."""

from __future__ import annotations

import logging
import re

from portal_support import DECLINED_CARD, GOOD_CARD

from demo_portal.models import Account, JourneyState, ServiceRecord, db


def _balance(app, reference="10000001") -> int:
    with app.app_context():
        return db.session.get(Account, reference).balance_pence


def test_payment_screen_by_screen(portal, client, app):
    page = portal.get("/council-tax/pay")
    assert (page.service, page.step, page.h1) == ("pay_council_tax", "start",
                                                  ["Pay your council tax"])
    assert "start-button" in page.ids
    assert client.post("/council-tax/pay").headers["Location"] == "/council-tax/pay/account"

    page = portal.get("/council-tax/pay/account")
    assert page.step == "account" and {"account-reference", "postcode"} <= page.ids
    response = client.post("/council-tax/pay/account",
                           data={"account-reference": "1000 0001", "postcode": "rv11aa"})
    assert response.headers["Location"] == "/council-tax/pay/amount"

    page = portal.get("/council-tax/pay/amount")
    assert page.step == "amount" and {"amount", "other-amount"} <= page.ids
    assert "£1,245.60" in page.text
    response = client.post("/council-tax/pay/amount",
                           data={"amount": "other", "other-amount": "£100"})
    assert response.headers["Location"] == "/council-tax/pay/card"

    page = portal.get("/council-tax/pay/card")
    assert page.step == "card" and "£100.00" in page.text
    assert {"card-name", "card-number", "expiry-month", "expiry-year"} <= page.ids
    response = client.post("/council-tax/pay/card", data=GOOD_CARD)
    assert response.headers["Location"] == "/council-tax/pay/verify"

    page = portal.get("/council-tax/pay/verify")
    assert page.step == "verify" and "Card ending 4242" in page.text
    response = client.post("/council-tax/pay/verify", data={"security-code": "737"})
    assert response.headers["Location"] == "/council-tax/pay/confirmation"

    page = portal.get("/council-tax/pay/confirmation")
    assert page.step == "confirmation" and page.h1 == ["Payment complete"]
    reference = re.search(r"CT-[A-Z2-9]{8}", page.text).group(0)
    assert "£1,145.60" in page.text
    assert _balance(app) == 114560
    with app.app_context():
        record = db.session.get(ServiceRecord, reference)
        assert (record.amount_pence, record.card_last4, record.channel) == (10000, "4242", "web")


def test_full_balance_clears_the_account(portal, client, app):
    portal.walk("pay_council_tax", "amount")
    client.post("/council-tax/pay/amount", data={"amount": "full"})
    client.post("/council-tax/pay/card", data=GOOD_CARD)
    client.post("/council-tax/pay/verify", data={"security-code": "123"})
    assert _balance(app) == 0


def test_no_amount_chosen(portal):
    portal.walk("pay_council_tax", "amount")
    page = portal.post("/council-tax/pay/amount", {})
    assert page.summary_code == "AMOUNT_INVALID" and page.field_codes == {"amount": "AMOUNT_INVALID"}


def test_nothing_to_pay_on_a_clear_account(portal, client):
    portal.walk("pay_council_tax", "account")
    client.post("/council-tax/pay/account",
                data={"account-reference": "10000002", "postcode": "RV2 3BB"})
    page = portal.post("/council-tax/pay/amount", {"amount": "full"})
    assert page.summary_code == "AMOUNT_INVALID"
    assert "nothing to pay" in page.text


def test_card_numbers_and_security_codes_are_never_kept(portal, client, app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    portal.walk("pay_council_tax", "card")
    client.post("/council-tax/pay/card", data={**GOOD_CARD, "card-number": "4242-4242-4242-4242"})
    client.post("/council-tax/pay/verify", data={"security-code": "737"})
    assert portal.get("/council-tax/pay/confirmation").step == "confirmation"
    # a declined attempt too
    portal.walk("pay_council_tax", "card")
    client.post("/council-tax/pay/card", data=DECLINED_CARD)
    client.post("/council-tax/pay/verify", data={"security-code": "737"})
    with app.app_context():
        states = [state.data for state in JourneyState.query.all()]
        assert states and all("737" not in str(data) for data in states)
        db.session.remove()
        db.engine.dispose()
    raw = (tmp_path / "portal.db").read_bytes()
    for secret in (b"4242424242424242", b"4242 4242 4242 4242", b"4242-4242",
                   b"4000000000000002", b"4000 0000"):
        assert secret not in raw
    assert b"4242" in raw  # the last four digits are kept
    assert "4242424242424242" not in caplog.text and "4242 4242" not in caplog.text


def test_a_declined_card_takes_no_money(portal, client, app):
    portal.walk("pay_council_tax", "card")
    client.post("/council-tax/pay/card", data=DECLINED_CARD)
    page = portal.post("/council-tax/pay/verify", {"security-code": "123"})
    assert page.summary_code == "CARD_DECLINED"
    assert _balance(app) == 124560
    with app.app_context():
        assert ServiceRecord.query.count() == 0


def test_answers_are_kept_when_going_back(portal):
    portal.walk("pay_council_tax", "card")
    html = portal.client.get("/council-tax/pay/account").get_data(as_text=True)
    assert 'value="10000001"' in html
    html = portal.client.get("/council-tax/pay/card").get_data(as_text=True)
    assert 'name="card-number" type="text" value=""' in html  # never shown again
    assert 'value="Alex Morgan"' not in html  # nothing of the card is kept in the journey


def test_steps_out_of_order_go_back_to_the_start(client):
    for path in ("/council-tax/pay/account", "/council-tax/pay/amount", "/council-tax/pay/card",
                 "/council-tax/pay/verify", "/council-tax/pay/confirmation"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/council-tax/pay"
    client.post("/council-tax/pay")
    assert client.get("/council-tax/pay/card").headers["Location"] == "/council-tax/pay"
    assert client.post("/council-tax/pay/verify", data={"security-code": "123"}).status_code == 302


def test_a_paid_journey_cannot_be_paid_again(portal, client, app):
    portal.walk("pay_council_tax", "confirmation")
    response = client.post("/council-tax/pay/verify", data={"security-code": "123"})
    assert response.headers["Location"] == "/council-tax/pay"
    assert _balance(app) == 124560 - 10000


def test_another_browser_does_not_share_the_journey(portal, app):
    portal.walk("pay_council_tax", "card")
    other = app.test_client()
    assert other.get("/council-tax/pay/card").headers["Location"] == "/council-tax/pay"


def test_journey_state_lives_on_the_server(portal, app):
    portal.walk("pay_council_tax", "card")
    cookie = portal.client.get_cookie("riverside_session")
    assert cookie is not None and "10000001" not in cookie.value
    with app.app_context():
        state = JourneyState.query.one()
        assert state.data["account"] == "10000001"
