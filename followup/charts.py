"""Charts of an evaluation as small, hand-written SVG bar charts.

Each chart comes with a text alternative; the page and the PDF also show the same figures as a
table, so no one depends on seeing the chart. Output is deterministic (no ids, no timestamp), so
the same data always gives the same file.

The charts were drawn by matplotlib until the evaluation PDF was measured (docs/performance.md):
matplotlib took 0.4–0.8 s for the five charts of an evaluation and wrote about 140 SVG elements
per chart (clip paths, tick markers, glyph-positioned text), which cost WeasyPrint another 0.4 s to
draw. A bar chart is a few rectangles and labels: this module writes them directly, in about a
millisecond, with about a tenth of the elements.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass
from html import escape

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .compile import GAP_MARKER, ScoreSection, ScoreSummary, group_label, mean_and_count

_CURRENT = "#1b4f72"
_PREVIOUS = "#9bb7cc"
_SCALE_COLOURS = ["#b03a2e", "#dc7633", "#b7950b", "#52a26b", "#1d6b3f", "#8a8f94"]
_TEXT = "#222"
_GRID = "#c8c8c8"
# Bars lighter than 3:1 against white get this outline (WCAG 1.4.11, non-text contrast).
_OUTLINE = "#333"
_FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
# DejaVu Sans averages about 0.6 em per character of Swedish text; labels are laid out on that.
_CHAR_EM = 0.62


@dataclass
class Chart:
    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _label(text: str, width: int = 38, lines: int = 3) -> list[str]:
    """A label wrapped to at most ``lines`` lines; a longer one ends in an ellipsis (the
    tables and the text alternative hold it whole)."""
    rows = textwrap.wrap(text, width) or [""]
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][: width - 2].rstrip() + " …"
    return rows


def _mean(value: float) -> str:
    """A mean as the reader writes it: 3,3 in Swedish, 3.3 in English (as in the tables)."""
    return number_format(value, 1)


def _n(value: float) -> str:
    """A coordinate, short and deterministic."""
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, content: str, size: float, anchor: str = "start", **attrs) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" '
        f'fill="{_TEXT}"{extra}>{escape(content)}</text>'
    )


def _rect(x: float, y: float, width: float, height: float, colour: str, outline: bool) -> str:
    stroke = f' stroke="{_OUTLINE}" stroke-width="0.75"' if outline else ""
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}" '
        f'fill="{colour}"{stroke}/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{colour}" stroke-width="0.75"/>'
    )


def _svg(width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}pt" height="{_n(height)}pt" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" {_FONT}>' + "".join(body) + "</svg>\n"
    )


def means_chart(scores: list[ScoreSummary], previous_title: str | None) -> Chart | None:
    """Mean self-assessment per question, with the previous cycle's mean beside it."""
    scored = [s for s in scores if s.mean is not None]
    if not scored:
        return None
    has_previous = any(s.previous_mean is not None for s in scored)
    size, small = 10, 8
    line = size * 1.2
    labels = [_label(s.title) for s in scored]
    label_width = max(len(row) for rows in labels for row in rows) * size * _CHAR_EM
    left, right, top = label_width + 12, 24, 8
    plot_width = 540 - left - right
    band = max(40, max(len(rows) for rows in labels) * line + 12)
    bar = band * (0.36 if has_previous else 0.56)
    plot_height = band * len(scored)
    width, height = 540, top + plot_height + 34 + (line if has_previous else 0) + 4

    def x(value: float) -> float:
        return left + plot_width * value / 5

    body = []
    for tick in range(6):
        body.append(_line(x(tick), top, x(tick), top + plot_height, _GRID if tick else _TEXT))
        if tick:
            body.append(_text(x(tick), top + plot_height + 13, str(tick), small, "middle"))
    for index, (score, rows) in enumerate(zip(scored, labels, strict=True)):
        middle = top + band * index + band / 2
        first = middle - (len(rows) - 1) * line / 2 + size * 0.35
        for number, row in enumerate(rows):
            body.append(_text(left - 8, first + number * line, row, size, "end"))
        bars = [(score.mean, _CURRENT, False)]
        if has_previous:
            bars.append((score.previous_mean, _PREVIOUS, True))
        y = middle - bar * len(bars) / 2
        for value, colour, outline in bars:
            if value is not None:
                body.append(_rect(left, y, x(value) - left, bar, colour, outline))
                body.append(_text(x(value) + 3, y + bar / 2 + small * 0.35, _mean(value), small))
            y += bar
    axis_title = _("Mean self-assessment (1–5)")
    body.append(_text(left + plot_width / 2, top + plot_height + 28, axis_title, size, "middle"))
    if has_previous:
        legend_y = top + plot_height + 34
        entries = [(_("This cycle"), _CURRENT, False)]
        entries.append((previous_title or _("Previous cycle"), _PREVIOUS, True))
        lx = left
        for title, colour, outline in entries:
            body.append(_rect(lx, legend_y + 2, 10, 8, colour, outline))
            body.append(_text(lx + 14, legend_y + 9, title, small))
            lx += 14 + len(title) * small * _CHAR_EM + 16
    parts = []
    for s in scored:
        part = _("%(title)s: %(mean)s") % {"title": s.title, "mean": _mean(s.mean)}
        if s.previous_mean is not None:
            part += " " + _("(previously %(previous)s)") % {"previous": _mean(s.previous_mean)}
        parts.append(part)
    alt = _("Mean self-assessment per question on a scale from 1 to 5. ") + "; ".join(parts) + "."
    return Chart(svg=_svg(width, height, body), alt=alt)


