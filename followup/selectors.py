"""Reads of follow-up data: what other apps' pages show, and what compiling an evaluation asks."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef

from organisations.models import CouncilMembership, display_name

from .models import Cycle, Evaluation, EvaluationApproval

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass
class CouncilWork:
    """One council a user sits on: the evaluations waiting for its review, and its latest
    published evaluation."""

    membership: CouncilMembership
    in_review: list[Cycle] = field(default_factory=list)
    latest_published: Cycle | None = None


def council_work(user: AbstractBaseUser) -> list[CouncilWork]:
    """For each agreement whose council the user is a member of (two queries in all).

    A cycle in review carries ``approved_by_me``: whether the user has approved the current
    revision of its draft (an approval of an earlier revision asks for a new one).
    """
    memberships = list(
        CouncilMembership.objects.filter(user_id=user.pk)
        .select_related("agreement__municipality", "body")
        .order_by("agreement__municipality__name", "agreement__pk")
    )
    if not memberships:
        return []
    work = {m.agreement_id: CouncilWork(membership=m) for m in memberships}
    mine = EvaluationApproval.objects.filter(
        evaluation=OuterRef("evaluation"),
        member_id=user.pk,
        evaluation_revision=OuterRef("evaluation__revision"),
    )
    cycles = (
        Cycle.objects.filter(
            agreement_id__in=work,
            status__in=[Cycle.Status.IN_REVIEW, Cycle.Status.PUBLISHED],
            evaluation__isnull=False,
        )
        .select_related("evaluation")
        .annotate(approved_by_me=Exists(mine))
        .order_by("-period_end", "-pk")
    )
    for cycle in cycles:
        entry = work[cycle.agreement_id]
        if cycle.status == Cycle.Status.IN_REVIEW:
            entry.in_review.append(cycle)
        elif entry.latest_published is None:
            entry.latest_published = cycle
    return list(work.values())


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle an evaluation is compared with: the latest published cycle of the same kind of
    the same agreement that ended before this one began (with its evaluation, in one query)."""
    return (
        Cycle.objects.filter(
            agreement_id=cycle.agreement_id,
            kind=cycle.kind,
            status=Cycle.Status.PUBLISHED,
            period_end__lt=cycle.period_start,
            evaluation__isnull=False,
        )
        .select_related("evaluation")
        .order_by("-period_end")
        .first()
    )


@dataclass
class CouncilApproval:
    """A member's approval of the text as it stands, for the evaluation's record of it."""

    name: str
    side_code: str  # CouncilMembership.Side, or "" if they no longer sit on the council
    approved_at: datetime.datetime

    @property
    def side(self) -> str:
        """The side's name in the reader's language."""
        return str(CouncilMembership.Side(self.side_code).label) if self.side_code else ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "side": self.side_code, "approved": self.approved_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> CouncilApproval:
        approved = datetime.datetime.fromisoformat(data["approved"])
        return cls(name=data["name"], side_code=data["side"], approved_at=approved)


def approvals_of_the_text(
    evaluation: Evaluation, approvals: Iterable[EvaluationApproval] | None = None
) -> list[CouncilApproval]:
    """Who approved the evaluation's current revision (the published one, once published),
    with the side of the council they sit for, in the order they approved (two queries).

    ``approvals``: the evaluation's approvals with their members, where the caller has read
    them already (the review page lists every revision's): those of the current revision are
    taken from it, and only the members' sides are read (one query).

    A published evaluation's record is the one frozen when it was published (no query): a
    member who later leaves the council or deletes their account stays named as they approved,
    as on the PDF made that day."""
    frozen = (evaluation.frozen_data or {}).get("approvals")
    if frozen is not None:
        return [CouncilApproval.from_json(item) for item in frozen]
    if approvals is None:
        approvals = evaluation.approvals.filter(evaluation_revision=evaluation.revision)
        approvals = approvals.select_related("member").order_by("approved_at", "pk")
    current = sorted(
        (a for a in approvals if a.evaluation_revision == evaluation.revision),
        key=lambda a: (a.approved_at, a.pk),
    )
    sides = dict(
        CouncilMembership.objects.filter(
            agreement_id=evaluation.cycle.agreement_id,
            user_id__in=[a.member_id for a in current],
        ).values_list("user_id", "side")
    )
    return [
        CouncilApproval(
            name=display_name(a.member),
            side_code=sides.get(a.member_id, ""),
            approved_at=a.approved_at,
        )
        for a in current
    ]


@dataclass
class Collection:
    """How a cycle's reports were really collected, for the evaluation's method: from the day it
    opened to its deadline (or the day it closed, if earlier), the days reminders reached
    somebody, and how many respondents nobody could be asked for."""

    opened_on: datetime.date
    until: datetime.date
    reminded_on: list[datetime.date]
    never_asked: int

    def as_json(self) -> dict[str, object]:
        return {
            "opened_on": self.opened_on.isoformat(),
            "until": self.until.isoformat(),
            "reminded_on": [day.isoformat() for day in self.reminded_on],
            "never_asked": self.never_asked,
        }

    @classmethod
    def from_json(cls, data: dict) -> Collection:
        day = datetime.date.fromisoformat
        return cls(
            opened_on=day(data["opened_on"]),
            until=day(data["until"]),
            reminded_on=[day(d) for d in data["reminded_on"]],
            never_asked=data["never_asked"],
        )

    @property
    def reminded_on_text(self) -> str:
        """ "17 december 2026, 28 december 2026", in the language active when it is shown."""
        from django.utils import dateformat

        return ", ".join(dateformat.format(day, "j F Y") for day in self.reminded_on)


def collection_of(cycle: Cycle) -> Collection:
    """Two queries: the cycle's reminders that reached somebody, and its reports never asked;
    none for a published evaluation, whose account was frozen with its figures."""
    from django.utils import timezone

    evaluation = getattr(cycle, "evaluation", None)
    frozen = ((evaluation.frozen_data or {}) if evaluation else {}).get("collection")
    if frozen is not None:
        return Collection.from_json(frozen)

    from .models import CycleEvent

    reminded = CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.REMINDED)
    days = sorted(
        {
            timezone.localdate(event.created_at)
            for event in reminded.only("created_at", "details")
            if (event.details or {}).get("reminded")
        }
    )
    opened = timezone.localdate(cycle.opened_at) if cycle.opened_at else cycle.opens_on
    until = cycle.deadline
    if cycle.closed_at and timezone.localdate(cycle.closed_at) < until:
        until = timezone.localdate(cycle.closed_at)
    never_asked = cycle.reports.filter(invited_at__isnull=True).count() if cycle.opened_at else 0
    return Collection(opened_on=opened, until=until, reminded_on=days, never_asked=never_asked)
