"""The security cache: allauth's rate-limit counters and used two-factor codes, kept apart.

These entries are security state, not a cache of something that can be made again: a counter
that disappears lets an attacker guess passwords again at once, a "used" marker that disappears
lets a code be replayed. In the default cache they would compete for room with cached pages,
fragments and PDFs, and culling (Django's database cache) or eviction (Redis with an evicting
policy) removes whatever it picks, so a flood of anonymous page views could reset them. So they
live in a cache of their own, ``CACHES["security"]``, which nothing else writes to and which
never drops a valid entry: the database (``core.cache.SecurityDatabaseCache``, table
``portal_security_cache``) by default, or a Redis with ``maxmemory-policy noeviction``
(``SECURITY_REDIS_URL``, portal/settings/production.py, docs/operations.md).

allauth 65 has no setting for the cache it uses: ``allauth.core.internal.ratelimit`` (every
rate limit, also ``allauth.core.ratelimit`` that organisations.views.account uses) and
``allauth.mfa.totp.internal.auth`` (used codes) each import ``django.core.cache.cache``.
``install``, called once from ``CoreConfig.ready``, points both modules' ``cache`` at the
security cache, and refuses to start (``ImproperlyConfigured``) if an allauth upgrade has moved
or renamed what it replaces, so that such an upgrade cannot silently put the counters back into
the default cache (tests/portal/test_security_cache.py holds this too).

It also keeps a used TOTP code marked for as long as the code is accepted. allauth marks it for
one period (30 s), but with ``MFA_TOTP_TOLERANCE = 1`` a code is accepted from the start of the
period before its own to the end of the period after it: up to (2 x tolerance + 1) x period =
90 s after it was first used, so a code replayed 36 s later was accepted again.
"""

from __future__ import annotations

from django.core import cache as django_cache
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.utils.connection import ConnectionProxy

SECURITY_CACHE_ALIAS = "security"

#: ``caches["security"]``, looked up on each use (as ``django.core.cache.cache`` is).
security_cache = ConnectionProxy(caches, SECURITY_CACHE_ALIAS)


def used_code_seconds() -> int:
    """How long a used TOTP code stays used: the whole time in which it would be accepted.

    A code of period ``c`` is accepted while the current period is ``c - tolerance`` …
    ``c + tolerance``, i.e. for ``(2 x tolerance + 1) x period`` seconds from the first moment
    it could be used.
    """
    from allauth.mfa import app_settings

    return (2 * app_settings.TOTP_TOLERANCE + 1) * app_settings.TOTP_PERIOD


def _mark_code_used(self, code: str) -> bool:
    """allauth's ``TOTP._mark_code_used``, in the security cache and for the whole window."""
    return security_cache.add(self._get_used_cache_key(code), "y", timeout=used_code_seconds())


def install() -> None:
    """Point allauth's rate limits and used-code markers at the security cache (idempotent)."""
    from allauth.core.internal import ratelimit
    from allauth.mfa.totp.internal import auth as totp

    for module in (ratelimit, totp):
        current = getattr(module, "cache", None)
        if current is not django_cache.cache and current is not security_cache:
            raise ImproperlyConfigured(
                f"{module.__name__} no longer uses django.core.cache.cache: check where this "
                "allauth keeps its rate limits and used codes, and update core/securitycache.py."
            )
        module.cache = security_cache
    if not callable(getattr(totp.TOTP, "_get_used_cache_key", None)) or not callable(
        getattr(totp.TOTP, "_mark_code_used", None)
    ):
        raise ImproperlyConfigured(
            "allauth's TOTP no longer marks used codes with _mark_code_used: update "
            "core/securitycache.py."
        )
    totp.TOTP._mark_code_used = _mark_code_used
