"""`make bench-insights`: generate 100,000 conversations and time the content team's SQL.

The conversations are spread over the catalogue's services and the last 90 days: each goes some
steps into its service, some meet a problem and an error code, some get stuck, some complete
(alone or with the assistant), some are handed over, some are rated. Then the insights (all
services, the last 30 days and all time), the CSV export and the review list's filters are timed
on the hub's store (SQLite by default; `--database-url` for PostgreSQL). Results go to the
terminal and to reports/bench-insights.md.

    python -m bench.insights [--conversations 100000] [--database-url URL] [--seed 6]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask

from bot import migrations
from bot.catalogue import load_catalogue
from bot.config import PROJECT_ROOT
from bot.content import insights, review
from bot.hub.store import db, utcnow

REASONS = ("system_failure", "customer_request", "frustration", "stuck", "not_understood")
BATCH = 5000


def store(url: str) -> Flask:
    app = Flask("bench-insights")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_TRACK_MODIFICATIONS=False)
    db.init_app(app)
    with app.app_context():
        migrations.upgrade(db.engine)
    return app


def generate(count: int, catalogue, rng: random.Random) -> None:
    """Insert `count` conversations with journeys, marks, handovers and ratings (bulk, in batches)."""
    tables = db.metadata.tables
    services = list(catalogue.services.values())
    now = utcnow()
    rows: dict[str, list[dict]] = {"conversations": [], "journeys": [], "journey_marks": [], "handovers": []}
    for n in range(count):
        cid = f"bench{n:08d}"
        started = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
        service = rng.choice(services)
        depth = rng.randint(0, len(service.steps))
        reached = service.steps[:depth]
        journey = {"conversation_id": cid, "started_at": started, "updated_at": started, "service": service.id,
                   "turns": rng.randint(1, 20), "fallbacks": 0, "ended_in_fallback": False,
                   "min_confidence": round(rng.uniform(0.2, 1.0), 3), "current_step": None, "stuck_step": None,
                   "completed": None, "completed_at": None, "rating": None, "rating_comment": None,
                   "rated_at": None}
        for step in reached:
            rows["journey_marks"].append({"conversation_id": cid, "service": service.id, "kind": "step",
                                          "value": step.id, "created_at": started,
                                          "started_at": started})
            journey["current_step"] = step.id
        if reached and rng.random() < 0.35:
            step = reached[-1]
            journey["stuck_step"] = step.id
            if step.problems:
                problem = rng.choice(step.problems)
                rows["journey_marks"].append({"conversation_id": cid, "service": service.id, "kind": "problem",
                                              "value": problem.id, "created_at": started,
                                              "started_at": started})
                for code in problem.error_codes[:1]:
                    rows["journey_marks"].append({"conversation_id": cid, "service": service.id,
                                                  "kind": "error_code", "value": code, "created_at": started,
                                                  "started_at": started})
        if rng.random() < 0.12:
            journey["fallbacks"], journey["ended_in_fallback"] = 1, rng.random() < 0.5
        outcome = rng.random()
        if depth == len(service.steps) and outcome < 0.7:
            journey["completed"], journey["completed_at"] = "self", started
        elif outcome < 0.15:
            journey["completed"], journey["completed_at"] = "assistant", started
        elif outcome < 0.35:
            rows["handovers"].append({"conversation_id": cid, "created_at": started, "status": "resolved",
                                      "reason": rng.choice(REASONS), "goal": service.id, "pages_visited": [],
                                      "error_codes": [], "tried": [], "identity_verified": False,
                                      "customer_words": []})
        if rng.random() < 0.3:
            journey["rating"], journey["rated_at"] = rng.randint(1, 5), started
        rows["conversations"].append({"id": cid, "created_at": started, "updated_at": started, "channel": "socket",
                                      "handled_by": "bot"})
        rows["journeys"].append(journey)
        if len(rows["conversations"]) >= BATCH or n == count - 1:
            for name in ("conversations", "journeys", "journey_marks", "handovers"):
                if rows[name]:
                    db.session.execute(tables[name].insert(), rows[name])
                    rows[name] = []
            db.session.commit()


def timed(label: str, work, repeat: int = 5) -> tuple[str, float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
        db.session.rollback()
    return label, statistics.median(times), max(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insights", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", default=str(PROJECT_ROOT / "reports" / "bench-insights.md"))
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="wayfinder-bench-insights-")
    url = args.database_url or f"sqlite:///{folder}/hub.db"
    catalogue = load_catalogue(PROJECT_ROOT / "data" / "services")
    app = store(url)
    with app.app_context():
        start = time.perf_counter()
        generate(args.conversations, catalogue, random.Random(args.seed))
        generated = time.perf_counter() - start
        marks = db.session.execute(db.text("SELECT COUNT(*) FROM journey_marks")).scalar()
        month = utcnow() - timedelta(days=30)
        results = [
            timed("insights, every service, all time", lambda: insights.compute(catalogue)),
            timed("insights, every service, last 30 days", lambda: insights.compute(catalogue, month)),
            timed("CSV export, all time", lambda: insights.as_csv(insights.compute(catalogue))),
            timed("review list, no filter (page 1 + count)", lambda: review.conversations(review.Filters())),
            timed("review list, escalated + rating <= 2",
                  lambda: review.conversations(review.Filters(escalated=True, low_rating=True))),
            timed("review list, low confidence + stuck",
                  lambda: review.conversations(review.Filters(low_confidence=True, stuck=True))),
        ]
        check = insights.compute(catalogue)
        assert sum(s.started for s in check) == args.conversations, "every conversation counted once"
    lines = [f"# Insights benchmark ({args.conversations:,} conversations)", "",
             f"Store: `{url.split('://')[0]}`; {marks:,} journey marks; generated in {generated:.1f} s.",
             "Median and slowest of 5 runs, on this machine as it was (other work running too).", "",
             "| query | median | slowest |", "|---|---|---|"]
    lines += [f"| {label} | {median * 1000:.0f} ms | {worst * 1000:.0f} ms |" for label, median, worst in results]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
