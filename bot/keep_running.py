"""Run one process of the stack and start it again whenever it dies: the launcher's supervisor.

honcho (which `wayfinder run` uses) stops every process as soon as one exits, so a crashed
action server would take the whole stack down with it. Each Procfile line therefore runs its
command under this wrapper:

    python -m bot.keep_running NAME -- COMMAND [ARGS...]

It starts COMMAND, and when COMMAND exits without being asked to, logs it and starts it again
(after 1 s, doubling up to 30 s while it keeps failing quickly). SIGTERM or SIGINT (honcho
stopping the stack, Ctrl+C) stop COMMAND and the wrapper for good.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

FIRST_DELAY, MAX_DELAY = 1.0, 30.0
HEALTHY_AFTER = 60.0  # a process that ran this long before dying is restarted after FIRST_DELAY again


def log(name: str, text: str) -> None:
    print(f"keep_running[{name}]: {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m bot.keep_running NAME -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    name, command = argv[0], argv[2:]
    stopping: list[int] = []
    child: subprocess.Popen | None = None

    def stop(signum, frame) -> None:
        stopping.append(signum)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    delay = FIRST_DELAY
    while True:
        started = time.monotonic()
        try:
            child = subprocess.Popen(command)
        except OSError as exc:
            log(name, f"cannot start {command[0]}: {exc}")
            return 127
        code = child.wait()
        if stopping:
            return 0
        if time.monotonic() - started > HEALTHY_AFTER:
            delay = FIRST_DELAY
        log(name, f"stopped unexpectedly (exit code {code}); starting it again in {delay:g} s")
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.1)
        if stopping:
            return 0
        delay = min(delay * 2, MAX_DELAY)


if __name__ == "__main__":
    sys.exit(main())
