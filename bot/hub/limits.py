"""Rate limits per conversation: messages and page views (on Flask-Limiter's storage)."""

from __future__ import annotations

import math
import time

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from bot.config import ConfigError

# Per conversation. Page views are cheap unless they reach the bot, so they have their own.
DEFAULT_LIMITS = {
    "message": "10/10seconds;30/minute",
    "page_view": "30/minute",
}


class RateLimited(Exception):
    """Too many requests for this conversation; `retry_after` in whole seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


class ConversationLimits:
    """Counts hits per (scope, key) in a moving window and says when one is over its limits.

    The counters live in Flask-Limiter's storage (`RATELIMIT_STORAGE_URI`, in memory by
    default; Redis for several hub processes), shared by the socket and the REST front door.
    """

    def __init__(self, app: Flask, limits: dict[str, str]) -> None:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
        self.limiter = Limiter(key_func=get_remote_address, auto_check=False)
        self.limiter.init_app(app)
        self.items: dict[str, list[RateLimitItem]] = {}
        for scope, text in {**DEFAULT_LIMITS, **limits}.items():
            try:
                self.items[scope] = parse_many(text)
            except ValueError:
                raise ConfigError(f"rate limit {text!r} for {scope} is not like '8/10seconds;30/minute'") from None

    def hit(self, scope: str, key: str) -> None:
        """Count one request; raise RateLimited (without counting it) when over any limit."""
        strategy = self.limiter.limiter
        items = self.items.get(scope, [])
        for item in items:
            if not strategy.test(item, scope, key):
                raise RateLimited(self._retry_after(item, scope, key))
        for item in items:
            strategy.hit(item, scope, key)

    def _retry_after(self, item: RateLimitItem, scope: str, key: str) -> int:
        reset_at, _remaining = self.limiter.limiter.get_window_stats(item, scope, key)
        return max(1, math.ceil(reset_at - time.time()))

    def reset(self) -> None:
        self.limiter.reset()
