"""What the respondents are told by e-mail: the invitation when a cycle opens (or when a
respondent gets somebody to receive it later), the reminders (the schedule's and the officer's
button), the notice of a moved deadline and the notice that the cycle closed.

A message counts only when it was really queued to at least one address: a respondent with
nobody to receive it is never counted as invited, reminded or told, and its report says so
(``Report.invited_at`` stays empty, ``last_reminded_at`` is not set). The messages are stored by
``core.mail`` in the transaction that sends them and delivered by the task worker; the functions
here are run by the tasks in ``followup.tasks``. Each run that mails respondents is recorded in the
cycle's history with its counts, with the officer as actor when an officer asked for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.mail import send_templated_mail, site_url
from core.models import OutgoingMail
from core.types import Actor

from .. import recipients
from ..models import Cycle, CycleEvent, CycleReminder, Report, ReportQuerySet
from . import history

report_recipients = recipients.report_recipients


@dataclass(frozen=True)
class Mailed:
    """How many respondents a run mailed, and how many it could not (nobody to receive it)."""

    sent: int = 0
    unreached: int = 0
    recent: int = 0  # reminded earlier the same day (by the officer's button)


def _mail_report(
    report: Report, cycle: Cycle, to: list[str], template: str, **context: Any
) -> list[OutgoingMail]:
    """A message about a report to its respondent's people, with a link to the report (one per
    language among them); empty if there was nobody to send it to."""
    return send_templated_mail(
        to=to,
        template=template,
        context={
            "report": report,
            "cycle": cycle,
            "url": site_url(report.get_absolute_url()),
            **context,
        },
    )


def _reports(queryset: ReportQuerySet) -> ReportQuerySet:
    return queryset.select_related("organisation", "unit", "council_member").order_by("pk")


# --- Invitations ----------------------------------------------------------------------------


def cycle_send_invitations(*, cycle: Cycle, today: datetime.date | None = None) -> Mailed:
    """Invite every respondent of an open cycle not invited yet who has somebody to receive it.

    Run when the cycle opens and by the daily schedule (a respondent may have got a
    representative or an officer since). Each report is claimed (``invited_at`` set where it was
    empty) in the transaction that stores its message, so two runs at once never invite twice.
    """
    cycle = Cycle.objects.select_related("agreement__municipality").get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN or (today or timezone.localdate()) > cycle.deadline:
        return Mailed()
    waiting = cycle.reports.not_invited().not_submitted()
    found = recipients.addresses(cycle, waiting)
    invited = unreached = 0
    for report in _reports(waiting):
        to = found.get(recipients.respondent_key(report), [])
        if not to:
            unreached += 1
            continue
        with transaction.atomic():
            claimed = Report.objects.filter(pk=report.pk, invited_at__isnull=True).update(
                invited_at=timezone.now()
            )
            if not claimed:
                continue  # another run invited it meanwhile
            if _mail_report(report, cycle, to, "followup/email/invitation"):
                invited += 1
            else:  # nobody after all: the report stays "no recipient"
                transaction.set_rollback(True)
    if invited:
        with transaction.atomic():
            history.record(
                cycle, CycleEvent.Kind.INVITED, None, invited=invited, unreached=unreached
            )
    return Mailed(sent=invited, unreached=unreached)


def report_invite(*, report: Report, to: list[str]) -> bool:
    """Invite one report's new recipients now (called in the transaction that added them)."""
    cycle = report.cycle
    if cycle.status != Cycle.Status.OPEN or report.status == Report.Status.SUBMITTED:
        return False
    if not _mail_report(report, cycle, to, "followup/email/invitation"):
        return False
    Report.objects.filter(pk=report.pk, invited_at__isnull=True).update(invited_at=timezone.now())
    return True


# --- Reminders ------------------------------------------------------------------------------


def _remind(cycle: Cycle, *, not_reminded_on: datetime.date | None = None) -> Mailed:
    """Remind every invited respondent who has not submitted (inside the caller's transaction).

    A respondent never invited had nobody to receive the invitation (the invitations are sent
    first): it is counted as without a recipient, and so is an invited one that has nobody now.
    With ``not_reminded_on`` (the schedule's day), a respondent already reminded that day (the
    officer pressed "Send a reminder now" that morning) is not reminded again: it is counted as
    ``recent``.
    """
    waiting = cycle.reports.not_submitted()
    found = recipients.addresses(cycle, waiting)
    already: set[int] = set()
    if not_reminded_on is not None:
        already = set(waiting.reminded_on(not_reminded_on).values_list("pk", flat=True))
    now = timezone.now()
    reminded: list[int] = []
    unreached = recent = 0
    for report in _reports(waiting):
        to = found.get(recipients.respondent_key(report), [])
        if report.invited_at is None or not to:
            unreached += 1
        elif report.pk in already:
            recent += 1
        elif _mail_report(report, cycle, to, "followup/email/reminder"):
            reminded.append(report.pk)
    Report.objects.filter(pk__in=reminded).update(last_reminded_at=now)
    return Mailed(sent=len(reminded), unreached=unreached, recent=recent)


