"""The scale profile (`WAYFINDER_PROFILE=scale`): PostgreSQL and Redis, several hub and Rasa processes behind nginx.

`wayfinder run` calls `prepare()`: it checks that PostgreSQL and Redis answer, creates the
hub's and Rasa's databases when missing, and writes into `$WAYFINDER_DATA_DIR/run/` the
files the processes need — Rasa's endpoints (endpoints.yml with the tracker and lock stores
of deploy/endpoints.scale.yml), nginx's configuration (from deploy/nginx.conf.j2) and a
Procfile with one line per hub and Rasa process and one for nginx.

The public addresses stay WAYFINDER_HUB_URL and WAYFINDER_RASA_URL: nginx listens there. The
n-th local hub (from 0) listens on the hub URL's port + 100 + n, the n-th Rasa on the Rasa
URL's port + 100 + n (8100, 8101 and 5105, 5106 by default).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.config import PROJECT_ROOT, SETTINGS, ConfigError, Settings, host_port

DEPLOY = PROJECT_ROOT / "deploy"
BACKEND_PORT_OFFSET = 100
TURN_LOCK_PREFIX = "wayfinder:turn:"


@dataclass(frozen=True)
class Layout:
    """Where every process of the scale profile listens."""

    hub_front: tuple  # (host, port) nginx listens on for the hubs
    rasa_front: tuple
    local_hubs: tuple  # ((host, port), ...) started on this machine
    local_rasas: tuple
    remote_hubs: tuple  # ("host:port", ...) on other machines
    remote_rasas: tuple

    @property
    def hubs(self) -> list[str]:
        return [f"{h}:{p}" for h, p in self.local_hubs] + list(self.remote_hubs)

    @property
    def rasas(self) -> list[str]:
        return [f"{h}:{p}" for h, p in self.local_rasas] + list(self.remote_rasas)


def _count(env: Mapping[str, str], name: str) -> int:
    raw = env.get(name) or SETTINGS[name][0]
    if not raw.isdigit() or int(raw) > 32:
        raise ConfigError(f"{name} must be a whole number from 0 to 32, not {raw!r}")
    return int(raw)


def _backends(env: Mapping[str, str], name: str) -> tuple:
    raw = (env.get(name) or "").strip()
    if raw in ("", "none"):
        return ()
    backends = tuple(b.strip() for b in raw.split(",") if b.strip())
    for backend in backends:
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}", backend):
            raise ConfigError(f"{name}: {backend!r} is not host:port")
    return backends


def layout(env: Mapping[str, str]) -> Layout:
    settings = Settings.from_env(env)
    hub_front, rasa_front = host_port(settings.hub_url), host_port(settings.rasa_url)
    hubs, rasas = _count(env, "WAYFINDER_HUB_PROCESSES"), _count(env, "WAYFINDER_RASA_PROCESSES")
    result = Layout(
        hub_front=hub_front,
        rasa_front=rasa_front,
        local_hubs=tuple((hub_front[0], hub_front[1] + BACKEND_PORT_OFFSET + i) for i in range(hubs)),
        local_rasas=tuple((rasa_front[0], rasa_front[1] + BACKEND_PORT_OFFSET + i) for i in range(rasas)),
        remote_hubs=_backends(env, "WAYFINDER_HUB_BACKENDS"),
        remote_rasas=_backends(env, "WAYFINDER_RASA_BACKENDS"),
    )
    if not result.hubs or not result.rasas:
        raise ConfigError("the scale profile needs at least one hub and one Rasa process "
                          "(WAYFINDER_HUB_PROCESSES / WAYFINDER_RASA_PROCESSES, or *_BACKENDS)")
    return result


def url_parts(url: str, name: str, schemes: tuple) -> dict[str, str]:
    """host, port, database, user and password of a postgresql:// or redis:// URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in schemes or not parts.hostname:
        raise ConfigError(f"{name} must be a {' or '.join(schemes)} URL like {SETTINGS[name][0]}, not {url!r}")
    return {
        "host": parts.hostname,
        "port": str(parts.port or {"postgresql": 5432, "redis": 6379}[scheme]),
        "db": unquote(parts.path.lstrip("/")) or {"postgresql": "postgres", "redis": "0"}[scheme],
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }


def store_environment(env: dict[str, str]) -> None:
    """The pieces of the tracker store's and Redis' URLs that deploy/endpoints.scale.yml reads."""
    tracker = url_parts(env.get("WAYFINDER_TRACKER_DATABASE_URL") or SETTINGS["WAYFINDER_TRACKER_DATABASE_URL"][0],
                        "WAYFINDER_TRACKER_DATABASE_URL", ("postgresql", "postgres"))
    redis = url_parts(env.get("WAYFINDER_REDIS_URL") or SETTINGS["WAYFINDER_REDIS_URL"][0],
                      "WAYFINDER_REDIS_URL", ("redis",))
    for key in ("host", "port", "db", "user", "password"):
        env[f"WAYFINDER_TRACKER_PG_{key.upper()}"] = tracker[key]
    for key in ("host", "port", "db", "password"):
        env[f"WAYFINDER_REDIS_{key.upper()}"] = redis[key]


