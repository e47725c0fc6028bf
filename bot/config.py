"""Wayfinder's settings: environment variables with defaults, and demo-mode secrets kept in `.wayfinder.env`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SECRETS_FILE = PROJECT_ROOT / ".wayfinder.env"

# Every setting, its default and what it is for. The README's table is checked against this.
SETTINGS: dict[str, tuple] = {
    "WAYFINDER_MODE": ("demo", "`demo` generates missing secrets; `production` refuses to start without them"),
    "WAYFINDER_HUB_URL": ("http://127.0.0.1:8000", "where the hub (widget, console, front door) listens"),
    "WAYFINDER_RASA_URL": ("http://127.0.0.1:5005", "where `rasa run` listens (hub only)"),
    "WAYFINDER_ACTIONS_URL": ("http://127.0.0.1:5055", "where the action server listens (Rasa only)"),
    "WAYFINDER_PORTAL_URL": ("http://127.0.0.1:8001", "the organisation's site and service API (the demo portal)"),
    "WAYFINDER_ALLOWED_ORIGINS": ("the hub's and the portal's origins", "comma-separated origins whose pages may open the chat"),
    "WAYFINDER_RASA_TOKEN": (None, "token for Rasa's HTTP API (secret)"),
    "WAYFINDER_HUB_TOKEN": (None, "token the action server uses to call the hub's API (secret)"),
    "WAYFINDER_ACTIONS_TOKEN": (None, "token Rasa sends to the action server, which refuses calls without it (secret)"),
    "WAYFINDER_ADVISER_PASSWORD": (None, "password of the demo adviser `adviser` (secret)"),
    "WAYFINDER_PORTAL_TOKEN": (None, "token for the portal's fault switch `POST /api/faults` (secret)"),
    "WAYFINDER_SECRET_KEY": (None, "signs the hub's conversation ids and console sessions (secret)"),
    "WAYFINDER_PORTAL_SECRET_KEY": (None, "signs the demo portal's sessions (secret)"),
    "WAYFINDER_PROFILE": ("embedded", "`embedded`: one process of each, SQLite, locks in memory; `scale`: PostgreSQL, Redis and several hub and Rasa processes behind nginx (see Scale-out)"),
    "WAYFINDER_REDIS_URL": ("redis://127.0.0.1:6379/0", "scale profile: Rasa's lock store, the hubs' Socket.IO message queue, rate-limit counters and turn locks"),
    "WAYFINDER_TRACKER_DATABASE_URL": ("postgresql://postgres@127.0.0.1:5432/wayfinder_tracker", "scale profile: Rasa's tracker store (created when missing)"),
    "WAYFINDER_HUB_PROCESSES": ("2", "scale profile: hub processes on this machine, behind nginx at WAYFINDER_HUB_URL"),
    "WAYFINDER_RASA_PROCESSES": ("2", "scale profile: `rasa run` processes on this machine, behind nginx at WAYFINDER_RASA_URL"),
    "WAYFINDER_HUB_BACKENDS": ("none", "scale profile: hubs on other machines for this nginx to use too (`host:port,host:port`)"),
    "WAYFINDER_RASA_BACKENDS": ("none", "scale profile: `rasa run` processes on other machines for this nginx to use too"),
    "WAYFINDER_DATA_DIR": ("var", "where the embedded SQLite databases and logs live"),
    "WAYFINDER_DATABASE_URL": ("sqlite:///var/hub.db", "the hub's store (SQLAlchemy URL)"),
    "WAYFINDER_PORTAL_DATABASE_URL": ("sqlite:///var/portal.db", "the demo portal's store"),
    "WAYFINDER_TRACKER_DB": ("var/tracker.db", "Rasa's SQLite tracker store file"),
    "WAYFINDER_HUB_THREADS": ("1000", "threads of each hub process: every open chat widget or adviser console holds one, so this bounds the open chats per hub; past all but a tenth of them, new chats are asked to retry"),
    "WAYFINDER_RASA_TIMEOUT": ("10", "seconds the hub waits for Rasa's answer before apologising to the customer"),
    "WAYFINDER_RATE_LIMIT": ("10/10seconds;30/minute", "messages one conversation may send (`;`-separated limits; over it: 429 / a notice)"),
    "WAYFINDER_SERVICE_API_TIMEOUT": ("5", "seconds actions wait for the service API"),
    "WAYFINDER_PORTAL_SLOW_SECONDS": ("10", "how long the portal's `slow` fault delays its API answers"),
    "WAYFINDER_CATALOGUE_DIR": ("data/services", "the service catalogue the actions read"),
    "WAYFINDER_OPENING_HOURS": ("Mon-Fri 08:00-18:00", "when advisers take chats (`;`-separated, e.g. `Mon-Fri 08:00-18:00; Sat 09:00-12:00`, or `always`); outside them customers are offered a callback"),
    "WAYFINDER_TIMEZONE": ("Europe/London", "time zone of the opening hours and of times in the adviser console"),
    "WAYFINDER_ADVISER_IDLE_MINUTES": ("30", "an adviser's console session ends after this many minutes without activity"),
    "WAYFINDER_HANDOVER_MINUTES": ("6", "minutes an adviser spends per customer, for the queue's wait estimate until there is enough history"),
    "WAYFINDER_RETENTION_DAYS": ("90", "conversations idle for longer are deleted from the hub store and Rasa's tracker store by `make purge` (`wayfinder purge`)"),
    "WAYFINDER_LOGIN_LIMIT": ("5/15minutes", "failed console sign-ins allowed per username (four times as many per address)"),
}

MIN_HUB_THREADS, MAX_HUB_THREADS = 20, 10000
SCALE_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/wayfinder"  # the hub's store in the scale profile
PROFILES = ("embedded", "scale")

SECRET_NAMES = tuple(name for name, (default, _) in SETTINGS.items() if default is None)


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and what to do."""


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a KEY=value file (blank lines and # comments ignored)."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=value")
        values[key.strip()] = value.strip()
    return values


def ensure_secrets(environ: Mapping[str, str] | None = None, path: Path = SECRETS_FILE) -> dict[str, str]:
    """Return every secret: from the environment, else the local file, else (demo mode) new ones.

    New secrets are written to `path` (mode 0600, atomically) so that a restart keeps the
    same tokens and passwords. In production mode a missing secret is an error.
    """
    environ = os.environ if environ is None else environ
    stored = read_env_file(path)
    mode = environ.get("WAYFINDER_MODE", "demo")
    result: dict[str, str] = {}
    generated: dict[str, str] = {}
    for name in SECRET_NAMES:
        value = environ.get(name) or stored.get(name)
        if not value:
            if mode != "demo":
                raise ConfigError(f"{name} is not set; production mode needs every secret (see README).")
            value = secrets.token_urlsafe(18)
            generated[name] = value
        result[name] = value
    if generated:
        merged = {**stored, **generated}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            "# Demo-mode secrets generated by Wayfinder; never commit this file.\n"
            + "".join(f"{k}={v}\n" for k, v in merged.items()),
            encoding="utf-8",
        )
        tmp.chmod(0o600)
        tmp.replace(path)
    return result


