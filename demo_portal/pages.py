"""Rendering journey pages: the service/step marks, error summaries and the maintenance page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import render_template, request

from .errors import PageError
from .faults import mode_of
from .site import service

ALWAYS_ALLOWED = {"SERVICE_UNAVAILABLE"}


def render_step(service_id: str, step_id: str, template: str,
                errors: Iterable[PageError] = (), status: int | None = None,
                **context: Any):
    """Render a step's page; any error must be one the site map declares for that step."""
    svc = service(service_id)
    step = svc.step(step_id)
    errors = list(errors)
    undeclared = [e.code for e in errors
                  if e.code not in step.error_codes and e.code not in ALWAYS_ALLOWED]
    if undeclared:
        raise ValueError(f"{service_id}/{step_id} shows undeclared codes {undeclared}")
    html = render_template(template, service=svc, step=step, service_id=svc.id,
                           step_id=step.id, errors=errors, **context)
    return html, status or (400 if errors else 200)


def service_error(service_id: str, step_id: str, template: str, **context: Any):
    """The final submit's page with SERVICE_ERROR, as a 500 (fault mode `error`)."""
    return render_step(service_id, step_id, template, [PageError("SERVICE_ERROR")],
                       status=500, **context)


def maintenance_page(service_id: str):
    """The 503 page every screen of a `down` service shows."""
    svc = service(service_id)
    rule = request.url_rule.rule if request.url_rule else ""
    step = next((s for s in svc.steps if s.path == rule), svc.steps[0])
    html = render_template("maintenance.html", service=svc, step=step, service_id=svc.id,
                           step_id=step.id, errors=[PageError("SERVICE_UNAVAILABLE")])
    return html, 503, {"Retry-After": "600"}


def guard(service_id: str):
    """Before a service's pages: the maintenance page when its fault mode is `down`."""
    if mode_of(service_id) == "down":
        return maintenance_page(service_id)
    return None


def is_failing(service_id: str) -> bool:
    """True when the service's final submit must fail (fault mode `error`)."""
    return mode_of(service_id) == "error"