def check_services(env: Mapping[str, str]) -> None:
    """PostgreSQL and Redis must answer before anything starts; say which does not, and how to fix it."""
    import psycopg2
    import redis

    urls = {"WAYFINDER_DATABASE_URL": Settings.from_env(env).database_url,
            "WAYFINDER_TRACKER_DATABASE_URL": env.get("WAYFINDER_TRACKER_DATABASE_URL")
            or SETTINGS["WAYFINDER_TRACKER_DATABASE_URL"][0]}
    for name, url in urls.items():
        parts = url_parts(url, name, ("postgresql", "postgres"))
        try:
            psycopg2.connect(host=parts["host"], port=parts["port"], user=parts["user"] or None,
                             password=parts["password"] or None, dbname="postgres", connect_timeout=5).close()
        except psycopg2.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"PostgreSQL for {name} ({parts['host']}:{parts['port']}) does not answer: {first}. "
                              "Start it (`make services` on this machine) or set the URL.") from None
    url = env.get("WAYFINDER_REDIS_URL") or SETTINGS["WAYFINDER_REDIS_URL"][0]
    url_parts(url, "WAYFINDER_REDIS_URL", ("redis",))
    try:
        redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        raise ConfigError(f"Redis at {url} does not answer ({type(exc).__name__}). "
                          "Start it (`make services` on this machine) or set WAYFINDER_REDIS_URL.") from None


def ensure_database(url: str, name: str) -> None:
    """Create the PostgreSQL database the URL names when it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    parts = url_parts(url, name, ("postgresql", "postgres"))
    connection = psycopg2.connect(host=parts["host"], port=parts["port"], user=parts["user"] or None,
                                  password=parts["password"] or None, dbname="postgres", connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parts["db"],))
            if cursor.fetchone() is None:
                try:
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parts["db"])))
                except psycopg2.errors.DuplicateDatabase:
                    pass  # another launcher made it a moment ago
                except psycopg2.Error as exc:
                    raise ConfigError(f"cannot create the database {parts['db']!r} for {name}: "
                                      f"{str(exc).strip()}; create it, or give a user that may") from None
    finally:
        connection.close()


def ensure_tracker_tables(env: Mapping[str, str]) -> None:
    """Rasa's tracker tables, made once here rather than by several `rasa run` starting at once."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(dialect="postgresql", host=env["WAYFINDER_TRACKER_PG_HOST"],
                            port=env["WAYFINDER_TRACKER_PG_PORT"], db=env["WAYFINDER_TRACKER_PG_DB"],
                            username=env["WAYFINDER_TRACKER_PG_USER"] or None,
                            password=env["WAYFINDER_TRACKER_PG_PASSWORD"] or None)
    store.engine.dispose()


def endpoints_text(base: str, scale_sections: str) -> str:
    """endpoints.yml with its top-level tracker_store and lock_store replaced by the scale ones (as text, so
    Rasa's unquoted ${VARS} stay as they are)."""
    replaced = {"tracker_store", "lock_store"}
    kept: list[str] = []
    skipping = False
    for line in base.splitlines():
        top = re.match(r"^([A-Za-z_]+):", line)
        if top:
            skipping = top.group(1) in replaced
        if not skipping:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n\n" + scale_sections.strip() + "\n"


def nginx_config(lay: Layout, run_dir: Path) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    user = None
    if os.geteuid() == 0:  # nginx's workers then run as nobody, not root
        user = f"nobody {grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name}"
    template = Environment(loader=FileSystemLoader(str(DEPLOY)), undefined=StrictUndefined,
                           keep_trailing_newline=True).get_template("nginx.conf.j2")
    return template.render(
        run_dir=run_dir, user=user, hubs=lay.hubs, rasas=lay.rasas,
        hub_listen=f"{lay.hub_front[0]}:{lay.hub_front[1]}", rasa_listen=f"{lay.rasa_front[0]}:{lay.rasa_front[1]}",
    )


def _with_port(command: str, variable: str, port: int) -> str:
    """The command with its port variable set: in its environment, and written out where the line itself
    uses it (the shell expands `"$VAR"` before a `VAR=value` prefix applies)."""
    written = re.sub(r"\$\{?" + variable + r"\b\}?", str(port), command)
    if written == command:
        raise ConfigError(f"the Procfile line {command[:60]!r}... does not use ${variable}")
    return f"{variable}={port} {written}"


