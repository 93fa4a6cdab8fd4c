"""A cycle's life: proposed from the agreement's cadence, created as a draft with its
questionnaire, its settings changed, opened to its respondents, its deadline moved, closed.

Each step is recorded in the cycle's history (``history.record``) in the step's transaction.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, FollowUpRule
from core.errors import ActionRefused
from core.types import Actor
from organisations.models import Accession, CouncilMembership, MunicipalUnit

from ..models import Cycle, CycleEvent, Evaluation, Question, Report, RespondentGroup
from . import history
from .messages import CYCLE_EXISTS, CYCLE_NOT_DRAFT, CYCLE_NOT_OPEN, NO_CADENCE
from .notifications import schedule_reminders
from .questionnaire import questions_from_agreement

RULE_KINDS: dict[str, Cycle.Kind] = {
    FollowUpRule.Kind.FOLLOWUP: Cycle.Kind.FOLLOWUP,
    FollowUpRule.Kind.EVALUATION: Cycle.Kind.EVALUATION,
    FollowUpRule.Kind.EXTERNAL_EVALUATION: Cycle.Kind.EXTERNAL_EVALUATION,
    FollowUpRule.Kind.PLAN_EVALUATION: Cycle.Kind.PLAN_EVALUATION,
}

# The settings an officer edits while the cycle is a draft (CycleForm), recorded before and after.
CYCLE_SETTINGS = (
    "title",
    "period_start",
    "period_end",
    "opens_on",
    "deadline",
    "reminder_days_before",
    "anonymise_free_text",
)

# How far a deadline can be moved, counted from the current deadline (or today, if it has
# passed): a typed year like 2207 is refused.
DEADLINE_MOVE_MAX_DAYS = 366


class CycleProposal(TypedDict):
    """The next cycle a follow-up rule proposes (``cycle_proposal``)."""

    kind: Cycle.Kind
    title: str
    period_start: datetime.date
    period_end: datetime.date
    opens_on: datetime.date
    deadline: datetime.date


def cycle_proposal(
    *, agreement: Agreement, rule: FollowUpRule, today: datetime.date | None = None
) -> CycleProposal:
    """What the agreement's cadence says the next cycle of a rule's kind should be."""
    today = today or timezone.localdate()
    kind = RULE_KINDS.get(rule.kind)
    if kind is None:
        raise ActionRefused(NO_CADENCE)
    previous = Cycle.objects.filter(agreement=agreement, kind=kind).order_by("-period_end").first()
    if previous:
        start = previous.period_end + datetime.timedelta(days=1)
    else:
        start = datetime.date(today.year - rule.interval_years, 1, 1)
    end = datetime.date(start.year + rule.interval_years - 1, 12, 31)
    opens_on = max(today, end + datetime.timedelta(days=1))
    deadline = opens_on + datetime.timedelta(days=42)
    years = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    with translation.override(settings.LANGUAGE_CODE):  # the title is data, in Swedish
        title = f"{str(Cycle.Kind(kind).label).capitalize()} {years}"
    return {
        "kind": kind,
        "title": title,
        "period_start": start,
        "period_end": end,
        "opens_on": opens_on,
        "deadline": deadline,
    }


@transaction.atomic
def cycle_create(
    *, agreement: Agreement, rule: FollowUpRule, actor: Actor, **overrides: Any
) -> Cycle:
    """Create the next cycle from the agreement's cadence, with its questions, as a draft."""
    version = agreement.current_version
    values: dict[str, Any] = {**cycle_proposal(agreement=agreement, rule=rule), **overrides}
    if Cycle.objects.filter(
        agreement=agreement, kind=values["kind"], period_start=values["period_start"]
    ).exists():
        raise ActionRefused(CYCLE_EXISTS)
    cycle = Cycle(agreement=agreement, version=version, created_by=actor, **values)
    cycle.full_clean()
    cycle.save()
    # The questions are data of the cycle, asked in Swedish whatever language the officer uses.
    with translation.override(settings.LANGUAGE_CODE):
        questions = Question.objects.bulk_create(questions_from_agreement(cycle))
    history.record(
        cycle,
        CycleEvent.Kind.CREATED,
        actor,
        after={name: history.json_value(getattr(cycle, name)) for name in CYCLE_SETTINGS},
        questions=len(questions),
    )
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor: Actor, **values: Any) -> Cycle:
    """Change a draft cycle's settings; the fields that changed are recorded, before and after."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_editable:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    before = {name: history.json_value(getattr(cycle, name)) for name in values}
    for name, value in values.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    after = {name: history.json_value(getattr(cycle, name)) for name in values}
    changed = [name for name in values if before[name] != after[name]]
    if changed:  # saving the form unchanged is no step in the cycle's life
        history.record(
            cycle,
            CycleEvent.Kind.UPDATED,
            actor,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return cycle


def _respondents(cycle: Cycle) -> list[Report]:
    """A new report for every respondent the cycle's questions ask: the agreement's signatories,
    the municipality's units, the council's members."""
    groups: set[str] = set()
    for question in cycle.questions.all():
        groups.update(question.respondent_groups)
    reports = []
    if RespondentGroup.ORGANISATIONS in groups:
        organisation_ids = (
            Accession.objects.filter(agreement=cycle.agreement, status=Accession.Status.ACTIVE)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        reports += [
            Report(cycle=cycle, group=RespondentGroup.ORGANISATIONS, organisation_id=pk)
            for pk in organisation_ids
        ]
    if RespondentGroup.UNITS in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.UNITS, unit=unit)
            for unit in MunicipalUnit.objects.filter(municipality=cycle.agreement.municipality)
        ]
    if RespondentGroup.COUNCIL in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.COUNCIL, council_member_id=user_id)
            for user_id in CouncilMembership.objects.filter(agreement=cycle.agreement).values_list(
                "user_id", flat=True
            )
        ]
    return reports


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Open the cycle: one report per respondent, invitations by e-mail, reminders scheduled."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    if not cycle.questions.exists():
        raise ActionRefused(_("Add at least one question before opening the cycle."))
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    reports = Report.objects.bulk_create(_respondents(cycle))
    history.record(
        cycle,
        CycleEvent.Kind.OPENED,
        actor,
        before={"status": Cycle.Status.DRAFT},
        after={"status": cycle.status},
        reports=len(reports),
    )
    transaction.on_commit(partial(_after_open, cycle.pk))
    return cycle


def _after_open(cycle_id: int) -> None:
    from .. import tasks

    tasks.send_invitations.enqueue(cycle_id)
    schedule_reminders(Cycle.objects.get(pk=cycle_id))


@transaction.atomic
def cycle_move_deadline(*, cycle: Cycle, actor: Actor, deadline: datetime.date) -> Cycle:
    """Give the respondents more time: a later deadline for an open cycle.

    Only later: respondents plan by the deadline they were given. The respondents who have not
    submitted are told by e-mail, and the reminder is planned anew for the new date (the run
    planned for the old one then does nothing, see cycle_send_reminders). A deadline that has
    passed can be moved too, which lets late respondents submit again.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    today = timezone.localdate()
    if deadline <= cycle.deadline:
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("The new deadline must be later than the current one, %(date)s."),
                    params={"date": date_format(cycle.deadline, "j F Y")},
                )
            }
        )
    if deadline < today:
        raise ValidationError({"deadline": _("The new deadline cannot be in the past.")})
    start = max(cycle.deadline, today)
    if deadline > start + datetime.timedelta(days=DEADLINE_MOVE_MAX_DAYS):
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("The new deadline can be at most a year after %(date)s."),
                    params={"date": date_format(start, "j F Y")},
                )
            }
        )
    previous = cycle.deadline
    cycle.deadline = deadline
    cycle.save(update_fields=["deadline"])
    history.record(
        cycle,
        CycleEvent.Kind.DEADLINE_MOVED,
        actor,
        before={"deadline": previous.isoformat()},
        after={"deadline": deadline.isoformat()},
    )
    transaction.on_commit(partial(_after_deadline_moved, cycle.pk, previous.isoformat()))
    return cycle


def _after_deadline_moved(cycle_id: int, previous: str) -> None:
    from .. import tasks

    tasks.send_deadline_moved.enqueue(cycle_id, previous)
    cycle = Cycle.objects.get(pk=cycle_id)
    remind_on = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
    # If the reminder's day has come already, the message about the new deadline is the
    # reminder: a second message the same hour would only be noise.
    if remind_on > timezone.localdate():
        schedule_reminders(cycle)


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Close the cycle to reports and start its evaluation."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    Evaluation.objects.get_or_create(cycle=cycle)
    history.record(
        cycle,
        CycleEvent.Kind.CLOSED,
        actor,
        before={"status": Cycle.Status.OPEN},
        after={"status": cycle.status},
        submitted=cycle.reports.filter(status=Report.Status.SUBMITTED).count(),
        reports=cycle.reports.count(),
    )
    return cycle
