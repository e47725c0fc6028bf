"""The portal's home page (the six services) and the demo mailbox."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session

from .mailbox import recent_messages
from .site import SERVICES

bp = Blueprint("demo", __name__)

HOME_LINKS = [
    ("pay_council_tax", "Pay your council tax bill by debit or credit card."),
    ("report_missed_bin", "Tell us if your bin was not collected on your collection day."),
    ("book_bulky_waste", "Book a collection of large items like sofas and fridges."),
    ("apply_parking_permit", "Apply for a permit to park in a resident parking zone."),
    ("update_contact_details", "Change the email address or phone number on your account."),
    ("sign_in_help", "Sign in, reset a forgotten password or unlock your account."),
]


@bp.get("/")
def home():
    services = [(SERVICES[sid], blurb) for sid, blurb in HOME_LINKS]
    links = {sid: SERVICES[sid].start_path for sid in SERVICES}
    links["update_contact_details"] = "/account/details"
    return render_template("home.html", services=services, links=links,
                           service_id="", step_id="home", errors=[])


@bp.get("/demo/mailbox")
def mailbox():
    return render_template("mailbox.html", messages=recent_messages(),
                           service_id="", step_id="mailbox", errors=[])


@bp.post("/sign-out")
def sign_out():
    session.pop("account", None)
    return redirect("/", code=303)
