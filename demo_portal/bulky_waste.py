"""Book a bulky waste collection: items, a free date for the area, payment."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request

from .errors import PageError
from .journeys import Journey
from .models import BulkyBooking, ServiceRecord, db
from .pages import guard, is_failing, render_step, service_error
from .payments import card_form_values, check_card_form, check_security_code
from .rules import (
    BULKY_ITEMS,
    MAX_BULKY_ITEMS,
    bulky_price_pence,
    free_bulky_dates,
    in_council_area,
    new_reference,
)
from .validation import normalise_postcode, postcode_district

SERVICE = "book_bulky_waste"
bp = Blueprint("bulky_waste", __name__)
journey = Journey(SERVICE)
bp.before_request(lambda: guard(SERVICE))


@bp.route(journey.service.path("start"), methods=["GET", "POST"])
@journey.step("start", entry=True)
def start(state):
    if request.method == "POST":
        return journey.begin("start")
    return render_step(SERVICE, "start", "bulky_waste/start.html", items=BULKY_ITEMS,
                       max_items=MAX_BULKY_ITEMS)


@bp.route(journey.service.path("items"), methods=["GET", "POST"])
@journey.step("items")
def items(state):
    template = "bulky_waste/items.html"
    context = {"all_items": BULKY_ITEMS, "max_items": MAX_BULKY_ITEMS}
    if request.method == "GET":
        return render_step(SERVICE, "items", template, postcode=state.data.get("postcode", ""),
                           chosen=state.data.get("items", []), **context)
    typed = request.form.get("postcode", "")
    chosen = [key for key in BULKY_ITEMS if key in request.form.getlist("items")]
    postcode = normalise_postcode(typed)
    errors = []
    if postcode is None:
        errors.append(PageError("POSTCODE_INVALID", "postcode"))
    elif not in_council_area(postcode):
        errors.append(PageError("POSTCODE_NOT_IN_AREA", "postcode"))
    first_item = "item-" + next(iter(BULKY_ITEMS))
    if not chosen:
        errors.append(PageError("NO_ITEMS_SELECTED", first_item))
    elif len(chosen) > MAX_BULKY_ITEMS:
        errors.append(PageError("TOO_MANY_ITEMS", first_item))
    if errors:
        return render_step(SERVICE, "items", template, errors, postcode=typed, chosen=chosen,
                           **context)
    return journey.advance(state, "items", postcode=postcode, items=chosen)


@bp.route(journey.service.path("date"), methods=["GET", "POST"])
@journey.step("date")
def collection_date(state):
    template = "bulky_waste/date.html"
    dates = free_bulky_dates(state.data["postcode"], date.today())
    context = {"dates": dates, "postcode": state.data["postcode"]}
    if not dates:
        # Nothing to choose from: say so, on a GET too (200) and on a POST (400).
        return render_step(SERVICE, "date", template, [PageError("NO_DATES_AVAILABLE")],
                           status=200 if request.method == "GET" else 400, selected="",
                           **context)
    if request.method == "GET":
        return render_step(SERVICE, "date", template, selected=state.data.get("date", ""),
                           **context)
    chosen = request.form.get("collection-date", "")
    if chosen not in {d.isoformat() for d in dates}:
        return render_step(SERVICE, "date", template,
                           [PageError("DATE_NOT_SELECTED", "collection-date")], selected="",
                           **context)
    return journey.advance(state, "date", date=chosen)


def _pay_context(state) -> dict:
    return {"price": bulky_price_pence(len(state.data["items"])),
            "items": [BULKY_ITEMS[key] for key in state.data["items"]],
            "date": date.fromisoformat(state.data["date"]), "postcode": state.data["postcode"]}


@bp.route(journey.service.path("pay"), methods=["GET", "POST"])
@journey.step("pay")
def pay(state):
    template = "bulky_waste/pay.html"
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
    day = date.fromisoformat(state.data["date"])
    if day not in free_bulky_dates(state.data["postcode"], date.today()):
        return journey.restart()  # the slot filled up meanwhile
    reference = record_booking(state.data["postcode"], state.data["items"], day,
                               token["last4"], None, "web")
    return journey.finish(state, reference=reference)


def record_booking(postcode: str, item_keys: list[str], day: date, last4: str,
                   account_reference: str | None, channel: str) -> str:
    """Record a paid booking and take its slot (the caller commits)."""
    reference = new_reference(journey.service.reference_prefix)
    price = bulky_price_pence(len(item_keys))
    db.session.add(BulkyBooking(reference=reference, district=postcode_district(postcode),
                                collection_date=day))
    db.session.add(ServiceRecord(
        reference=reference, service_id=SERVICE, account_reference=account_reference,
        channel=channel, amount_pence=price, card_last4=last4,
        summary=f"Bulky waste collection of {len(item_keys)} item(s) at {postcode} on "
                f"{day:%A %d %B %Y}, paid with the card ending {last4}",
        details={"postcode": postcode, "items": item_keys, "collection_date": day.isoformat()},
    ))
    current_app.logger.info("bulky waste booking %s", reference)
    return reference


@bp.get(journey.service.path("confirmation"))
@journey.step("confirmation")
def confirmation(state):
    return render_step(SERVICE, "confirmation", "bulky_waste/confirmation.html",
                       reference=state.data["reference"], **_pay_context(state))
