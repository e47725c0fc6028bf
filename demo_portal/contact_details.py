"""Update your contact details: signed-in customers change their email or phone number."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, redirect, request, session

from .errors import PageError
from .journeys import Journey
from .mailbox import check_code, issue_code, send_mail
from .models import Account, ServiceRecord, db
from .pages import guard, is_failing, render_step, service_error
from .rules import new_reference
from .validation import normalise_email, normalise_phone

SERVICE = "update_contact_details"
bp = Blueprint("contact_details", __name__)
journey = Journey(SERVICE, restart_step="details")
bp.before_request(lambda: guard(SERVICE))


def signed_in(view):
    """Pass the signed-in account to the view; otherwise go and sign in first."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        account = db.session.get(Account, session.get("account") or "")
        if account is None:
            session.pop("account", None)
            return redirect("/sign-in?next=/account/details")
        return view(account, *args, **kwargs)
    return wrapper


@bp.get(journey.service.path("details"))
@signed_in
def details(account):
    return render_step(SERVICE, "details", "contact/details.html", account=account)


@bp.route(journey.service.path("edit"), methods=["GET", "POST"])
@signed_in
@journey.step("edit", entry=True)
def edit(state, account):
    template = "contact/edit.html"
    if request.method == "GET":
        return render_step(SERVICE, "edit", template, email=account.email,
                           phone=account.phone or "")
    typed_email = request.form.get("email", "")
    typed_phone = request.form.get("phone", "").strip()
    email = normalise_email(typed_email)
    phone = normalise_phone(typed_phone) if typed_phone else None
    errors = []
    if email is None:
        errors.append(PageError("EMAIL_INVALID", "email"))
    if typed_phone and phone is None:
        errors.append(PageError("PHONE_INVALID", "phone"))
    if not errors and email == account.email and phone == account.phone:
        errors.append(PageError("NO_CHANGES"))
    if not errors and email != account.email and email_taken(email):
        errors.append(PageError("EMAIL_IN_USE", "email"))
    if errors:
        return render_step(SERVICE, "edit", template, errors, email=typed_email,
                           phone=typed_phone)
    issue_code(account.reference, "contact", email,
               "Confirm the change to your Riverside Council contact details",
               f"Hello {account.name},\n\nUse this code to confirm the change to your "
               "contact details.")
    return journey.begin("edit", account=account.reference, email=email, phone=phone,
                         sent_to=email)


@bp.route(journey.service.path("verify"), methods=["GET", "POST"])
@signed_in
@journey.step("verify")
def verify(state, account):
    template = "contact/verify.html"
    if state.data.get("account") != account.reference:
        return journey.restart()
    sent_to = state.data["sent_to"]
    if request.method == "GET":
        return render_step(SERVICE, "verify", template, sent_to=sent_to)
    error = check_code(account.reference, "contact", request.form.get("code", ""))
    if error:
        return render_step(SERVICE, "verify", template, [PageError(error, "code")],
                           sent_to=sent_to)
    if is_failing(SERVICE):
        return service_error(SERVICE, "verify", template, sent_to=sent_to)
    if state.data["email"] != account.email and email_taken(state.data["email"]):
        return journey.restart()  # taken meanwhile: start again from the details page
    reference = apply_change(account, state.data["email"], state.data["phone"], "web")
    return journey.finish(state, reference=reference)


def email_taken(email: str) -> bool:
    return Account.query.filter_by(email=email).first() is not None


def apply_change(account: Account, email: str | None, phone: str | None,
                 channel: str) -> str:
    """Change the account's email and phone, tell the old address (the caller commits)."""
    old_email = account.email
    account.email = email or account.email
    account.phone = phone
    reference = new_reference(journey.service.reference_prefix)
    db.session.add(ServiceRecord(
        reference=reference, service_id=SERVICE, account_reference=account.reference,
        channel=channel, summary=f"Contact details updated on account {account.reference}",
        details={"email_changed": account.email != old_email},
    ))
    send_mail(old_email, "Your Riverside Council contact details have changed",
              f"Hello {account.name},\n\nThe contact details on your account have been "
              f"changed (reference {reference}). If this was not you, contact us.")
    current_app.logger.info("contact details change %s on account %s", reference,
                            account.reference)
    return reference


@bp.get(journey.service.path("saved"))
@signed_in
@journey.step("saved")
def saved(state, account):
    return render_step(SERVICE, "saved", "contact/saved.html", account=account,
                       reference=state.data["reference"])
