"""Open chats never take the hub's last threads: new Socket.IO sessions wait while it is full.

The hub runs Flask-SocketIO in threading mode under gunicorn's threaded worker, so every open
websocket (a customer's widget, an adviser's console) holds one of the process's
`WAYFINDER_HUB_THREADS` threads for as long as it is open, and a long-poll holds one for up to
25 s. Once they were all taken, nothing else was served: REST customers, the action server's
handovers and the health check waited until they timed out, and so did the next widget
(measured: 100 idle widgets on 100 threads stopped the hub).

`SocketCapacity` counts the Socket.IO requests in progress. While they hold all but a reserve of
the threads (a tenth, at least 10), a request that would open a new Socket.IO session (no `sid`
yet) is answered at once with 503 and `Retry-After`; the browser's Socket.IO client treats that
as a failed connection and tries again with its back-off (the widget says it is reconnecting).
Sessions already open carry on, and everything else the hub serves keeps the reserve. An adviser
signed in to the console (`admit`) may still open the console's socket when customers have
filled the hub, from half of the reserve: a surge is when advisers are needed most.
"""

from __future__ import annotations

import json
import logging
import resource
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wsgi import ClosingIterator

logger = logging.getLogger(__name__)

SOCKET_PATH = "/socket.io/"
RETRY_AFTER_SECONDS = 5
WARN_EVERY_SECONDS = 60  # the log says the hub is full at most once a minute, not once per refused widget

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def socket_limit(threads: int) -> int:
    """How many Socket.IO requests may hold threads at once: all but a tenth (at least 10) of them."""
    return max(1, threads - max(10, threads // 10))


def open_files_for(threads: int) -> int:
    """File descriptors a hub with `threads` threads may need: a socket per open chat, a store connection
    per busy thread, and room for the rest."""
    return 2 * threads + 256


def raise_open_files_limit(threads: int, rlimit: Any = resource) -> int:
    """Raise this process's soft limit on open files towards what `threads` open chats need (many systems
    start processes at 1,024, below 1,000 chats' sockets); never above the hard limit, never lowered.
    Returns the soft limit now in force."""
    soft, hard = rlimit.getrlimit(rlimit.RLIMIT_NOFILE)
    needed = open_files_for(threads)
    if soft != rlimit.RLIM_INFINITY and soft < needed:
        target = needed if hard == rlimit.RLIM_INFINITY else min(needed, hard)
        if target > soft:
            rlimit.setrlimit(rlimit.RLIMIT_NOFILE, (target, hard))
            soft = target
        if soft < needed:
            logger.warning("open files limited to %d (hard limit), below the %d that %d hub threads may need: "
                           "lower WAYFINDER_HUB_THREADS or raise the limit (ulimit -Hn)", soft, needed, threads)
    return soft


class SocketCapacity:
    """WSGI middleware: refuse new Socket.IO sessions (503) while `limit` Socket.IO requests are in progress."""

    def __init__(self, app: WSGIApp, limit: int, admit: Callable[[dict[str, Any]], bool] | None = None,
                 admit_beyond: int = 0) -> None:
        self.app = app
        self.limit = limit
        self.admit = admit  # a new session it says yes to may take up to `admit_beyond` more places
        self.admit_beyond = admit_beyond
        self.in_progress = 0
        self._lock = threading.Lock()
        self._warned_at = -WARN_EVERY_SECONDS

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(SOCKET_PATH):
            return self.app(environ, start_response)
        opens_a_session = "sid" not in parse_qs(environ.get("QUERY_STRING", ""))
        limit = self.limit
        if opens_a_session and self.in_progress >= limit and self.admit is not None and self.admit(environ):
            limit += self.admit_beyond
        with self._lock:
            full = opens_a_session and self.in_progress >= limit
            if not full:
                self.in_progress += 1
            warn = full and time.monotonic() - self._warned_at > WARN_EVERY_SECONDS
            if warn:
                self._warned_at = time.monotonic()
        if full:
            if warn:
                logger.warning("hub full: %d Socket.IO requests hold its threads; new chats are asked to retry "
                               "(raise WAYFINDER_HUB_THREADS, or add hubs)", self.limit)
            body = json.dumps({"error": {"code": "busy", "message": "The chat is busy; trying again shortly."}})
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                        ("Retry-After", str(RETRY_AFTER_SECONDS)),
                                                        ("Content-Length", str(len(body)))])
            return [body.encode()]
        try:
            return ClosingIterator(self.app(environ, start_response), self._release)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        with self._lock:
            self.in_progress -= 1
