"""Production settings share everything between app servers; the worker canary.

The running proof with two app servers, two workers, Redis and nginx is `make cluster`
(ops/cluster/run); these tests hold the settings it relies on.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings

from core import canary
from tests.factories import RepresentativeFactory

PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "cache": settings.CACHES["default"],
    "security_cache": settings.CACHES["security"],
    "session": settings.SESSION_ENGINE,
    "tasks": settings.TASKS["default"]["BACKEND"],
    "proxies": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "media": str(settings.MEDIA_ROOT),
    "private": str(settings.STORAGES["private"]["OPTIONS"]["location"]),
    "static": str(settings.STATIC_ROOT),
    "email": settings.EMAIL_BACKEND,
}))
"""


def production_settings(**environ) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "not-a-real-secret-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "samverkan.example.se",
        **environ,
    }
    for name in ("REDIS_URL", "SECURITY_REDIS_URL", "PORTAL_STATIC_ROOT", "DJANGO_EMAIL_BACKEND"):
        if name not in environ:
            env.pop(name, None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup();" + PRINT_SETTINGS],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_with_redis_shares_cache_sessions_files_and_tasks():
    values = production_settings(
        REDIS_URL="redis://cache.internal:6379/1",
        PORTAL_VAR_DIR="/srv/portal-shared",
        PORTAL_STATIC_ROOT="/var/cache/portal-static",
    )
    assert values["cache"]["BACKEND"] == "core.cache.ResilientRedisCache"
    assert values["cache"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert values["session"] == "core.sessions"  # cached_db that survives a read-only database
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"
    assert values["media"] == "/srv/portal-shared/media"
    assert values["private"] == "/srv/portal-shared/private"
    assert values["static"] == "/var/cache/portal-static"
    # Behind nginx: the client's address comes from X-Forwarded-For, for per-IP rate limits.
    assert values["proxies"] == 1
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_without_redis_keeps_the_shared_database_cache():
    values = production_settings()
    assert values["cache"]["BACKEND"] == "core.cache.ResilientDatabaseCache"
    assert values["session"] == "core.sessions"  # cached_db that survives a read-only database


@pytest.mark.django_db
def test_session_survives_the_cache_being_emptied(client):
    """A Redis restart or eviction logs nobody out: the session is also in the database."""
    user = RepresentativeFactory().user
    with override_settings(SESSION_ENGINE="core.sessions"):
        client.force_login(user)
        assert client.get("/mina-sidor/").status_code == 200
        cache.clear()
        assert client.get("/mina-sidor/").status_code == 200


@pytest.mark.django_db
def test_worker_canary_records_each_run(tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    call_command("worker_canary", "--count", "3", "--record")
    lines = canary.runs_log().read_text().splitlines()
    assert len(lines) == 3
    assert len({line.split(" ")[0] for line in lines}) == 3
    assert capsys.readouterr().out.count("SUCCESSFUL") == 3


@pytest.mark.django_db
def test_worker_canary_fails_when_no_worker_runs_the_task(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(CommandError, match="is a task worker"):
        call_command("worker_canary", "--timeout", "0.5")


@pytest.mark.django_db
def test_behind_nginx_limits_and_logs_use_the_clients_address(client, settings, caplog):
    """nginx appends the client's address to X-Forwarded-For; with one trusted proxy, the failed
    login is logged (and rate-limited) under that address, not under nginx's."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    with caplog.at_level("WARNING", logger="portal.security"):
        client.post(
            "/konto/login/",
            {"login": "nobody@example.se", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
            REMOTE_ADDR="127.0.0.1",
        )
    assert "failed login for 'nobody@example.se' from 198.51.100.7" in caplog.text


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable_redis(settings):
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,  # the security cache stays where it is (core/securitycache.py)
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.SESSION_ENGINE = "core.sessions"
    yield caches["default"]


def test_unreachable_redis_is_a_cache_miss_and_is_logged(unreachable_redis, caplog):
    from core import cache as resilient

    resilient.ResilientRedisCache._last_logged = 0.0
    with caplog.at_level("ERROR", logger="portal.cache"):
        assert unreachable_redis.get("k", "fallback") == "fallback"
        unreachable_redis.set("k", 1)
        assert unreachable_redis.add("lock", 1) is True
        assert unreachable_redis.get_many(["a", "b"]) == {}
        assert unreachable_redis.delete("k") is False
    assert caplog.text.count("Redis cannot be reached") == 1  # once a minute, not per call


def test_the_redis_cache_reuses_one_client_per_connection_pool(unreachable_redis):
    """Django made a new redis-py client for each operation (core.cache)."""
    client = unreachable_redis._cache
    assert client.get_client("a") is client.get_client("b")
    assert client.get_client("a", write=True) is client.get_client("b", write=True)


@pytest.mark.django_db
def test_signed_in_pages_and_logins_work_while_redis_is_down(unreachable_redis, client):
    user = RepresentativeFactory().user
    client.force_login(user)
    assert client.get("/mina-sidor/").status_code == 200
    client.logout()
    response = client.post(
        "/konto/login/", {"login": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get("/mina-sidor/").status_code == 200
