"""Reads of the organisations app that more than one page needs, each rule written once."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.types import Actor

from .models import Accession, AccessionEvent, AccessRequest, OfficerRole


@dataclass(frozen=True)
class OfficerWork:
    """What waits for an officer in their municipalities: the main menu's counts."""

    is_officer: bool
    accessions: int
    access_requests: int

    @property
    def waiting(self) -> int:
        return self.accessions + self.access_requests


def _count(queryset: QuerySet[Accession] | QuerySet[AccessRequest]) -> Coalesce:
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def officer_work(user: Actor) -> OfficerWork:
    """Whether the user is an officer, and what waits for them, in one query.

    Waiting: accessions signed online and not yet decided, and requests for access that no
    organisation admin has answered yet, in the municipalities the user is an officer of.
    """
    municipalities = OfficerRole.objects.filter(user=OuterRef(OuterRef("pk"))).values(
        "municipality_id"
    )
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            officer=Exists(OfficerRole.objects.filter(user=OuterRef("pk"))),
            accessions_waiting=_count(
                Accession.objects.filter(
                    status=Accession.Status.PENDING,
                    agreement__municipality_id__in=municipalities,
                )
            ),
            requests_waiting=_count(
                AccessRequest.objects.filter(
                    status=AccessRequest.Status.PENDING,
                    organisation__municipality_id__in=municipalities,
                )
            ),
        )
        .values("officer", "accessions_waiting", "requests_waiting")
        .first()
    )
    if row is None or not row["officer"]:
        return OfficerWork(is_officer=False, accessions=0, access_requests=0)
    return OfficerWork(
        is_officer=True,
        accessions=int(row["accessions_waiting"]),
        access_requests=int(row["requests_waiting"]),
    )


def open_question(accession: Accession) -> AccessionEvent | None:
    """The officer's question the organisation has not answered yet, if there is one.

    An "ask for more information" (``INFO_REQUESTED``) is open until a later answer
    (``INFO_GIVEN``) or until the accession is decided.
    """
    if accession.status != Accession.Status.PENDING:
        return None
    last = (
        accession.events.filter(
            action__in=[AccessionEvent.Action.INFO_REQUESTED, AccessionEvent.Action.INFO_GIVEN]
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    if last is not None and last.action == AccessionEvent.Action.INFO_REQUESTED:
        return last
    return None
