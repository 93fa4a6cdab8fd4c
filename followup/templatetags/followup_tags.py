"""Template tags the follow-up app offers to pages of lower apps (the agreement page, My pages)."""

from __future__ import annotations

from django import template

from agreements.models import Agreement

from ..models import Evaluation
from ..selectors import council_work

register = template.Library()


@register.inclusion_tag("followup/includes/published_evaluations.html")
def published_evaluations(agreement: Agreement) -> dict:
    """The agreement's published evaluations, newest first, in one query however many there are."""
    evaluations = (
        Evaluation.objects.filter(cycle__agreement=agreement, published_at__isnull=False)
        .select_related("cycle")
        .order_by("-published_at", "-pk")
    )
    return {"agreement": agreement, "evaluations": list(evaluations)}


@register.inclusion_tag("followup/includes/council_work.html")
def council_evaluations(user) -> dict:
    """For My pages: the councils the user sits on, the evaluations waiting for their review
    and the latest published one (nothing, and no query beyond one, for anyone else)."""
    return {"councils": council_work(user) if user.is_authenticated else []}
