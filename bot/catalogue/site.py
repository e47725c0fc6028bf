"""Gets the portal's site map (`GET /api/site`): over HTTP, or from the demo portal in-process."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import requests


class SiteError(Exception):
    """The site map could not be fetched, or is not the shape the contract describes."""


def fetch_site(portal_url: str, timeout: float = 5) -> dict[str, Any]:
    """The live portal's site map; SiteError when it is unreachable, slow, failing or not JSON."""
    url = portal_url.rstrip("/") + "/api/site"
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
    except requests.Timeout:
        raise SiteError(f"the portal did not answer {url} within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise SiteError(f"cannot reach the portal at {url}: {exc}") from None
    if response.status_code != 200:
        raise SiteError(f"{url} answered HTTP {response.status_code}, not 200")
    try:
        data = response.json()
    except ValueError:
        raise SiteError(f"{url} did not answer with JSON") from None
    return check_site_shape(data, source=url)


def local_site() -> dict[str, Any]:
    """The site map of `demo_portal`, built in this process with a throw-away in-memory database."""
    try:
        from demo_portal import create_app
    except ImportError as exc:
        raise SiteError(f"cannot import demo_portal.create_app: {exc}") from None
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": secrets.token_hex(16),
            "SQLALCHEMY_DATABASE_URI": "sqlite:///:memory:",
        }
    )
    with app.test_client() as client:
        response = client.get("/api/site")
        if response.status_code != 200:
            raise SiteError(f"demo_portal answered /api/site with HTTP {response.status_code}")
        data = response.get_json(silent=True)
    if data is None:
        raise SiteError("demo_portal's /api/site did not answer with JSON")
    return check_site_shape(data, source="demo_portal /api/site")


def check_site_shape(data: Any, source: str = "the site map") -> dict[str, Any]:
    """Return `data` if it has the contract's shape; SiteError saying what is wrong otherwise."""
    if not isinstance(data, Mapping):
        raise SiteError(f"{source}: expected a JSON object")
    services, codes = data.get("services"), data.get("error_codes")
    if not isinstance(services, Mapping):
        raise SiteError(
            f"{source}: `services` should be an object of service id → screens and codes"
        )
    if not _strings(codes):
        raise SiteError(f"{source}: `error_codes` should be a list of strings")
    for service_id, info in services.items():
        if not isinstance(info, Mapping):
            raise SiteError(f"{source}: services.{service_id} should be an object")
        for key in ("screens", "error_codes"):
            if not _strings(info.get(key)):
                raise SiteError(
                    f"{source}: services.{service_id}.{key} should be a list of strings"
                )
    return dict(data)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
