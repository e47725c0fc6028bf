"""Soak test (issue 8, `make soak`): mixed load on a stack of its own for a long time, restarting one
process now and then; reports lost messages and memory after warm-up. Not part of `make test`.

    python bench/soak.py --minutes 30 [--customers 6] [--restart actions] [--restart-every 180]

Customers run the scripted journeys of bench/journeys.py over and over (each journey a new
conversation): some through the REST front door, some through Socket.IO like the widget (with
page views, and a `client_id` so a message re-sent after a reconnect is not stored twice). Every
`--restart-every` seconds one process (`actions`, `portal`, `hub` or `rasa`) is killed with
SIGKILL; the launcher starts it again. A customer whose message was not acknowledged (connection
refused, timeout) sends it again, like the widget does.

At the end every conversation is read back from the hub and from Rasa's tracker. A message is
**lost** when the customer had it acknowledged but the hub did not store it, it has no answer
after it, or (while the bot had the conversation) Rasa never saw it; **given up** when sixty tries
(about ten minutes) never got it answered. Either fails the run. Memory: resident size of
each part every 15 s; "after warm-up" compares the median of the minute after warm-up with the
median of the last minute (the restarted part is left out: it starts afresh each time).
Writes reports/soak.json and prints a summary.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.journeys import journeys
from tests.support.stack import running_stack, stack_processes

ROOT = Path(__file__).resolve().parents[1]
PORTS = {"HUB": 22200, "PORTAL": 22201, "RASA": 22205, "ACTIONS": 22255}
PARTS = {  # how each part's processes look (see the Procfile)
    "rasa": r"^\S*python\S* (\S*/bin/rasa|-m bot\.rasa_run) run ",
    "actions": r"^\S*python\S* -m bot\.action_server",
    "hub": r"^\S*python\S* \S*/bin/gunicorn .*bot\.hub:create_app",
    "portal": r"^\S*python\S* \S*/bin/gunicorn .*demo_portal:create_app",
}
PAGE = 4096
SOCKET_ERRORS = (socketio.exceptions.SocketIOError, OSError)  # the hub is restarting, or slow


class Ledger:
    """What each customer sent and had acknowledged, per conversation."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: dict[str, list[str]] = {}
        self.counts = {"sent": 0, "acknowledged": 0, "retried": 0, "rate_limited": 0, "apologies": 0,
                       "connect_failed": 0, "gave_up": 0}

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counts[key] += n

    def ack(self, conversation: str, text: str) -> None:
        with self.lock:
            self.acknowledged.setdefault(conversation, []).append(text)
            self.counts["acknowledged"] += 1


def rest_customer(hub: str, ledger: Ledger, stop: threading.Event, scripts) -> None:
    while not stop.is_set():
        _, turns = random.choice(scripts)
        conversation = None
        for turn in turns:
            if stop.is_set() or not turn.is_message:
                continue
            ledger.count("sent")
            for attempt in range(60):
                if stop.is_set():
                    break
                try:
                    body = {"message": turn.text, **({"sender": conversation} if conversation else {})}
                    answer = requests.post(f"{hub}/webhooks/rest/webhook", json=body, timeout=30)
                except requests.RequestException:
                    answer = None
                if answer is not None and answer.status_code == 200 and answer.json():
                    replies = answer.json()
                    conversation = replies[0]["recipient_id"]
                    ledger.ack(conversation, turn.text)
                    if any("on our side" in (r.get("text") or "") for r in replies):
                        ledger.count("apologies")
                    break
                if answer is not None and answer.status_code == 429:
                    ledger.count("rate_limited")
                ledger.count("retried")
                time.sleep(min(2 + attempt, 10))
            else:  # sixty tries and never an answer: the customer gives up (a fault of the stack)
                ledger.count("gave_up")
                break
            time.sleep(random.uniform(0.5, 2.0))  # the customer reads and types


def socket_customer(hub: str, ledger: Ledger, stop: threading.Event, scripts) -> None:
    while not stop.is_set():
        _, turns = random.choice(scripts)
        client = socketio.Client(reconnection=True, reconnection_delay=1, reconnection_delay_max=5)
        try:
            # websocket-client sends the hub's own origin (allowed); a second Origin header is refused
            client.connect(hub, transports=["websocket"], wait_timeout=20)
            session = {"id": client.call("session_request", {}, timeout=20)["session_id"]}
        except SOCKET_ERRORS:  # the hub is restarting: try again shortly (counted: a run of them is a fault)
            ledger.count("connect_failed")
            time.sleep(3)
            continue
        try:
            for turn in turns:
                if stop.is_set():
                    break
                if not turn.is_message:
                    with contextlib.suppress(*SOCKET_ERRORS):
                        client.call("page_view", {"page": turn.page}, timeout=30)
                    continue
                ledger.count("sent")
                client_id = uuid.uuid4().hex
                for attempt in range(60):
                    if stop.is_set():
                        break
                    try:
                        if not client.connected:
                            raise ConnectionError
                        client.call("session_request", {"session_id": session["id"]}, timeout=20)
                        ack = client.call("user_uttered", {"message": turn.text, "client_id": client_id,
                                                           "session_id": session["id"]}, timeout=30)
                    except SOCKET_ERRORS:
                        ack = None
                    if ack and ack.get("ok"):
                        ledger.ack(session["id"], turn.text)
                        break
                    if ack and ack.get("error") == "rate_limited":
                        ledger.count("rate_limited")
                    ledger.count("retried")
                    time.sleep(min(2 + attempt, 10))
                else:
                    ledger.count("gave_up")
                    break
                time.sleep(random.uniform(0.5, 2.0))
        finally:
            client.disconnect()


