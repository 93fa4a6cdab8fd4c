"""A cycle's life: proposed from the agreement's cadence, created as a draft with its
questionnaire and reminder schedule, its settings changed, scheduled to open on its date (or
opened now), its deadline moved, closed (those who had not submitted are told), or, while it
has not opened, deleted.

Each step is recorded in the cycle's history (``history.record``) in the step's transaction,
with the officer who took it; the worker's own steps (a scheduled opening) have no actor.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from functools import partial
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agreements.models import Agreement, FollowUpRule
from core.errors import ActionRefused
from core.types import Actor

from .. import recipients
from ..models import Cycle, CycleEvent, CycleReminder, Evaluation, Question, Report
from . import history
from .messages import (
    CYCLE_ALREADY_OPENED,
    CYCLE_EXISTS,
    CYCLE_NOT_DELETABLE,
    CYCLE_NOT_DRAFT,
    CYCLE_NOT_OPEN,
    CYCLE_NOT_OPEN_TO_CLOSE,
    CYCLE_NOT_SCHEDULED,
    DEADLINE_PASSED_BEFORE_OPENING,
    NO_CADENCE,
    NO_QUESTIONS,
    OPENS_NOT_IN_FUTURE,
    REMINDER_BEFORE_OPENING,
    REMINDER_IN_THE_PAST,
    REMINDER_NOT_BEFORE_DEADLINE,
    REMINDER_TOO_FAR,
    REMINDERS_OF_A_DRAFT,
    TOO_MANY_REMINDERS,
)
from .questionnaire import questions_from_agreement

logger = logging.getLogger(__name__)

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
    "anonymise_free_text",
)

# The reminders a new cycle proposes, in days before the deadline, and how many it may have.
DEFAULT_REMINDER_DAYS = (14, 3)
MAX_REMINDERS = 5
MAX_REMINDER_DAYS = 365

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
    previous = (
        Cycle.objects.filter(agreement=agreement, kind=kind)
        .exclude(status=Cycle.Status.DELETED)
        .order_by("-period_end")
        .first()
    )
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


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def check_reminders(
    days: Iterable[int],
    *,
    opens_on: datetime.date,
    deadline: datetime.date,
    today: datetime.date | None = None,
    keep: Iterable[int] = (),
) -> list[int]:
    """The reminder schedule in days before the deadline, checked: each at least a day before
    the deadline and at most a year, after the day the respondents are invited, not in the
    past, at most MAX_REMINDERS. ``keep`` are reminders already sent or passed over, which stand
    as they are. Returns the days, latest reminder last; raises a ValidationError for the
    ``reminder_days`` field naming each problem."""
    today = today or timezone.localdate()
    chosen = sorted({int(d) for d in days}, reverse=True)
    kept = set(keep)
    errors: list[str] = []
    if len(chosen) > MAX_REMINDERS:
        errors.append(TOO_MANY_REMINDERS % {"max": MAX_REMINDERS})
    for number in chosen:
        if number in kept:
            continue
        if number < 1:
            errors.append(REMINDER_NOT_BEFORE_DEADLINE % {"date": _day(deadline)})
            continue
        if number > MAX_REMINDER_DAYS:
            errors.append(str(REMINDER_TOO_FAR))
            continue
        due = deadline - datetime.timedelta(days=number)
        if due < today:
            errors.append(REMINDER_IN_THE_PAST % {"date": _day(due)})
        elif due <= opens_on:
            errors.append(REMINDER_BEFORE_OPENING % {"date": _day(due), "opens": _day(opens_on)})
    if errors:
        raise ValidationError({"reminder_days": list(dict.fromkeys(errors))})
    return chosen


def cycle_reminder_days(cycle: Cycle) -> list[int]:
    return list(cycle.reminders.order_by("-days_before").values_list("days_before", flat=True))


@transaction.atomic
def cycle_create(
    *,
    agreement: Agreement,
    rule: FollowUpRule,
    actor: Actor,
    reminder_days: Iterable[int] = DEFAULT_REMINDER_DAYS,
    **overrides: Any,
) -> Cycle:
    """Create the next cycle from the agreement's cadence, with its questions and reminder
    schedule, as a draft."""
    version = agreement.current_version
    values: dict[str, Any] = {**cycle_proposal(agreement=agreement, rule=rule), **overrides}
    taken = Cycle.objects.filter(
        agreement=agreement, kind=values["kind"], period_start=values["period_start"]
    ).exclude(status=Cycle.Status.DELETED)
    if taken.exists():
        raise ActionRefused(CYCLE_EXISTS)
    cycle = Cycle(agreement=agreement, version=version, created_by=actor, **values)
    cycle.full_clean()
    days = check_reminders(reminder_days, opens_on=cycle.opens_on, deadline=cycle.deadline)
    cycle.save()
    CycleReminder.objects.bulk_create(
        [CycleReminder(cycle=cycle, days_before=number) for number in days]
    )
    # The questions are data of the cycle, asked in Swedish whatever language the officer uses.
    with translation.override(settings.LANGUAGE_CODE):
        questions = Question.objects.bulk_create(questions_from_agreement(cycle))
    after = {name: history.json_value(getattr(cycle, name)) for name in CYCLE_SETTINGS}
    history.record(
        cycle,
        CycleEvent.Kind.CREATED,
        actor,
        after={**after, "reminder_days": days},
        questions=len(questions),
    )
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, actor: Actor, reminder_days: Iterable[int] | None = None, **values: Any
) -> Cycle:
    """Change a draft cycle's settings and reminders; what changed is recorded, before and
    after. The reminders are checked against the new dates (also when they stay the same)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_editable:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    before = {name: history.json_value(getattr(cycle, name)) for name in values}
    before_days = cycle_reminder_days(cycle)
    for name, value in values.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    days = check_reminders(
        before_days if reminder_days is None else reminder_days,
        opens_on=cycle.opens_on,
        deadline=cycle.deadline,
    )
    cycle.save()
    after = {name: history.json_value(getattr(cycle, name)) for name in values}
    changed = [name for name in values if before[name] != after[name]]
    before = {name: before[name] for name in changed}
    after = {name: after[name] for name in changed}
    if days != before_days:
        _replace_reminders(cycle, days)
        before["reminder_days"], after["reminder_days"] = before_days, days
    if after:  # saving the form unchanged is no step in the cycle's life
        history.record(cycle, CycleEvent.Kind.UPDATED, actor, before=before, after=after)
    return cycle


