"""The evaluation's charts: well-formed SVG that shows the figures, with a text alternative."""

import base64
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from followup.charts import distribution_chart, means_chart, parties_chart
from followup.compile import ScoreSummary

SVG = "{http://www.w3.org/2000/svg}"


def score(title, distribution, mean, previous=None):
    n = sum(v for k, v in distribution.items() if k != "na")
    return ScoreSummary(
        key=title, kind="principle", title=title, section=title,
        distribution=distribution, n=n, mean=mean, previous_mean=previous,
    )  # fmt: skip


def parse(chart):
    svg = base64.b64decode(chart.data_uri.removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg == chart.svg
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


def texts(root):
    return [element.text for element in root.iter(f"{SVG}text")]


def test_means_chart_draws_each_mean_and_the_previous_one():
    hostile = 'Öppenhet <script>alert("x")</script> & insyn'
    scores = [score(hostile, {"4": 2}, 4.0, previous=3.5), score("Dialog", {"2": 1}, 2.0)]
    with translation.override("sv"):
        chart = means_chart(scores, "Årlig uppföljning 2024")
    root = parse(chart)  # the title is escaped: still well-formed XML
    assert root.get("width").endswith("pt") and root.get("viewBox")
    bars = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")][:3]
    assert bars[0] == pytest.approx(2 * bars[2], abs=0.2)  # 4.0 against 2.0, on one axis from 0
    assert bars[1] == pytest.approx(bars[0] * 3.5 / 4, abs=0.2)
    words = " ".join(texts(root))
    assert "<script>" in words  # shown as text, not markup
    assert "Årlig uppföljning 2024" in words and "Den här omgången" in words
    assert {"4,0", "3,5", "2,0"} <= set(texts(root))  # Swedish decimal commas, as the tables
    assert hostile + ": 4,0 (tidigare 3,5)" in chart.alt and "Dialog: 2,0" in chart.alt
    assert chart.alt.startswith("Genomsnittlig självskattning")


def test_means_chart_without_any_mean_is_none():
    assert means_chart([score("Dialog", {"na": 3}, None)], None) is None


def test_distribution_chart_bars_follow_the_answers():
    with translation.override("sv"):
        chart = distribution_chart(score("Dialog", {"1": 1, "3": 4, "5": 2, "na": 1}, 3.4))
    root = parse(chart)
    heights = [float(rect.get("height")) for rect in root.iter(f"{SVG}rect")]
    assert heights[1] == pytest.approx(4 * heights[0], abs=0.2)  # 1 and 3 answers
    assert heights[1] == pytest.approx(2 * heights[2], abs=0.2)  # 3 and 5 answers
    assert len(heights) == 4  # no bar for a value no one chose
    assert "Vet inte" in texts(root)
    assert (
        chart.alt == "Fördelning av svaren för Dialog: 1: 1, 2: 0, 3: 4, 4: 0, 5: 2, Vet inte: 1."
    )


def test_distribution_chart_without_answers_is_none():
    assert distribution_chart(score("Dialog", {}, None)) is None


def test_charts_are_deterministic():
    scores = [score("Dialog", {"3": 2, "4": 1}, 3.3, previous=3.0)]
    assert means_chart(scores, None).svg == means_chart(scores, None).svg
    assert distribution_chart(scores[0]).svg == distribution_chart(scores[0]).svg


def section_of_two_parties():
    from followup.compile import GroupScore, ScoreSection

    differ = ScoreSummary(
        key="k", kind="principle", title="Självständighet", section="Självständighet",
        distribution={"5": 2, "1": 2}, n=4, mean=3.0, gap=3.0, sides_differ=True,
        groups=[
            GroupScore(group="organisations", distribution={"5": 2}, n=2, mean=5.0),
            GroupScore(group="units", distribution={"1": 2}, n=2, mean=2.0),
        ],
    )  # fmt: skip
    alike = ScoreSummary(
        key="c", kind="custom", title="Samrådet", section="Självständighet",
        distribution={"3": 3}, n=3, mean=3.0, gap=0.0,
        groups=[
            GroupScore(group="organisations", distribution={"3": 1}, n=1, mean=3.0),
            GroupScore(group="units", distribution={"3": 1}, n=1, mean=3.0),
            GroupScore(group="council", distribution={"3": 1}, n=1, mean=3.0),
        ],
    )  # fmt: skip
    return ScoreSection("Självständighet", [differ, alike], ["organisations", "units", "council"])


def test_parties_chart_names_every_bar_and_marks_the_difference_in_words():
    with translation.override("sv"):
        chart = parties_chart(section_of_two_parties())
    root = parse(chart)
    words = texts(root)
    # Each bar is named by its group and its value in text: nothing depends on its colour.
    assert words.count("Alla svarande") == 2
    assert words.count("Organisationer som har undertecknat") == 2
    assert words.count("Ledamöter i samverkansrådet") == 1  # asked of the second only
    assert "5,0 (2 svar)" in words and "2,0 (2 svar)" in words
    assert "◆ Stor skillnad mellan parterna: 3,0 högre bland organisationerna" in words
    assert sum("Stor skillnad" in w for w in words) == 1  # the second question has none
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(widths[2] * 5 / 2, abs=0.2)  # 5,0 against 2,0
    assert chart.alt.startswith("Genomsnittlig självskattning per grupp av svarande, ")
    assert "organisationer som har undertecknat 5,0 (2 svar)" in chart.alt
    assert "stor skillnad mellan parterna (3,0 högre bland organisationerna)" in chart.alt


def test_parties_chart_without_any_answer_is_none():
    section = section_of_two_parties()
    for s in section.scores:
        s.mean = None
    assert parties_chart(section) is None


def test_a_long_label_is_cut_with_an_ellipsis():
    from followup.charts import _label

    rows = _label("ord " * 40, 20, 2)
    assert len(rows) == 2 and rows[-1].endswith("…") and all(len(r) <= 20 for r in rows)