def procfile_text(base: str, lay: Layout, endpoints: Path, nginx_conf: Path, run_dir: Path) -> str:
    """The Procfile with one hub line and one rasa line per local process, and nginx."""
    lines: list[str] = []
    for line in base.splitlines():
        name, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        command = command.strip()
        if name == "hub":
            for n, (_, port) in enumerate(lay.local_hubs, start=1):
                lines.append(f"hub{n}: {_with_port(command, 'WAYFINDER_HUB_PORT', port)}")
        elif name == "rasa":
            scaled = re.sub(r"--endpoints\s+\S+", f"--endpoints {shlex.quote(str(endpoints))}", command)
            if scaled == command:
                raise ConfigError("the Procfile's rasa line has no --endpoints to replace")
            for n, (_, port) in enumerate(lay.local_rasas, start=1):
                lines.append(f"rasa{n}: {_with_port(scaled, 'WAYFINDER_RASA_PORT', port)}")
        else:
            lines.append(f"{name}: {command}")
    lines.append(f"nginx: nginx -e stderr -p {shlex.quote(str(run_dir))} -c {shlex.quote(str(nginx_conf))} "
                 "-g 'daemon off;'")
    return "\n".join(lines) + "\n"


def prepare(env: dict[str, str]) -> tuple[Path, list[str]]:
    """Check the services, create databases, write the run files; the Procfile and the URLs to probe."""
    if shutil.which("nginx") is None:
        raise ConfigError("the scale profile needs nginx: `make nginx` (Debian's package) installs it")
    lay = layout(env)
    store_environment(env)
    check_services(env)
    ensure_database(env["WAYFINDER_DATABASE_URL"], "WAYFINDER_DATABASE_URL")
    ensure_database(env.get("WAYFINDER_TRACKER_DATABASE_URL") or SETTINGS["WAYFINDER_TRACKER_DATABASE_URL"][0],
                    "WAYFINDER_TRACKER_DATABASE_URL")
    ensure_tracker_tables(env)
    run_dir = Settings.from_env(env).data_dir / "run"
    for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0 and sub:
            nobody = pwd.getpwnam("nobody")
            os.chown(run_dir / sub, nobody.pw_uid, nobody.pw_gid)
    endpoints = run_dir / "endpoints.yml"
    endpoints.write_text(endpoints_text((PROJECT_ROOT / "endpoints.yml").read_text(),
                                        (DEPLOY / "endpoints.scale.yml").read_text()))
    nginx_conf = run_dir / "nginx.conf"
    nginx_conf.write_text(nginx_config(lay, run_dir))
    procfile = run_dir / "Procfile"
    procfile.write_text(procfile_text((PROJECT_ROOT / "Procfile").read_text(), lay, endpoints, nginx_conf, run_dir))
    probes = [f"http://{h}:{p}/healthz" for h, p in lay.local_hubs]
    probes += [f"http://{h}:{p}/" for h, p in lay.local_rasas]
    return procfile, probes


# -- inside each hub process ---------------------------------------------------------------


def configure_hub(app, settings: Settings) -> None:
    """A hub of the scale profile: counters and Socket.IO messages shared through Redis, behind nginx."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url)
    app.config.setdefault("WAYFINDER_MESSAGE_QUEUE", settings.redis_url)
    # one channel per deployment, so two stacks sharing a Redis never see each other's messages
    app.config.setdefault("WAYFINDER_MESSAGE_CHANNEL", f"wayfinder-socketio:{settings.hub_url}")
    # nginx (one hop) says who the client is; the backends listen where only nginx reaches them
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


class _RedisTurn:
    """`with turn.lock:` — a Redis lock that expires if its hub dies mid-turn."""

    def __init__(self, lock) -> None:
        self.lock = self
        self._lock = lock

    def __enter__(self):
        from redis.exceptions import LockError

        if not self._lock.acquire():
            raise LockError("another turn of this conversation did not finish in time")
        return self

    def __exit__(self, *exc_info) -> None:
        from redis.exceptions import LockError

        try:
            self._lock.release()
        except LockError:  # it expired while the turn ran: the turn is done all the same
            pass


class RedisTurnLocks:
    """The router's per-conversation turn lock shared by every hub: a conversation's messages are
    stored and answered one after another whichever hub each arrives at."""

    def __init__(self, url: str, rasa_timeout: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.hold = rasa_timeout + 60  # the longest a turn can take, with room; then the lock expires
        self.wait = 4 * rasa_timeout + 30  # a few turns queued ahead of this one

    def get(self, conversation_id: str) -> _RedisTurn:
        return _RedisTurn(self.client.lock(TURN_LOCK_PREFIX + conversation_id, timeout=self.hold,
                                           blocking_timeout=self.wait, thread_local=False))
