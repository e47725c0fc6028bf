"""The demo fault switch: per-service modes stored in the database, and what they mean."""

from __future__ import annotations

import time

from flask import current_app

from .models import Fault, db, utcnow
from .site import SERVICES

MODES = ("none", "down", "slow", "error")
STATUS_MESSAGES = {
    "none": ("up", "Working normally"),
    "slow": ("degraded", "Running slowly: pages and requests may take much longer than usual"),
    "error": ("degraded", "Some submissions are failing: customers may see an error when they submit"),
    "down": ("down", "Unavailable for maintenance: customers cannot use this service online"),
}


def mode_of(service_id: str) -> str:
    """The fault mode of a service (`none` when never set)."""
    fault = db.session.get(Fault, service_id)
    return fault.mode if fault else "none"


def all_modes() -> dict[str, str]:
    stored = {f.service_id: f.mode for f in Fault.query.all()}
    return {sid: stored.get(sid, "none") for sid in SERVICES}


def set_mode(service_id: str, mode: str) -> None:
    if service_id not in SERVICES or mode not in MODES:
        raise ValueError(f"bad fault {service_id!r} {mode!r}")
    fault = db.session.get(Fault, service_id)
    if fault is None:
        fault = Fault(service_id=service_id)
        db.session.add(fault)
    fault.mode = mode
    fault.updated_at = utcnow()
    db.session.commit()
    current_app.logger.warning("fault switch: %s set to %s", service_id, mode)


def status_of(service_id: str, mode: str | None = None) -> dict[str, str]:
    """`{"status": "up"|"degraded"|"down", "message": ...}` for a service."""
    status, message = STATUS_MESSAGES[mode or mode_of(service_id)]
    return {"status": status, "message": message}


def wait_if_slow(service_id: str) -> None:
    """In `slow` mode, hold the request for SLOW_SECONDS before answering."""
    if mode_of(service_id) == "slow":
        time.sleep(float(current_app.config["SLOW_SECONDS"]))