def _replace_reminders(cycle: Cycle, days: list[int]) -> None:
    """The planned reminders become ``days``; sent and passed-over ones stay as they were."""
    planned = cycle.reminders.filter(status=CycleReminder.Status.PLANNED)
    planned.exclude(days_before__in=days).delete()  # never sent: nothing to keep
    existing = set(cycle.reminders.values_list("days_before", flat=True))
    CycleReminder.objects.bulk_create(
        [CycleReminder(cycle=cycle, days_before=d) for d in days if d not in existing]
    )


@transaction.atomic
def cycle_set_reminders(*, cycle: Cycle, actor: Actor, days: Iterable[int]) -> Cycle:
    """Change the reminder schedule of a scheduled or open cycle.

    Reminders already sent or passed over stay in the schedule as they were (and are not sent
    again); the new ones are checked like a draft's. A new reminder due today is sent by the
    worker straight away rather than at the next morning's run.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status == Cycle.Status.DRAFT:
        raise ActionRefused(REMINDERS_OF_A_DRAFT)
    if cycle.status not in (Cycle.Status.SCHEDULED, Cycle.Status.OPEN):
        raise ActionRefused(CYCLE_NOT_OPEN)
    done = set(
        cycle.reminders.exclude(status=CycleReminder.Status.PLANNED).values_list(
            "days_before", flat=True
        )
    )
    today = timezone.localdate()
    chosen = check_reminders(
        days,
        # Once open, the respondents have been invited: a reminder from today on will do.
        opens_on=cycle.opens_on if cycle.status == Cycle.Status.SCHEDULED else today - _ONE_DAY,
        deadline=cycle.deadline,
        today=today,
        keep=done,
    )
    before = cycle_reminder_days(cycle)
    _replace_reminders(cycle, chosen)
    # A sent reminder left out of the new schedule stays in the list of what happened.
    after = sorted(set(chosen) | done, reverse=True)
    if after != before:
        history.record(
            cycle,
            CycleEvent.Kind.REMINDERS_CHANGED,
            actor,
            before={"reminder_days": before},
            after={"reminder_days": after},
        )
        if cycle.status == Cycle.Status.OPEN:
            transaction.on_commit(partial(_run_schedule_for, cycle.pk))
    return cycle


_ONE_DAY = datetime.timedelta(days=1)


def _run_schedule_for(cycle_id: int) -> None:
    from .. import tasks

    tasks.run_schedule.enqueue(cycle_id=cycle_id)


# --- Opening ----------------------------------------------------------------------------------


def _check_openable(cycle: Cycle, today: datetime.date) -> None:
    if cycle.status in (
        Cycle.Status.OPEN,
        Cycle.Status.CLOSED,
        Cycle.Status.IN_REVIEW,
        Cycle.Status.PUBLISHED,
    ):
        raise ActionRefused(CYCLE_ALREADY_OPENED)
    if cycle.status not in Cycle.UNOPENED:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    if not cycle.questions.exists():
        raise ActionRefused(NO_QUESTIONS)
    if cycle.deadline < today:
        raise ActionRefused(DEADLINE_PASSED_BEFORE_OPENING % {"date": _day(cycle.deadline)})


@transaction.atomic
def cycle_schedule(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Plan a draft whose opening date is ahead to be opened by the worker on that date.

    Nobody is invited until then. Opening it earlier stays possible (``cycle_open``), and so
    does taking it back to a draft (``cycle_unschedule``) or deleting it.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    today = timezone.localdate()
    _check_openable(cycle, today)
    if cycle.status != Cycle.Status.DRAFT:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    if cycle.opens_on <= today:
        raise ActionRefused(OPENS_NOT_IN_FUTURE % {"date": _day(cycle.opens_on)})
    return _set_status(
        cycle,
        Cycle.Status.SCHEDULED,
        CycleEvent.Kind.SCHEDULED,
        actor,
        opens_on=cycle.opens_on.isoformat(),
    )


@transaction.atomic
def cycle_unschedule(*, cycle: Cycle, actor: Actor) -> Cycle:
    """A scheduled cycle back to a draft, to change its settings or questions."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.SCHEDULED:
        raise ActionRefused(CYCLE_NOT_SCHEDULED)
    return _set_status(
        cycle,
        Cycle.Status.DRAFT,
        CycleEvent.Kind.UNSCHEDULED,
        actor,
        opens_on=cycle.opens_on.isoformat(),
    )


