from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .middleware import SessionTimeoutMiddleware

        user_login_failed.connect(log_failed_login, dispatch_uid="portal-log-failed-login")
        user_logged_in.connect(
            SessionTimeoutMiddleware.session_started, dispatch_uid="portal-session-started"
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


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the portal's admin site (login through allauth, MFA required)."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "portal.admin_site.PortalAdminSite"
