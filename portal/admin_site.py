"""The admin site: reached through the site's own login (allauth, with its rate limits), and only
by staff who use two-factor authentication."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

ADMIN_NEEDS_MFA = _("The admin site requires two-factor authentication. Activate it to continue.")


class PortalAdminSite(admin.AdminSite):
    # The portal's own name, so that the admin's pages are titled as every other page of the
    # portal ("Ny version – Lokala överenskommelser om samverkan"), not "Django-administration".
    site_header = settings.PORTAL_NAME
    site_title = settings.PORTAL_NAME
    index_title = _("Administration")

    def has_permission(self, request):
        from organisations.permissions import has_mfa

        return super().has_permission(request) and has_mfa(request.user)

    def login(self, request, extra_context=None):
        """Send people to the site's login page; staff without MFA to activate it first."""
        from organisations.permissions import has_mfa

        next_url = request.GET.get("next") or resolve_url("admin:index")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = resolve_url("admin:index")
        if not request.user.is_authenticated:
            return redirect(f"{resolve_url('account_login')}?next={next_url}")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        if not has_mfa(request.user):
            messages.warning(request, ADMIN_NEEDS_MFA)
            return redirect("mfa_activate_totp")
        return redirect(next_url)
