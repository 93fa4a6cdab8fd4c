"""Reaching a cycle's respondents: an officer adds somebody to receive a unit's mail, from the
cycle's page, where the units with nobody are listed (``followup.recipients``).

The person becomes an officer of the municipality for that unit (``organisations.services.
officer_add``, the same as ``manage.py add_officer`` and the admin), with an account if they had
none. While the cycle is open, the unit's report is sent to them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import ActionRefused
from core.types import Actor
from organisations import services as organisation_services
from organisations.models import MunicipalUnit

from ..models import Cycle, CycleEvent, Report
from . import history
from .messages import RECIPIENT_EXISTS, RECIPIENT_NOT_NOW
from .notifications import report_invite


@dataclass(frozen=True)
class RecipientAdded:
    email: str
    account_created: bool
    invited: bool  # the unit's report was sent to them now (the cycle is open)


@transaction.atomic
def unit_recipient_add(
    *,
    cycle: Cycle,
    unit: MunicipalUnit,
    actor: Actor,
    email: str,
    first_name: str = "",
    last_name: str = "",
) -> RecipientAdded:
    """Make the person with this address receive the unit's follow-up mail (an officer of the
    unit). Refused for a cycle that no longer asks anyone, a unit of another municipality, or a
    person who already receives the unit's mail; nothing is changed then."""
    cycle = (
        Cycle.objects.select_for_update().select_related("agreement__municipality").get(pk=cycle.pk)
    )
    if cycle.status not in (*Cycle.UNOPENED, Cycle.Status.OPEN):
        raise ActionRefused(RECIPIENT_NOT_NOW)
    role, account_created, role_created = organisation_services.officer_add(
        email=email,
        municipality=cycle.agreement.municipality,
        unit=unit,
        first_name=first_name,
        last_name=last_name,
        actor=f"user {actor.pk}, from follow-up cycle {cycle.pk}",
    )
    address = role.user.email
    if not role_created:
        raise ValidationError({"email": RECIPIENT_EXISTS % {"email": address, "unit": unit.name}})
    history.record(
        cycle,
        CycleEvent.Kind.RECIPIENT_ADDED,
        actor,
        unit=unit.name,
        email=address,
        account_created=account_created,
    )
    invited = False
    if cycle.status == Cycle.Status.OPEN:
        report = (
            Report.objects.filter(cycle=cycle, unit=unit)
            .select_related("unit", "cycle__agreement__municipality")
            .first()
        )
        if report is not None:
            invited = report_invite(report=report, to=[address])
    return RecipientAdded(email=address, account_created=account_created, invited=invited)
