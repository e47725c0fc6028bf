"""`wayfinder` command: build, train, and run the whole stack (what `make run` calls)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

from bot.config import PROJECT_ROOT, SETTINGS, ConfigError, Settings, ensure_secrets, host_port

logger = logging.getLogger("wayfinder")
READY_TIMEOUT_SECONDS = 240


def stack_environment(model: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every process of the Procfile gets: settings, secrets, binds, paths."""
    environ = dict(os.environ if environ is None else environ)
    env = {**environ, **ensure_secrets(environ)}
    for name, (default, _) in SETTINGS.items():
        if name.endswith("_URL") and name not in env and default and default.startswith("http"):
            env[name] = default
    settings = Settings.from_env(env)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env.setdefault("WAYFINDER_DATABASE_URL", settings.database_url)
    env.setdefault("WAYFINDER_PORTAL_DATABASE_URL", f"sqlite:///{settings.data_dir / 'portal.db'}")
    tracker = Path(env.get("WAYFINDER_TRACKER_DB") or settings.data_dir / "tracker.db")
    env["WAYFINDER_TRACKER_DB"] = str(tracker if tracker.is_absolute() else PROJECT_ROOT / tracker)
    env["WAYFINDER_MODEL"] = str(model)
    env["WAYFINDER_HUB_THREADS"] = str(settings.hub_threads)  # the Procfile's gunicorn --threads
    for name, url in (("HUB", settings.hub_url), ("RASA", settings.rasa_url),
                      ("ACTIONS", settings.actions_url), ("PORTAL", settings.portal_url)):
        host, port = host_port(url)
        env[f"WAYFINDER_{name}_HOST"], env[f"WAYFINDER_{name}_PORT"] = host, str(port)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def wait_until_ready(env: Mapping[str, str], process: subprocess.Popen, timeout: float,
                     probes: Sequence[str] = ()) -> str | None:
    """None once the hub says everything is ready, the portal answers and so does every URL in `probes`
    (each process behind the scale profile's nginx); else what is not ready."""
    hub, portal = env["WAYFINDER_HUB_URL"].rstrip("/"), env["WAYFINDER_PORTAL_URL"].rstrip("/")
    deadline = time.monotonic() + timeout
    last = "nothing answered yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return "a process stopped during start-up (see its log above)"
        try:
            # Rasa takes longest to load, so the portal is asked only once the hub is ready.
            health = requests.get(f"{hub}/healthz", timeout=3)
            if health.status_code == 200:
                status = requests.get(f"{portal}/api/status", timeout=3)
                waiting = [url for url in probes if requests.get(url, timeout=3).status_code != 200]
                if status.status_code == 200 and not waiting:
                    return None
                last = f"portal answered {status.status_code}" if status.status_code != 200 else f"{waiting[0]} not ready"
            else:
                last = f"hub health: {health.text.strip()[:300]}"
        except requests.RequestException as exc:
            last = f"{type(exc).__name__} while asking the hub or the portal"
        time.sleep(2)
    return last


def banner(env: Mapping[str, str], started: float) -> str:
    hub, portal = env["WAYFINDER_HUB_URL"].rstrip("/"), env["WAYFINDER_PORTAL_URL"].rstrip("/")
    return "\n".join([
        "",
        f"Wayfinder is ready ({time.monotonic() - started:.0f} s).",
        f"  Riverside Council portal, with the chat widget: {portal}/",
        f"  Adviser console:                                {hub}/console",
        f"    demo adviser login: adviser / {env['WAYFINDER_ADVISER_PASSWORD']}",
        f"  Customer front door (REST):                     {hub}/webhooks/rest/webhook",
        f"  Portal fault switch token:                      {env['WAYFINDER_PORTAL_TOKEN']}",
        f"Secrets are kept in {Path(PROJECT_ROOT / '.wayfinder.env').name} (not committed). Stop with Ctrl+C.",
        "",
    ])


