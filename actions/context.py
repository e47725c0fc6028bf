"""What every action shares, built once per action-server process: the catalogue and the service API."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker

from actions.service_api import HttpServiceApi, ServiceApi
from bot.catalogue import Catalogue, load_catalogue
from bot.config import PROJECT_ROOT


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    directory = Path(os.environ.get("WAYFINDER_CATALOGUE_DIR", PROJECT_ROOT / "data" / "services"))
    return load_catalogue(directory)


_api: ServiceApi | None = None


def default_service_api() -> ServiceApi:
    global _api
    if _api is None:
        _api = HttpServiceApi.from_env()
    return _api


async def close_shared_clients() -> None:
    """At shutdown: close the process's clients for the service API and the hub (no unclosed sessions)."""
    global _api
    from actions import hub_api

    for client in (_api, hub_api._shared):
        close = getattr(client, "close", None)
        if close is not None:
            await close()
    _api, hub_api._shared = None, None


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The page metadata the hub sent with the customer's latest message."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


class CatalogueAction:
    """Mixin: the catalogue and the service API, passed in by tests or shared per process."""

    def __init__(self, catalogue: Catalogue | None = None, api: ServiceApi | None = None) -> None:
        self._catalogue = catalogue
        self._api = api

    @property
    def catalogue(self) -> Catalogue:
        return self._catalogue or default_catalogue()

    @property
    def api(self) -> ServiceApi:
        return self._api or default_service_api()
