"""Rendering of the plain-text format the agreement data uses (docs/data-format.md)."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter(is_safe=True)
def paragraphs(text: str | None) -> str:
    """Blank-line separated paragraphs and '- ' bullet lists, everything else escaped."""
    if not text:
        return ""
    html: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n") if line.strip()]
        if not lines:
            continue
        buffer: list[str] = []
        bullets: list[str] = []
        for line in lines:
            if line.lstrip().startswith("- "):
                if buffer:
                    html.append("<p>" + escape(" ".join(buffer)) + "</p>")
                    buffer = []
                bullets.append(line.lstrip()[2:].strip())
            elif bullets and line.startswith("  "):
                bullets[-1] += " " + line.strip()
            else:
                if bullets:
                    html.append(_list(bullets))
                    bullets = []
                buffer.append(line.strip())
        if buffer:
            html.append("<p>" + escape(" ".join(buffer)) + "</p>")
        if bullets:
            html.append(_list(bullets))
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above is escaped


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"
