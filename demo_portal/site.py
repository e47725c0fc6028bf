"""The site map: every service, screen, highlighted field and error code, defined once.

Blueprints register their routes with these paths, pages refuse to show a code their step
does not declare, and `GET /api/site` serves this structure to the catalogue check.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import BULKY_ITEMS


@dataclass(frozen=True)
class Step:
    """One screen of a journey."""

    id: str
    path: str
    title: str
    fields: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    """One online service and its ordered screens."""

    id: str
    name: str
    reference_prefix: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.id} has no step {step_id!r}")

    def path(self, step_id: str) -> str:
        return self.step(step_id).path

    @property
    def start_path(self) -> str:
        return self.steps[0].path

    @property
    def error_codes(self) -> list[str]:
        codes: list[str] = []
        for step in self.steps:
            codes.extend(c for c in step.error_codes if c not in codes)
        codes.append("SERVICE_UNAVAILABLE")
        return codes


CARD_FIELDS = ("#card-name", "#card-number", "#expiry-month", "#expiry-year")
CARD_CODES = ("CARD_NAME_MISSING", "CARD_NUMBER_INVALID", "EXPIRY_INVALID", "CARD_EXPIRED")
PAY_CODES = CARD_CODES + ("CVV_INVALID", "CARD_DECLINED", "SERVICE_ERROR")
SIGN_IN = Step("sign_in", "/sign-in", "Sign in", ("#email", "#password"),
               ("SIGNIN_FAILED", "ACCOUNT_LOCKED"))


def _start(path: str, title: str) -> Step:
    return Step("start", path, title, ("#start-button",))


SERVICES: dict[str, Service] = {s.id: s for s in (
    Service("sign_in_help", "Sign in, forgotten password, locked account", "SI", (
        SIGN_IN,
        Step("request_code", "/sign-in/forgot", "Reset your password", ("#email",),
             ("EMAIL_INVALID",)),
        Step("enter_code", "/sign-in/forgot/code", "Enter the code we sent you", ("#code",),
             ("CODE_INVALID", "CODE_EXPIRED")),
        Step("new_password", "/sign-in/forgot/new-password", "Create a new password",
             ("#new-password", "#confirm-password"),
             ("PASSWORD_TOO_WEAK", "PASSWORDS_DONT_MATCH", "SERVICE_ERROR")),
        Step("done", "/sign-in/forgot/done", "Your password has been reset"),
    )),
    Service("pay_council_tax", "Pay your council tax", "CT", (
        _start("/council-tax/pay", "Pay your council tax"),
        Step("account", "/council-tax/pay/account", "Your council tax account",
             ("#account-reference", "#postcode"),
             ("CT_REFERENCE_FORMAT", "POSTCODE_INVALID", "CT_ACCOUNT_NOT_FOUND")),
        Step("amount", "/council-tax/pay/amount", "How much do you want to pay?",
             ("#amount", "#other-amount"), ("AMOUNT_INVALID", "AMOUNT_TOO_HIGH")),
        Step("card", "/council-tax/pay/card", "Enter your card details", CARD_FIELDS,
             CARD_CODES),
        Step("verify", "/council-tax/pay/verify", "Confirm your payment", ("#security-code",),
             ("CVV_INVALID", "CARD_DECLINED", "SERVICE_ERROR")),
        Step("confirmation", "/council-tax/pay/confirmation", "Payment complete"),
    )),
    Service("report_missed_bin", "Report a missed bin collection", "MB", (
        _start("/bins/missed", "Report a missed bin collection"),
        Step("postcode", "/bins/missed/postcode", "What is your postcode?", ("#postcode",),
             ("POSTCODE_INVALID", "POSTCODE_NOT_IN_AREA")),
        Step("address", "/bins/missed/address", "Select your address", ("#address",),
             ("ADDRESS_NOT_SELECTED",)),
        Step("bin_type", "/bins/missed/bin-type", "Which bin was not collected?",
             ("#bin-type",), ("BIN_TYPE_NOT_SELECTED", "GARDEN_NOT_SUBSCRIBED")),
        Step("date", "/bins/missed/date", "When should it have been collected?",
             ("#collection-date",), ("DATE_INVALID", "DATE_IN_FUTURE", "REPORT_TOO_LATE")),
        Step("check", "/bins/missed/check", "Check your report", ("#submit-button",),
             ("SERVICE_ERROR",)),
        Step("confirmation", "/bins/missed/confirmation", "Missed collection reported"),
    )),
    Service("apply_parking_permit", "Apply for a resident parking permit", "PP", (
        _start("/parking/permit", "Apply for a resident parking permit"),
        Step("eligibility", "/parking/permit/eligibility", "Check you can apply", ("#postcode",),
             ("POSTCODE_INVALID", "NOT_IN_PERMIT_ZONE")),
        Step("vehicle", "/parking/permit/vehicle", "Your vehicle", ("#registration",),
             ("VRM_INVALID", "VEHICLE_NOT_FOUND")),
        Step("proof", "/parking/permit/proof", "Upload proof of your address", ("#proof-file",),
             ("FILE_MISSING", "FILE_TOO_LARGE", "FILE_TYPE_NOT_ALLOWED")),
        Step("pay", "/parking/permit/pay", "Pay for your permit",
             CARD_FIELDS + ("#security-code",), PAY_CODES),
        Step("confirmation", "/parking/permit/confirmation", "Permit application complete"),
    )),
    Service("update_contact_details", "Update your contact details", "CD", (
        SIGN_IN,
        Step("details", "/account/details", "Your contact details", ("#edit-button",)),
        Step("edit", "/account/details/edit", "Change your contact details",
             ("#email", "#phone"), ("EMAIL_INVALID", "EMAIL_IN_USE", "PHONE_INVALID", "NO_CHANGES")),
        Step("verify", "/account/details/verify", "Confirm the change", ("#code",),
             ("CODE_INVALID", "CODE_EXPIRED", "SERVICE_ERROR")),
        Step("saved", "/account/details/saved", "Your contact details have been updated"),
    )),
    Service("book_bulky_waste", "Book a bulky waste collection", "BW", (
        _start("/bulky-waste", "Book a bulky waste collection"),
        Step("items", "/bulky-waste/items", "What do you need collected?",
             ("#postcode",) + tuple(f"#item-{key}" for key in BULKY_ITEMS),
             ("POSTCODE_INVALID", "POSTCODE_NOT_IN_AREA", "NO_ITEMS_SELECTED",
              "TOO_MANY_ITEMS")),
        Step("date", "/bulky-waste/date", "Choose a collection date", ("#collection-date",),
             ("DATE_NOT_SELECTED", "NO_DATES_AVAILABLE")),
        Step("pay", "/bulky-waste/pay", "Pay for your collection",
             CARD_FIELDS + ("#security-code",), PAY_CODES),
        Step("confirmation", "/bulky-waste/confirmation", "Collection booked"),
    )),
)}


def service(service_id: str) -> Service:
    """The service with that id (KeyError if unknown)."""
    return SERVICES[service_id]


def page_error_codes() -> list[str]:
    """Every code any page can show, in site order."""
    codes: list[str] = []
    for svc in SERVICES.values():
        codes.extend(c for c in svc.error_codes if c not in codes)
    return codes


def site_map() -> dict:
    """The JSON served at `GET /api/site`."""
    return {
        "services": {
            svc.id: {
                "name": svc.name,
                "screens": [step.path for step in svc.steps],
                "error_codes": svc.error_codes,
                "steps": [
                    {"id": step.id, "screen": step.path, "title": step.title,
                     "fields": list(step.fields), "error_codes": list(step.error_codes)}
                    for step in svc.steps
                ],
            }
            for svc in SERVICES.values()
        },
        "error_codes": page_error_codes(),
    }