def _set_status(cycle: Cycle, status: str, kind: str, actor: Actor, **details: Any) -> Cycle:
    """Move an unopened cycle (locked by the caller) to ``status``, recorded as ``kind``."""
    before = cycle.status
    cycle.status = status
    cycle.save(update_fields=["status"])
    history.record(
        cycle, kind, actor, before={"status": before}, after={"status": status}, **details
    )
    return cycle


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Open a draft or scheduled cycle now: one report per respondent, the invitations sent
    by the worker to everyone who has somebody to receive them.

    Opened before its opening date (the officer confirmed it), the cycle's opening date
    becomes today, and the history keeps the planned one. Opened twice, closed or deleted:
    refused, nothing changes.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _check_openable(cycle, timezone.localdate())
    return _open(cycle, actor=actor, kind=CycleEvent.Kind.OPENED)


def cycle_open_scheduled(*, cycle: Cycle, today: datetime.date | None = None) -> bool:
    """The worker opens a scheduled cycle whose day has come (``cycle_run_schedule``).

    False (and nothing changed) if it is no longer scheduled, its day has not come, or it
    cannot open (no questions, a deadline that has passed: logged, left for the officer).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != Cycle.Status.SCHEDULED or cycle.opens_on > today:
            return False
        try:
            _check_openable(cycle, today)
        except ActionRefused as exc:
            logger.warning("scheduled cycle %s not opened: %s", cycle.pk, exc)
            return False
        _open(cycle, actor=None, kind=CycleEvent.Kind.OPENED_ON_SCHEDULE, today=today)
    return True


def _open(
    cycle: Cycle, *, actor: Actor | None, kind: str, today: datetime.date | None = None
) -> Cycle:
    today = today or timezone.localdate()
    before: dict[str, object] = {"status": cycle.status}
    after: dict[str, object] = {"status": Cycle.Status.OPEN}
    fields = ["status", "opened_at"]
    if cycle.opens_on > today:
        before["opens_on"], after["opens_on"] = cycle.opens_on.isoformat(), today.isoformat()
        cycle.opens_on = today
        fields.append("opens_on")
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=fields)
    reports = Report.objects.bulk_create(recipients.new_reports(cycle))
    # A reminder whose day has come (the cycle opened late) would only repeat the invitation.
    passed = [
        reminder.pk
        for reminder in cycle.reminders.filter(status=CycleReminder.Status.PLANNED)
        if reminder.due_on(cycle.deadline) <= today
    ]
    CycleReminder.objects.filter(pk__in=passed).update(
        status=CycleReminder.Status.SKIPPED,
        skipped_because=CycleReminder.Skipped.BEFORE_OPENING,
        done_at=cycle.opened_at,
    )
    history.record(cycle, kind, actor, before=before, after=after, reports=len(reports))
    transaction.on_commit(partial(_after_open, cycle.pk))
    return cycle


def _after_open(cycle_id: int) -> None:
    from .. import tasks

    tasks.send_invitations.enqueue(cycle_id)


# --- While it is open -------------------------------------------------------------------------


@transaction.atomic
def cycle_move_deadline(*, cycle: Cycle, actor: Actor, deadline: datetime.date) -> Cycle:
    """Give the respondents more time: a later deadline for an open cycle.

    Only later: respondents plan by the deadline they were given. The respondents who have not
    submitted are told by e-mail. The reminders follow the new deadline: one whose new day is
    still ahead is planned (again, if it had been sent for the old deadline); one whose day has
    come and that was not sent is passed over, since the message about the new deadline is the
    reminder. A deadline that has passed can be moved too, which lets late respondents submit.
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
                    params={"date": _day(cycle.deadline)},
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
                    params={"date": _day(start)},
                )
            }
        )
    previous = cycle.deadline
    cycle.deadline = deadline
    cycle.save(update_fields=["deadline"])
    now = timezone.now()
    for reminder in cycle.reminders.all():
        if reminder.due_on(deadline) > today:
            if reminder.status != CycleReminder.Status.PLANNED:
                reminder.status = CycleReminder.Status.PLANNED
                reminder.skipped_because, reminder.done_at = "", None
                reminder.reminded = reminder.unreached = 0
                reminder.save()
        elif reminder.status == CycleReminder.Status.PLANNED:
            reminder.status = CycleReminder.Status.SKIPPED
            reminder.skipped_because = CycleReminder.Skipped.DEADLINE_MOVED
            reminder.done_at = now
            reminder.save()
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


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Close the cycle to reports and start its evaluation. Those who had not submitted are
    told by e-mail (by the worker, after the commit); reminders still planned are not sent."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN_TO_CLOSE)
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    cycle.reminders.filter(status=CycleReminder.Status.PLANNED).update(
        status=CycleReminder.Status.SKIPPED,
        skipped_because=CycleReminder.Skipped.CLOSED,
        done_at=cycle.closed_at,
    )
    Evaluation.objects.get_or_create(cycle=cycle)
    submitted = cycle.reports.filter(status=Report.Status.SUBMITTED).count()
    history.record(
        cycle,
        CycleEvent.Kind.CLOSED,
        actor,
        before={"status": Cycle.Status.OPEN},
        after={"status": cycle.status},
        submitted=submitted,
        reports=cycle.reports.count(),
    )
    transaction.on_commit(partial(_after_close, cycle.pk))
    return cycle


def _after_close(cycle_id: int) -> None:
    from .. import tasks

    tasks.send_closed.enqueue(cycle_id)


# --- Deleting a draft -------------------------------------------------------------------------


@transaction.atomic
def cycle_delete(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Delete a draft (or a scheduled cycle) made by mistake.

    Nobody was invited and nothing was reported, so nothing is lost, but the cycle is kept as
    a deleted draft with its history (who created and who deleted it): it leaves the lists and
    frees its period for a new cycle. An opened cycle can never be deleted.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_unopened or cycle.reports.exists():
        raise ActionRefused(CYCLE_NOT_DELETABLE)
    return _set_status(cycle, Cycle.Status.DELETED, CycleEvent.Kind.DELETED, actor)
