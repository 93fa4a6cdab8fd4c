"""Who a cycle asks, and who receives its e-mail (reads only).

The respondents of a cycle are the agreement's signatory organisations, the municipality's
boards, administrations and companies, and the council's members, as far as the cycle's
questions ask those groups. Each respondent's mail goes to the people who act for it: an
organisation's current representatives, a unit's officers, the council member. A person counts
only with an active account and an address: a deleted or deactivated account receives nothing.

A respondent with nobody to receive the mail is still asked (it gets its report, and the
response rate counts it: it should have been asked), but it is never counted as invited or
reminded, and the officer sees it as "no recipient" before and after opening.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.functional import Promise

from organisations.models import (
    Accession,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
    display_name,
)

from .models import Cycle, Report, RespondentGroup

# A person who can receive mail: an active account with an address.
_REACHABLE = Q(user__is_active=True) & ~Q(user__email="")


def report_reached() -> Q:
    """For a Report queryset: its respondent has somebody to receive mail now."""
    return (
        Q(
            Exists(
                Representative.objects.current().filter(
                    _REACHABLE, organisation_id=OuterRef("organisation_id")
                )
            )
        )
        | Q(Exists(OfficerRole.objects.filter(_REACHABLE, unit_id=OuterRef("unit_id"))))
        | Q(
            Exists(
                CouncilMembership.objects.filter(
                    _REACHABLE,
                    agreement_id=OuterRef("cycle__agreement_id"),
                    user_id=OuterRef("council_member_id"),
                )
            )
        )
    )


def unreached() -> Q:
    """For a Report queryset: not submitted, never invited, and nobody to receive mail now
    (one with somebody now is invited by the next run of the schedule, or is being invited)."""
    return Q(invited_at__isnull=True) & ~Q(status=Report.Status.SUBMITTED) & ~report_reached()


def asked_groups(cycle: Cycle) -> set[str]:
    """The respondent groups the cycle's questions ask."""
    groups: set[str] = set()
    for question_groups in cycle.questions.values_list("respondent_groups", flat=True):
        groups.update(question_groups)
    return groups


def asked_organisations(cycle: Cycle) -> QuerySet[Organisation]:
    """The agreement's signatories: an active accession to any of its versions."""
    signed = Accession.objects.filter(
        agreement=cycle.agreement, status=Accession.Status.ACTIVE
    ).values("organisation_id")
    return Organisation.objects.filter(pk__in=signed)


def asked_units(cycle: Cycle) -> QuerySet[MunicipalUnit]:
    return MunicipalUnit.objects.filter(municipality_id=cycle.agreement.municipality_id)


def asked_council(cycle: Cycle) -> QuerySet[CouncilMembership]:
    return CouncilMembership.objects.filter(agreement_id=cycle.agreement_id)


def organisation_reached() -> Exists:
    """For an Organisation queryset: has somebody to receive the mail."""
    return Exists(
        Representative.objects.current().filter(_REACHABLE, organisation_id=OuterRef("pk"))
    )


def unit_reached() -> Exists:
    """For a MunicipalUnit queryset: has somebody to receive the mail."""
    return Exists(OfficerRole.objects.filter(_REACHABLE, unit_id=OuterRef("pk")))


def new_reports(cycle: Cycle) -> list[Report]:
    """A new, unsaved report for every respondent the cycle's questions ask."""
    groups = asked_groups(cycle)
    reports: list[Report] = []
    if RespondentGroup.ORGANISATIONS in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.ORGANISATIONS, organisation_id=pk)
            for pk in asked_organisations(cycle).order_by("pk").values_list("pk", flat=True)
        ]
    if RespondentGroup.UNITS in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.UNITS, unit_id=pk)
            for pk in asked_units(cycle).order_by("pk").values_list("pk", flat=True)
        ]
    if RespondentGroup.COUNCIL in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.COUNCIL, council_member_id=pk)
            for pk in asked_council(cycle).order_by("pk").values_list("user_id", flat=True)
        ]
    return reports


# --- Addresses ------------------------------------------------------------------------------

Key = tuple[str, int]  # (respondent group, the organisation's, unit's or member's key)


def respondent_key(report: Report) -> Key:
    if report.organisation_id:
        return (RespondentGroup.ORGANISATIONS, report.organisation_id)
    if report.unit_id:
        return (RespondentGroup.UNITS, report.unit_id)
    return (RespondentGroup.COUNCIL, report.council_member_id or 0)


def addresses(cycle: Cycle, reports: QuerySet[Report] | Iterable[Report]) -> dict[Key, list[str]]:
    """The addresses of each of these reports' respondents, in three queries whatever their
    number (a queryset of reports is read as subqueries, never as a list of keys)."""
    # Keys, or subqueries of them (a queryset of reports).
    organisation_ids: Any
    unit_ids: Any
    member_ids: Any
    if isinstance(reports, QuerySet):
        organisation_ids = reports.filter(organisation__isnull=False).values("organisation_id")
        unit_ids = reports.filter(unit__isnull=False).values("unit_id")
        member_ids = reports.filter(council_member__isnull=False).values("council_member_id")
    else:
        keys = [respondent_key(r) for r in reports]
        organisation_ids = [pk for g, pk in keys if g == RespondentGroup.ORGANISATIONS]
        unit_ids = [pk for g, pk in keys if g == RespondentGroup.UNITS]
        member_ids = [pk for g, pk in keys if g == RespondentGroup.COUNCIL]
    found: dict[Key, list[str]] = defaultdict(list)
    rows = (
        Representative.objects.current()
        .filter(_REACHABLE, organisation_id__in=organisation_ids)
        .values_list("organisation_id", "user__email")
    )
    for pk, email in rows:
        found[(RespondentGroup.ORGANISATIONS, pk)].append(email)
    for pk, email in OfficerRole.objects.filter(_REACHABLE, unit_id__in=unit_ids).values_list(
        "unit_id", "user__email"
    ):
        found[(RespondentGroup.UNITS, pk)].append(email)
    members = asked_council(cycle).filter(_REACHABLE, user_id__in=member_ids)
    for pk, email in members.values_list("user_id", "user__email"):
        found[(RespondentGroup.COUNCIL, pk)].append(email)
    return {key: sorted(set(emails)) for key, emails in found.items()}


