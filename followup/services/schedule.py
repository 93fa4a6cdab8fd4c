"""The follow-up's daily schedule, run by the task worker (``followup.tasks.run_schedule``,
queued every morning by ``manage.py run_followup_schedule`` from a systemd timer).

One run, for a given day (today unless told otherwise):

1. opens every scheduled cycle whose opening date has come (``cycle_open_scheduled``);
2. invites, in every open cycle, the respondents that were not invited because nobody could
   receive the invitation and that have somebody now;
3. sends every open cycle's reminder whose day has come (``cycle_send_due_reminders``).

Every step is idempotent: a cycle is opened once, a report invited once, a reminder sent once,
so a run repeated the same day (or two runs at once, on two hosts) sends nothing twice, and a
run missed while the host was down does its work at the next one.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Cycle
from .cycles import cycle_open_scheduled
from .notifications import cycle_send_due_reminders, cycle_send_invitations

logger = logging.getLogger(__name__)


@dataclass
class ScheduleRun:
    """What one run did."""

    day: datetime.date
    opened: list[int] = field(default_factory=list)  # the cycles opened
    invited: int = 0  # respondents invited late (they have somebody to receive it now)
    reminded: int = 0  # respondents reminded

    def __str__(self) -> str:
        return (
            f"{self.day.isoformat()}: {len(self.opened)} cycles opened, "
            f"{self.invited} respondents invited late, {self.reminded} reminded"
        )


def cycle_run_schedule(
    *, today: datetime.date | None = None, cycle_id: int | None = None
) -> ScheduleRun:
    """Run the schedule for ``today`` (every cycle, or only ``cycle_id``)."""
    today = today or timezone.localdate()
    run = ScheduleRun(day=today)
    cycles = Cycle.objects.order_by("pk")
    if cycle_id is not None:
        cycles = cycles.filter(pk=cycle_id)
    for cycle in cycles.filter(status=Cycle.Status.SCHEDULED, opens_on__lte=today):
        if cycle_open_scheduled(cycle=cycle, today=today):
            run.opened.append(cycle.pk)
    # A cycle opened just now has its invitations queued as a task of their own.
    for cycle in cycles.filter(status=Cycle.Status.OPEN).exclude(pk__in=run.opened):
        if cycle.deadline >= today:
            run.invited += cycle_send_invitations(cycle=cycle).sent
        run.reminded += cycle_send_due_reminders(cycle=cycle, today=today)
    logger.info("follow-up schedule %s", run)
    return run
