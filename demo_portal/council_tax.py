"""Pay your council tax: account, amount, card, security code, confirmation."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from .errors import PageError
from .journeys import Journey
from .models import Account, ServiceRecord, db
from .pages import guard, is_failing, render_step, service_error
from .payments import card_form_values, check_card_form, check_security_code
from .rules import find_account, new_reference
from .validation import format_pounds, normalise_postcode, parse_amount

SERVICE = "pay_council_tax"
bp = Blueprint("council_tax", __name__)
journey = Journey(SERVICE)
bp.before_request(lambda: guard(SERVICE))


@bp.route(journey.service.path("start"), methods=["GET", "POST"])
@journey.step("start", entry=True)
def start(state):
    if request.method == "POST":
        return journey.begin("start")
    return render_step(SERVICE, "start", "council_tax/start.html")


@bp.route(journey.service.path("account"), methods=["GET", "POST"])
@journey.step("account")
def account(state):
    template = "council_tax/account.html"
    if request.method == "GET":
        return render_step(SERVICE, "account", template, form=state.data.get("form", {}))
    form = {k: request.form.get(k, "") for k in ("account-reference", "postcode")}
    reference = form["account-reference"].replace(" ", "")
    postcode = normalise_postcode(form["postcode"])
    errors = []
    if not (len(reference) == 8 and reference.isdigit()):
        errors.append(PageError("CT_REFERENCE_FORMAT", "account-reference"))
    if postcode is None:
        errors.append(PageError("POSTCODE_INVALID", "postcode"))
    if not errors:
        found = find_account(reference, postcode)
        if found is None:
            errors.append(PageError("CT_ACCOUNT_NOT_FOUND", "account-reference"))
    if errors:
        return render_step(SERVICE, "account", template, errors, form=form)
    return journey.advance(state, "account", account=reference, form=form)


def _account(state) -> Account:
    return db.session.get(Account, state.data["account"])


@bp.route(journey.service.path("amount"), methods=["GET", "POST"])
@journey.step("amount")
def amount(state):
    template = "council_tax/amount.html"
    acct = _account(state)
    if request.method == "GET":
        return render_step(SERVICE, "amount", template, account=acct,
                           choice=state.data.get("choice", ""),
                           other=state.data.get("other", ""))
    choice = request.form.get("amount", "")
    other = request.form.get("other-amount", "")
    pence, error = _chosen_amount(choice, other, acct.balance_pence)
    if error:
        field = "other-amount" if choice == "other" else "amount"
        return render_step(SERVICE, "amount", template, [PageError(error, field)],
                           account=acct, choice=choice, other=other)
    return journey.advance(state, "amount", amount_pence=pence, choice=choice, other=other)


def _chosen_amount(choice: str, other: str, balance: int) -> tuple[int | None, str | None]:
    if choice == "full":
        return (balance, None) if balance > 0 else (None, "AMOUNT_INVALID")
    if choice == "other":
        pence = parse_amount(other)
        if pence is None:
            return None, "AMOUNT_INVALID"
        if pence > balance:
            return None, "AMOUNT_TOO_HIGH"
        return pence, None
    return None, "AMOUNT_INVALID"


@bp.route(journey.service.path("card"), methods=["GET", "POST"])
@journey.step("card")
def card(state):
    template = "council_tax/card.html"
    if request.method == "GET":
        return render_step(SERVICE, "card", template, form={},
                           amount=state.data["amount_pence"])
    errors, token = check_card_form(request.form, date.today())
    if errors:
        return render_step(SERVICE, "card", template, errors,
                           form=card_form_values(request.form),
                           amount=state.data["amount_pence"])
    return journey.advance(state, "card", card=token)


@bp.route(journey.service.path("verify"), methods=["GET", "POST"])
@journey.step("verify")
def verify(state):
    template = "council_tax/verify.html"
    acct = _account(state)
    context = {"account": acct, "amount": state.data["amount_pence"],
               "card": state.data["card"]}
    if request.method == "GET":
        return render_step(SERVICE, "verify", template, **context)
    errors = check_security_code(request.form)
    if not errors and state.data["card"]["will_decline"]:
        errors = [PageError("CARD_DECLINED")]
    if errors:
        return render_step(SERVICE, "verify", template, errors, **context)
    if is_failing(SERVICE):
        return service_error(SERVICE, "verify", template, **context)
    pence = state.data["amount_pence"]
    if pence > acct.balance_pence:  # paid meanwhile (another tab, the assistant)
        return journey.restart()
    reference = record_payment(acct, pence, state.data["card"]["last4"], "web")
    return journey.finish(state, reference=reference)


def record_payment(acct: Account, pence: int, last4: str, channel: str) -> str:
    """Take a payment off the balance and record it (the caller commits)."""
    reference = new_reference(journey.service.reference_prefix)
    acct.balance_pence -= pence
    db.session.add(ServiceRecord(
        reference=reference, service_id=SERVICE, account_reference=acct.reference,
        channel=channel, amount_pence=pence, card_last4=last4,
        summary=f"Paid {format_pounds(pence)} council tax on account {acct.reference} "
                f"with the card ending {last4}",
    ))
    current_app.logger.info("council tax payment %s on account %s", reference, acct.reference)
    return reference


@bp.get(journey.service.path("confirmation"))
@journey.step("confirmation")
def confirmation(state):
    return render_step(SERVICE, "confirmation", "council_tax/confirmation.html",
                       reference=state.data["reference"], amount=state.data["amount_pence"],
                       account=_account(state))
