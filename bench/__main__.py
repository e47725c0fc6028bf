"""`make bench`: start the stack as `make run` does (embedded default, SQLite), load it, profile it, report.

    python -m bench [--levels 1,20,100] [--seconds 45] [--label after] [--no-train] [--no-profile]

Writes reports/bench-<label>.json (this run's figures) and reports/bench.md + reports/bench.png
(this run, and every other labelled run in reports/ side by side: the before/after figures).
Ports 21200-21299. Not part of `make test`: it takes both cores for about a quarter of an hour.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

from bench import load, report, system
from bench.journeys import journeys
from bench.relay import running_relay
from bot import build
from bot.config import PROJECT_ROOT
from tests.support.stack import running_stack

PORTS = {"HUB": 21200, "PORTAL": 21201, "RASA": 21205, "ACTIONS": 21255}
RELAY_PORT = 21210  # bench/relay.py, the `relay` door
ASYNC_RELAY_PORT = 21211  # and the `relay-async` door
REPORTS = PROJECT_ROOT / "reports"
BENCH_ENV = {
    # the customers here type without pause: the per-conversation limit would refuse them
    "WAYFINDER_RATE_LIMIT": "1000/10seconds",
    "WAYFINDER_RASA_TIMEOUT": "60",
}


def measure_training() -> float | None:
    """Seconds a full training takes, as `make train` runs it (`rasa train` through bot/rasa_train.py)
    with every component retrained (`--force`), into a throw-away directory (the model is not kept)."""
    with tempfile.TemporaryDirectory(prefix="wayfinder-bench-train-") as out:
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        command = [*build.rasa_train_command("wayfinder-bench", Path(out)), "--force"]
        started = time.monotonic()
        finished = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, check=False)
        seconds = time.monotonic() - started
    return round(seconds, 1) if finished.returncode == 0 else None


def machine_speed(rounds: int = 3) -> float:
    """Seconds a Python loop of 10 million additions takes (the best of `rounds`): these machines
    differ up to threefold in speed, and every figure of a run scales with it."""
    best = float("inf")
    for _ in range(rounds):
        started, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best, 2)


def ready_seconds(log: Path) -> float | None:
    match = re.search(r"Wayfinder is ready \((\d+) s\)", log.read_text())
    return float(match.group(1)) if match else None


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,20,100", help="concurrent conversations, comma-separated")
    parser.add_argument("--seconds", type=float, default=45, help="length of each measured run")
    parser.add_argument("--targets", default=",".join(load.TARGETS))
    parser.add_argument("--label", default="current", help="name of this run in the report, e.g. before / after")
    parser.add_argument("--no-train", action="store_true", help="do not time `rasa train`")
    parser.add_argument("--no-profile", action="store_true", help="no py-spy profile of the hub and Rasa")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]
    targets = [t for t in args.targets.split(",") if t]
    for target in targets:
        if target not in load.TARGETS:
            parser.error(f"unknown target {target!r}; choose from {', '.join(load.TARGETS)}")
    REPORTS.mkdir(exist_ok=True)
    scripts = journeys()
    run = {
        "label": args.label, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "seconds_per_run": args.seconds, "levels": levels, "results": [], "memory_mb": {}, "profiles": {},
    }
    run["loop_seconds"] = machine_speed()  # before anything of the stack runs
    print(f"machine: a loop of 10 million additions in {run['loop_seconds']} s", flush=True)
    train = None if args.no_train else measure_training()
    run["train_seconds"] = train
    print(f"rasa train: {train} s" if train else "rasa train: not timed", flush=True)

    with tempfile.TemporaryDirectory(prefix="wayfinder-bench-") as data_dir, \
            running_stack(PORTS, Path(data_dir), BENCH_ENV) as stack, ExitStack() as relay:
        run["ready_seconds"] = ready_seconds(stack["log"])
        urls = {"hub": stack["hub"], "rasa": stack["rasa"], "portal": stack["portal"]}
        if "relay" in targets:
            urls["relay"] = relay.enter_context(running_relay(stack["rasa"], RELAY_PORT, Path(data_dir) / "relay.log"))
        if "relay-async" in targets:
            urls["relay-async"] = relay.enter_context(running_relay(
                stack["rasa"], ASYNC_RELAY_PORT, Path(data_dir) / "relay-async.log", asynchronous=True))
        sampler = system.MemorySampler(stack["pgid"])
        sampler.start()
        run["memory_idle_mb"] = {k: round(v, 1) for k, v in system.memory_by_label(stack["pgid"]).items()}
        for target in targets:  # warm-up (Rasa's first answers are slow), not measured
            asyncio.run(load.run_level(target, 2, 15, urls, scripts))
        for level in levels:
            for target in targets:
                result = asyncio.run(load.run_level(target, level, args.seconds, urls, scripts))
                summary = result.summary()
                run["results"].append(summary)
                print(json.dumps(summary), flush=True)
        if not args.no_profile and "hub-rest" in targets:
            run["profiles"] = profile(stack, urls, scripts)
        run["memory_mb"] = sampler.stop()
        shutil.copy(stack["log"], REPORTS / "bench-stack.log")  # for the errors' causes (not kept in git)
    path = REPORTS / f"bench-{args.label}.json"
    path.write_text(json.dumps(run, indent=1) + "\n")
    report.write(REPORTS)
    print(f"wrote {path.relative_to(PROJECT_ROOT)}, reports/bench.md and reports/bench.png")
    return 0


def profile(stack: dict, urls: dict, scripts) -> dict:
    """20 customers on the hub's REST door for 30 s while py-spy samples the hub and Rasa."""
    if shutil.which("py-spy") is None and not Path(sys.executable).with_name("py-spy").exists():
        return {}
    found = {}
    spies = {}
    for label in ("hub", "rasa"):
        pid = system.pid_of(stack["pgid"], label)
        if pid:
            output = REPORTS / f"profile-{label}.txt"
            spies[label] = (system.start_profile(pid, 25, output), output)
    asyncio.run(load.run_level("hub-rest", 20, 30, urls, scripts))
    for label, (spy, output) in spies.items():
        _, err = spy.communicate(timeout=120)
        if output.exists():
            found[label] = system.summarise_profile(output)
        else:
            found[label] = {"error": err.decode(errors="replace")[-300:]}
    return found


if __name__ == "__main__":
    sys.exit(main())
