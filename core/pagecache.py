"""Caching of public pages, through Django's cache API (any backend: database, Redis, memory).

One number, the *public data version*, stands for everything the public pages show. Every write
that can change a public page bumps it (``public_data_changed``): the services that change
accessions, organisations, evaluations and agreement content call it, and as a safety net so
does every successful POST through the site (``PageCacheMiddleware``), since writes are rare
next to reads. Cached pages and fragments carry the version in their key or value, so a bump
retires all of them at once: a new accession is on the register with the next request.

``public_page`` wraps the anonymous public views, and ``PageCacheMiddleware`` keeps their pages:

- a visitor without a session (no session or messages cookie) gets the page from the cache when
  it was rendered for the same version, language and address — answered at the top of the
  middleware stack, before anything else of Django runs —, and otherwise the view renders it
  and the middleware stores it (``PORTAL_PAGE_CACHE`` turns this off, for the benchmark's
  uncached figures);
- the response says ``Cache-Control: public, max-age=60`` (``PORTAL_PUBLIC_MAX_AGE``), with an
  ETag and Last-Modified from the version, ``Vary: Cookie`` (the language is a cookie), and a
  conditional GET with a matching ETag or date is answered 304 without rendering;
- a visitor with a session (signed in, or with a message to show) always gets a fresh page
  marked ``private, no-cache``.

A page is stored per address, but never per arbitrary query string: each public view declares
the query parameters it reads (``@public_page(params=(...))``), and the key holds only those,
normalised (names sorted, values stripped, empty ones dropped, repeated ones once and sorted).
A parameter the view does not read creates no entry: the normalised page is served for it. The
page's own links to itself (the language switch's ``next``, the register's fragments) use that
normalised address too (``page_address`` in the templates), so the stored page holds nothing of
the query string it was first asked with. Free text (the register's search) still makes one
entry per search, so the entries per address and data version are bounded
(``PORTAL_PAGE_CACHE_VARIANTS``): past the bound such pages are rendered but not stored, until
the next data change. The page cache is in the default cache; rate limits and used codes are
not (core/securitycache.py), so no flood of pages can push those out.

The pages hold no CSRF token for anonymous visitors: the one form on them, the language switch,
posts to ``portal.views.set_language``, which checks the request's origin instead.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import time
from functools import lru_cache, partial, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date, quote_etag, urlencode

from .middleware import request_language

logger = logging.getLogger("portal.cache")

# What makes a page, besides the data: the code, templates, translations and static files.
RELEASE_SOURCES = (
    "agreements",
    "organisations",
    "followup",
    "core",
    "portal",
    "demo",
    "templates",
    "locale",
    "static",
)
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo", ".css", ".js", ".svg", ".json"}


@lru_cache(maxsize=1)
def release() -> str:
    """A short name of the running release, part of every key of the page cache.

    A new release (other templates, code or translations) must not be served pages stored by
    the previous one, which can stay in Redis for hours, and during a rolling upgrade both run
    side by side. ``PORTAL_RELEASE`` (e.g. the git tag) names it; otherwise it is a digest of
    the files that make the pages, the same on every host with the same checkout.
    """
    if getattr(settings, "PORTAL_RELEASE", ""):
        return settings.PORTAL_RELEASE
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for source in RELEASE_SOURCES:
        for path in sorted((base / source).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _version_key() -> str:
    return f"portal:{release()}:public-version"


# Cookies after which a page is the visitor's own: a session (signed in, or a pending message).
PRIVATE_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def public_version() -> int:
    """The current public data version (nanoseconds since the epoch of the last change).

    A cache that lost the number (restarted, evicted) starts a new one from the clock, so no
    page stored before can be taken for current.
    """
    key = _version_key()
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key) or time.time_ns()
    return version


def _bump() -> None:
    cache.set(_version_key(), time.time_ns(), timeout=None)


def request_public_version(request) -> int:
    """The public data version for this request: read once (by ``PageCacheMiddleware`` with the
    page, or here) and reused by the view's validators and the template's fragments."""
    version = getattr(request, "public_data_version", None)
    if version is None:
        version = request.public_data_version = public_version()
    return version


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
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    key = f"portal:{release()}:versioned:{public_version():x}:{digest}"
    return cache.get_or_set(key, compute, timeout=seconds)


def deferred(compute, names) -> dict:
    """A template context whose values are computed only if the template looks one of them up.

    For a page whose body is a cached fragment: ``compute()`` returns a dict with (at least)
    ``names``; each name becomes a callable, which the template language calls when the name
    is looked up, so a page whose fragment is in the cache never computes the context at all.
    ``compute`` runs at most once per response.
    """
    content = SimpleLazyObject(compute)
    return {name: partial(operator.getitem, content, name) for name in names}


def _is_private(request) -> bool:
    return any(name in request.COOKIES for name in PRIVATE_COOKIES)


def normalised_query(request, params) -> str:
    """The request's query string with only ``params`` (the parameters its public page declares,
    each with its cases in tests/security/test_bad_input.py), in one spelling."""
    pairs: list[tuple[str, str]] = []
    for name in sorted(params):
        values = {value.strip() for value in request.GET.getlist(name)}
        pairs.extend((name, value) for value in sorted(values) if value)
    return urlencode(pairs)


def page_address(request, params) -> str:
    """The request's path and its normalised query string (``normalised_query``)."""
    query = normalised_query(request, params)
    return f"{request.path}?{query}" if query else request.path


@lru_cache(maxsize=4096)
def _declared_params(urlconf: str, path: str) -> tuple[str, ...] | None:
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return getattr(match.func, PARAMS_ATTRIBUTE, None)


