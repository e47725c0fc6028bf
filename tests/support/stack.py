"""Start the real stack the way `make run` does (`wayfinder run`), on test ports, and stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.config import SECRET_NAMES

ROOT = Path(__file__).resolve().parents[2]
READY = "Wayfinder is ready"


@contextlib.contextmanager
def running_stack(ports: Mapping[str, int], data_dir: Path, extra_env: Mapping[str, str] | None = None,
                  deadline_seconds: float = 900) -> Iterator[dict]:
    """Yield the stack's URLs, env and log once its banner is printed; stop its process group after.

    `ports` maps HUB, RASA, ACTIONS and PORTAL to ports on 127.0.0.1. The deadline includes
    training, for when `make train` did not run first.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAYFINDER_")}
    env.update({f"WAYFINDER_{name}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()})
    env.update({name: f"test-{name.lower()}" for name in SECRET_NAMES})
    env["WAYFINDER_DATA_DIR"] = str(data_dir)
    env.update(extra_env or {})
    log_path = data_dir / "stack.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("wayfinder")), "run", "--ready-timeout", "300"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + deadline_seconds
    try:
        while READY not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the stack did not start:\n" + log_path.read_text()[-4000:])
            time.sleep(1)
        yield {
            **{name.lower(): f"http://127.0.0.1:{port}" for name, port in ports.items()},
            "env": env,
            "log": log_path,
            "pgid": process.pid,
        }
    finally:
        stop_group(process, signal.SIGINT, 60)
        log.close()


def stop_group(process: subprocess.Popen, first: int, grace: float) -> None:
    """Stop the process group `process` leads (started with `start_new_session`): `first`, then, after
    `grace` seconds, SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, first)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def stack_processes(stack: Mapping, pattern: str) -> list[int]:
    """Pids of the processes of `stack` (descendants of the `wayfinder run` it started) whose command
    line matches the regular expression `pattern`; the processes of other stacks are never included."""
    import re

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not re.search(pattern, command):
                continue
            pid = ancestor = int(entry.name)
            while ancestor > 1 and ancestor != stack["pgid"]:
                ancestor = _parent(ancestor)
        except (OSError, ValueError, IndexError):
            continue  # the process ended while we looked
        if ancestor == stack["pgid"]:
            found.append(pid)
    return sorted(found)
