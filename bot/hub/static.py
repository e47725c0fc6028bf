"""The chat widget's files (`webchat/src`) and the Socket.IO client from npm, served under `/webchat/`."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, send_from_directory

from bot.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

WIDGET_DIR = PROJECT_ROOT / "webchat" / "src"
SOCKET_IO_DIR = PROJECT_ROOT / "webchat" / "node_modules" / "socket.io-client" / "dist"
WIDGET_FILES = {"wayfinder.js", "strings.js", "markdown.js", "page.js", "view.js", "chat.js", "rating.js",
                "wayfinder.css"}
VENDOR_FILES = {"socket.io.min.js", "socket.io.min.js.map"}
MAX_AGE = 300  # seconds; files are revalidated with their ETag after that

bp = Blueprint("webchat", __name__, url_prefix="/webchat")


def check_installed() -> None:
    """Say clearly at start-up when `npm ci` has not been run in webchat/."""
    if not (SOCKET_IO_DIR / "socket.io.min.js").is_file():
        logger.warning("webchat/node_modules is missing: run `make setup` (npm ci in webchat/) "
                       "or the chat widget cannot connect")


def _send(directory, name: str):
    response = send_from_directory(directory, name, max_age=MAX_AGE)
    if name.endswith(".js"):
        response.mimetype = "text/javascript"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public static files, no credentials
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<name>")
def widget_file(name: str):
    if name not in WIDGET_FILES:
        abort(404)
    return _send(WIDGET_DIR, name)


@bp.get("/vendor/<name>")
def vendor_file(name: str):
    if name not in VENDOR_FILES:
        abort(404)
    return _send(SOCKET_IO_DIR, name)
