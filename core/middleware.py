"""Language selection for a Swedish public-sector site, and the signed-in session's time limits."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


def request_language(request) -> str:
    """The language the visitor chose with the switch (a cookie), and Swedish otherwise."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class SiteLanguageMiddleware:
    """Activate the language the visitor chose with the switch, and Swedish otherwise.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language header: the
    portal is a Swedish service whose default language is Swedish for everyone, and English is
    an explicit choice stored in the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: a Permissions-Policy that turns off what the portal
    never uses (camera, microphone, location, payment, …)."""

    PERMISSIONS_POLICY = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response


class SessionTimeoutMiddleware:
    """Log people out after a time without activity, and after a maximum session length.

    SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT (seconds) come from the settings; both
    apply to every signed-in session, whatever the browser keeps.
    """

    STARTED = "_portal_session_started"
    SEEN = "_portal_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    @classmethod
    def session_started(cls, sender, request, user, **kwargs):
        """At login (signal user_logged_in): the session's start and last-seen time, saved with
        the new session, so that the visit's first page does not write the session again."""
        if request is not None and hasattr(request, "session"):
            now = int(time.time())
            request.session[cls.STARTED] = now
            request.session[cls.SEEN] = now

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(self.STARTED, now)
            seen = request.session.get(self.SEEN, now)
            idle = now - seen > settings.SESSION_IDLE_TIMEOUT
            too_long = now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or too_long:
                logout(request)
                messages.info(request, _("You were logged out because the session had expired."))
            else:
                if self.STARTED not in request.session:
                    request.session[self.STARTED] = started
                # Write the last-seen time at most once a minute, not on every request (an
                # assignment marks the session changed, and a changed session is saved).
                if now - seen >= 60 or self.SEEN not in request.session:
                    request.session[self.SEEN] = now
        return self.get_response(request)
