"""Counts in running text carry the language's thousands separator (portal_utils.grouped)."""

import pytest
from django.template import Context, Template
from django.utils import translation

REGISTER_COUNT = Template(
    "{% load i18n portal_utils %}{% blocktranslate trimmed count counter=n with shown=n|grouped %}"
    "{{ shown }} organisation{% plural %}{{ shown }} organisations{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("language", "count", "shown"),
    [
        ("sv", 50_000, "50\xa0000 organisationer"),  # a no-break space: never split over lines
        ("sv", 1, "1 organisation"),
        ("sv", 999, "999 organisationer"),
        ("en", 50_000, "50,000 organisations"),
        ("en", 1_234_567, "1,234,567 organisations"),
    ],
)
def test_a_count_is_grouped_in_the_pages_language(language, count, shown):
    with translation.override(language):
        assert REGISTER_COUNT.render(Context({"n": count})) == shown


def test_nothing_is_written_for_no_number():
    template = Template("{% load portal_utils %}[{{ n|grouped }}]")
    assert template.render(Context({"n": None})) == "[]"