def council_addresses(
    cycle: Cycle, *, members: Iterable[int] | QuerySet | None = None
) -> list[str]:
    """The addresses of the agreement's council members (only ``members``, user keys or a
    subquery of them, if given): the review's and the publication's mail, one query."""
    memberships = asked_council(cycle).filter(_REACHABLE)
    if members is not None:
        memberships = memberships.filter(user_id__in=members)
    return sorted(set(memberships.values_list("user__email", flat=True)))


def report_recipients(report: Report) -> list[str]:
    """Who receives one report's mail: its organisation's representatives, its unit's
    officers, or the council member (while a member)."""
    return addresses(report.cycle, [report]).get(respondent_key(report), [])


# --- What the officer sees ------------------------------------------------------------------


@dataclass(frozen=True)
class Unreached:
    """A respondent with nobody to receive the cycle's mail."""

    name: str
    group: str
    organisation_id: int | None = None
    unit_id: int | None = None
    report_id: int | None = None


@dataclass(frozen=True)
class GroupReach:
    group: str
    label: str | Promise
    total: int
    unreached: int


@dataclass
class Reach:
    """Per group, how many respondents there are and how many have nobody to receive the
    mail; and the first of those by name."""

    groups: list[GroupReach] = field(default_factory=list)
    unreached: list[Unreached] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def unreached_count(self) -> int:
        return sum(g.unreached for g in self.groups)

    @property
    def more(self) -> int:
        """How many respondents without a recipient are not listed."""
        return self.unreached_count - len(self.unreached)


def reach_before_opening(cycle: Cycle, *, listed: int = 50) -> Reach:
    """Who the cycle would ask if it opened now, and who of them nobody would receive mail for
    (a fixed number of queries: per group a count, a count of the unreached and their names)."""
    groups = asked_groups(cycle)
    labels = dict(RespondentGroup.choices)
    reach = Reach()
    if RespondentGroup.ORGANISATIONS in groups:
        organisations = asked_organisations(cycle)
        without = organisations.filter(~organisation_reached()).order_by("name", "pk")
        _add(reach, RespondentGroup.ORGANISATIONS, labels, organisations.count(), without.count())
        reach.unreached += [
            Unreached(name=name, group=RespondentGroup.ORGANISATIONS, organisation_id=pk)
            for pk, name in without.values_list("pk", "name")[:listed]
        ]
    if RespondentGroup.UNITS in groups:
        units = asked_units(cycle)
        without_units = units.filter(~unit_reached()).order_by("name", "pk")
        _add(reach, RespondentGroup.UNITS, labels, units.count(), without_units.count())
        reach.unreached += [
            Unreached(name=name, group=RespondentGroup.UNITS, unit_id=pk)
            for pk, name in without_units.values_list("pk", "name")[:listed]
        ]
    if RespondentGroup.COUNCIL in groups:
        members = asked_council(cycle)
        without_members = members.exclude(_REACHABLE).select_related("user")
        _add(reach, RespondentGroup.COUNCIL, labels, members.count(), without_members.count())
        reach.unreached += [
            Unreached(name=display_name(m.user), group=RespondentGroup.COUNCIL)
            for m in without_members[:listed]
        ]
    reach.unreached = reach.unreached[:listed]
    return reach


def reach_of_reports(cycle: Cycle, *, listed: int = 50) -> Reach:
    """Per group of an opened cycle: its reports, and those not submitted that were never
    invited and have nobody to receive mail now, the first of them by name."""
    labels = dict(RespondentGroup.choices)
    reach = Reach()
    counts = {
        row["group"]: row
        for row in cycle.reports.order_by()
        .values("group")
        .annotate(total=Count("pk"), unreached=Count("pk", filter=unreached()))
    }
    for group, _label in RespondentGroup.choices:
        if group in counts:
            _add(reach, group, labels, counts[group]["total"], counts[group]["unreached"])
    waiting = (
        cycle.reports.filter(unreached())
        .select_related("organisation", "unit", "council_member")
        .order_by("group", "organisation__name", "unit__name", "pk")[:listed]
    )
    reach.unreached = [
        Unreached(
            name=report.respondent_name,
            group=report.group,
            organisation_id=report.organisation_id,
            unit_id=report.unit_id,
            report_id=report.pk,
        )
        for report in waiting
    ]
    return reach


def _add(reach: Reach, group: str, labels: dict, total: int, unreached: int) -> None:
    reach.groups.append(
        GroupReach(group=group, label=labels[group], total=total, unreached=unreached)
    )
