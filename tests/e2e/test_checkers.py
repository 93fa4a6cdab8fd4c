"""The checkers the journeys rely on do find what they are there to find.

A page that passes an audit is only worth something if the same audit fails a page with the
problem: each checker is run here on a small page made to have one.
"""

import pytest

from tests.e2e.conftest import (
    FOCUS_VISIBLE_JS,
    NARROW_WIDTHS,
    axe_violations,
    check_title,
    sideways_overflow,
    vnu_errors,
)

BROKEN = """<!DOCTYPE html><html><head><title>Broken</title></head><body>
<main><p><div>A div inside a paragraph.</div></p><img src="data:,">
<div style="width: 1000px">Wider than a phone.</div>
<a href="#" id="hidden-focus" style="outline: none">No focus ring</a></main></body></html>"""

pytestmark = pytest.mark.browser


def test_checkers_catch_broken_html_missing_alt_overflow_and_invisible_focus(site, tmp_path):
    visitor = site.visitor()
    page = visitor.page
    page.set_content(BROKEN)

    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "html-has-lang"} <= found

    assert sideways_overflow(page, NARROW_WIDTHS[0])["scrollWidth"] >= 1000
    page.set_content(BROKEN.replace('style="width: 1000px"', ""))
    assert sideways_overflow(page, NARROW_WIDTHS[0]) is None

    page.focus("#hidden-focus")
    assert page.evaluate(FOCUS_VISIBLE_JS)["visible"] is False

    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN, encoding="utf-8")
    errors = [problem for path, problem in vnu_errors([broken]) if path == broken]
    assert any("“p”" in problem for problem in errors), errors
    assert any("alt" in problem for problem in errors), errors


def test_the_title_check_catches_a_page_without_a_title_of_its_own(site):
    page = site.visitor().page
    header = '<header><a class="site-name" href="/">Portalen</a></header>'
    for title in ("Portalen – Portalen", " – Portalen", "Portalen", "Logga in – Annan portal"):
        page.set_content(f"<!DOCTYPE html><title>{title}</title>{header}")
        with pytest.raises(AssertionError):
            check_title("broken", page)
    page.set_content(f"<!DOCTYPE html><title>Logga in – Portalen</title>{header}")
    check_title("good", page)
