"""Sign in, account locking, and the forgotten-password journey screen by screen."""

from __future__ import annotations

from demo_portal.models import Account, MailMessage, db


def test_sign_in_page(portal):
    page = portal.get("/sign-in")
    assert page.status == 200
    assert (page.service, page.step) == ("sign_in_help", "sign_in")
    assert page.h1 == ["Sign in"]
    assert {"email", "password"} <= page.ids


def test_sign_in_for_contact_details_is_that_services_first_step(portal):
    page = portal.get("/sign-in?next=/account/details")
    assert (page.service, page.step) == ("update_contact_details", "sign_in")


def test_sign_in_goes_to_the_account(client):
    response = client.post("/sign-in", data={"email": " Alex.Morgan@example.org ",
                                             "password": "Riverside-2024"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account/details"
    assert b"alex.morgan@example.org" in client.get("/account/details").data


def test_sign_in_ignores_a_next_address_off_the_site(client):
    response = client.post("/sign-in?next=//evil.example/account",
                           data={"email": "alex.morgan@example.org",
                                 "password": "Riverside-2024"})
    assert response.headers["Location"] == "/account/details"


def test_wrong_password_and_unknown_email_read_the_same(portal):
    wrong = portal.post("/sign-in", {"email": "alex.morgan@example.org", "password": "nope"})
    unknown = portal.post("/sign-in", {"email": "who@example.org", "password": "nope"})
    assert wrong.summary_code == unknown.summary_code == "SIGNIN_FAILED"
    assert "email address or password is not right" in wrong.text


def test_three_failed_attempts_lock_the_account(portal, app):
    codes = [portal.post("/sign-in", {"email": "jo.evans@example.org", "password": "bad"})
             .summary_code for _ in range(3)]
    assert codes == ["SIGNIN_FAILED", "SIGNIN_FAILED", "ACCOUNT_LOCKED"]
    right = portal.post("/sign-in", {"email": "jo.evans@example.org",
                                     "password": "Riverside-2024"})
    assert right.summary_code == "ACCOUNT_LOCKED"
    with app.app_context():
        assert db.session.get(Account, "10000003").locked


def test_a_successful_sign_in_resets_the_count(portal, app):
    for _ in range(2):
        portal.post("/sign-in", {"email": "jo.evans@example.org", "password": "bad"})
    portal.sign_in("jo.evans@example.org")
    page = portal.post("/sign-in", {"email": "jo.evans@example.org", "password": "bad"})
    assert page.summary_code == "SIGNIN_FAILED"


def test_password_reset_screen_by_screen(portal, client, app):
    page = portal.get("/sign-in/forgot")
    assert (page.service, page.step, page.h1) == ("sign_in_help", "request_code",
                                                  ["Reset your password"])
    response = client.post("/sign-in/forgot", data={"email": "alex.morgan@example.org"})
    assert response.headers["Location"] == "/sign-in/forgot/code"

    page = portal.get("/sign-in/forgot/code")
    assert page.step == "enter_code" and "alex.morgan@example.org" in page.text
    mailbox = portal.get("/demo/mailbox")
    assert "To: alex.morgan@example.org" in mailbox.text
    response = client.post("/sign-in/forgot/code", data={"code": portal.latest_code()})
    assert response.headers["Location"] == "/sign-in/forgot/new-password"

    page = portal.get("/sign-in/forgot/new-password")
    assert page.step == "new_password" and {"new-password", "confirm-password"} <= page.ids
    response = client.post("/sign-in/forgot/new-password",
                           data={"new-password": "Kingfisher-2025",
                                 "confirm-password": "Kingfisher-2025"})
    assert response.headers["Location"] == "/sign-in/forgot/done"
    page = portal.get("/sign-in/forgot/done")
    assert page.step == "done" and page.h1 == ["Your password has been reset"]

    old = portal.post("/sign-in", {"email": "alex.morgan@example.org",
                                   "password": "Riverside-2024"})
    assert old.summary_code == "SIGNIN_FAILED"
    portal.sign_in(password="Kingfisher-2025")
    with app.app_context():
        stored = db.session.get(Account, "10000001").password_hash
    assert "Kingfisher-2025" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_reset_unlocks_a_locked_account(portal, client):
    locked = portal.post("/sign-in", {"email": "sam.patel@example.org",
                                      "password": "Riverside-2024"})
    assert locked.summary_code == "ACCOUNT_LOCKED"
    client.post("/sign-in/forgot", data={"email": "sam.patel@example.org"})
    client.post("/sign-in/forgot/code", data={"code": portal.latest_code()})
    client.post("/sign-in/forgot/new-password", data={"new-password": "Heron-pond-42",
                                                      "confirm-password": "Heron-pond-42"})
    portal.sign_in("sam.patel@example.org", "Heron-pond-42")


def test_unknown_email_gets_the_same_answer_and_no_mail(portal, client, app):
    response = client.post("/sign-in/forgot", data={"email": "stranger@example.org"})
    assert response.headers["Location"] == "/sign-in/forgot/code"
    page = portal.get("/sign-in/forgot/code")
    assert "If stranger@example.org is registered" in page.text
    with app.app_context():
        assert MailMessage.query.count() == 0
    assert portal.post("/sign-in/forgot/code", {"code": "123456"}).summary_code == "CODE_INVALID"


def test_a_code_works_once(portal, client):
    client.post("/sign-in/forgot", data={"email": "alex.morgan@example.org"})
    code = portal.latest_code()
    assert client.post("/sign-in/forgot/code", data={"code": code}).status_code == 303
    assert portal.post("/sign-in/forgot/code", {"code": code}).summary_code == "CODE_INVALID"


def test_five_wrong_codes_cancel_the_code(portal, client):
    client.post("/sign-in/forgot", data={"email": "alex.morgan@example.org"})
    code = portal.latest_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        portal.post("/sign-in/forgot/code", {"code": wrong})
    assert portal.post("/sign-in/forgot/code", {"code": code}).summary_code == "CODE_INVALID"


def test_steps_out_of_order_go_back_to_the_start(client):
    for path in ("/sign-in/forgot/code", "/sign-in/forgot/new-password",
                 "/sign-in/forgot/done"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/sign-in/forgot"
    client.post("/sign-in/forgot", data={"email": "alex.morgan@example.org"})
    response = client.get("/sign-in/forgot/new-password")
    assert response.headers["Location"] == "/sign-in/forgot"


def test_a_finished_reset_cannot_be_replayed(portal, client):
    portal.walk("sign_in_help", "done")
    response = client.post("/sign-in/forgot/new-password",
                           data={"new-password": "Another-pass-9",
                                 "confirm-password": "Another-pass-9"})
    assert response.headers["Location"] == "/sign-in/forgot"


def test_sign_out(portal, client):
    portal.sign_in()
    assert client.post("/sign-out").headers["Location"] == "/"
    assert client.get("/account/details").status_code == 302
