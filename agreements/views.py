"""Public pages of the agreements: the list, one page per agreement, its PDF, the comparison."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.core.cache import cache
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from core.pagecache import deferred, public_page, versioned
from core.pdf import render_pdf

from .forms import ComparisonForm
from .models import (
    ActionPlan,
    Agreement,
    Commitment,
    Party,
    PlanArea,
    Principle,
    Section,
    Theme,
)

# Everything the agreement page shows of a version, fetched in a fixed number of queries.
VERSION_CONTENT = (
    "sections",
    Prefetch("principles", queryset=Principle.objects.prefetch_related("themes")),
    Prefetch("commitments", queryset=Commitment.objects.prefetch_related("principles")),
    "development_areas__items",
    "development_areas__plan_areas",
    "bodies__tasks",
    "followup_rules",
    "followup_areas__questions",
)
AGREEMENT_CONTENT = (
    Prefetch(
        "action_plans",
        queryset=ActionPlan.objects.select_related("version").prefetch_related(
            Prefetch("areas", queryset=PlanArea.objects.prefetch_related("items"))
        ),
    ),
)


@dataclass
class PartyGroup:
    party: str
    label: str
    commitments: list[Commitment] = field(default_factory=list)


@dataclass
class PrincipleView:
    principle: Principle
    party_groups: list[PartyGroup]


def _party_label(agreement: Agreement, party: str) -> str:
    labels = {
        Party.MUNICIPALITY: agreement.party_municipality_label,
        Party.CIVIL_SOCIETY: agreement.party_civil_society_label,
        Party.BOTH: agreement.party_both_label,
    }
    return labels[party] or str(Party(party).label).capitalize()


def agreement_page_context(agreement: Agreement) -> dict:
    """Everything the agreement page and its PDF show, in a fixed number of queries."""
    versions = list(agreement.versions.published().order_by("order"))
    current = next((v for v in versions if v.is_current), None)
    if current is None:
        raise Http404("The agreement has no version in force.")
    prefetch_related_objects([current], *VERSION_CONTENT)
    prefetch_related_objects([agreement], *AGREEMENT_CONTENT)

    sections_by_part: dict[str, list[Section]] = defaultdict(list)
    for section in current.sections.all():
        sections_by_part[section.part].append(section)

    # Each principle with the commitments that serve it, grouped by party.
    commitments = list(current.commitments.all())
    serving: dict[int, list[Commitment]] = defaultdict(list)
    for commitment in commitments:
        for principle in commitment.principles.all():
            serving[principle.pk].append(commitment)
    principles = []
    for principle in current.principles.all():
        groups = []
        for party in Party.values:
            members = [c for c in serving[principle.pk] if c.party == party]
            if members:
                groups.append(PartyGroup(party, _party_label(agreement, party), members))
        principles.append(PrincipleView(principle, groups))

    bodies = list(current.bodies.all())
    return {
        "agreement": agreement,
        "municipality": agreement.municipality,
        "version": current,
        "versions": versions,
        "earlier_versions": [v for v in versions if not v.is_current],
        "sections": sections_by_part,
        "principles": principles,
        "standalone_commitments": [c for c in commitments if c.listed_under_id is None],
        "commitment_count": len(commitments),
        "development_areas": list(current.development_areas.all()),
        "action_plans": list(agreement.action_plans.all()),
        "council": next((b for b in bodies if b.is_council), None),
        "bodies": bodies,
        "followup_rules": list(current.followup_rules.all()),
        "followup_areas": list(current.followup_areas.all()),
    }


@require_safe
@public_page
def agreement_list(request):
    agreements = Agreement.objects.with_current_version()
    return render(request, "agreements/agreement_list.html", {"agreements": agreements})


# What agreement_page_context gives the page, besides the agreement and its municipality.
PAGE_CONTENT_NAMES = (
    "version",
    "versions",
    "earlier_versions",
    "sections",
    "principles",
    "standalone_commitments",
    "commitment_count",
    "development_areas",
    "action_plans",
    "council",
    "bodies",
    "followup_rules",
    "followup_areas",
)


@require_safe
@public_page
def agreement_detail(request, slug: str):
    """The agreement's page.

    Its content is fetched only when the template needs it: the page's body is a fragment kept
    in the cache until public data change (templates/agreements/agreement_detail.html), so a
    page whose body is cached makes no query for it (core.pagecache.deferred).
    """
    agreement = get_object_or_404(Agreement.objects.select_related("municipality"), slug=slug)
    context = deferred(lambda: agreement_page_context(agreement), PAGE_CONTENT_NAMES)
    context.update(agreement=agreement, municipality=agreement.municipality)
    return render(request, "agreements/agreement_detail.html", context)


@require_safe
def agreement_pdf(request, slug: str):
    """The agreement as a tagged PDF in Swedish, cached until its content changes."""
    agreement = get_object_or_404(Agreement.objects.select_related("municipality"), slug=slug)
    stamp = agreement.content_updated_at.timestamp() if agreement.content_updated_at else 0
    cache_key = f"agreement-pdf:{agreement.pk}:{stamp}"
    pdf = cache.get(cache_key)
    if pdf is None:
        pdf = render_pdf("agreements/agreement_pdf.html", agreement_page_context(agreement))
        cache.set(cache_key, pdf, timeout=None)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = slugify(f"overenskommelse-{agreement.slug}") + ".pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass
class ComparisonCell:
    agreement: Agreement
    principles: list[Principle]


@dataclass
class ComparisonRow:
    theme: Theme
    cells: list[ComparisonCell]


@require_safe
@public_page(params=("agreement",))
def comparison(request):
    """The chosen agreements' principles side by side, theme by theme (agreements/forms.py).

    The rows are built only when the template needs them, so a page whose comparison is in the
    fragment cache (templates/agreements/comparison.html) makes no query for them.
    """
    # Every agreement's slug and name for the choice, kept per data version (290 at national
    # scale); only the compared ones are fetched, and only when their fragment is not cached.
    agreements = versioned(
        "comparison-choices",
        lambda: list(
            Agreement.objects.order_by("order", "slug").values_list("slug", "municipality__name")
        ),
    )
    form = ComparisonForm(request.GET, agreements=agreements)
    context = {"form": form, "ignored": form.ignored, "total": len(agreements)}
    if not form.is_valid():
        context["checked"] = form.data.getlist("agreement")
        return render(request, "agreements/comparison.html", context, status=400)
    compared = form.compared()
    context.update(checked=compared, rows=partial(comparison_rows, compared))
    return render(request, "agreements/comparison.html", context)


def comparison_rows(slugs: list[str]) -> list[ComparisonRow]:
    """Each theme with the principles of the agreements with these slugs, in this order."""
    by_slug = {a.slug: a for a in Agreement.objects.with_current_version().filter(slug__in=slugs)}
    agreements = [by_slug[slug] for slug in slugs if slug in by_slug]
    version_ids = [a.current_version.pk for a in agreements if a.current_version]
    principles = Principle.objects.filter(version_id__in=version_ids).prefetch_related("themes")
    by_theme_and_version: dict[tuple[int, int], list[Principle]] = defaultdict(list)
    for principle in principles:
        for theme in principle.themes.all():
            by_theme_and_version[(theme.pk, principle.version_id)].append(principle)
    rows = []
    for theme in Theme.objects.all():
        cells = [
            ComparisonCell(
                agreement,
                by_theme_and_version.get(
                    (theme.pk, agreement.current_version.pk if agreement.current_version else 0),
                    [],
                ),
            )
            for agreement in agreements
        ]
        rows.append(ComparisonRow(theme, cells))
    return rows
