"""Rate limits and used two-factor codes live in a cache nothing else fills (securitycache.py).

Issue 14, items 1 and 2: a flood of anonymous page views culled the default database cache
(MAX_ENTRIES 300, a third of the keys culled, alphabetically first: ``allauth:rl:…`` and
``allauth.mfa.totp.used…``), which reset the login rate limits and let a used code be replayed;
and a used code was marked for one period (30 s) while it is accepted for three.
"""

from __future__ import annotations

import time

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from allauth.mfa.totp.internal import auth as totp
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache, caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core import securitycache
from tests.factories import UserFactory, with_mfa

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXP"  # with_mfa's authenticator
FLOOD = 160


def _code(counter: int) -> str:
    return format_hotp_value(hotp_value(SECRET, counter))


def _log_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _too_many_attempts(response) -> bool:
    with translation.override("sv"):
        message = str(DefaultAccountAdapter.error_messages["too_many_login_attempts"])
    return response.status_code == 200 and message in response.content.decode()


def _lock_out(client, user) -> None:
    """Fail the login until allauth's per-account limit (login_failed, 5 per 5 minutes) holds."""
    for attempt in range(5):
        response = _log_in(client, user, f"wrong-password-{attempt}")
        assert response.status_code == 200 and not _too_many_attempts(response)
    assert _too_many_attempts(_log_in(client, user, "wrong-password-5"))


def _flood(count: int = FLOOD) -> None:
    """Cookieless visitors searching the register, each with a new query string."""
    for n in range(count):
        assert Client().get(f"/organisationer/?q=probe{n}").status_code == 200


def _keys(alias: str) -> list[str]:
    """The keys in a local-memory cache (the test settings' backend)."""
    return list(caches[alias]._cache)


# --- Where allauth keeps them ---------------------------------------------------------------------


def test_allauth_counts_failed_logins_in_the_security_cache_only(client):
    user = UserFactory()
    _log_in(client, user, "wrong-password")
    assert any(":allauth:rl:allauth.account:login_failed:" in key for key in _keys("security"))
    assert not any("allauth" in key for key in _keys("default"))


