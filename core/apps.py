"""The base app: what every domain app builds on and that knows no domain (docs/architecture.md)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = _("Portal services")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.backends.signals import connection_created

        from . import lookups, securitycache
        from .middleware import SessionTimeoutMiddleware

        # allauth's rate limits and used two-factor codes in a cache of their own.
        securitycache.install()
        # icontains folds every letter on SQLite too (the register's search, the admin's).
        lookups.install()
        connection_created.connect(
            lookups.register_sqlite_functions, dispatch_uid="core-sqlite-functions"
        )

        user_login_failed.connect(log_failed_login, dispatch_uid="core-log-failed-login")
        user_logged_in.connect(
            SessionTimeoutMiddleware.session_started, dispatch_uid="core-session-started"
        )


def log_failed_login(sender, credentials, request=None, **kwargs):
    """A failed login is a security event (the password is never logged)."""
    import logging

    from allauth.account.adapter import get_adapter
    from django.core.exceptions import PermissionDenied

    who = credentials.get("email") or credentials.get("username") or ""
    address = ""
    if request is not None:
        # The client's address as allauth's rate limits see it: behind nginx, from
        # X-Forwarded-For (ALLAUTH_TRUSTED_PROXY_COUNT), not nginx's own address.
        try:
            address = get_adapter(request).get_client_ip(request)
        except PermissionDenied:
            address = request.META.get("REMOTE_ADDR", "")
    logging.getLogger("portal.security").warning("failed login for %r from %s", who, address)
