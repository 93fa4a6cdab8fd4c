"""The Jinja2 environment of the dashboard's tables (core/jinja2.py) writes what Django's
templates would write."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from jinja2 import UndefinedError

from core.jinja2 import iso_datetime, local_datetime

UTC = dt.UTC
MOMENTS = [
    dt.datetime(2026, 1, 5, 7, 4, tzinfo=UTC),  # winter time, one-digit day
    dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the minute before summer time
    dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # the first minute of summer time
    dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the hour that comes twice
    dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already next year in Stockholm
    dt.datetime(2026, 5, 17, 12, 0, tzinfo=ZoneInfo("America/New_York")),
]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_dates_are_written_as_djangos_date_filter_writes_them(language, moment):
    local = timezone.localtime(moment)  # Django's templates convert before the filter
    with translation.override(language):
        assert local_datetime(moment) == date_filter(local, "j F Y H:i")
        iso = iso_datetime(moment)
    # The same instant, with its offset; Django leaves the offset out in the hour that comes
    # twice in autumn, where it is needed most, so there the two differ by it.
    assert dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S%z") == moment
    assert iso.startswith(date_filter(local, r"Y-m-d\TH:i:sO"))


def test_no_date_is_written_as_nothing():
    assert local_datetime(None) == iso_datetime(None) == ""


def test_a_key_url_is_the_reversed_url():
    render = (
        engines["jinja2"]
        .from_string(
            "{% set u = key_url('followup:report') %}{% for k in keys %}{{ u(k) }} {% endfor %}"
        )
        .render
    )
    keys = [1, 42, 9_876_543_210]
    assert render({"keys": keys}).split() == [reverse("followup:report", args=[k]) for k in keys]


def test_values_are_escaped():
    render = engines["jinja2"].from_string("{{ text }}{{ safe }}").render
    html = render({"text": '<b>"O\'Hara" & co</b>', "safe": mark_safe("<i>safe</i>")})
    assert html == "&lt;b&gt;&#34;O&#39;Hara&#34; &amp; co&lt;/b&gt;<i>safe</i>"


def test_an_undefined_name_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError):
        engines["jinja2"].from_string("{{ missing }}").render({})
