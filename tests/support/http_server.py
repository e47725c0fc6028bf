"""A tiny real HTTP server on 127.0.0.1 whose answers a test scripts: for testing HTTP clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typing_extensions import Self

Route = Callable[[], tuple[int, str]]  # () -> (status, body)


class ScriptedServer:
    """Serve `routes[path]` for GET and POST; unknown paths answer 404 JSON."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.command, self.path, self.rfile.read(length)))
                route = outer.routes.get(self.path.split("?")[0])
                status, body = route() if route else (404, json.dumps({"error": {"code": "not_found"}}))
                data = body.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_answer(status: int, body: object) -> Route:
    return lambda: (status, json.dumps(body))


def slow_answer(seconds: float, status: int, body: object) -> Route:
    def route():
        time.sleep(seconds)
        return status, json.dumps(body)

    return route
