"""Update your contact details: sign in, edit, confirm with an emailed code."""

from __future__ import annotations

import re

import pytest

from demo_portal.models import Account, MailMessage, db


@pytest.mark.parametrize("path", ["/account/details", "/account/details/edit",
                                  "/account/details/verify", "/account/details/saved"])
def test_signed_out_customers_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account/details"


def test_change_screen_by_screen(portal, client, app):
    response = portal.sign_in()
    assert response.headers["Location"] == "/account/details"

    page = portal.get("/account/details")
    assert (page.service, page.step) == ("update_contact_details", "details")
    assert "edit-button" in page.ids and "alex.morgan@example.org" in page.text

    page = portal.get("/account/details/edit")
    assert page.step == "edit" and {"email", "phone"} <= page.ids
    response = client.post("/account/details/edit",
                           data={"email": "Alex.New@Example.org", "phone": "01632 960 001"})
    assert response.headers["Location"] == "/account/details/verify"

    page = portal.get("/account/details/verify")
    assert page.step == "verify" and "alex.new@example.org" in page.text
    with app.app_context():
        mail = MailMessage.query.order_by(MailMessage.id.desc()).first()
        assert mail.to_address == "alex.new@example.org"
        assert db.session.get(Account, "10000001").email == "alex.morgan@example.org"
    response = client.post("/account/details/verify", data={"code": portal.latest_code()})
    assert response.headers["Location"] == "/account/details/saved"

    page = portal.get("/account/details/saved")
    assert page.step == "saved" and page.h1 == ["Your contact details have been updated"]
    assert re.search(r"CD-[A-Z2-9]{8}", page.text)
    with app.app_context():
        account = db.session.get(Account, "10000001")
        assert (account.email, account.phone) == ("alex.new@example.org", "01632960001")
        notice = MailMessage.query.filter_by(to_address="alex.morgan@example.org").one()
        assert "changed" in notice.subject

    client.post("/sign-out")
    portal.sign_in("alex.new@example.org")


def test_phone_can_be_removed(portal, client, app):
    portal.sign_in()
    client.post("/account/details/edit", data={"email": "alex.morgan@example.org", "phone": ""})
    client.post("/account/details/verify", data={"code": portal.latest_code()})
    with app.app_context():
        assert db.session.get(Account, "10000001").phone is None


def test_verify_out_of_order_goes_back_to_the_details(portal, client):
    portal.sign_in()
    assert client.get("/account/details/verify").headers["Location"] == "/account/details"
    assert client.get("/account/details/saved").headers["Location"] == "/account/details"


def test_a_wrong_code_changes_nothing(portal, app):
    portal.walk("update_contact_details", "verify")
    assert portal.post("/account/details/verify", {"code": "999999"}).status == 400
    with app.app_context():
        assert db.session.get(Account, "10000001").email == "alex.morgan@example.org"


def test_another_customer_cannot_finish_someone_elses_change(portal, client):
    portal.walk("update_contact_details", "verify")
    client.post("/sign-out")
    portal.sign_in("jo.evans@example.org")
    assert client.get("/account/details/verify").headers["Location"] == "/account/details"
