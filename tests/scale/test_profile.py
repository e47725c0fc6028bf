"""The scale profile's launcher pieces: settings, Rasa's endpoints, nginx's configuration, the Procfile."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from bot import scale
from bot.config import PROJECT_ROOT, ConfigError, Settings

ENV = {
    "WAYFINDER_PROFILE": "scale",
    "WAYFINDER_HUB_URL": "http://127.0.0.1:21000",
    "WAYFINDER_RASA_URL": "http://127.0.0.1:21005",
}


def test_the_scale_profile_keeps_the_hub_store_on_postgresql_unless_told_otherwise():
    assert Settings.from_env(ENV).database_url.startswith("postgresql://")
    assert Settings.from_env({**ENV, "WAYFINDER_DATABASE_URL": "postgresql://db.internal/hub"}).database_url == \
        "postgresql://db.internal/hub"
    assert Settings.from_env({}).database_url.startswith("sqlite:///")


def test_an_unknown_profile_is_a_clear_error():
    with pytest.raises(ConfigError, match="WAYFINDER_PROFILE must be one of embedded, scale"):
        Settings.from_env({"WAYFINDER_PROFILE": "cluster"})


def test_local_processes_listen_next_to_the_public_ports_and_remote_ones_are_added():
    lay = scale.layout({**ENV, "WAYFINDER_HUB_BACKENDS": "10.0.0.12:8100, 10.0.0.12:8101"})
    assert lay.hubs == ["127.0.0.1:21100", "127.0.0.1:21101", "10.0.0.12:8100", "10.0.0.12:8101"]
    assert lay.rasas == ["127.0.0.1:21105", "127.0.0.1:21106"]


@pytest.mark.parametrize("extra, message", [
    ({"WAYFINDER_HUB_PROCESSES": "two"}, "WAYFINDER_HUB_PROCESSES must be a whole number"),
    ({"WAYFINDER_RASA_BACKENDS": "rasa.internal"}, "is not host:port"),
    ({"WAYFINDER_HUB_PROCESSES": "0"}, "at least one hub"),
])
def test_bad_process_settings_say_what_is_wrong(extra, message):
    with pytest.raises(ConfigError, match=message):
        scale.layout({**ENV, **extra})


def test_store_urls_are_taken_apart_for_rasas_endpoints():
    env = {"WAYFINDER_TRACKER_DATABASE_URL": "postgresql://rasa:s%40cret@db.internal:6543/trackers",
           "WAYFINDER_REDIS_URL": "redis://:pw@cache.internal:6380/3"}
    scale.store_environment(env)
    assert (env["WAYFINDER_TRACKER_PG_HOST"], env["WAYFINDER_TRACKER_PG_PORT"], env["WAYFINDER_TRACKER_PG_DB"],
            env["WAYFINDER_TRACKER_PG_USER"], env["WAYFINDER_TRACKER_PG_PASSWORD"]) == \
        ("db.internal", "6543", "trackers", "rasa", "s@cret")
    assert (env["WAYFINDER_REDIS_HOST"], env["WAYFINDER_REDIS_PORT"], env["WAYFINDER_REDIS_DB"],
            env["WAYFINDER_REDIS_PASSWORD"]) == ("cache.internal", "6380", "3", "pw")
    with pytest.raises(ConfigError, match="WAYFINDER_REDIS_URL must be a redis URL"):
        scale.store_environment({"WAYFINDER_REDIS_URL": "memcached://cache:11211"})


def test_rasa_reads_the_scale_endpoints_with_postgresql_tracker_and_redis_locks(tmp_path, monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    env = {"WAYFINDER_ACTIONS_URL": "http://127.0.0.1:21055", "WAYFINDER_ACTIONS_TOKEN": "t"}
    scale.store_environment(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "endpoints.yml"
    path.write_text(scale.endpoints_text((PROJECT_ROOT / "endpoints.yml").read_text(),
                                         (PROJECT_ROOT / "deploy" / "endpoints.scale.yml").read_text()))
    endpoints = AvailableEndpoints.read_endpoints(str(path))
    assert endpoints.tracker_store.type == "bot.rasa_channel.HubTrackerStore"  # Rasa's SQL store, subclassed
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert endpoints.tracker_store.kwargs["db"] == "wayfinder_tracker"
    assert endpoints.lock_store.type == "bot.rasa_lock.AtomicRedisLockStore"
    assert endpoints.lock_store.url == "127.0.0.1"
    assert endpoints.action.url == "http://127.0.0.1:21055/webhook"  # the rest of endpoints.yml is kept


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (make nginx)")
def test_the_rendered_nginx_configuration_is_accepted_by_nginx(tmp_path):
    lay = scale.layout(ENV)
    conf = tmp_path / "nginx.conf"
    conf.write_text(scale.nginx_config(lay, tmp_path))
    text = conf.read_text()
    assert "server 127.0.0.1:21100" in text and "server 127.0.0.1:21101" in text
    assert "server 127.0.0.1:21106" in text and "listen 127.0.0.1:21000;" in text
    result = subprocess.run(["nginx", "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(conf)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_procfile_has_a_line_per_process_and_keeps_the_others():
    base = (PROJECT_ROOT / "Procfile").read_text()
    text = scale.procfile_text(base, scale.layout(ENV), PROJECT_ROOT / "var/run/endpoints.yml",
                               PROJECT_ROOT / "var/run/nginx.conf", PROJECT_ROOT / "var/run")
    names = [line.split(":")[0] for line in text.splitlines()]
    assert names == ["rasa1", "rasa2", "actions", "hub1", "hub2", "portal", "nginx"]
    hub2 = next(line for line in text.splitlines() if line.startswith("hub2:"))
    rasa2 = next(line for line in text.splitlines() if line.startswith("rasa2:"))
    assert ':21101" ' in hub2 and '--port "21106" ' in rasa2  # the shell expands "$VAR" before a prefix applies
    assert "$WAYFINDER_HUB_PORT" not in text and "$WAYFINDER_RASA_PORT" not in text
    assert text.count("--endpoints /") == 2 and "endpoints.yml --credentials" in text


def test_unreachable_redis_is_named_with_what_to_do():
    env = {**ENV, "WAYFINDER_REDIS_URL": "redis://127.0.0.1:21999/0"}
    with pytest.raises(ConfigError, match=r"Redis at redis://127.0.0.1:21999/0 does not answer.*make services"):
        scale.check_services(env)
