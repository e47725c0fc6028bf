"""Resident memory of the stack's processes (from /proc), and py-spy profiles of the hub and Rasa."""

from __future__ import annotations

import collections
import re
import subprocess
import sys
import threading
from pathlib import Path

from bot.config import PROJECT_ROOT

PAGE = 4096

LABELS = (  # (label, pattern in the command line), first match wins
    ("actions", re.compile(r"rasa run actions|bot\.action_server|rasa_sdk")),
    ("rasa", re.compile(r"rasa run|bot\.rasa_run")),
    ("hub", re.compile(r"bot\.hub:create_app")),
    ("portal", re.compile(r"demo_portal:create_app")),
    ("nginx", re.compile(r"^nginx")),
    ("honcho", re.compile(r"honcho")),
    ("launcher", re.compile(r"wayfinder run")),
)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                children[int(stat[stat.rindex(")") + 2:].split()[1])].append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return children


def processes(root: int) -> list[tuple[str, int, float]]:
    """(label, pid, resident MB) of the process `root` and all its descendants, biggest first."""
    children = _children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        cmdline = _cmdline(pid)
        if not cmdline or cmdline.startswith(("/bin/sh", "sh -c")):
            continue
        label = next((name for name, pattern in LABELS if pattern.search(cmdline)), "other")
        found.append((label, pid, rss_pages * PAGE / 2**20))
    return sorted(found, key=lambda row: -row[2])


def memory_by_label(root: int) -> dict[str, float]:
    totals: dict[str, float] = collections.defaultdict(float)
    for label, _, mb in processes(root):
        totals[label] += mb
    return dict(totals)


def pid_of(root: int, label: str) -> int | None:
    """The (biggest) process with this label: gunicorn's worker rather than its master."""
    rows = [row for row in processes(root) if row[0] == label]
    return rows[0][1] if rows else None


def start_profile(pid: int, seconds: int, output: Path) -> subprocess.Popen:
    """py-spy, sampling without pausing the process, collapsed stacks to `output`."""
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "97",
                             "--nonblocking", "--format", "raw", "--output", str(output)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _where(file: str) -> str:
    """A frame's file as a reader knows it: bot/hub/router.py, rasa/core/processor.py ..."""
    if "site-packages/" in file:  # py-spy usually shortens these already (rasa/core/processor.py)
        return file.split("site-packages/", 1)[1]
    root = f"{PROJECT_ROOT}/"
    return file.removeprefix(root)


# Functions shown with their callees' time: the project's own code, and Rasa's message handling.
OWN_CODE = ("bot/", "actions/", "rasa/core/", "rasa/engine/", "rasa/nlu/", "rasa/utils/endpoints", "rasa_sdk/")
# Leaves of threads that wait for work (gunicorn's idle threads, Socket.IO's timers): not the hub's time.
IDLE_LEAVES = ("_worker ", "sleep ", "wait ", "select ", "_wait_for_tstate_lock ", "accept ", "poll ")


def summarise_profile(path: Path, top: int = 12) -> dict:
    """Where the busy threads' samples are: by own frame (self time), and the project's and Rasa's functions
    with what they call (inclusive).
    A thread waiting for an answer (reading a socket) is busy: it holds a request."""
    own: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f]
        if frames and frames[0].startswith(("process ", "thread ")):
            frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1].startswith(IDLE_LEAVES):
            continue
        total += n
        match = _FRAME.match(frames[-1])
        own[(match.group("function"), _where(match.group("file"))) if match else (frames[-1], "")] += n
        functions = set()
        for frame in frames:
            match = _FRAME.match(frame)
            if match and _where(match.group("file")).startswith(OWN_CODE):
                functions.add(f"{match.group('function')} ({_where(match.group('file'))})")
        for function in functions:
            inclusive[function] += n
    return {
        "samples": total,
        "own": [(f"{fn} ({where})", round(100 * n / total, 1)) for (fn, where), n in own.most_common(top)] if total else [],
        "inclusive": [(f, round(100 * n / total, 1)) for f, n in inclusive.most_common(top + 4)] if total else [],
    }


class MemorySampler(threading.Thread):
    """Every 2 s, the resident memory of each kind of process and of the whole stack; keeps the peaks."""

    def __init__(self, root: int, every: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.root, self.every = root, every
        self.peak: dict[str, float] = {}
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            current = memory_by_label(self.root)
            for label, mb in current.items():
                self.peak[label] = max(self.peak.get(label, 0.0), mb)
            self.peak["whole stack"] = max(self.peak.get("whole stack", 0.0), sum(current.values()))
            self._stopping.wait(self.every)

    def stop(self) -> dict[str, float]:
        self._stopping.set()
        self.join()
        return {k: round(v, 1) for k, v in sorted(self.peak.items(), key=lambda kv: -kv[1])}
