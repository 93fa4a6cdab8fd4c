"""Hostile input for the bad-input and hostile-text tests: hypothesis strategies and fixed texts.

Lone surrogates cannot travel in an HTTP request (they are not UTF-8), so the "impossible"
characters here are control characters, NUL, bidirectional overrides and combining marks.
"""

from __future__ import annotations

import datetime

from hypothesis import strategies as st

NUL = "\x00"
RTL_OVERRIDE = "\u202e"
LONG = 10_001  # longer than any text field of the portal

# Texts a person could type, pasted from anywhere: each must be shown exactly as typed.
SCRIPT = "<script>alert(1)</script>"
HOSTILE_TEXTS = {
    "script": SCRIPT,
    "html": "<b>html</b> & <i>more</i>",
    "attribute": '"><img src=x onerror=alert(1)>',
    "quotes": 'O\'Brien "citat" `backtick` \\ backslash',
    "rtl": f"{RTL_OVERRIDE}txet{RTL_OVERRIDE} العربية עברית",
    "combining": "Café e\u0301 a\u0308 o\u0302",
    "zalgo": "Z\u0324\u0354\u0367\u0311\u0313algo",
    "emoji": "Förening 🎉👩🏽‍🚀🇸🇪",
    "sql": "'; DROP TABLE organisations_organisation; --",
    "formula": '=HYPERLINK("http://x.example","klicka")',
}

_control = st.characters(min_codepoint=1, max_codepoint=31)
_awkward = st.sampled_from(
    [RTL_OVERRIDE, "\u202d", "\u200b", "\u0301", "\u0308", "\ufeff", "🎉", "\u2028", "Å", "ß"]
)
_fragments = st.sampled_from(
    [
        *HOSTILE_TEXTS.values(),
        "' OR '1'='1",
        "%00",
        "%s%n%x",
        "{{ 7*7 }}",
        "{% debug %}",
        "../../etc/passwd",
        "javascript:alert(1)",
        "1e309",
        "NaN",
        "-0",
    ]
)
_any_char = st.characters(exclude_categories=("Cs",))  # every code point but surrogates


def text() -> st.SearchStrategy[str]:
    """Any text a request can carry, weighted towards the awkward."""
    return st.one_of(
        _fragments,
        st.text(st.one_of(_any_char, _control, _awkward), max_size=40),
        st.lists(_fragments, min_size=1, max_size=4).map(" ".join),
    )


def with_nul() -> st.SearchStrategy[str]:
    """Text with a NUL byte somewhere in it."""
    return st.tuples(st.text(max_size=10), st.text(max_size=10)).map(lambda p: p[0] + NUL + p[1])


def too_long(max_length: int) -> st.SearchStrategy[str]:
    return st.sampled_from([max_length + 1, max(LONG, max_length + 1)]).flatmap(
        lambda n: st.sampled_from(["a" * n, "å" * n, ("e\u0301" * n)[:n], SCRIPT * (n // 25 + 1)])
    )


def blank() -> st.SearchStrategy[str]:
    return st.sampled_from(["", " ", "\t", "\n\r\n", "\u00a0 ", "\u3000"])


def required_text(max_length: int | None = None) -> st.SearchStrategy[str]:
    """Values a required text field must refuse."""
    parts = [blank(), with_nul()]
    if max_length:
        parts.append(too_long(max_length))
    return st.one_of(*parts)


def optional_text(max_length: int | None = None) -> st.SearchStrategy[str]:
    """Values an optional text field must refuse."""
    parts = [with_nul()]
    if max_length:
        parts.append(too_long(max_length))
    return st.one_of(*parts)


def not_a_date() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "2024-02-30",
                "2023-02-29",
                "2024-13-01",
                "2024-00-10",
                "0000-00-00",
                "99999-01-01",
                "-2024-01-01",
                "2024-1-32",
                "31/12/2024",
                "i morgon",
                "１２",
                "2024-01-01\x00",
                "2024-01-01T25:00",
                "9" * 40,
            ]
        ),
        text().filter(lambda s: not _parses_as_date(s)),
        with_nul(),
    )


def _parses_as_date(value: str) -> bool:
    from django import forms

    try:
        forms.DateField().clean(value)
    except Exception:
        return False
    return True


def future_date() -> st.SearchStrategy[str]:
    today = datetime.date.today()
    return st.integers(min_value=2, max_value=3_000_000).map(
        lambda days: (
            today + datetime.timedelta(days=min(days, (datetime.date.max - today).days))
        ).isoformat()
    )


def not_an_integer(min_value: int | None = None, max_value: int | None = None):
    """Values an integer field with these bounds must refuse. (Digits of other scripts, "١٢",
    are a number to Python and to Django, and so are accepted.)"""
    parts = [
        st.sampled_from(["", "abc", "1.5", "1e3", "1e309", "NaN", "0x10", "--1", "1 2"]),
        with_nul(),
        st.integers(min_value=10**20, max_value=10**40).map(str),
        st.integers(max_value=-(10**20)).map(str),
    ]
    if min_value is not None:
        parts.append(st.integers(max_value=min_value - 1, min_value=min_value - 10**9).map(str))
    if max_value is not None:
        parts.append(st.integers(min_value=max_value + 1, max_value=max_value + 10**9).map(str))
    return st.one_of(*parts)


def not_a_choice(valid) -> st.SearchStrategy[str]:
    """Values that are none of the valid choices (compared as text)."""
    valid = {str(v) for v in valid}
    return st.one_of(text(), with_nul(), st.integers().map(str)).filter(lambda v: v not in valid)


def unknown_id() -> st.SearchStrategy[str]:
    """An id that names no object: negative, huge, not a number."""
    return st.one_of(
        st.sampled_from(["", "0", "-1", "abc", "1.0", "9" * 30, "1; DROP TABLE x"]),
        st.integers(min_value=10**9, max_value=10**30).map(str),
        with_nul(),
    )


def not_an_email() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "ingen-snabel-a",
                "a@",
                "@example.se",
                "a@b@c.se",
                "a b@example.se",
                "<script>@example.se",
                "a@example.se\x00",
                "a@[300.1.1.1]",
                "x" * 300 + "@example.se",
                "a@" + "b" * 260 + ".se",
                "a@example..se",
            ]
        ),
        with_nul(),
    )


def not_a_url() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [
                "http://",
                "https://",
                "javascript:alert(1)",
                "ht tp://exempel.se",
                "http://exempel .se",
                "https://" + "a" * 300 + ".se",
                "http://[::1",
                "http://exempel.se/\x00",
                "<script>",
                "///",
            ]
        ),
        with_nul(),
    )


def not_an_organisation_number() -> st.SearchStrategy[str]:
    """Organisation numbers with a wrong length, check digit or characters."""
    return st.one_of(
        st.sampled_from(
            [
                "802000-0000",
                "123",
                "8020000001",
                "80200000011",
                "802000-000X",
                "ABCDEF-GHIJ",
                "802000–0002",
                "８０２０００-０００２",
                "802000-0002\x00",
            ]
        ),
        st.integers(min_value=0, max_value=10**12).map(str).filter(_bad_number),
        with_nul(),
    )


def _bad_number(value: str) -> bool:
    from django.core.exceptions import ValidationError

    from organisations.validators import normalise_organisation_number

    try:
        normalise_organisation_number(value)
    except ValidationError:
        return True
    return False


def junk_value() -> st.SearchStrategy:
    """Anything a form field could be sent: text, hostile text, or a list of them."""
    return st.one_of(text(), with_nul(), st.lists(text(), min_size=2, max_size=3))
