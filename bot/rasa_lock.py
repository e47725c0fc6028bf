"""Runs inside `rasa run` (scale profile): a Redis lock store whose lock is one atomic Redis operation.

Several `rasa run` processes share the conversations; Rasa must work on one conversation's
messages one at a time. Rasa Open Source's `RedisLockStore` keeps a "ticket lock" as one JSON
value that each process reads, changes and writes back; two processes can interleave those
steps and both believe they hold the lock (RasaHQ/rasa#11256 - its fix, the concurrent lock
store, is not in Open Source). Two messages of one conversation are then processed at once and
one of them is lost from the tracker.

`AtomicRedisLockStore` keeps Rasa's class, settings and key prefix but takes the lock with
redis-py's `Lock` (`SET key token NX PX lifetime` to take it, a compare-and-delete script to
give it back): taking it is one atomic step, so only one process holds a conversation at a
time. A holder that dies lets go when the lifetime ends (Rasa's `TICKET_LOCK_LIFETIME`, 60 s).
Waiting is polled without blocking Rasa's event loop. Unlike the ticket lock, waiters are not
served strictly first come first served; the hubs hold their own per-conversation turn lock
(bot/scale.py), so customers' messages reach Rasa in order in any case.

    lock_store:
      type: bot.rasa_lock.AtomicRedisLockStore
      url: ...   # the same settings as Rasa's `type: redis`
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import LockError as RedisLockError

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with an atomic lock (redis-py's `Lock`) instead of a read-modify-write ticket lock."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _key(self, conversation_id: str) -> str:
        return f"{self.key_prefix}atomic:{conversation_id}"

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation for at most `lock_lifetime` seconds; wait at most as long to get it."""
        mutex = self.red.lock(self._key(conversation_id), timeout=lock_lifetime)
        give_up = time.monotonic() + lock_lifetime
        while not mutex.acquire(blocking=False):
            if time.monotonic() > give_up:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(min(POLL_SECONDS, wait_time_in_seconds))
        try:
            yield self.create_lock(conversation_id)
        finally:
            try:
                mutex.release()
            except RedisLockError:  # held longer than its lifetime: another process may have it now
                logger.warning("the lock of conversation %s expired before the turn ended", conversation_id[:8])
