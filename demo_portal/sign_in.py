"""Sign in, sign out, and the forgotten-password journey (which also unlocks an account)."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, redirect, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import PageError
from .journeys import Journey
from .mailbox import check_code, issue_code, send_mail
from .models import Account, db
from .pages import guard, is_failing, render_step, service_error
from .validation import normalise_email

bp = Blueprint("sign_in", __name__)
HELP = "sign_in_help"
CONTACT = "update_contact_details"
MAX_FAILED_SIGN_INS = 3
reset = Journey(HELP, restart_step="request_code")
SAFE_NEXT = re.compile(r"^/account(/[a-z\-]+)*$")


def _next_path() -> str | None:
    value = request.args.get("next", "")
    return value if SAFE_NEXT.match(value) else None


def _page_service() -> str:
    """`/sign-in?next=/account/...` is the first step of updating contact details."""
    if request.path == "/sign-in" and _next_path():
        return CONTACT
    return HELP


@bp.before_request
def _down_guard():
    return guard(_page_service())


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    service_id = _page_service()
    next_path = _next_path()
    if request.method == "GET":
        return render_step(service_id, "sign_in", "sign_in/sign_in.html", email="",
                           next_path=next_path)
    email = normalise_email(request.form.get("email"))
    password = request.form.get("password", "")
    account = Account.query.filter_by(email=email).first() if email else None
    error = _attempt_sign_in(account, password)
    if error is None:
        session["account"] = account.reference
        current_app.logger.info("signed in: account %s", account.reference)
        return redirect(next_path or "/account/details", code=303)
    field = None if error == "ACCOUNT_LOCKED" else "email"
    return render_step(service_id, "sign_in", "sign_in/sign_in.html",
                       [PageError(error, field)], email=request.form.get("email", ""),
                       next_path=next_path)


def _attempt_sign_in(account: Account | None, password: str) -> str | None:
    """None when the password is right; else SIGNIN_FAILED or ACCOUNT_LOCKED."""
    if account is None:
        return "SIGNIN_FAILED"
    if account.locked:
        return "ACCOUNT_LOCKED"
    if password and check_password_hash(account.password_hash, password):
        account.failed_sign_ins = 0
        db.session.commit()
        return None
    account.failed_sign_ins += 1
    if account.failed_sign_ins >= MAX_FAILED_SIGN_INS:
        account.locked = True
        current_app.logger.warning("account %s locked after failed sign-ins", account.reference)
    db.session.commit()
    return "ACCOUNT_LOCKED" if account.locked else "SIGNIN_FAILED"


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
@reset.step("request_code", entry=True)
def request_code(state):
    if request.method == "GET":
        return render_step(HELP, "request_code", "sign_in/forgot.html", email="")
    email = normalise_email(request.form.get("email"))
    if email is None:
        return render_step(HELP, "request_code", "sign_in/forgot.html",
                           [PageError("EMAIL_INVALID", "email")],
                           email=request.form.get("email", ""))
    account = Account.query.filter_by(email=email).first()
    if account is not None:
        send_reset_code(account)
    return reset.begin("request_code", email=email,
                       account=account.reference if account else None)


def send_reset_code(account: Account) -> None:
    """Email a password reset code to the account's address (the caller commits)."""
    issue_code(account.reference, "reset", account.email,
               "Your Riverside Council password reset code",
               f"Hello {account.name},\n\nUse this code to reset your password.")


@bp.route("/sign-in/forgot/code", methods=["GET", "POST"])
@reset.step("enter_code")
def enter_code(state):
    email = state.data["email"]
    if request.method == "GET":
        return render_step(HELP, "enter_code", "sign_in/code.html", email=email)
    error = check_code(state.data.get("account"), "reset", request.form.get("code", ""))
    if error:
        return render_step(HELP, "enter_code", "sign_in/code.html",
                           [PageError(error, "code")], email=email)
    return reset.advance(state, "enter_code")


def password_errors(new: str, confirm: str) -> list[PageError]:
    errors = []
    if len(new) < 10 or not any(ch.isdigit() for ch in new):
        errors.append(PageError("PASSWORD_TOO_WEAK", "new-password"))
    if new != confirm:
        errors.append(PageError("PASSWORDS_DONT_MATCH", "confirm-password"))
    return errors


@bp.route("/sign-in/forgot/new-password", methods=["GET", "POST"])
@reset.step("new_password")
def new_password(state):
    template = "sign_in/new_password.html"
    if request.method == "GET":
        return render_step(HELP, "new_password", template)
    errors = password_errors(request.form.get("new-password", ""),
                             request.form.get("confirm-password", ""))
    if errors:
        return render_step(HELP, "new_password", template, errors)
    if is_failing(HELP):
        return service_error(HELP, "new_password", template)
    account = db.session.get(Account, state.data["account"])
    account.password_hash = generate_password_hash(request.form["new-password"])
    account.locked = False
    account.failed_sign_ins = 0
    send_mail(account.email, "Your Riverside Council password has been changed",
              f"Hello {account.name},\n\nYour password has been changed and your account "
              "is unlocked. If this was not you, contact us straight away.")
    current_app.logger.info("password reset: account %s", account.reference)
    return reset.finish(state)


@bp.get("/sign-in/forgot/done")
@reset.step("done")
def done(state):
    return render_step(HELP, "done", "sign_in/done.html")
