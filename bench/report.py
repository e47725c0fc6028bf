"""reports/bench.md and reports/bench.png from the runs in reports/bench-*.json (newest first in detail)."""

from __future__ import annotations

import json
from pathlib import Path

TARGET_NAMES = {"rasa": "Rasa REST (direct)", "relay": "relay, no store (floor)",
                "relay-async": "asyncio relay, no store", "hub-rest": "hub REST", "hub-socket": "hub Socket.IO"}
FLOORS = (("relay", "gunicorn + Flask"), ("relay-async", "asyncio"))
MEMORY_LIMIT_MB = 2.5 * 1024
READY_LIMIT_S = 45
TRAIN_LIMIT_S = 300


def _fmt(value, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


def _speed(run: dict) -> str:
    """How fast the run's machine was: the runs' absolute figures scale with it, their ratios hardly."""
    seconds = run.get("loop_seconds")
    return "" if seconds is None else f", where a Python loop of 10 million additions takes {seconds:g} s"


def _result(run: dict, target: str, level: int) -> dict | None:
    return next((r for r in run["results"] if r["target"] == target and r["level"] == level), None)


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def _floors(run: dict, level: int, direct: dict | None) -> str:
    """What relays storing nothing cost over direct Rasa at this level, as measured in the run."""
    if not (direct and direct["median_ms"]):
        return ""
    found = [(server, _result(run, target, level)) for target, server in FLOORS]
    found = [f"{server} {relay['median_ms'] / direct['median_ms']:.2f} ×" for server, relay in found
             if relay and relay["median_ms"]]
    return f" (a relay storing nothing: {', '.join(found)})" if found else ""


def targets_table(run: dict) -> list[str]:
    lines = ["| target (issue 7) | measured | verdict |", "|---|---|---|"]
    for level in run["levels"]:
        direct = _result(run, "rasa", level)
        floor = _floors(run, level, direct)
        for door in ("hub-rest", "hub-socket"):
            hub = _result(run, door, level)
            if direct and hub and direct["median_ms"] and hub["median_ms"]:
                ratio = hub["median_ms"] / direct["median_ms"]
                lines.append(f"| {TARGET_NAMES[door]} median ≤ 1.10 × direct Rasa, {level} concurrent | "
                             f"{hub['median_ms']:g} ms vs {direct['median_ms']:g} ms = {ratio:.2f} ×{floor} | "
                             f"{_verdict(ratio <= 1.10)} |")
    direct = _result(run, "rasa", 20)
    alone = (f" (Rasa alone in this run: {direct['msgs_per_s']:g} msg/s, p95 {_fmt(direct['p95_ms'], ' ms')})"
             if direct else "")
    for door in ("hub-rest", "hub-socket"):
        hub = _result(run, door, 20)
        if hub:
            ok = hub["msgs_per_s"] >= 30 and (hub["p95_ms"] or 1e9) <= 1000 and hub["errors"] == 0
            lines.append(f"| {TARGET_NAMES[door]}: ≥ 30 msg/s at 20 concurrent, p95 ≤ 1 s, 0 errors | "
                         f"{hub['msgs_per_s']:g} msg/s, p95 {_fmt(hub['p95_ms'], ' ms')}, {hub['errors']} errors"
                         f"{alone} | {_verdict(ok)} |")
    whole = run["memory_mb"].get("whole stack")
    lines.append(f"| whole stack ≤ 2.5 GB resident (peak) | {_fmt(whole and round(whole), ' MB')} | "
                 f"{_verdict(None if whole is None else whole <= MEMORY_LIMIT_MB)} |")
    ready = run.get("ready_seconds")
    lines.append(f"| ready ≤ 45 s after start, nothing to train | {_fmt(ready, ' s')} | "
                 f"{_verdict(None if ready is None else ready <= READY_LIMIT_S)} |")
    train = run.get("train_seconds")
    lines.append(f"| `rasa train` ≤ 5 min | {_fmt(train, ' s')} | "
                 f"{_verdict(None if train is None else train <= TRAIN_LIMIT_S)} |")
    return lines


def results_table(run: dict) -> list[str]:
    lines = [("| door | concurrent | conversations | messages | median | p95 | p99 | msg/s | errors | unanswered "
             "| lost |"), "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in run["results"]:
        kinds = ", ".join(f"{k}: {v}" for k, v in r["error_kinds"].items())
        lines.append(
            f"| {TARGET_NAMES[r['target']]} | {r['level']} | {r['conversations']} | {r['sent']} | "
            f"{_fmt(r['median_ms'], ' ms')} | {_fmt(r['p95_ms'], ' ms')} | {_fmt(r['p99_ms'], ' ms')} | "
            f"{r['msgs_per_s']:g} | {r['errors']}{f' ({kinds})' if kinds else ''} | {r['unanswered']} | "
            f"{_fmt(r['lost'])} |")
    return lines


def comparison_table(runs: list[dict]) -> list[str]:
    labels = [run["label"] for run in runs]
    lines = ["| door | concurrent | " + " | ".join(f"{label}: median / p95 / msg/s" for label in labels) + " |",
             "|---|---:|" + "---:|" * len(labels),
             "| machine: loop of 10 million additions | | " + " | ".join(_fmt(run.get("loop_seconds"), " s")
                                                                      for run in runs) + " |"]
    keys = [(r["target"], r["level"]) for r in runs[-1]["results"]]
    for target, level in keys:
        cells = []
        for run in runs:
            r = _result(run, target, level)
            cells.append("–" if r is None else
                         f"{_fmt(r['median_ms'])} / {_fmt(r['p95_ms'])} ms / {r['msgs_per_s']:g}")
        lines.append(f"| {TARGET_NAMES[target]} | {level} | " + " | ".join(cells) + " |")
    return lines


def profile_lines(name: str, profile: dict) -> list[str]:
    if not profile or "error" in profile:
        return [f"{name}: no profile ({(profile or {}).get('error', 'py-spy not run')})."]
    lines = [(f"**{name}** — {profile['samples']} samples of busy threads (py-spy, 97 Hz, 25 s, 20 concurrent "
             "customers on the hub's REST door; a thread waiting for Rasa's answer is busy)"),
             "", "| own time: function | % of samples |", "|---|---:|"]
    lines += [f"| `{fn}` | {pct:g} |" for fn, pct in profile["own"]]
    lines += ["", "| with what it calls: function | % of samples |", "|---|---:|"]
    lines += [f"| `{function}` | {pct:g} |" for function, pct in profile["inclusive"]]
    return lines + [""]


def chart(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = runs[-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    targets = [t for t in TARGET_NAMES if any(r["target"] == t for r in run["results"])]
    width = 0.8 / max(1, len(targets))
    for i, target in enumerate(targets):
        rows = [_result(run, target, level) for level in run["levels"]]
        xs = [n + i * width for n in range(len(run["levels"]))]
        left.bar(xs, [r["median_ms"] or 0 if r else 0 for r in rows], width, label=f"{TARGET_NAMES[target]} median")
        left.scatter(xs, [r["p95_ms"] or 0 if r else 0 for r in rows], marker="_", s=300, color="black",
                     label="p95" if i == 0 else None, zorder=3)
        right.bar(xs, [r["msgs_per_s"] if r else 0 for r in rows], width, label=TARGET_NAMES[target])
    for axis, title in ((left, "latency per message (ms; bar median, tick p95)"), (right, "answered messages / s")):
        axis.set_xticks([n + width * (len(targets) - 1) / 2 for n in range(len(run["levels"]))])
        axis.set_xticklabels([f"{level} concurrent" for level in run["levels"]])
        axis.set_title(title)
        axis.legend(fontsize=8)
    left.set_yscale("log")
    right.axhline(30, color="grey", linestyle="--", linewidth=1)
    fig.suptitle(f"Wayfinder bench, {run['label']} ({run['date']}, commit {run['commit']})")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write(reports: Path) -> None:
    runs = [json.loads(p.read_text()) for p in sorted(reports.glob("bench-*.json"))]
    if not runs:
        return
    runs.sort(key=lambda run: (run["label"] != "before", run["date"]))  # "before" first, then by date
    run = runs[-1]  # the latest run is the one reported in full
    chart(runs, reports / "bench.png")
    lines = [
        "# Wayfinder benchmark",
        "",
        (f"Run **{run['label']}**: {run['date']}, commit `{run['commit']}`, {run['machine']}{_speed(run)}. "
        "Written by `make bench` (`python -m bench`); the JSON of each run is beside this file."),
        "",
        ("The stack is started as `make run` starts it (embedded default: SQLite, one process of each), "
        "on ports 21200-21255. Each simulated customer runs the six journeys of the catalogue in turn "
        "(page views, a goal, familiarity, a step-through with a *why*, a step done, and a handover), as "
        "a new conversation each time, and sends its next message as soon as the previous one is answered: "
        "a closed loop with no typing time, so these are the most the stack can do, not what real customers "
        f"ask of it. Each door at each level runs {run['seconds_per_run']:g} s after a warm-up. *Direct Rasa* "
        "sends the same messages straight to Rasa's REST channel in the same run; the *relay* (`bench/relay.py`, "
        "when run) sends them through a gunicorn + Flask process that only forwards them to that channel, so its "
        "latency over direct Rasa is the floor under any hub of this stack; the *asyncio relay* (when run) does the "
        "same on aiohttp, the floor under a hub whose customer path were asynchronous. *Lost* counts messages the "
        "hub accepted (200, or an `ok` acknowledgement) that its store does not hold afterwards; *unanswered*, "
        "messages accepted without any answer; *errors*, messages refused or timed out (the customer is told)."),
        "",
        "![latency and throughput](bench.png)",
        "",
        "## Targets",
        "",
        *targets_table(run),
        "",
        "## Results",
        "",
        *results_table(run),
        "",
        "## Memory (resident, MB)",
        "",
        "| process | idle after start | peak during the run |",
        "|---|---:|---:|",
        *[f"| {label} | {_fmt(run.get('memory_idle_mb', {}).get(label))} | {mb:g} |"
          for label, mb in run["memory_mb"].items()],
        "",
        "## Profile",
        "",
        *profile_lines("hub", run["profiles"].get("hub")),
        *profile_lines("rasa", run["profiles"].get("rasa")),
    ]
    if len(runs) > 1:
        lines += ["## Before and after", "", *comparison_table(runs), ""]
    notes = reports / "bench-notes.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    (reports / "bench.md").write_text("\n".join(lines) + "\n")