def declared_params(request) -> tuple[str, ...] | None:
    """The query parameters the public page at this address reads; None if it is no public page
    (``public_page``), which the page cache then neither reads nor fills. Resolved once per
    path and process."""
    return _declared_params(get_urlconf() or settings.ROOT_URLCONF, request.path_info)


def _page_key(request, language: str, params) -> str:
    address = page_address(request, params)
    digest = hashlib.sha256(f"{language}|{address}".encode()).hexdigest()[:32]
    return f"portal:{release()}:page:{digest}"


def _room_for_variant(request, params, version: int) -> bool:
    """Whether another page with a query string may be stored for this path and data version
    (``PORTAL_PAGE_CACHE_VARIANTS``); pages without one (once normalised) are always stored."""
    if not normalised_query(request, params):
        return True
    path = hashlib.sha256(request.path.encode()).hexdigest()[:32]
    counter = f"portal:{release()}:variants:{version:x}:{path}"
    cache.add(counter, 0, timeout=settings.PORTAL_PAGE_CACHE_SECONDS)
    try:
        count = cache.incr(counter)
    except ValueError:  # gone between add and incr (evicted or expired)
        return False
    return count is not None and count <= settings.PORTAL_PAGE_CACHE_VARIANTS


def _validators(version: int, language: str) -> tuple[str, float]:
    etag = quote_etag(f"{version:x}-{language}")
    return etag, version / 1e9


def _mark_public(response: HttpResponse, etag: str, modified: float) -> HttpResponse:
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(modified)
    patch_cache_control(response, public=True, max_age=settings.PORTAL_PUBLIC_MAX_AGE)
    patch_vary_headers(response, ("Cookie",))
    return response


PARAMS_ATTRIBUTE = "public_page_params"


def public_page(view=None, *, params: tuple[str, ...] = ()):
    """Mark an anonymous public page as cacheable by data version; see the module's description.

    ``params``: the query parameters the view reads (none by default, ``@public_page``); the
    page is cached per normalised value of these only, so the view must read no other.

    The cache itself is served and filled by ``PageCacheMiddleware`` at the top of the
    middleware stack: a page found there never reaches this view. Here a page is rendered, given
    its HTTP caching headers, and marked to be stored.
    """
    if view is None:
        return partial(public_page, params=params)
    declared = tuple(sorted(params))

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.public_page_address = page_address(request, declared)
        if request.method not in ("GET", "HEAD") or _is_private(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        version = request_public_version(request)
        etag, modified = _validators(version, language)
        not_modified = get_conditional_response(request, etag=etag, last_modified=int(modified))
        if not_modified is not None:
            return _mark_public(not_modified, etag, modified)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.cookies or response.streaming:
            # Not a page for everyone (an error, or the view set a cookie): never stored.
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if settings.PORTAL_PAGE_CACHE:
            response.page_cache_version = version
        return _mark_public(response, etag, modified)

    setattr(wrapped, PARAMS_ATTRIBUTE, declared)
    return wrapped


class PageCacheMiddleware:
    """The page cache, at the top of the middleware stack (below the security headers).

    - A GET or HEAD from a visitor without a session whose page is in the cache for the current
      data version is answered from there, with the headers it was first sent with, before
      sessions, CSRF, authentication or the view are reached; a conditional request that
      matches gets a 304. Only a ``public_page`` is looked up (its path is resolved once per
      process, for the query parameters it reads), under its normalised address.
    - A page ``public_page`` marked as cacheable is stored on its way out, with the headers the
      rest of the stack gave it (never when something set a cookie, nor past
      ``PORTAL_PAGE_CACHE_VARIANTS`` pages with a query string for its path and data version).
    - A POST that succeeded may have changed what public pages show: it retires them (a safety
      net besides the services' own calls). Success is the redirect that follows a completed
      form (POST-redirect-GET); a form shown again with its errors changed nothing, and
      switching the language changes no data, so neither retires the cache (otherwise anyone
      could empty it with a stream of bad posts).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = None
        params = None
        if (
            settings.PORTAL_PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and not _is_private(request)
        ):
            params = declared_params(request)
        if params is not None:
            key = _page_key(request, request_language(request), params)
            # One round trip to the cache for the version and the page together.
            version_key = _version_key()
            try:
                found = cache.get_many([version_key, key])
            except Exception as error:  # a cache that fails (its database down) is a miss
                logger.warning("page cache: reading %s failed: %r", request.path, error)
                found = {}
            stored = found.get(key)
            if stored and found.get(version_key) == stored[0]:
                return self._from_cache(request, stored)
            request.public_data_version = found.get(version_key)  # None: read it again later
        response = self.get_response(request)
        version = getattr(response, "page_cache_version", None)
        if (
            key
            and version is not None
            and not response.cookies
            and _room_for_variant(request, params, version)
        ):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            headers = [(name, value) for name, value in response.items()]
            try:
                cache.set(
                    key,
                    (version, response.status_code, headers, response.content),
                    timeout=settings.PORTAL_PAGE_CACHE_SECONDS,
                )
            except Exception as error:  # not stored (a read-only or lost database): go on
                logger.warning("page cache: storing %s failed: %r", request.path, error)
            response.headers["X-Page-Cache"] = "miss"
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and 300 <= response.status_code < 400
            and getattr(request.resolver_match, "url_name", None) != "set_language"
        ):
            public_data_changed()
        return response

    @staticmethod
    def _from_cache(request, stored) -> HttpResponse:
        _version, status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response.headers[name] = value
        response.headers["X-Page-Cache"] = "hit"
        not_modified = get_conditional_response(
            request,
            etag=response.headers.get("ETag"),
            last_modified=int(_version / 1e9),
            response=response,
        )
        return not_modified or response