def cycle_send_reminders(*, cycle: Cycle, actor: Actor | None = None) -> int:
    """The officer's button: remind now everyone who has not submitted. Returns how many
    respondents were really reminded (an e-mail queued to at least one address)."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    cycle_send_invitations(cycle=cycle)  # whoever got a recipient since is invited instead
    with transaction.atomic():
        # One reminding run of a cycle at a time: the schedule's, taken after this one, sees
        # who this one reminded (and passes them over).
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        mailed = _remind(cycle)
        if mailed.sent or mailed.unreached:
            history.record(
                cycle,
                CycleEvent.Kind.REMINDED,
                actor,
                reminded=mailed.sent,
                unreached=mailed.unreached,
            )
    return mailed.sent


def cycle_send_due_reminders(*, cycle: Cycle, today: datetime.date | None = None) -> int:
    """Send the cycle's scheduled reminder whose day has come, once (run by the schedule).

    The reminders' rows are locked and only planned ones are taken, so a second run the same
    day, or two runs at once, send nothing more. When several are due at once (the worker was
    stopped for days) only the latest is sent; the earlier ones are passed over. After the
    deadline none is sent. Returns how many respondents were reminded.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != Cycle.Status.OPEN:
            return 0
        planned = list(
            CycleReminder.objects.select_for_update().filter(
                cycle=cycle, status=CycleReminder.Status.PLANNED
            )
        )
        due = sorted(
            (r for r in planned if r.due_on(cycle.deadline) <= today),
            key=lambda r: r.days_before,
        )
        if not due:
            return 0
        now = timezone.now()
        if today > cycle.deadline:
            latest, passed = None, due
            reason = CycleReminder.Skipped.DEADLINE_PASSED
        else:
            latest, passed = due[0], due[1:]
            reason = CycleReminder.Skipped.SUPERSEDED
        for reminder in passed:
            _skip(cycle, reminder, reason, now)
        if latest is None:
            return 0
    # Whoever got somebody to receive mail since the cycle opened is invited first (in its own
    # transactions), so that a reminder never comes before an invitation.
    cycle_send_invitations(cycle=cycle, today=today)
    with transaction.atomic():
        # The cycle first, then its reminder, in the order every step takes them; one
        # reminding run of a cycle at a time (the officer's button takes the same lock).
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        reminder = CycleReminder.objects.select_for_update().get(pk=latest.pk)
        if reminder.status != CycleReminder.Status.PLANNED:
            return 0  # another run took it meanwhile
        mailed = _remind(cycle, not_reminded_on=today)
        reminder.reminded, reminder.unreached = mailed.sent, mailed.unreached
        reminder.done_at = timezone.now()
        due_on = reminder.due_on(cycle.deadline).isoformat()
        if mailed.sent:
            reminder.status = CycleReminder.Status.SENT
            reminder.skipped_because = ""
            reminder.save()
            history.record(
                cycle,
                CycleEvent.Kind.REMINDED,
                None,
                due_on=due_on,
                reminded=mailed.sent,
                unreached=mailed.unreached,
            )
        else:
            if mailed.recent:
                why = CycleReminder.Skipped.REMINDED_TODAY
            elif mailed.unreached:
                why = CycleReminder.Skipped.NO_RECIPIENT
            else:
                why = CycleReminder.Skipped.NOBODY
            _skip(cycle, reminder, why, reminder.done_at)
    return mailed.sent


def _skip(cycle: Cycle, reminder: CycleReminder, reason: str, now: datetime.datetime) -> None:
    reminder.status = CycleReminder.Status.SKIPPED
    reminder.skipped_because = reason
    reminder.done_at = now
    reminder.save()
    history.record(
        cycle,
        CycleEvent.Kind.REMINDER_NOT_SENT,
        None,
        due_on=reminder.due_on(cycle.deadline).isoformat(),
        reason=reason,
        unreached=reminder.unreached,
    )


# --- Notices --------------------------------------------------------------------------------


def _notify_not_submitted(cycle: Cycle, template: str, **context: Any) -> Mailed:
    """A message to every invited respondent who has not submitted, each in its transaction."""
    waiting = cycle.reports.not_submitted()
    found = recipients.addresses(cycle, waiting)
    sent = unreached = 0
    for report in _reports(waiting):
        to = found.get(recipients.respondent_key(report), [])
        if report.invited_at is None or not to:
            unreached += 1
            continue
        with transaction.atomic():
            if _mail_report(report, cycle, to, template, **context):
                sent += 1
    return Mailed(sent=sent, unreached=unreached)


def cycle_send_deadline_moved(*, cycle: Cycle, previous: datetime.date) -> int:
    """Tell everyone who has not submitted that the deadline has moved."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    return _notify_not_submitted(cycle, "followup/email/deadline_moved", previous=previous).sent


def cycle_send_closed(*, cycle: Cycle) -> int:
    """Tell everyone who had not submitted that the cycle closed (once: a second run finds the
    event of the first and does nothing). Returns how many respondents were told."""
    cycle = Cycle.objects.select_related("agreement__municipality").get(pk=cycle.pk)
    if cycle.status == Cycle.Status.OPEN or cycle.closed_at is None:
        return 0
    with transaction.atomic():
        Cycle.objects.select_for_update().get(pk=cycle.pk)  # one run at a time
        if cycle.events.filter(kind=CycleEvent.Kind.CLOSE_NOTICES).exists():
            return 0
        mailed = _notify_not_submitted(cycle, "followup/email/closed")
        history.record(
            cycle,
            CycleEvent.Kind.CLOSE_NOTICES,
            None,
            told=mailed.sent,
            unreached=mailed.unreached,
        )
    return mailed.sent
