"""Every error code the portal can show or answer, with its customer-facing message."""

from __future__ import annotations

from dataclasses import dataclass

#: Codes a page can show (the `data-error-code` values), with the message the customer reads.
PAGE_MESSAGES: dict[str, str] = {
    "SIGNIN_FAILED": "The email address or password is not right. Check them and try again.",
    "ACCOUNT_LOCKED": (
        "Your account is locked because of 3 attempts to sign in with the wrong password. "
        "Reset your password to unlock it."
    ),
    "EMAIL_INVALID": "Enter an email address in the correct format, like name@example.org",
    "CODE_INVALID": "The code is not right. Enter the 6-digit code from the email we sent you",
    "CODE_EXPIRED": "The code has expired. Codes last 15 minutes. Ask us to send a new code",
    "PASSWORD_TOO_WEAK": "Your password must be at least 10 characters long and include a number",
    "PASSWORDS_DONT_MATCH": "The passwords do not match. Enter the same new password twice",
    "CT_REFERENCE_FORMAT": (
        "Enter your council tax account reference. It is 8 digits, like 10000001, "
        "and is at the top of your bill"
    ),
    "POSTCODE_INVALID": "Enter a full UK postcode, like RV1 1AA",
    "CT_ACCOUNT_NOT_FOUND": (
        "We could not find an account with that reference and postcode. "
        "Check both against your council tax bill"
    ),
    "AMOUNT_INVALID": (
        "Choose to pay the full balance, or enter an amount in pounds and pence "
        "greater than zero, like 50.00"
    ),
    "AMOUNT_TOO_HIGH": "The amount must not be more than the balance on your account",
    "CARD_NAME_MISSING": "Enter the name as it is written on the card",
    "CARD_NUMBER_INVALID": (
        "Enter a valid card number. It is the long number on the front of your card"
    ),
    "EXPIRY_INVALID": "Enter the expiry date shown on the card, like 08 and 2027",
    "CARD_EXPIRED": "This card has expired. Use a card with an expiry date in the future",
    "CVV_INVALID": "Enter the 3-digit security code from the back of your card",
    "CARD_DECLINED": (
        "Your card was declined and no money has been taken. "
        "Try a different card or contact your bank"
    ),
    "SERVICE_ERROR": (
        "Sorry, there is a problem with the service. Nothing has been submitted and "
        "no money has been taken. Try again later"
    ),
    "SERVICE_UNAVAILABLE": (
        "Sorry, this service is unavailable at the moment. Nothing you have entered has "
        "been submitted. Try again later"
    ),
    "POSTCODE_NOT_IN_AREA": (
        "That postcode is not in the Riverside Council area. Riverside postcodes start with RV"
    ),
    "ADDRESS_NOT_SELECTED": "Select your address from the list",
    "BIN_TYPE_NOT_SELECTED": "Select which bin was not collected",
    "GARDEN_NOT_SUBSCRIBED": (
        "This address does not have a garden waste subscription, "
        "so there is no garden waste collection to report"
    ),
    "DATE_INVALID": "Enter a real date, like 27/03/2024",
    "DATE_IN_FUTURE": "The collection date must be today or in the past",
    "REPORT_TOO_LATE": (
        "You can only report a missed collection up to 2 working days after the collection day"
    ),
    "NOT_IN_PERMIT_ZONE": (
        "That address is not in a permit parking zone. Only postcodes starting RV1 and RV2 are"
    ),
    "VRM_INVALID": "Enter the vehicle registration in a UK format, like RV12 ABC",
    "VEHICLE_NOT_FOUND": (
        "We could not find a vehicle with that registration. "
        "Check it against your vehicle log book (V5C)"
    ),
    "FILE_MISSING": "Select a file to upload as proof of your address",
    "FILE_TOO_LARGE": "The file must be 2 MB or smaller",
    "FILE_TYPE_NOT_ALLOWED": "The file must be a PDF, JPG or PNG",
    "EMAIL_IN_USE": "That email address is already used by another account. Enter a different one",
    "PHONE_INVALID": "Enter a UK phone number, like 01632 960 001 or 07700 900 982",
    "NO_CHANGES": "You have not changed anything. Change your email address or phone number",
    "NO_ITEMS_SELECTED": "Select at least one item for us to collect",
    "TOO_MANY_ITEMS": "You can book up to 6 items in one collection",
    "DATE_NOT_SELECTED": "Select a collection date",
    "NO_DATES_AVAILABLE": (
        "There are no collection dates free in the next 4 weeks for your area. "
        "Try again next week, or contact us"
    ),
}

#: Codes only the JSON service API answers.
API_MESSAGES: dict[str, str] = {
    "INVALID_JSON": "The request body must be a JSON object",
    "FIELD_MISSING": "A required field is missing",
    "FIELD_INVALID": "A field has the wrong type or value",
    "UNKNOWN_SERVICE": "There is no service with that id",
    "NOT_FOUND": "There is nothing at this address",
    "METHOD_NOT_ALLOWED": "This address does not accept that method",
    "BODY_TOO_LARGE": "The request body is too large",
    "BAD_REQUEST": "The request could not be understood",
    "UNAUTHORISED": "A valid bearer token is required",
    "FAULT_SWITCH_DISABLED": (
        "The fault switch is disabled because WAYFINDER_PORTAL_TOKEN is not set on the portal"
    ),
    "IDENTITY_TOKEN_INVALID": "The identity token is missing or not valid. Check identity again",
    "IDENTITY_TOKEN_EXPIRED": "The identity token has expired (15 minutes). Check identity again",
    "NO_SAVED_CARD": "There is no saved card on this account, so the payment cannot be made for the customer",
    "NOTHING_TO_PAY": "There is nothing to pay on this account",
    "ITEM_UNKNOWN": "One or more items are not things we collect",
    "DATE_NOT_AVAILABLE": "That date is not a free collection slot",
    "ACTION_INVALID": "The action is not one this service can do",
    "INTERNAL_ERROR": "Something went wrong in the portal",
}

MESSAGES: dict[str, str] = {**PAGE_MESSAGES, **API_MESSAGES}


def message_for(code: str) -> str:
    """The customer-facing message of a code (KeyError for an unregistered code)."""
    return MESSAGES[code]


@dataclass(frozen=True)
class PageError:
    """One error shown on a page; `field` is the id of the input it belongs to, if any."""

    code: str
    field: str | None = None

    @property
    def message(self) -> str:
        return PAGE_MESSAGES[self.code]


class ApiError(Exception):
    """A JSON API error: `{"error": {"code", "message", "field"}}` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message or message_for(code)
        self.field = field

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}
