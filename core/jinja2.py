"""The Jinja2 environment, used only where the Django template language is too slow.

The officer dashboard's two tables of reports (followup/dashboard.py) are rendered with Jinja2:
with the Django template language their rows took most of the page's time, which kept the page's
tail latency over its budget (docs/performance.md). Everything else stays in Django templates.

The environment offers what those rows need and writes what Django's templates would write:
`key_url` reverses a URL name for many integer keys at the cost of one reverse; the filters
`datetime` and `isodatetime` write a moment in the current time zone as Django's
|date:"j F Y H:i" and |date:"Y-m-d\\TH:i:sO" do (a test compares them), at a fraction of the
cost. Labels come translated from Python, so makemessages finds every string; nothing here
translates, except the month names Django itself translates.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from jinja2 import Environment, StrictUndefined


def _key_url(name: str):
    """A function of a key giving reverse(name, args=[key]), for a URL whose one argument is an
    integer: a table of many rows reverses the name once instead of once a row."""
    marker = 9_876_543_210
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda key: f"{head}{int(key)}{tail}"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def local_datetime(value: datetime | None) -> str:
    """As Django's |date:"j F Y H:i": "5 mars 2026 07:04"."""
    if not value:
        return ""
    value = _local(value)
    return f"{value.day} {MONTHS[value.month]} {value.year} {value:%H:%M}"


def iso_datetime(value: datetime | None) -> str:
    """As Django's |date:"Y-m-d\\TH:i:sO", for a <time datetime> attribute; but with the offset
    in the autumn hour that comes twice too, where Django leaves it out."""
    if not value:
        return ""
    return _local(value).strftime("%Y-%m-%dT%H:%M:%S%z")


def environment(**options) -> Environment:
    # An undefined name is an error, not an empty string: a typo fails the tests.
    options["undefined"] = StrictUndefined  # Django sets (Debug)Undefined by default
    # Every value written is escaped (Django's backend asks for it too; never turned off here).
    # MarkupSafe writes quotes as &#34; and &#39; where Django writes &quot; and &#x27;: the same
    # characters to a browser, and converting every value to Django's form cost a tenth of the
    # dashboard's time.
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.globals["key_url"] = _key_url
    env.filters["datetime"] = local_datetime
    env.filters["isodatetime"] = iso_datetime
    return env
