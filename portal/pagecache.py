"""Caching of public pages, through Django's cache API (any backend: database, Redis, memory).

One number, the *public data version*, stands for everything the public pages show. Every write
that can change a public page bumps it (``public_data_changed``): the services that change
accessions, organisations, evaluations and agreement content call it, and as a safety net so
does every successful POST through the site (``PublicCacheMiddleware``), since writes are rare
next to reads. Cached pages and fragments carry the version in their key or value, so a bump
retires all of them at once: a new accession is on the register with the next request.

``public_page`` wraps the anonymous public views:

- a visitor without a session (no session or messages cookie) gets the page from the cache when
  it was rendered for the same version, language and address, and otherwise renders and stores
  it (``PORTAL_PAGE_CACHE`` turns this off, for the benchmark's uncached figures);
- the response says ``Cache-Control: public, max-age=60`` (``PORTAL_PUBLIC_MAX_AGE``), with an
  ETag and Last-Modified from the version, ``Vary: Cookie`` (the language is a cookie), and a
  conditional GET with a matching ETag or date is answered 304 without rendering;
- a visitor with a session (signed in, or with a message to show) always gets a fresh page
  marked ``private, no-cache``.

The pages hold no CSRF token for anonymous visitors: the one form on them, the language switch,
posts to ``portal.views.set_language``, which checks the request's origin instead.
"""

from __future__ import annotations

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

VERSION_KEY = "portal:public-version"
PAGE_PREFIX = "portal:page:"
# Cookies after which a page is the visitor's own: a session (signed in, or a pending message).
PRIVATE_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def public_version() -> int:
    """The current public data version (nanoseconds since the epoch of the last change).

    A cache that lost the number (restarted, evicted) starts a new one from the clock, so no
    page stored before can be taken for current.
    """
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY) or time.time_ns()
    return version


def _bump() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def public_data_changed() -> None:
    """Retire every cached public page and fragment: now, and again when the transaction commits
    (so that no request in between can store the old data under the new version)."""
    _bump()
    transaction.on_commit(_bump)


def versioned(name: str, compute):
    """A value derived from public data, computed once per data version (and fragment lifetime).

    ``PORTAL_FRAGMENT_CACHE_SECONDS = 0`` computes it every time (the test settings do).
    """
    seconds = settings.PORTAL_FRAGMENT_CACHE_SECONDS
    if not seconds:
        return compute()
    key = f"portal:versioned:{public_version():x}:{hashlib.sha256(name.encode()).hexdigest()[:32]}"
    return cache.get_or_set(key, compute, timeout=seconds)


def _is_private(request) -> bool:
    return any(name in request.COOKIES for name in PRIVATE_COOKIES)


def _page_key(request, language: str) -> str:
    address = request.get_full_path()
    digest = hashlib.sha256(f"{language}|{address}".encode()).hexdigest()[:32]
    return PAGE_PREFIX + digest


def _validators(version: int, language: str) -> tuple[str, float]:
    etag = quote_etag(f"{version:x}-{language}")
    return etag, version / 1e9


def _mark_public(response: HttpResponse, etag: str, modified: float) -> HttpResponse:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(modified)
    patch_cache_control(response, public=True, max_age=settings.PORTAL_PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Cookie",))
    return response


def public_page(view):
    """Cache an anonymous public page by data version; see the module's description."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or _is_private(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        key = _page_key(request, language) if settings.PORTAL_PAGE_CACHE else None
        # One round trip to the cache for the version and the page together.
        found = cache.get_many([VERSION_KEY, key] if key else [VERSION_KEY])
        version = found.get(VERSION_KEY) or public_version()
        etag, modified = _validators(version, language)
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if not_modified is not None:
            return _mark_public(not_modified, etag, modified)
        stored = found.get(key) if key else None
        if stored and stored[0] == version:
            _version, status, content_type, content = stored
            response = HttpResponse(content, status=status, content_type=content_type)
            response.headers["X-Page-Cache"] = "hit"
            return _mark_public(response, etag, modified)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.cookies or response.streaming:
            # Not a page for everyone (an error, or the view set a cookie): never stored.
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if key:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(
                key,
                (version, response.status_code, response["Content-Type"], response.content),
                timeout=settings.PORTAL_PAGE_CACHE_SECONDS,
            )
            response.headers["X-Page-Cache"] = "miss"
        return _mark_public(response, etag, modified)

    return wrapped


class PublicCacheMiddleware:
    """A POST that succeeded may have changed what public pages show: retire them (safety net).

    Success is the redirect that follows a completed form (POST-redirect-GET); a form shown
    again with its errors changed nothing, and switching the language changes no data, so
    neither retires the cache (otherwise anyone could empty it with a stream of bad posts).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and 300 <= response.status_code < 400
            and getattr(request.resolver_match, "url_name", None) != "set_language"
        ):
            public_data_changed()
        return response
