"""Run the portal for development: `python -m demo_portal` (address from WAYFINDER_PORTAL_URL)."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from . import create_app

DEFAULT_URL = "http://127.0.0.1:8001"


def listen_address() -> tuple[str, int]:
    """Always 127.0.0.1; the port comes from WAYFINDER_PORTAL_URL (default 8001)."""
    url = urlsplit(os.environ.get("WAYFINDER_PORTAL_URL") or DEFAULT_URL)
    return "127.0.0.1", url.port or 8001


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = listen_address()
    create_app().run(host=host, port=port, threaded=True, debug=False)


if __name__ == "__main__":
    main()
