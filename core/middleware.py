"""Language selection for a Swedish public-sector site, and the signed-in session's time limits."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
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


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every answer that may carry personal data.

    That is every answer to a signed-in visitor (My pages, an accession, the representatives,
    reports, officer and council pages, exports, the account pages), to a request that carries
    a session (a pending message, a login in progress), every answer that sets or ends a session
    (logging in or out) and every page of allauth's (a password reset or confirmation link holds
    a key). Neither the browser's cache nor a proxy keeps them, and the page cache never stores
    them (``page_cache_version`` is dropped). Anonymous public pages keep their caching headers.

    Below AuthenticationMiddleware, so that the user is known; a refusal or error page raised in
    a view reaches it as a response too.
    """

    ALLAUTH_APPS = ("account", "mfa", "usersessions")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = _signed_in(request)  # before the view: logging out forgets the user
        response = self.get_response(request)
        if signed_in or self._personal(request, response):
            patch_cache_control(response, private=True, no_store=True)
            if hasattr(response, "page_cache_version"):
                del response.page_cache_version
        return response

    def _personal(self, request, response) -> bool:
        session_cookie = settings.SESSION_COOKIE_NAME
        if session_cookie in request.COOKIES or session_cookie in response.cookies:
            return True
        if _signed_in(request):  # logged in by this request
            return True
        match = getattr(request, "resolver_match", None)
        module = getattr(getattr(match, "func", None), "__module__", "") or ""
        return module.startswith(tuple(f"allauth.{app}." for app in self.ALLAUTH_APPS))


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
