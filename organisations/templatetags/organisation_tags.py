"""Template tags the organisations app offers to pages of lower apps (the agreement page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.db.models import Count, F, Q

from agreements.models import Agreement, AgreementVersion

from ..models import Accession, display_name

register = template.Library()


@dataclass
class VersionGroup:
    version: AgreementVersion
    accessions: list[Accession] = field(default_factory=list)


# An agreement with more signatories than this lists the latest of them and sends the reader to
# the register, where they can be searched and paged: the largest municipalities have thousands.
LISTED_IN_FULL = 100
LATEST_LISTED = 50


@register.inclusion_tag("organisations/includes/signatories.html")
def agreement_signatories(agreement: Agreement) -> dict:
    """The agreement's active signatories, in two queries however many there are.

    Up to LISTED_IN_FULL organisations are all listed: those whose active accession is to the
    version in force first, then those still on a replaced version, grouped under that version
    (an organisation with active accessions to both is listed once, with the version in force).
    Beyond that, the page lists the LATEST_LISTED who joined last, says how many have not yet
    re-confirmed for the version in force, and links to the register for all of them.
    """
    active = Accession.objects.filter(agreement=agreement, status=Accession.Status.ACTIVE)
    counted = active.aggregate(
        total=Count("organisation", distinct=True),
        on_current=Count(
            "organisation",
            distinct=True,
            filter=Q(version__status=AgreementVersion.Status.CURRENT),
        ),
    )
    context = {
        "agreement": agreement,
        "municipality": agreement.municipality,
        "count": counted["total"],
        "listed_in_full": counted["total"] <= LISTED_IN_FULL,
    }
    if not context["listed_in_full"]:
        latest = active.select_related("organisation", "version").order_by(
            F("signed_at").desc(), "-pk"
        )
        context["latest"] = _one_per_organisation(latest[: 2 * LATEST_LISTED])[:LATEST_LISTED]
        context["not_reconfirmed"] = counted["total"] - counted["on_current"]
        return context

    accessions = active.select_related("organisation", "version").order_by(
        "organisation__name", "organisation_id", "-version__order"
    )
    current: list[Accession] = []
    earlier: dict[int, VersionGroup] = {}
    # A stable sort: within each group the organisations keep the database's name order.
    for accession in _one_per_organisation(
        sorted(accessions, key=lambda a: not a.version.is_current)
    ):
        if accession.version.is_current:
            current.append(accession)
        else:
            group = earlier.setdefault(accession.version_id, VersionGroup(accession.version))
            group.accessions.append(accession)
    context.update(
        current=current, earlier_groups=sorted(earlier.values(), key=lambda g: -g.version.order)
    )
    return context


def _one_per_organisation(accessions) -> list[Accession]:
    """The first accession of each organisation, in the given order."""
    seen: set[int] = set()
    first = []
    for accession in accessions:
        if accession.organisation_id not in seen:
            seen.add(accession.organisation_id)
            first.append(accession)
    return first


@register.filter
def person(user) -> str:
    """A person as every page names them: ``{{ accession.signed_by|person }}``.

    The name, else the e-mail address; "deleted account" ("raderat konto") for a deleted account,
    never its anonymised address (``organisations.models.display_name``).
    """
    return display_name(user)
