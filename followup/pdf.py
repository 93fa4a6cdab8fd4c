"""The evaluation as HTML (for its page and its PDF) and as tagged PDF bytes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation

from core.pdf import render_pdf

from .charts import Chart, distribution_chart, means_chart, parties_chart
from .compile import (
    CompiledEvaluation,
    ScoreSection,
    ScoreSummary,
    compile_evaluation,
    evaluation_from_json,
)
from .models import Cycle, Evaluation, EvaluationApproval
from .selectors import approvals_of_the_text, collection_of

SECTIONS = ["summary", "rates", "scores", "free_texts", "counts", "conclusions", "recommendations"]


def compiled_for(cycle: Cycle) -> CompiledEvaluation:
    """The frozen figures of a published evaluation, or a fresh compilation of a draft."""
    evaluation = getattr(cycle, "evaluation", None)
    if evaluation is not None and evaluation.frozen_data:
        return evaluation_from_json(evaluation.frozen_data)
    return compile_evaluation(cycle)


@dataclass
class SectionCharts:
    """A section of 1–5 questions with its charts: the parties side by side (where more than one
    group was asked) and each headline question's distribution."""

    section: ScoreSection
    parties: Chart | None
    distributions: list[tuple[ScoreSummary, Chart]] = field(default_factory=list)


def evaluation_charts(compiled: CompiledEvaluation) -> dict:
    """The evaluation's charts: a millisecond's work (followup/charts.py), so drawn each time
    rather than kept in the cache."""
    sections = []
    for section in compiled.score_sections:
        distributions = []
        for score in section.headline_scores:
            chart = distribution_chart(score)
            if chart is not None:
                distributions.append((score, chart))
        parties = parties_chart(section) if len(section.groups) > 1 else None
        sections.append(SectionCharts(section, parties, distributions))
    return {
        "means": means_chart(compiled.headline_scores, compiled.previous_title),
        "sections": sections,
    }


def evaluation_context(cycle: Cycle, *, approvals: list[EvaluationApproval] | None = None) -> dict:
    """What the evaluation's content (templates/followup/includes/evaluation_content.html)
    needs, for its page and its PDF alike: the compiled figures and their charts.

    ``approvals``: the evaluation's approvals with their members, where the caller has read
    them already (``selectors.approvals_of_the_text`` then does not read them again)."""
    compiled = compiled_for(cycle)
    charts = evaluation_charts(compiled)
    evaluation = getattr(cycle, "evaluation", None)
    return {
        "cycle": cycle,
        "agreement": cycle.agreement,
        "version": cycle.version,
        "evaluation": evaluation,
        "compiled": compiled,
        "charts": charts,
        "council_approvals": approvals_of_the_text(evaluation, approvals) if evaluation else [],
        "collection": collection_of(cycle),
    }


def evaluation_pdf_bytes(evaluation: Evaluation) -> bytes:
    cycle = Cycle.objects.select_related("agreement__municipality").get(pk=evaluation.cycle_id)
    # The PDF is Swedish whoever publishes it: so are its charts' labels and text alternatives.
    with translation.override("sv"):
        context = evaluation_context(cycle)
    return render_pdf("followup/evaluation_pdf.html", context, language="sv")
