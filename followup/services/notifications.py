"""What the respondents are told by e-mail: the invitation when a cycle opens, reminders (the
scheduled one and the officer's button), and the notice of a moved deadline.

The messages are stored by ``core.mail`` in the transaction that sends them and sent by the task
worker; the functions here are run by the tasks in ``followup.tasks``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.mail import send_templated_mail, site_url
from organisations.models import OfficerRole, Representative

from ..models import Cycle, Report, ReportQuerySet


def report_recipients(report: Report) -> list[str]:
    """Who is asked to file a report: the organisation's representatives, the unit's officers."""
    if report.organisation_id:
        return list(
            Representative.objects.current()
            .filter(organisation_id=report.organisation_id)
            .values_list("user__email", flat=True)
        )
    if report.unit_id:
        return list(
            OfficerRole.objects.filter(unit_id=report.unit_id).values_list("user__email", flat=True)
        )
    member = report.council_member if report.council_member_id else None
    return [member.email] if member is not None else []


def schedule_reminders(cycle: Cycle) -> None:
    """Queue the reminder run for the day the cycle's settings say, at 08:00.

    A backend that cannot defer work (the immediate backend used in development tests) gets no
    scheduled run: it would send the reminders at once.
    """
    from .. import tasks

    remind_on = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
    run_after = timezone.make_aware(datetime.datetime.combine(remind_on, datetime.time(8)))
    task = tasks.send_reminders
    if not task.get_backend().supports_defer:
        return
    task.using(run_after=max(run_after, timezone.now())).enqueue(cycle.pk, remind_on.isoformat())


def cycle_send_invitations(*, cycle: Cycle) -> int:
    sent = 0
    for report in cycle.reports.select_related("organisation", "unit", "council_member"):
        send_templated_mail(
            to=report_recipients(report),
            template="followup/email/invitation",
            context={"report": report, "cycle": cycle, "url": site_url(report.get_absolute_url())},
        )
        sent += 1
    return sent


def _not_submitted(cycle: Cycle) -> ReportQuerySet:
    return cycle.reports.not_submitted().select_related("organisation", "unit", "council_member")


def _mail_about_report(report: Report, cycle: Cycle, template: str, **context: Any) -> None:
    """A message to the report's respondents, with a link to the report."""
    send_templated_mail(
        to=report_recipients(report),
        template=template,
        context={
            "report": report,
            "cycle": cycle,
            "url": site_url(report.get_absolute_url()),
            **context,
        },
    )


def cycle_send_reminders(*, cycle: Cycle, only_due_on: datetime.date | None = None) -> int:
    """E-mail everyone who has not submitted. Used by the scheduled task and the officer's button.

    A scheduled run carries the date it was planned for; if the officer moved the deadline since,
    that run does nothing (the new date has its own run).
    """
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    if only_due_on is not None:
        due = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
        if due != only_due_on:
            return 0
    sent = 0
    now = timezone.now()
    for report in _not_submitted(cycle):
        with transaction.atomic():  # the stored message and the reminder's date go together
            _mail_about_report(report, cycle, "followup/email/reminder")
            report.last_reminded_at = now
            report.save(update_fields=["last_reminded_at"])
        sent += 1
    return sent


def cycle_send_deadline_moved(*, cycle: Cycle, previous: datetime.date) -> int:
    """Tell everyone who has not submitted that the deadline has moved."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    sent = 0
    for report in _not_submitted(cycle):
        _mail_about_report(report, cycle, "followup/email/deadline_moved", previous=previous)
        sent += 1
    return sent
