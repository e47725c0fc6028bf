"""The per-conversation rate limits' own storage: limits enforced, no thread per message, idle keys forgotten."""

from __future__ import annotations

import threading
import time

from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.hub.limits import QuietMemoryStorage, rate_limit_storage


def test_memory_uris_get_the_quiet_storage_and_others_what_limits_builds() -> None:
    assert isinstance(rate_limit_storage(None), QuietMemoryStorage)
    assert isinstance(rate_limit_storage("memory://"), QuietMemoryStorage)
    assert type(storage_from_string("memory://")) is MemoryStorage  # limits' own scheme is left as it was


def test_the_moving_window_still_refuses_and_frees_up_once_the_window_has_passed() -> None:
    storage = QuietMemoryStorage()
    strategy = MovingWindowRateLimiter(storage)
    item = parse_many("3/second")[0]
    assert [strategy.hit(item, "message", "conv-a") for _ in range(4)] == [True, True, True, False]
    assert strategy.hit(item, "message", "conv-b")  # another conversation has its own window
    time.sleep(1.05)
    assert strategy.hit(item, "message", "conv-a")
    assert len(storage.events[item.key_for("message", "conv-a")]) == 1  # the expired three were dropped


def test_no_thread_is_started_for_a_message(monkeypatch) -> None:
    """Counted where threads are started, from this thread only: other tests' threads may come and go."""
    started = []
    start = threading.Thread.start
    here = threading.get_ident()

    def counted_start(thread: threading.Thread) -> None:
        if threading.get_ident() == here:
            started.append(thread)
        start(thread)

    strategy = MovingWindowRateLimiter(storage := QuietMemoryStorage())
    item = parse_many("1000/minute")[0]
    strategy.hit(item, "message", "warm-up")
    monkeypatch.setattr(threading.Thread, "start", counted_start)
    for n in range(200):
        strategy.hit(item, "message", f"conv-{n % 7}")
        if n % 40 == 39:
            time.sleep(0.03)  # limits' own storage starts a thread again once its last one has run
    assert started == []
    assert storage  # kept alive while the strategy is used (it holds the storage weakly)


def test_conversations_gone_quiet_are_forgotten_by_the_sweep() -> None:
    storage = QuietMemoryStorage()
    strategy = MovingWindowRateLimiter(storage)
    item = parse_many("5/second")[0]
    for n in range(50):
        strategy.hit(item, "message", f"conv-{n}")
    assert len(storage.events) == 50
    time.sleep(1.05)
    storage._next_sweep = 0  # a minute has passed
    strategy.hit(item, "message", "conv-new")
    assert list(storage.events) == [item.key_for("message", "conv-new")]


def test_the_window_reports_what_the_parent_would() -> None:
    """Retry-After comes from the window's start and count: the same as limits' own storage gives."""
    quiet, parent = QuietMemoryStorage(), MemoryStorage()
    item = parse_many("3/minute")[0]
    for storage in (quiet, parent):
        strategy = MovingWindowRateLimiter(storage)
        for _ in range(3):
            strategy.hit(item, "message", "conv-a")
    key = item.key_for("message", "conv-a")
    assert quiet.get_moving_window(key, 3, 60)[1] == parent.get_moving_window(key, 3, 60)[1] == 3
    assert abs(quiet.get_moving_window(key, 3, 60)[0] - parent.get_moving_window(key, 3, 60)[0]) <= 1
    assert quiet.get_moving_window("nobody", 3, 60)[1] == 0
    parent.timer.cancel()
