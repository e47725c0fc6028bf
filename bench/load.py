"""Closed-loop load (asyncio): N customers, each running journeys back to back, through one of its doors.

- `rasa`: the turns straight to Rasa's REST channel (the baseline);
- `hub-rest`: the hub's REST front door (`POST /webhooks/rest/webhook`);
- `hub-socket`: the hub's Socket.IO front door, as the widget uses it (page views included);
- `relay`: the same turns through a relay that stores nothing (`bench/relay.py`): the floor
  that the extra process and HTTP hop put under any hub, before it does any work of its own;
- `relay-async`: the same relay on asyncio (aiohttp), the floor under a hub whose customer
  path were asynchronous.

A customer sends its next message as soon as the answer to the previous one is in (no typing
time), so the figures are the most the stack can do, not what real customers ask of it.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp
import socketio

from bench.journeys import Turn
from bot.hub.router import ASSISTANT_UNAVAILABLE

TARGETS = ("rasa", "relay", "relay-async", "hub-rest", "hub-socket")
HUB_TARGETS = ("hub-rest", "hub-socket")  # the doors whose store is checked for lost messages
TURN_TIMEOUT = 60


@dataclass
class Result:
    target: str
    level: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # answered messages, seconds
    errors: dict[str, int] = field(default_factory=dict)
    unanswered: int = 0  # accepted, but no answer came back
    page_views: int = 0
    conversations: list[tuple[str | None, int]] = field(default_factory=list)  # (id, messages accepted)
    lost: int | None = None  # accepted (200 / ok), but not in the hub's store afterwards (hub doors only)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def sent(self) -> int:
        return len(self.latencies) + self.unanswered + sum(self.errors.values())

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def summary(self) -> dict:
        return {
            "target": self.target, "level": self.level, "seconds": round(self.seconds, 1), "sent": self.sent,
            "answered": len(self.latencies),
            "median_ms": _ms(statistics.median(self.latencies)) if self.latencies else None,
            "p95_ms": _ms(self.percentile(0.95)), "p99_ms": _ms(self.percentile(0.99)),
            "msgs_per_s": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "errors": sum(self.errors.values()), "error_kinds": dict(self.errors),
            "unanswered": self.unanswered, "lost": self.lost, "page_views": self.page_views,
            "conversations": len(self.conversations),
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _apology(texts) -> bool:
    return any(ASSISTANT_UNAVAILABLE in (text or "") for text in texts)


async def _rest_customer(session: aiohttp.ClientSession, url: str, hub: bool, journeys, deadline: float,
                         result: Result) -> None:
    while time.monotonic() < deadline:
        _, turns = next(journeys)
        sender = None if hub else f"bench-{uuid.uuid4().hex}"
        page, sent = None, 0
        for turn in turns:
            if time.monotonic() >= deadline:
                break
            if not turn.is_message:
                page = turn.page
                continue
            body = {"message": turn.text, "metadata": {"page": page} if page else {}}
            if sender:
                body["sender"] = sender
            started = time.perf_counter()
            try:
                async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=TURN_TIMEOUT)) as response:
                    status = response.status
                    replies = await response.json() if status == 200 else None
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                result.error(type(exc).__name__)
                continue
            elapsed = time.perf_counter() - started
            if status != 200:
                result.error(f"HTTP {status}")
            elif _apology(r.get("text") for r in replies):
                result.error("assistant unavailable")
            elif not replies:
                result.unanswered += 1
            else:
                result.latencies.append(elapsed)
                sender = sender or replies[0].get("recipient_id")
            if status == 200:
                sent += 1
        result.conversations.append((sender, sent))


def _socket_customer(hub: str, journeys, deadline: float, result: Result, lock: threading.Lock) -> None:
    """One widget (python-socketio's client over a websocket, in its own thread)."""
    while time.monotonic() < deadline:
        with lock:
            _, turns = next(journeys)
        client = socketio.Client(reconnection=False)
        texts: list[str | None] = []

        def bot_uttered(data, texts=texts):
            texts.append(data.get("text") if isinstance(data, dict) else None)

        client.on("bot_uttered", bot_uttered)
        try:
            # websocket-client sends the hub's own origin (allowed); a second Origin header would be refused
            client.connect(hub, transports=["websocket"], socketio_path="/socket.io", wait_timeout=TURN_TIMEOUT)
            session_id = client.call("session_request", {}, timeout=TURN_TIMEOUT)["session_id"]
        except (socketio.exceptions.SocketIOError, KeyError, TypeError) as exc:
            with lock:
                result.error(f"connect: {type(exc).__name__}")
            client.disconnect()
            time.sleep(1)
            continue
        sent = 0
        try:
            for turn in turns:
                if time.monotonic() >= deadline:
                    break
                if not turn.is_message:
                    client.call("page_view", {"page": turn.page}, timeout=TURN_TIMEOUT)
                    with lock:
                        result.page_views += 1
                    continue
                before = len(texts)
                started = time.perf_counter()
                ack = client.call("user_uttered", {"message": turn.text, "session_id": session_id},
                                  timeout=TURN_TIMEOUT)
                elapsed = time.perf_counter() - started
                answers = texts[before:]
                if isinstance(ack, dict) and ack.get("ok"):
                    sent += 1
                with lock:
                    if not isinstance(ack, dict) or not ack.get("ok"):
                        result.error(f"refused: {ack.get('error') if isinstance(ack, dict) else ack}")
                    elif _apology(answers):
                        result.error("assistant unavailable")
                    elif not answers:
                        result.unanswered += 1
                    else:
                        result.latencies.append(elapsed)
        except socketio.exceptions.SocketIOError as exc:
            with lock:
                result.error(type(exc).__name__)
        finally:
            with lock:
                result.conversations.append((session_id, sent))
            client.disconnect()


async def _lost(hub: str, result: Result) -> int:
    """Messages a customer sent that the hub's store does not hold (asked after the run, not timed)."""
    lost = 0
    async with aiohttp.ClientSession() as session:
        for conversation, sent in result.conversations:
            if not conversation or not sent:
                continue
            async with session.get(f"{hub}/api/conversation/history",
                                   headers={"Authorization": f"Bearer {conversation}"}) as response:
                if response.status != 200:
                    lost += sent
                    continue
                body = await response.json()
            stored = sum(1 for m in body["messages"] if m["sender"] == "customer")
            lost += max(0, sent - stored)
    return lost


async def run_level(target: str, level: int, seconds: float, urls: dict, journeys: list[tuple[str, list[Turn]]]
                    ) -> Result:
    """`level` customers for `seconds` through `target`; then count what the hub lost."""
    result = Result(target, level)
    cycle = itertools.cycle(journeys)
    started = time.monotonic()
    deadline = started + seconds
    if target == "hub-socket":  # python-socketio's asyncio client needs a newer aiohttp than Rasa allows
        lock = threading.Lock()
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=level) as threads:  # one thread per widget
            await asyncio.gather(*[loop.run_in_executor(threads, _socket_customer, urls["hub"], cycle, deadline,
                                                        result, lock) for _ in range(level)])
    else:
        base = urls["hub"] if target == "hub-rest" else urls[target]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=level + 10)) as session:
            await asyncio.gather(*[_rest_customer(session, f"{base}/webhooks/rest/webhook", target == "hub-rest",
                                                  cycle, deadline, result) for _ in range(level)])
    result.seconds = time.monotonic() - started
    if target in HUB_TARGETS:
        result.lost = await _lost(urls["hub"], result)
    return result