def resident_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total / 2**20


def lost_messages(stack: dict, ledger: Ledger) -> dict:
    """Acknowledged messages missing from the hub's store, unanswered there, or never seen by Rasa."""
    lost, checked = [], 0
    token = stack["env"]["WAYFINDER_RASA_TOKEN"]
    for conversation, sent in ledger.acknowledged.items():
        history = requests.get(f"{stack['hub']}/api/conversation/history", timeout=30,
                               headers={"Authorization": f"Bearer {conversation}"}).json()["messages"]
        stored = [m for m in history if m["sender"] == "customer"]
        texts = [m["text"] for m in stored]
        events = requests.get(f"{stack['rasa']}/conversations/{conversation}/tracker", timeout=60,
                              params={"token": token, "include_events": "ALL"}).json().get("events", [])
        seen = [e.get("text") for e in events if e.get("event") == "user"]
        with_adviser = any(m["sender"] == "adviser" for m in history)
        for text in sent:
            checked += 1
            if text not in texts:
                lost.append({"conversation": conversation[:8], "text": text, "why": "not stored"})
            elif not with_adviser and text not in seen:
                lost.append({"conversation": conversation[:8], "text": text, "why": "Rasa never saw it"})
        for n, message in enumerate(history):
            if message["sender"] == "customer" and not any(
                    m["sender"] in ("bot", "system", "adviser") for m in history[n + 1:n + 4]):
                lost.append({"conversation": conversation[:8], "text": message["text"], "why": "no answer"})
    return {"checked": checked, "lost": len(lost), "examples": lost[:20]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/soak.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--customers", type=int, default=6, help="at once; a third of them on Socket.IO")
    parser.add_argument("--restart", choices=sorted(PARTS), default="actions", help="the process killed now and then")
    parser.add_argument("--restart-every", type=float, default=180, help="seconds")
    parser.add_argument("--warm-up", type=float, default=None, help="seconds (default: a fifth of the run)")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    warm_up = args.warm_up if args.warm_up is not None else seconds / 5
    scripts = journeys()
    with tempfile.TemporaryDirectory(prefix="wayfinder-soak-") as data_dir, \
            running_stack(PORTS, Path(data_dir), {"WAYFINDER_OPENING_HOURS": "always"}) as stack:
        ledger, stop = Ledger(), threading.Event()
        sockets = max(1, args.customers // 3)
        threads = [threading.Thread(target=socket_customer, args=(stack["hub"], ledger, stop, scripts),
                                    daemon=True) for _ in range(sockets)]
        threads += [threading.Thread(target=rest_customer, args=(stack["hub"], ledger, stop, scripts), daemon=True)
                    for _ in range(args.customers - sockets)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        samples: dict[str, list[tuple[float, float]]] = {part: [] for part in PARTS}
        restarts, next_restart, next_sample = [], started + args.restart_every, started
        while (now := time.monotonic()) - started < seconds:
            if now >= next_sample:
                for part, pattern in PARTS.items():
                    samples[part].append((now - started, resident_mb(stack_processes(stack, pattern))))
                print(f"{(now - started) / 60:5.1f} min  {json.dumps(ledger.counts)}  "
                      + "  ".join(f"{p} {s[-1][1]:.0f} MB" for p, s in samples.items()), flush=True)
                next_sample = now + 15
            if now >= next_restart:
                for pid in stack_processes(stack, PARTS[args.restart]):
                    os.kill(pid, signal.SIGKILL)
                restarts.append(round(now - started))
                print(f"killed {args.restart} at {restarts[-1]} s; the launcher starts it again", flush=True)
                next_restart = now + args.restart_every
            time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        time.sleep(5)
        losses = lost_messages(stack, ledger)

    def median(part: str, start: float, end: float) -> float | None:
        values = [mb for at, mb in samples[part] if start <= at < end]
        return round(statistics.median(values), 1) if values else None

    memory = {}
    for part in PARTS:
        if part == args.restart:
            continue
        after_warm_up, at_end = median(part, warm_up, warm_up + 60), median(part, seconds - 60, seconds + 1)
        growth = round(at_end - after_warm_up, 1) if after_warm_up and at_end else None
        memory[part] = {"after_warm_up_mb": after_warm_up, "at_end_mb": at_end, "growth_mb": growth}
    result = {"minutes": args.minutes, "customers": args.customers, "restarted": args.restart,
              "restarts_at_s": restarts, "counts": ledger.counts, "conversations": len(ledger.acknowledged),
              "messages": losses, "memory": memory, "samples": samples}
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "soak.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
    print(f"lost messages: {losses['lost']} of {losses['checked']} acknowledged; "
          f"given up unanswered: {ledger.counts['gave_up']}; written to reports/soak.json")
    return 1 if losses["lost"] or ledger.counts["gave_up"] else 0


if __name__ == "__main__":
    sys.exit(main())
