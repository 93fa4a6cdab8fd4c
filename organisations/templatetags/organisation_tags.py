"""Template tags the organisations app offers to pages of lower apps (the agreement page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from agreements.models import Agreement, AgreementVersion

from ..models import Accession

register = template.Library()


@dataclass
class VersionGroup:
    version: AgreementVersion
    accessions: list[Accession] = field(default_factory=list)


@register.inclusion_tag("organisations/includes/signatories.html")
def agreement_signatories(agreement: Agreement) -> dict:
    """The agreement's active signatories, in one query however many there are.

    Organisations whose active accession is to the version in force come first; those still on
    a replaced version are grouped under that version. An organisation with active accessions
    to both is listed once, with the version in force.
    """
    accessions = list(
        Accession.objects.filter(agreement=agreement, status=Accession.Status.ACTIVE)
        .select_related("organisation", "version")
        .order_by("organisation__name", "organisation_id", "-version__order")
    )
    current: list[Accession] = []
    earlier: dict[int, VersionGroup] = {}
    seen: set[int] = set()
    # A stable sort: within each group the organisations keep the database's name order.
    for accession in sorted(accessions, key=lambda a: not a.version.is_current):
        if accession.organisation_id in seen:
            continue
        seen.add(accession.organisation_id)
        if accession.version.is_current:
            current.append(accession)
        else:
            group = earlier.setdefault(accession.version_id, VersionGroup(accession.version))
            group.accessions.append(accession)
    return {
        "agreement": agreement,
        "municipality": agreement.municipality,
        "current": current,
        "earlier_groups": sorted(earlier.values(), key=lambda g: -g.version.order),
        "count": len(seen),
    }