def run(args: argparse.Namespace) -> int:
    from bot.build import ensure_model

    started = time.monotonic()
    model = ensure_model()
    env = stack_environment(model)
    procfile, probes = PROJECT_ROOT / "Procfile", []
    if env.get("WAYFINDER_PROFILE") == "scale":
        from bot import scale

        procfile, probes = scale.prepare(env)
    from bot.console.accounts import ensure_demo_adviser

    ensure_demo_adviser(env["WAYFINDER_DATABASE_URL"], env["WAYFINDER_ADVISER_PASSWORD"])
    command = [str(Path(sys.executable).with_name("honcho")), "start", "-f", str(procfile),
               "-d", str(PROJECT_ROOT), "--no-prefix" if args.quiet else "--no-colour"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)

    stopping = []

    def stop(signum=None, frame=None):
        stopping.append(signum)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    problem = wait_until_ready(env, process, args.ready_timeout, probes)
    if problem:
        print(f"\nWayfinder did not become ready in {args.ready_timeout:.0f} s: {problem}", file=sys.stderr)
        stop()
        process.wait(timeout=30)
        return 1
    print(banner(env, started), flush=True)
    code = process.wait()
    return 0 if stopping else code


def train(args: argparse.Namespace) -> int:
    from bot.build import ensure_model

    path = ensure_model(force=args.force, fast=args.fast)
    print(path.relative_to(PROJECT_ROOT))
    return 0


def build_nlp(args: argparse.Namespace) -> int:
    from bot.build import ensure_spacy_pipeline

    print(ensure_spacy_pipeline(force=args.force).relative_to(PROJECT_ROOT))
    return 0


def adviser(args: argparse.Namespace) -> int:
    from bot.console.accounts import add_command

    return add_command(args, Settings.from_env().database_url)


def database(args: argparse.Namespace) -> int:
    from bot.migrations import db_command

    return db_command(args, Settings.from_env().database_url)


def purge(args: argparse.Namespace) -> int:
    from bot.retention import purge as purge_stores

    settings = Settings.from_env()
    days = args.older_than_days
    if days is None:
        raw = os.environ.get("WAYFINDER_RETENTION_DAYS") or SETTINGS["WAYFINDER_RETENTION_DAYS"][0]
        try:
            days = float(raw)
        except ValueError:
            raise ConfigError(f"WAYFINDER_RETENTION_DAYS must be a number of days, not {raw!r}") from None
    if days < 0:
        raise ConfigError("the number of days cannot be negative")
    if settings.profile == "scale":
        tracker_url = os.environ.get("WAYFINDER_TRACKER_DATABASE_URL") or SETTINGS["WAYFINDER_TRACKER_DATABASE_URL"][0]
    else:
        tracker = Path(os.environ.get("WAYFINDER_TRACKER_DB") or settings.data_dir / "tracker.db")
        tracker_url = f"sqlite:///{tracker if tracker.is_absolute() else PROJECT_ROOT / tracker}"
    purged = purge_stores(settings.database_url, tracker_url, days)
    print(purged.describe(days))
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="wayfinder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="train if needed, start the four processes, print the URLs")
    p.add_argument("--ready-timeout", type=float, default=READY_TIMEOUT_SECONDS)
    p.add_argument("--quiet", action="store_true", help="no process-name prefixes in the log")
    p.set_defaults(func=run)
    p = sub.add_parser("train", help="train the Rasa model unless an identical one exists")
    p.add_argument("--force", action="store_true")
    p.add_argument("--fast", action="store_true",
                   help="when only data/ changed, fine-tune the newest model instead of training from scratch")
    p.set_defaults(func=train)
    p = sub.add_parser("build-nlp", help="build the spaCy pipeline from the catalogue")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=build_nlp)
    p = sub.add_parser("adviser", help="adviser console accounts: `adviser add <username> --name ...`")
    from bot.console.accounts import add_arguments

    add_arguments(p)
    p.set_defaults(func=adviser)
    p = sub.add_parser("db", help="the hub store's schema migrations: `db upgrade | current | revision -m ...`")
    from bot.migrations import add_arguments as add_db_arguments

    add_db_arguments(p)
    p.set_defaults(func=database)
    p = sub.add_parser("purge", help="delete conversations idle for longer than the retention period")
    p.add_argument("--older-than-days", type=float, default=None, metavar="N",
                   help="days without activity (default: WAYFINDER_RETENTION_DAYS)")
    p.set_defaults(func=purge)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"wayfinder: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"wayfinder: {exc.cmd[0]} failed with exit code {exc.returncode}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
