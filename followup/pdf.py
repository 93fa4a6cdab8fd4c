"""The evaluation as HTML (for its page and its PDF) and as tagged PDF bytes."""

from __future__ import annotations

from collections import defaultdict

from django.utils import translation

from core.pdf import render_pdf

from .charts import distribution_chart, means_chart
from .compile import CompiledEvaluation, compile_evaluation, evaluation_from_json
from .models import Cycle, Evaluation

SECTIONS = ["summary", "rates", "scores", "free_texts", "counts", "conclusions", "recommendations"]


def compiled_for(cycle: Cycle) -> CompiledEvaluation:
    """The frozen figures of a published evaluation, or a fresh compilation of a draft."""
    evaluation = getattr(cycle, "evaluation", None)
    if evaluation is not None and evaluation.frozen_data:
        return evaluation_from_json(evaluation.frozen_data)
    return compile_evaluation(cycle)


def evaluation_charts(compiled: CompiledEvaluation) -> dict:
    """The evaluation's charts: a millisecond's work (followup/charts.py), so drawn each time
    rather than kept in the cache."""
    return {
        "means": means_chart(compiled.principle_scores, compiled.previous_title),
        "distributions": {
            score.key: distribution_chart(score) for score in compiled.principle_scores
        },
    }


def evaluation_context(cycle: Cycle, *, with_charts: bool = True) -> dict:
    compiled = compiled_for(cycle)
    texts_by_principle = defaultdict(list)
    for item in compiled.free_texts:
        texts_by_principle[item.principle].append(item)
    charts = evaluation_charts(compiled) if with_charts else {}
    return {
        "cycle": cycle,
        "agreement": cycle.agreement,
        "evaluation": getattr(cycle, "evaluation", None),
        "compiled": compiled,
        "texts_by_principle": dict(texts_by_principle),
        "charts": charts,
    }


def evaluation_pdf_bytes(evaluation: Evaluation) -> bytes:
    cycle = Cycle.objects.select_related("agreement__municipality").get(pk=evaluation.cycle_id)
    # The PDF is Swedish whoever publishes it: so are its charts' labels and text alternatives.
    with translation.override("sv"):
        context = evaluation_context(cycle)
    return render_pdf("followup/evaluation_pdf.html", context, language="sv")
