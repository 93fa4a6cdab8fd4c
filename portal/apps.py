from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top floor: settings, root URLs, home and health pages, the admin site, backup and
    restore. It composes the other apps and nothing imports it."""

    default = True
    name = "portal"
    verbose_name = _("Portal")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the portal's admin site (login through allauth, MFA required)."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "portal.admin_site.PortalAdminSite"
