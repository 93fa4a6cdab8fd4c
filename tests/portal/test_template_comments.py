"""A Django template comment ``{# … #}`` ends on its own line: one left open runs on as text
into the page (a cycle's page once showed its template's notes to the officer)."""

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_no_django_template_has_a_comment_over_several_lines():
    open_comments = []
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file() or "jinja2" in path.relative_to(TEMPLATES).parts:
            continue  # Jinja2's {# … #} may span lines
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    open_comments.append(f"{path.relative_to(TEMPLATES)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert not open_comments, "use {% comment %} for notes over several lines: " + ", ".join(
        open_comments
    )
