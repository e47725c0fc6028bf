"""Rate limits per conversation: messages and page views (the `limits` library's moving window)."""

from __future__ import annotations

import math
import threading
import time
from typing import ClassVar

from flask import Flask
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.config import ConfigError

# Per conversation. Page views are cheap unless they reach the bot, so they have their own.
DEFAULT_LIMITS = {
    "message": "10/10seconds;30/minute",
    "page_view": "30/minute",
}


class QuietMemoryStorage(MemoryStorage):
    """`limits`' in-process storage without its expiry thread.

    limits 2.4 (the newest Rasa 3.6's pins allow) starts a timer thread on every hit that has
    none running, 10 ms later, to drop expired entries, and it never forgets a key: a thread start
    per customer message (the request waits for the new thread to run, about a millisecond of the
    hub's time per turn in `make bench`'s profile) and one list per conversation for as long as the
    process lives. Here a key's expired entries are dropped when the key is used, and keys with
    nothing left are forgotten in a sweep at most once a minute, in the request that comes after.
    Entries are taken and read under a lock (the parent's list updates are not safe across
    threads). It serves the moving window, the only strategy Wayfinder uses: fixed-window
    counters would expire only at the sweep.
    """

    # its own scheme, so that `memory://` keeps naming the parent; built by rate_limit_storage
    STORAGE_SCHEME: ClassVar[list[str]] = ["wayfinder-memory"]
    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the one the parent started
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
        self._lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # the parent's hook, called on every hit: nothing to do
        pass

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """The parent's moving window, under the lock, after dropping the key's expired entries."""
        if time.monotonic() >= self._next_sweep:
            self.sweep()
        with self._lock:
            self._drop_expired(self.events.get(key) or [], time.time())
            return super().acquire_entry(key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[int, int]:
        """The parent's answer, under the lock: it reads the key twice, and a sweep forgetting the
        key in between would be a KeyError."""
        with self._lock:
            return super().get_moving_window(key, limit, expiry)

    def sweep(self) -> None:
        """Drop every expired entry and every key left with none."""
        with self._lock:
            self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
            now = time.time()
            for key in list(self.events):
                entries = self.events[key]
                self._drop_expired(entries, now)
                if not entries:
                    del self.events[key]
            for key in [k for k, at in self.expirations.items() if at <= now]:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)

    @staticmethod
    def _drop_expired(entries: list, now: float) -> None:
        while entries and entries[-1].expiry <= now:  # newest first: the expired ones are at the end
            entries.pop()


def rate_limit_storage(uri: str | None) -> Storage:
    """The storage for RATELIMIT_STORAGE_URI: in this process for `memory://` (the default), else
    what `limits` builds from the URI (Redis for several hub processes)."""
    if not uri or uri.startswith("memory://"):
        return QuietMemoryStorage()
    return storage_from_string(uri)


class RateLimited(Exception):
    """Too many requests for this conversation; `retry_after` in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


class ConversationLimits:
    """Counts hits per (scope, key) in a moving window and says when one is over its limits.

    The counters live in `RATELIMIT_STORAGE_URI` (in this process by default; Redis for several
    hub processes), shared by the socket and the REST front door.
    """

    def __init__(self, app: Flask, limits: dict[str, str]) -> None:
        # the strategy holds its storage weakly: keep it alive here
        self.storage = rate_limit_storage(app.config.get("RATELIMIT_STORAGE_URI"))
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.items: dict[str, list[RateLimitItem]] = {}
        for scope, text in {**DEFAULT_LIMITS, **limits}.items():
            try:
                self.items[scope] = parse_many(text)
            except ValueError:
                raise ConfigError(f"rate limit {text!r} for {scope} is not like '8/10seconds;30/minute'") from None

    def hit(self, scope: str, key: str) -> None:
        """Count one request; raise RateLimited (without counting it) when over any limit."""
        items = self.items.get(scope, [])
        for item in items:
            if not self.strategy.test(item, scope, key):
                raise RateLimited(self._retry_after(item, scope, key))
        for item in items:
            self.strategy.hit(item, scope, key)

    def _retry_after(self, item: RateLimitItem, scope: str, key: str) -> int:
        reset_at, _remaining = self.strategy.get_window_stats(item, scope, key)
        return max(1, math.ceil(reset_at - time.time()))

    def reset(self) -> None:
        self.storage.reset()
