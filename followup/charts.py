"""Charts of an evaluation as SVG, drawn by matplotlib.

Each chart comes with a text alternative; the page and the PDF also show the same figures as a
table, so no one depends on seeing the chart. Output is deterministic (fixed ids, no timestamp),
so the same data always gives the same file.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .compile import ScoreSummary

_CURRENT = "#1b4f72"
_PREVIOUS = "#9bb7cc"
_SCALE_COLOURS = ["#b03a2e", "#dc7633", "#b7950b", "#52a26b", "#1d6b3f", "#8a8f94"]


@dataclass
class Chart:
    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "samverkan",
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _to_svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(fig)
    return buffer.getvalue()


def _label(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width)[:3])


def means_chart(scores: list[ScoreSummary], previous_title: str | None) -> Chart | None:
    """Mean self-assessment per principle, with the previous cycle's mean beside it."""
    scored = [s for s in scores if s.mean is not None]
    if not scored:
        return None
    plt = _pyplot()
    height = 0.6 + 0.55 * len(scored)
    fig, ax = plt.subplots(figsize=(7.5, height))
    positions = list(range(len(scored)))[::-1]
    has_previous = any(s.previous_mean is not None for s in scored)
    bar = 0.38 if has_previous else 0.6
    ax.barh(
        [p + (bar / 2 if has_previous else 0) for p in positions],
        [s.mean for s in scored],
        height=bar,
        color=_CURRENT,
        label=_("This cycle"),
    )
    if has_previous:
        ax.barh(
            [p - bar / 2 for p in positions],
            [s.previous_mean or 0 for s in scored],
            height=bar,
            color=_PREVIOUS,
            label=previous_title or _("Previous cycle"),
        )
    ax.set_yticks(positions, [_label(s.title) for s in scored])
    ax.set_xlim(0, 5)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.set_xlabel(_("Mean self-assessment (1–5)"))
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    parts = []
    for s in scored:
        part = _("%(title)s: %(mean)s") % {"title": s.title, "mean": f"{s.mean:.1f}"}
        if s.previous_mean is not None:
            part += " " + _("(previously %(previous)s)") % {"previous": f"{s.previous_mean:.1f}"}
        parts.append(part)
    alt = _("Mean self-assessment per principle on a scale from 1 to 5. ") + "; ".join(parts) + "."
    return Chart(svg=_to_svg(fig), alt=alt)


def distribution_chart(score: ScoreSummary) -> Chart | None:
    """How many answered 1, 2, 3, 4, 5 or don't know, for one principle or commitment."""
    if not score.n and not score.distribution.get("na"):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 2.2))
    labels = ["1", "2", "3", "4", "5", _("Don't know")]
    values = [score.distribution.get(k, 0) for k in ["1", "2", "3", "4", "5", "na"]]
    ax.bar(labels, values, color=_SCALE_COLOURS)
    ax.set_ylabel(_("Answers"))
    ax.yaxis.get_major_locator().set_params(integer=True)
    for index, value in enumerate(values):
        if value:
            ax.text(index, value, str(value), ha="center", va="bottom", fontsize=8)
    alt = _("Distribution of answers for %(title)s: ") % {"title": score.title} + ", ".join(
        f"{label}: {value}" for label, value in zip(labels, values, strict=True)
    )
    return Chart(svg=_to_svg(fig), alt=alt + ".")
