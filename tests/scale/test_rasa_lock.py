"""bot.rasa_lock against the real Redis on 127.0.0.1: two 'Rasa processes' never hold one conversation at once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_lock import AtomicRedisLockStore


def store() -> AtomicRedisLockStore:
    config = EndpointConfig(url="127.0.0.1", type="bot.rasa_lock.AtomicRedisLockStore", port=6379, db=0,
                            key_prefix="wayfindertest")
    return LockStore.create(config)  # as Rasa builds it from endpoints.yml


@pytest.fixture(scope="module", autouse=True)
def needs_redis():
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (make services starts it)")


def test_rasa_builds_it_from_the_endpoints_settings():
    built = store()
    assert isinstance(built, AtomicRedisLockStore) and built.key_prefix.startswith("wayfindertest:")


def test_ten_turns_through_two_processes_run_one_at_a_time_and_all_finish():
    a, b = store(), store()  # two processes: nothing shared but Redis
    conversation = f"lock-test-{uuid.uuid4()}"
    inside, most, done = [0], [0], []

    async def turn(n: int) -> None:
        async with (a, b)[n % 2].lock(conversation, lock_lifetime=10):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            await asyncio.sleep(0.03)  # Rasa working on the turn
            inside[0] -= 1
            done.append(n)

    async def main() -> None:
        await asyncio.gather(*(turn(n) for n in range(10)))

    asyncio.run(main())
    assert most[0] == 1 and sorted(done) == list(range(10))


def test_a_lock_whose_holder_died_is_free_after_its_lifetime():
    a, b = store(), store()
    conversation = f"lock-test-{uuid.uuid4()}"
    a.red.lock(a._key(conversation), timeout=0.3).acquire(blocking=False)  # taken, never given back

    async def main() -> float:
        began = time.monotonic()
        async with b.lock(conversation, lock_lifetime=5):
            return time.monotonic() - began

    assert 0.1 < asyncio.run(main()) < 2


def test_waiting_longer_than_the_lifetime_is_a_lock_error():
    a, b = store(), store()
    conversation = f"lock-test-{uuid.uuid4()}"
    a.red.lock(a._key(conversation), timeout=30).acquire(blocking=False)

    async def main() -> None:
        async with b.lock(conversation, lock_lifetime=0.3):
            pass

    with pytest.raises(LockError):
        asyncio.run(main())
    a.red.delete(a._key(conversation))
