"""Generated data on the top floor: the demo data of `make run` and the national data set of
`make bench`. Nothing imports this app; it builds on every domain app through their services."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    default = True
    name = "demo"
    verbose_name = _("Demo data")
