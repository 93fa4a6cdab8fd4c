"""The evaluation as HTML (for its page and its PDF) and as tagged PDF bytes."""

from __future__ import annotations

from collections import defaultdict

from django.core.cache import cache
from django.utils.translation import get_language

from portal.pdf import render_pdf

from .charts import distribution_chart, means_chart
from .compile import CompiledEvaluation, compile_evaluation, evaluation_from_json
from .models import Cycle, Evaluation

CHARTS_CACHE_SECONDS = 7 * 24 * 3600
SECTIONS = ["summary", "rates", "scores", "free_texts", "counts", "conclusions", "recommendations"]


def compiled_for(cycle: Cycle) -> CompiledEvaluation:
    """The frozen figures of a published evaluation, or a fresh compilation of a draft."""
    evaluation = getattr(cycle, "evaluation", None)
    if evaluation is not None and evaluation.frozen_data:
        return evaluation_from_json(evaluation.frozen_data)
    return compile_evaluation(cycle)


def _draw_charts(compiled: CompiledEvaluation) -> dict:
    return {
        "means": means_chart(compiled.principle_scores, compiled.previous_title),
        "distributions": {
            score.key: distribution_chart(score) for score in compiled.principle_scores
        },
    }


def evaluation_charts(cycle: Cycle, compiled: CompiledEvaluation) -> dict:
    """The evaluation's charts. A published evaluation's figures never change, so its charts
    are drawn once per language and kept in the cache (matplotlib takes a tenth of a second or
    more for each)."""
    evaluation = getattr(cycle, "evaluation", None)
    if evaluation is None or not evaluation.frozen_data or not evaluation.published_at:
        return _draw_charts(compiled)
    key = f"followup:charts:{evaluation.pk}:{evaluation.published_at.timestamp()}:{get_language()}"
    charts = cache.get(key)
    if charts is None:
        charts = _draw_charts(compiled)
        cache.set(key, charts, timeout=CHARTS_CACHE_SECONDS)
    return charts


def evaluation_context(cycle: Cycle, *, with_charts: bool = True) -> dict:
    compiled = compiled_for(cycle)
    texts_by_principle = defaultdict(list)
    for item in compiled.free_texts:
        texts_by_principle[item.principle].append(item)
    charts = evaluation_charts(cycle, compiled) if with_charts else {}
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
    return render_pdf("followup/evaluation_pdf.html", evaluation_context(cycle))
