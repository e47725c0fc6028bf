"""Apply for a resident parking permit: zone check, vehicle, proof of address, payment."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from .errors import PageError
from .journeys import Journey
from .models import ServiceRecord, db
from .pages import guard, is_failing, render_step, service_error
from .payments import card_form_values, check_card_form, check_security_code
from .rules import PERMIT_PRICE_PENCE, find_vehicle, in_permit_zone, new_reference
from .validation import (
    MAX_UPLOAD_BYTES,
    display_registration,
    normalise_postcode,
    normalise_registration,
    sniff_file_type,
)

SERVICE = "apply_parking_permit"
bp = Blueprint("parking", __name__)
journey = Journey(SERVICE)
bp.before_request(lambda: guard(SERVICE))


@bp.route(journey.service.path("start"), methods=["GET", "POST"])
@journey.step("start", entry=True)
def start(state):
    if request.method == "POST":
        return journey.begin("start")
    return render_step(SERVICE, "start", "parking/start.html", price=PERMIT_PRICE_PENCE)


@bp.route(journey.service.path("eligibility"), methods=["GET", "POST"])
@journey.step("eligibility")
def eligibility(state):
    template = "parking/eligibility.html"
    if request.method == "GET":
        return render_step(SERVICE, "eligibility", template,
                           postcode=state.data.get("postcode", ""))
    typed = request.form.get("postcode", "")
    value = normalise_postcode(typed)
    error = None
    if value is None:
        error = "POSTCODE_INVALID"
    elif not in_permit_zone(value):
        error = "NOT_IN_PERMIT_ZONE"
    if error:
        return render_step(SERVICE, "eligibility", template, [PageError(error, "postcode")],
                           postcode=typed)
    return journey.advance(state, "eligibility", postcode=value)


@bp.route(journey.service.path("vehicle"), methods=["GET", "POST"])
@journey.step("vehicle")
def vehicle(state):
    template = "parking/vehicle.html"
    if request.method == "GET":
        shown = state.data.get("registration")
        return render_step(SERVICE, "vehicle", template,
                           registration=display_registration(shown) if shown else "")
    typed = request.form.get("registration", "")
    value = normalise_registration(typed)
    error = None
    if value is None:
        error = "VRM_INVALID"
    elif find_vehicle(value) is None:
        error = "VEHICLE_NOT_FOUND"
    if error:
        return render_step(SERVICE, "vehicle", template, [PageError(error, "registration")],
                           registration=typed)
    return journey.advance(state, "vehicle", registration=value,
                           vehicle=find_vehicle(value).description)


@bp.route(journey.service.path("proof"), methods=["GET", "POST"])
@journey.step("proof")
def proof(state):
    template = "parking/proof.html"
    if request.method == "GET":
        return render_step(SERVICE, "proof", template)
    upload = request.files.get("proof-file")
    error, kind, size = None, None, 0
    if upload is None or not upload.filename:
        error = "FILE_MISSING"
    else:
        content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
        size = len(content)
        kind = sniff_file_type(content[:16])
        if size == 0:
            error = "FILE_MISSING"
        elif size > MAX_UPLOAD_BYTES:
            error = "FILE_TOO_LARGE"
        elif kind is None:
            error = "FILE_TYPE_NOT_ALLOWED"
    if error:
        return render_step(SERVICE, "proof", template, [PageError(error, "proof-file")])
    return journey.advance(state, "proof", proof={"type": kind, "bytes": size})


def _pay_context(state) -> dict:
    return {"price": PERMIT_PRICE_PENCE, "postcode": state.data["postcode"],
            "registration": display_registration(state.data["registration"]),
            "vehicle": state.data["vehicle"]}


@bp.route(journey.service.path("pay"), methods=["GET", "POST"])
@journey.step("pay")
def pay(state):
    template = "parking/pay.html"
    if request.method == "GET":
        return render_step(SERVICE, "pay", template, form={}, **_pay_context(state))
    errors, token = check_card_form(request.form, date.today())
    errors += check_security_code(request.form)
    if not errors and token["will_decline"]:
        errors = [PageError("CARD_DECLINED", "card-number")]
    if errors:
        return render_step(SERVICE, "pay", template, errors,
                           form=card_form_values(request.form), **_pay_context(state))
    if is_failing(SERVICE):
        return service_error(SERVICE, "pay", template, form=card_form_values(request.form),
                             **_pay_context(state))
    reference = record_permit(state.data["postcode"], state.data["registration"],
                              token["last4"], None, "web",
                              {"proof": state.data["proof"]})
    return journey.finish(state, reference=reference)


def record_permit(postcode: str, registration: str, last4: str,
                  account_reference: str | None, channel: str, extra: dict) -> str:
    """Record a paid permit application (the caller commits)."""
    reference = new_reference(journey.service.reference_prefix)
    db.session.add(ServiceRecord(
        reference=reference, service_id=SERVICE, account_reference=account_reference,
        channel=channel, amount_pence=PERMIT_PRICE_PENCE, card_last4=last4,
        summary=f"Resident parking permit for {display_registration(registration)} "
                f"at {postcode}, paid with the card ending {last4}",
        details={"postcode": postcode, "registration": registration, **extra},
    ))
    current_app.logger.info("parking permit application %s", reference)
    return reference


@bp.get(journey.service.path("confirmation"))
@journey.step("confirmation")
def confirmation(state):
    return render_step(SERVICE, "confirmation", "parking/confirmation.html",
                       reference=state.data["reference"], **_pay_context(state))