def host_port(url: str) -> tuple:
    """('127.0.0.1', 8000) from 'http://127.0.0.1:8000'."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise ConfigError(f"{url!r} must be a URL with a host and a port, like http://127.0.0.1:8000")
    return parts.hostname, parts.port


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Settings:
    """The settings one process needs, read once at start-up."""

    hub_url: str
    rasa_url: str
    actions_url: str
    portal_url: str
    allowed_origins: tuple
    data_dir: Path
    database_url: str
    rasa_timeout: float
    rate_limit: str = SETTINGS["WAYFINDER_RATE_LIMIT"][0]
    profile: str = "embedded"
    redis_url: str = SETTINGS["WAYFINDER_REDIS_URL"][0]
    hub_threads: int = int(SETTINGS["WAYFINDER_HUB_THREADS"][0])

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ

        def get(name: str) -> str:
            return environ.get(name) or SETTINGS[name][0]

        hub_url, portal_url = get("WAYFINDER_HUB_URL"), get("WAYFINDER_PORTAL_URL")
        origins = environ.get("WAYFINDER_ALLOWED_ORIGINS")
        allowed = (
            tuple(o.strip().rstrip("/") for o in origins.split(",") if o.strip())
            if origins
            else (origin(hub_url), origin(portal_url))
        )
        data_dir = Path(get("WAYFINDER_DATA_DIR"))
        if not data_dir.is_absolute():
            data_dir = PROJECT_ROOT / data_dir
        profile = get("WAYFINDER_PROFILE")
        if profile not in PROFILES:
            raise ConfigError(f"WAYFINDER_PROFILE must be one of {', '.join(PROFILES)}, not {profile!r}")
        database_url = get("WAYFINDER_DATABASE_URL")
        if profile == "scale" and not environ.get("WAYFINDER_DATABASE_URL"):
            database_url = SCALE_DATABASE_URL
        elif database_url == SETTINGS["WAYFINDER_DATABASE_URL"][0]:
            database_url = f"sqlite:///{data_dir / 'hub.db'}"
        try:
            timeout = float(get("WAYFINDER_RASA_TIMEOUT"))
        except ValueError:
            raise ConfigError("WAYFINDER_RASA_TIMEOUT must be a number of seconds") from None
        threads = get("WAYFINDER_HUB_THREADS")
        if not threads.isdigit() or not MIN_HUB_THREADS <= int(threads) <= MAX_HUB_THREADS:
            raise ConfigError(f"WAYFINDER_HUB_THREADS must be a whole number from {MIN_HUB_THREADS} to "
                              f"{MAX_HUB_THREADS}, not {threads!r}")
        for url in (hub_url, get("WAYFINDER_RASA_URL"), get("WAYFINDER_ACTIONS_URL"), portal_url):
            host_port(url)
        return cls(
            hub_url=hub_url,
            rasa_url=get("WAYFINDER_RASA_URL").rstrip("/"),
            actions_url=get("WAYFINDER_ACTIONS_URL").rstrip("/"),
            portal_url=portal_url.rstrip("/"),
            allowed_origins=allowed,
            data_dir=data_dir,
            database_url=database_url,
            rasa_timeout=timeout,
            rate_limit=get("WAYFINDER_RATE_LIMIT"),
            profile=profile,
            redis_url=get("WAYFINDER_REDIS_URL"),
            hub_threads=int(threads),
        )
