"""The portal's own pages: home, the statements every public-sector site publishes, health."""

import datetime
import logging
import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from agreements.models import Agreement
from core.accounts import language_preference_set, supported_language
from core.pagecache import public_page


@require_safe
@public_page
def home(request):
    agreements = Agreement.objects.with_current_version()
    return render(request, "portal/home.html", {"agreements": agreements})


# How the accessibility statement says the site was tested: the tools of the browser tests
# (tests/e2e) at the versions used on the date of testing. A test holds these to
# tests/e2e/package-lock.json and the installed Playwright (test_accessibility_statement.py).
ACCESSIBILITY_TESTING = {
    "date": datetime.date(2026, 11, 23),
    "playwright": "1.65.2",
    "chromium": "156",
    "axe_core": "4.14.1",
    "vnu": "26.9.27",
}


@require_safe
@public_page
def accessibility(request):
    return render(request, "portal/accessibility.html", {"testing": ACCESSIBILITY_TESTING})


@require_safe
@public_page
def privacy(request):
    return render(request, "portal/privacy.html")


def _own_origin(request) -> str:
    """This site's origin as a browser names it: scheme://host[:port] (Django's CSRF check too)."""
    return f"{request.scheme}://{request.get_host()}"


def _is_own(request, url: str, *, path_allowed: bool) -> bool:
    """Whether ``url`` (an Origin, or a Referer when ``path_allowed``) is this site's own.

    Only an absolute http(s) address of this host (or one of ``CSRF_TRUSTED_ORIGINS``) counts:
    ``null`` (sent by sandboxed frames, ``data:`` pages and some redirects), an empty value, a
    relative address or another host is not this site.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if not path_allowed and (parts.path or parts.query or parts.fragment):
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    trusted = {o.lower() for o in settings.CSRF_TRUSTED_ORIGINS}
    return origin == _own_origin(request).lower() or origin in trusted


def _same_site(request) -> bool:
    """Whether a POST comes from this site's own pages, by its Origin header, else its Referer.

    Browsers send Origin with every POST from a form (``null`` where the page's origin is
    opaque or hidden, which is refused); a request with neither header is not a browser's
    cross-site form.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        return _is_own(request, origin, path_allowed=False)
    referer = request.headers.get("Referer")
    if referer is not None:
        return _is_own(request, referer, path_allowed=True)
    return True


@csrf_exempt
@require_http_methods(["GET", "POST"])
def set_language(request):
    """The language switch: Django's set_language, checked by origin instead of a CSRF token.

    For a signed-in person the chosen language is also stored with their account
    (``core.accounts``): the portal's e-mail to them is written in it from then on.

    The switch is on every page, and public pages are cached for everyone, so they cannot hold a
    token of the visitor's own. Choosing a language changes no data; a form posted from another
    site (or from a page whose origin the browser hides: ``Origin: null``) is refused with the
    CSRF-failure page (403), by its Origin or Referer header, and the language stays as it was.
    """
    if request.method == "POST" and not _same_site(request):
        return csrf_failure(request, reason="the request's Origin or Referer is not this site")
    response = i18n.set_language(request)  # a GET only redirects, as Django's view does
    if request.method == "POST" and request.user.is_authenticated:
        # Signed in, the choice is also the language of the portal's e-mail to this person.
        chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen is not None and supported_language(chosen.value) == chosen.value:
            language_preference_set(user=request.user, language=chosen.value)
    return response


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not. For load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


security_log = logging.getLogger("portal.security")


def _log_refusal(request, kind: str, reason: str) -> None:
    """One line for a refusal (who, what, why), in place of Django's own record of it.

    ``portal.logging.RefusalsInOneLine`` drops Django's record (``django.request``,
    ``django.security.csrf``) of a request marked here, so a refusal is one line without a
    traceback.
    """
    user = getattr(request, "user", None)
    request.portal_refusal_logged = True
    security_log.warning(
        "%s: %s %s user=%s reason=%s",
        kind,
        request.method,
        request.path,
        getattr(user, "pk", None),
        reason,
    )


def permission_denied(request, exception=None):
    """The friendly 403 page; every refusal is logged as a security event, in one line."""
    match = getattr(request, "resolver_match", None)
    reason = str(exception) if exception is not None and str(exception) else "no permission"
    if match is not None:
        reason += f" ({match.view_name})"
    _log_refusal(request, "permission refused", reason)
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the site's own 403 page for a form that cannot be trusted.

    Reached when a form's CSRF token is missing or stale (a page kept open for long, cookies
    turned off) or the form was posted from another site; it says what to do, in the visitor's
    language and the site's layout (Django's own page is English, with inline style).
    """
    _log_refusal(request, "request refused (CSRF)", reason or "unknown")
    response = render(request, "403_csrf.html", status=403)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _is_read_only(error) -> bool:
    """A write refused because the database is read-only: PostgreSQL's
    ``default_transaction_read_only`` or a standby (SQLite's read-only file is an
    OperationalError already)."""
    cause = getattr(error, "__cause__", None)
    return isinstance(error, DatabaseError) and getattr(cause, "sqlstate", None) == "25006"


def server_error(request):
    """500, or 503 with its own page when the database cannot be reached.

    Rendered without the request's context, so that nothing on the page needs the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)) or _is_read_only(error):
        return HttpResponse(loader.render_to_string("503.html"), status=503)
    return HttpResponseServerError(loader.render_to_string("500.html"))
