"""Report a missed bin collection: postcode, address, bin, date, check, confirmation."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from .errors import PageError
from .journeys import Journey
from .models import Address, ServiceRecord, db
from .pages import guard, is_failing, render_step, service_error
from .rules import BIN_TYPES, addresses_for, in_council_area, missed_bin_date_error, new_reference
from .validation import normalise_postcode, parse_date

SERVICE = "report_missed_bin"
bp = Blueprint("missed_bin", __name__)
journey = Journey(SERVICE)
bp.before_request(lambda: guard(SERVICE))


@bp.route(journey.service.path("start"), methods=["GET", "POST"])
@journey.step("start", entry=True)
def start(state):
    if request.method == "POST":
        return journey.begin("start")
    return render_step(SERVICE, "start", "missed_bin/start.html")


@bp.route(journey.service.path("postcode"), methods=["GET", "POST"])
@journey.step("postcode")
def postcode(state):
    template = "missed_bin/postcode.html"
    if request.method == "GET":
        return render_step(SERVICE, "postcode", template,
                           postcode=state.data.get("postcode", ""))
    typed = request.form.get("postcode", "")
    value = normalise_postcode(typed)
    error = None
    if value is None:
        error = "POSTCODE_INVALID"
    elif not in_council_area(value):
        error = "POSTCODE_NOT_IN_AREA"
    if error:
        return render_step(SERVICE, "postcode", template, [PageError(error, "postcode")],
                           postcode=typed)
    return journey.advance(state, "postcode", postcode=value)


@bp.route(journey.service.path("address"), methods=["GET", "POST"])
@journey.step("address")
def address(state):
    template = "missed_bin/address.html"
    choices = addresses_for(state.data["postcode"])
    if request.method == "GET":
        return render_step(SERVICE, "address", template, addresses=choices,
                           selected=str(state.data.get("address_id", "")),
                           postcode=state.data["postcode"])
    chosen = request.form.get("address", "")
    match = next((a for a in choices if str(a.id) == chosen), None)
    if match is None:
        return render_step(SERVICE, "address", template,
                           [PageError("ADDRESS_NOT_SELECTED", "address")],
                           addresses=choices, selected="", postcode=state.data["postcode"])
    return journey.advance(state, "address", address_id=match.id)


@bp.route(journey.service.path("bin_type"), methods=["GET", "POST"])
@journey.step("bin_type")
def bin_type(state):
    template = "missed_bin/bin_type.html"
    if request.method == "GET":
        return render_step(SERVICE, "bin_type", template, bin_types=BIN_TYPES,
                           selected=state.data.get("bin_type", ""))
    chosen = request.form.get("bin-type", "")
    error = None
    if chosen not in BIN_TYPES:
        error = "BIN_TYPE_NOT_SELECTED"
    elif chosen == "garden" and not db.session.get(Address, state.data["address_id"]).garden_waste:
        error = "GARDEN_NOT_SUBSCRIBED"
    if error:
        return render_step(SERVICE, "bin_type", template, [PageError(error, "bin-type")],
                           bin_types=BIN_TYPES, selected=chosen)
    return journey.advance(state, "bin_type", bin_type=chosen)


@bp.route(journey.service.path("date"), methods=["GET", "POST"])
@journey.step("date")
def collection_date(state):
    template = "missed_bin/date.html"
    if request.method == "GET":
        return render_step(SERVICE, "date", template, value=state.data.get("date", ""),
                           today=date.today())
    typed = request.form.get("collection-date", "")
    day = parse_date(typed)
    error = "DATE_INVALID" if day is None else missed_bin_date_error(day, date.today())
    if error:
        return render_step(SERVICE, "date", template, [PageError(error, "collection-date")],
                           value=typed, today=date.today())
    return journey.advance(state, "date", date=day.isoformat())


def _summary(state) -> dict:
    return {"address": db.session.get(Address, state.data["address_id"]),
            "bin_type": BIN_TYPES[state.data["bin_type"]],
            "date": date.fromisoformat(state.data["date"])}


@bp.route(journey.service.path("check"), methods=["GET", "POST"])
@journey.step("check")
def check(state):
    template = "missed_bin/check.html"
    if request.method == "GET":
        return render_step(SERVICE, "check", template, **_summary(state))
    if is_failing(SERVICE):
        return service_error(SERVICE, "check", template, **_summary(state))
    reference = record_report(db.session.get(Address, state.data["address_id"]),
                              state.data["bin_type"], date.fromisoformat(state.data["date"]),
                              None, "web")
    return journey.finish(state, reference=reference)


def record_report(address: Address, bin_type: str, day: date, account_reference: str | None,
                  channel: str) -> str:
    """Record a missed collection report (the caller commits)."""
    reference = new_reference(journey.service.reference_prefix)
    db.session.add(ServiceRecord(
        reference=reference, service_id=SERVICE, account_reference=account_reference,
        channel=channel,
        summary=f"Missed {BIN_TYPES[bin_type].lower()} collection on {day:%d %B %Y} "
                f"reported for {address.line}",
        details={"address_id": address.id, "bin_type": bin_type,
                 "collection_date": day.isoformat()},
    ))
    current_app.logger.info("missed bin report %s", reference)
    return reference


@bp.get(journey.service.path("confirmation"))
@journey.step("confirmation")
def confirmation(state):
    return render_step(SERVICE, "confirmation", "missed_bin/confirmation.html",
                       reference=state.data["reference"], **_summary(state))
