"""The portal's own pages: home, the statements every public-sector site publishes, health."""

import datetime
import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from agreements.models import Agreement
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


def _same_site(request) -> bool:
    """Whether a POST comes from this site's own pages, by its Origin or Referer header.

    Browsers send Origin with every cross-site POST; a request with neither header is not a
    browser's cross-site form.
    """
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return True
    return url_has_allowed_host_and_scheme(
        origin, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def set_language(request):
    """The language switch: Django's set_language, checked by origin instead of a CSRF token.

    The switch is on every page, and public pages are cached for everyone, so they cannot hold a
    token of the visitor's own. Choosing a language changes no data; a form posted from another
    site is still refused (403), by its Origin or Referer header.
    """
    if request.method == "POST" and not _same_site(request):
        return permission_denied(request)
    return i18n.set_language(request)  # a GET only redirects, as Django's view does


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


def permission_denied(request, exception=None):
    """The friendly 403 page; every refusal is logged as a security event."""
    user = getattr(request, "user", None)
    security_log.warning(
        "permission refused: %s %s user=%s",
        request.method,
        request.path,
        getattr(user, "pk", None),
    )
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


def server_error(request):
    """500, or 503 with its own page when the database cannot be reached.

    Rendered without the request's context, so that nothing on the page needs the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        return HttpResponse(loader.render_to_string("503.html"), status=503)
    return HttpResponseServerError(loader.render_to_string("500.html"))
