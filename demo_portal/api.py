"""The JSON service API: status, fault switch, identity check, transactions, site map."""

from __future__ import annotations

import hmac
import json
from datetime import datetime, timezone

from flask import Blueprint, current_app, jsonify, request

from .errors import ApiError
from .faults import MODES, all_modes, mode_of, set_mode, status_of, wait_if_slow
from .identity import account_for_token, issue_token
from .rules import find_account
from .site import SERVICES, site_map
from .transactions import complete
from .validation import normalise_postcode

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def _limit_body_size() -> None:
    request.max_content_length = current_app.config["API_MAX_BODY_BYTES"]


def json_body() -> dict:
    """The request body as a JSON object, or ApiError 400."""
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "INVALID_JSON", "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_JSON", "The request body must be a JSON object")
    return body


def string_field(body: dict, name: str) -> str:
    if name not in body or body[name] is None:
        raise ApiError(400, "FIELD_MISSING", f"'{name}' is required", field=name)
    if not isinstance(body[name], str):
        raise ApiError(400, "FIELD_INVALID", f"'{name}' must be a string", field=name)
    return body[name]


def known_service(service_id: str) -> str:
    if service_id not in SERVICES:
        raise ApiError(404, "UNKNOWN_SERVICE",
                       f"There is no service '{service_id[:60]}'. Services: "
                       + ", ".join(SERVICES), field="service")
    return service_id


def require_portal_token() -> None:
    expected = current_app.config.get("PORTAL_TOKEN")
    if not expected:
        raise ApiError(503, "FAULT_SWITCH_DISABLED")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), str(expected).encode()
    ):
        raise ApiError(401, "UNAUTHORISED")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
    return jsonify(error.to_dict()), error.status, headers


@bp.get("/status")
def status():
    modes = all_modes()
    return jsonify({
        "services": {sid: status_of(sid, modes[sid]) for sid in SERVICES},
        "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


@bp.get("/services/<service_id>/status")
def service_status(service_id: str):
    known_service(service_id)
    wait_if_slow(service_id)
    return jsonify({"service": service_id, **status_of(service_id)})


@bp.route("/faults", methods=["GET", "POST"])
def faults():
    require_portal_token()
    if request.method == "GET":
        return jsonify({"faults": all_modes()})
    body = json_body()
    service_id = known_service(string_field(body, "service"))
    mode = string_field(body, "mode")
    if mode not in MODES:
        raise ApiError(400, "FIELD_INVALID", "'mode' must be one of " + ", ".join(MODES),
                       field="mode")
    set_mode(service_id, mode)
    return jsonify({"service": service_id, "mode": mode})


@bp.post("/identity/check")
def identity_check():
    body = json_body()
    reference = string_field(body, "account_reference").replace(" ", "")
    if not (len(reference) == 8 and reference.isdigit()):
        raise ApiError(400, "CT_REFERENCE_FORMAT", field="account_reference")
    postcode = normalise_postcode(string_field(body, "postcode"))
    if postcode is None:
        raise ApiError(400, "POSTCODE_INVALID", field="postcode")
    account = find_account(reference, postcode)
    if account is None:
        return jsonify({"verified": False})
    return jsonify({"verified": True, "name": account.name,
                    "identity_token": issue_token(account.reference)})


@bp.post("/services/<service_id>/transactions")
def transactions(service_id: str):
    known_service(service_id)
    if mode_of(service_id) == "down":
        raise ApiError(503, "SERVICE_UNAVAILABLE")
    wait_if_slow(service_id)
    body = json_body()
    account = account_for_token(body.get("identity_token"))
    details = body.get("details", {})
    if details is None:
        details = {}
    if not isinstance(details, dict):
        raise ApiError(400, "FIELD_INVALID", "'details' must be an object", field="details")
    return jsonify(complete(service_id, account, details)), 201


@bp.get("/site")
def site():
    return jsonify(site_map())