def distribution_chart(score: ScoreSummary) -> Chart | None:
    """How many answered 1, 2, 3, 4, 5 or don't know, for one principle or commitment."""
    if not score.n and not score.distribution.get("na"):
        return None
    labels = ["1", "2", "3", "4", "5", _("Don't know")]
    values = [score.distribution.get(k, 0) for k in ["1", "2", "3", "4", "5", "na"]]
    size, small = 10, 9
    left, right, top, bottom = 24, 8, 16, 34
    width, height = 400, 160
    plot_width, plot_height = width - left - right, height - top - bottom
    slot = plot_width / len(values)
    largest = max(values) or 1
    base = top + plot_height
    body = [
        _text(
            10,
            top + plot_height / 2,
            _("Answers"),
            small,
            "middle",
            transform=f"rotate(-90 10 {_n(top + plot_height / 2)})",
        )
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        middle = left + slot * index + slot / 2
        bar_height = plot_height * value / largest
        if value:
            body.append(
                _rect(
                    middle - slot * 0.35,
                    base - bar_height,
                    slot * 0.7,
                    bar_height,
                    _SCALE_COLOURS[index],
                    True,
                )
            )
        body.append(_text(middle, base - bar_height - 3, str(value), small, "middle"))
        body.append(_text(middle, base + 14, label, size, "middle"))
    body.append(_line(left, base, width - right, base, _TEXT))
    alt = _("Distribution of answers for %(title)s: ") % {"title": score.title} + ", ".join(
        f"{label}: {value}" for label, value in zip(labels, values, strict=True)
    )
    return Chart(svg=_svg(width, height, body), alt=alt + ".")


# The bars of the parties' chart: all respondents, then each group, each named in the chart.
_GROUP_COLOURS = {
    "all": _CURRENT,
    "organisations": "#117a65",
    "units": "#7d3c98",
    "council": "#a04000",
}


def _short_group(code: str) -> str:
    if code == "all":
        return _("All respondents")
    return group_label(code).capitalize()


def parties_chart(section: ScoreSection) -> Chart | None:
    """The section's 1–5 questions, each with the mean of all respondents and of each group
    asked, side by side; a question where the two parties differ carries the marker in words.

    Every bar is named by its group and its value in text, so nothing depends on its colour.
    """
    scored = [s for s in section.scores if s.mean is not None]
    if not scored:
        return None
    size, small = 12, 10.5
    line = size * 1.25
    bar, gap = 14, 3
    width = 600
    names_width = max(len(_short_group(g)) for g in ("all", *section.groups)) * small * _CHAR_EM
    left = names_width + 10
    right = 100  # the value and the number of answers after the longest bar
    plot_width = width - left - right
    top = 6

    def x(value: float) -> float:
        return left + plot_width * value / 5

    body: list[str] = []
    y: float = top
    parts = []
    for score in scored:
        # The question's name, unless the section's heading already gives it.
        named = score.title if score.title != section.title else ""
        for row in _label(named, 80, 2) if named else []:
            y += line
            body.append(_text(0, y, row, size, font_weight="bold"))
        if score.sides_differ:
            y += line
            marker = _("%(marker)s Large difference between the parties: %(gap)s") % {
                "marker": GAP_MARKER,
                "gap": score.gap_text,
            }
            body.append(_text(0, y, marker, small, font_weight="bold"))
        y += 4
        rows = [("all", score.mean, score.n)] + [(g.group, g.mean, g.n) for g in score.groups]
        bars_top = y
        described = []
        for code, value, n in rows:
            name = _short_group(code)
            body.append(_text(left - 6, y + bar * 0.75, name, small, "end"))
            if value is not None:
                colour = _GROUP_COLOURS.get(code, _CURRENT)
                body.append(_rect(left, y, x(value) - left, bar, colour, code != "all"))
            end = x(value) if value is not None else left
            body.append(_text(end + 3, y + bar * 0.75, mean_and_count(value, n), small))
            described.append(
                f"{name.lower() if code != 'all' else name} {mean_and_count(value, n)}"
            )
            y += bar + gap
        for tick in range(6):
            colour = _TEXT if tick == 0 else _GRID
            body.append(_line(x(tick), bars_top - 2, x(tick), y - gap + 2, colour))
        y += 8
        part = f"{score.title}: " + ", ".join(described)
        if score.sides_differ:
            part += " – " + _("large difference between the parties (%(gap)s)") % {
                "gap": score.gap_text
            }
        parts.append(part)
    for tick in range(6):
        body.append(_text(x(tick), y + 4, str(tick), small, "middle"))
    y += 4 + line
    axis_title = _("Mean self-assessment (1–5)")
    body.append(_text(left + plot_width / 2, y, axis_title, size, "middle"))
    height = y + 6
    alt = (
        _("Mean self-assessment per respondent group, %(section)s. ") % {"section": section.title}
        + "; ".join(parts)
        + "."
    )
    return Chart(svg=_svg(width, height, body), alt=alt)