def test_a_used_code_is_marked_in_the_security_cache_only(client):
    user = with_mfa(UserFactory())
    _log_in(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": _code(int(time.time()) // 30)})
    assert response.status_code == 302 and _logged_in(client)
    assert any("allauth.mfa.totp.used" in key for key in _keys("security"))
    assert not any("allauth" in key for key in _keys("default"))


def test_emptying_the_default_cache_keeps_the_lockout(client):
    user = UserFactory()
    _lock_out(client, user)
    cache.clear()  # what culling, eviction or an operator's flush of the page cache does
    assert _too_many_attempts(_log_in(client, user))
    assert not _logged_in(client)


def test_allauth_still_reads_the_cache_where_the_portal_replaces_it():
    """An allauth upgrade that moves its cache elsewhere must not silently put the counters back
    into the default cache: the modules are checked and patched at start-up."""
    assert ratelimit.cache is securitycache.security_cache
    assert totp.cache is securitycache.security_cache
    assert totp.TOTP._mark_code_used is securitycache._mark_code_used
    securitycache.install()  # idempotent


@pytest.mark.parametrize("module", [ratelimit, totp], ids=lambda m: m.__name__)
def test_start_up_refuses_an_allauth_that_moved_its_cache(monkeypatch, module):
    monkeypatch.setattr(module, "cache", object())
    with pytest.raises(ImproperlyConfigured, match=module.__name__):
        securitycache.install()


def test_start_up_refuses_an_allauth_without_the_used_code_marker(monkeypatch):
    monkeypatch.delattr(totp.TOTP, "_mark_code_used")
    with pytest.raises(ImproperlyConfigured, match="_mark_code_used"):
        securitycache.install()


# --- A used code stays used while it would be accepted (item 2) -----------------------------------


def test_a_used_code_stays_used_for_the_whole_window_it_is_accepted_in():
    from allauth.mfa import app_settings

    assert app_settings.TOTP_TOLERANCE == 1 and app_settings.TOTP_PERIOD == 30
    assert securitycache.used_code_seconds() == 90


@pytest.fixture
def clock(monkeypatch):
    """``time.time`` (allauth's TOTP, its rate limits and the local-memory cache read it), set
    by the test: the start of a 30-second period, then moved on."""

    class Clock:
        now = 1_800_000_000.0  # a multiple of 30: the start of period 60 000 000

        def move(self, seconds: float) -> None:
            self.now += seconds

    moved = Clock()
    monkeypatch.setattr(time, "time", lambda: moved.now)
    return moved


def _two_factor_login(client, user, code: str):
    client.logout()
    assert _log_in(client, user)["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_a_code_replayed_36_or_61_seconds_later_is_refused(client, clock):
    """The code of the next period is accepted (MFA_TOTP_TOLERANCE = 1) from the start of the
    current one until the end of the one after it: 90 s. allauth marked it used for 30 s."""
    user = with_mfa(UserFactory())
    period = int(clock.now) // 30
    code = _code(period + 1)
    clock.move(1)
    assert _two_factor_login(client, user, code).status_code == 302 and _logged_in(client)
    for seconds in (36, 25):  # at t + 36 s and t + 61 s the code is still valid, but used
        clock.move(seconds)
        response = _two_factor_login(client, user, code)
        assert response.status_code == 200 and not _logged_in(client), seconds
    fresh = _code(int(clock.now) // 30)  # t + 61 s: a new code is accepted
    assert _two_factor_login(client, user, fresh).status_code == 302 and _logged_in(client)


# --- The probe's repro, with the production-like database caches (item 9) -------------------------


@pytest.fixture
def database_caches(settings):
    """The caches of base.py (development, and production without Redis): the default a database
    cache that culls a third of its keys past 300 entries, the security cache its own table; the
    page and fragment caches on, as outside the tests."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            "OPTIONS": {"MAX_ENTRIES": 300, "CULL_FREQUENCY": 3},
        },
        "security": {
            "BACKEND": "core.cache.SecurityDatabaseCache",
            "LOCATION": "portal_security_cache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
    }
    settings.PORTAL_PAGE_CACHE = True
    settings.PORTAL_FRAGMENT_CACHE_SECONDS = 3600
    call_command("createcachetable", verbosity=0)
    yield
    caches["default"].clear()
    caches["security"].clear()


def _rows(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


def test_a_flood_of_page_views_does_not_lift_a_lockout(client, database_caches):
    user = UserFactory()
    _lock_out(client, user)
    _flood()
    # Enough to make the default cache cull, more than once: the flood's pages and fragments,
    # and as many entries again written straight into it.
    for n in range(400):
        cache.set(f"aaa-filler-{n}", n)
    assert _rows("portal_cache") <= 300
    response = _log_in(client, user)
    assert _too_many_attempts(response) and not _logged_in(client)


def test_a_flood_of_page_views_does_not_make_a_used_code_usable_again(client, database_caches):
    user = with_mfa(UserFactory())
    code = _code(int(time.time()) // 30)
    assert _two_factor_login(client, user, code).status_code == 302 and _logged_in(client)
    _flood()
    for n in range(400):
        cache.set(f"aaa-filler-{n}", n)
    response = _two_factor_login(client, user, code)
    assert response.status_code == 200 and not _logged_in(client)


def test_the_security_table_never_culls_a_valid_entry(database_caches, settings):
    """Past MAX_ENTRIES Django's database cache culls a third of the keys, valid or not; the
    security cache sweeps only the expired ones."""
    settings.CACHES = {
        **settings.CACHES,
        "security": {**settings.CACHES["security"], "OPTIONS": {"MAX_ENTRIES": 50}},
    }
    security = caches["security"]
    for n in range(120):
        security.set(f"allauth:rl:probe:{n:03d}", [n], timeout=300)
    assert _rows("portal_security_cache") == 120
    assert [security.get(f"allauth:rl:probe:{n:03d}") for n in range(120)] == [
        [n] for n in range(120)
    ]
    security.set("expired", 1, timeout=-1)
    security.set("one-more", 1, timeout=300)  # the sweep before this write takes "expired"
    assert _rows("portal_security_cache") == 121
    assert security.get("expired") is None and security.get("one-more") == 1


# --- Production settings --------------------------------------------------------------------------


def test_production_keeps_the_security_cache_out_of_the_evicting_redis():
    """REDIS_URL (an evicting page cache) changes the default cache only."""
    from tests.portal.test_scale_out import production_settings

    values = production_settings(REDIS_URL="redis://cache.internal:6379/0")
    assert values["cache"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert values["security_cache"] == {
        "BACKEND": "core.cache.SecurityDatabaseCache",
        "LOCATION": "portal_security_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }


def test_production_puts_the_security_cache_in_its_own_redis():
    from tests.portal.test_scale_out import production_settings

    values = production_settings(
        REDIS_URL="redis://cache.internal:6379/0",
        SECURITY_REDIS_URL="redis://security.internal:6380/0",
    )
    assert values["security_cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["security_cache"]["LOCATION"] == "redis://security.internal:6380/0"
    assert values["cache"]["LOCATION"] == "redis://cache.internal:6379/0"


@pytest.mark.parametrize("database", ["0", "5"])
def test_production_refuses_the_page_caches_redis_for_the_security_cache(database):
    """Another database of the same server is evicted by the same policy."""
    import subprocess

    from tests.portal.test_scale_out import production_settings

    with pytest.raises(subprocess.CalledProcessError) as refused:
        production_settings(
            REDIS_URL="redis://cache.internal:6379/0",
            SECURITY_REDIS_URL=f"redis://cache.internal:6379/{database}",
        )
    assert "SECURITY_REDIS_URL must name another Redis server" in refused.value.stderr


def test_an_unreachable_security_redis_refuses_the_login_instead_of_counting_nothing(settings):
    """Django's own Redis cache for the security store: no degraded mode that lets attempts in
    uncounted (the page cache's Redis degrades to a miss, core.cache.ResilientRedisCache)."""
    from tests.portal.test_scale_out import closed_port

    user = UserFactory()
    settings.CACHES = {
        **settings.CACHES,
        "security": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    client = Client(raise_request_exception=False)
    response = _log_in(client, user)
    assert response.status_code == 500
    assert "_auth_user_id" not in client.session
