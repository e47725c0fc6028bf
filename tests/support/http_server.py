"""A tiny real HTTP server on 127.0.0.1 whose answers a test scripts: for testing HTTP clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from typing_extensions import Self

Route = Callable[[], tuple[int, str]]  # () -> (status, body)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # clients connecting at once are queued, not refused (the default is 5)
    daemon_threads = True


class ScriptedServer:
    """Serve `routes[path]` for GET and POST; unknown paths answer 404 JSON."""

    def __init__(self, routes: dict[str, Route], keep_alive: bool = False) -> None:
        """`keep_alive`: HTTP/1.1 connections kept open between requests (`connections` counts them)."""
        self.routes = routes
        self.requests: list = []
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                super().setup()
                with outer._lock:
                    outer.connections += 1

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

        self._lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), Handler)
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
