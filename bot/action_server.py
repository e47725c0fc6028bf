"""The action server: rasa-sdk's, with Wayfinder's `actions`, answering only callers that hold its token.

rasa-sdk has no authentication of its own, so anyone who can reach its port could run any
action for any conversation. This runs the same Sanic app, bound to 127.0.0.1 by default,
and refuses every request but `GET /health` that does not carry `WAYFINDER_ACTIONS_TOKEN`
(Rasa sends it as the `token` parameter: `action_endpoint.token` in endpoints.yml). It also
limits request bodies (Sanic's default is 100 MB) and answers errors without echoing the
request, which rasa-sdk's own handler does.

Run by the Procfile: `python -m bot.action_server`.
"""

from __future__ import annotations

import hmac
import logging
import os

from sanic import Sanic, response
from sanic.request import Request

logger = logging.getLogger("bot.action_server")

# Rasa sends the whole tracker with every call; a long conversation is a few hundred kB.
MAX_BODY_BYTES = 16 * 1024 * 1024
OPEN_PATHS = {"/health"}


def create_app(token: str, action_package: str = "actions") -> Sanic:
    """rasa-sdk's app for `action_package`, behind `token`."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    if not token:
        raise ValueError("the action server needs a token (WAYFINDER_ACTIONS_TOKEN)")
    app = create_sdk_app(action_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    expected = token.encode()

    @app.on_request
    async def require_token(request: Request):
        if request.path in OPEN_PATHS:
            return None
        header = request.headers.get("authorization", "")
        given = request.args.get("token") or (header[7:].strip() if header.startswith("Bearer ") else "")
        if not hmac.compare_digest(given.encode(), expected):
            return response.json({"error": "send the action server's token"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception):
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("action server failed on %s %s", request.method, request.path, exc_info=exception)
            return response.json({"error": "the action server failed"}, status=500)
        return response.json({"error": type(exception).__name__}, status=status)

    @app.after_server_stop
    async def close_clients(app, loop):
        """The keep-alive sessions to the service API and the hub belong to this loop: close them with it."""
        from actions.context import close_shared_clients

        await close_shared_clients()

    return app


def main() -> None:
    from rasa_sdk import utils

    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    host = os.environ.get("WAYFINDER_ACTIONS_HOST", "127.0.0.1")
    port = int(os.environ.get("WAYFINDER_ACTIONS_PORT", "5055"))
    app = create_app(os.environ.get("WAYFINDER_ACTIONS_TOKEN", ""))
    logger.info("Action server on http://%s:%s (token required)", host, port)
    app.run(host, port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
