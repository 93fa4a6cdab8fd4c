import datetime

from django.core.management.base import BaseCommand, CommandError

from followup import tasks


class Command(BaseCommand):
    help = (
        "Queue the follow-up's daily schedule for the task worker: scheduled cycles whose "
        "opening date has come are opened (and their invitations sent), respondents that now "
        "have somebody to receive the invitation are invited, and the reminders whose day has "
        "come are sent. Run it every morning (portal-followup-schedule.timer). Safe to run at "
        "any time and on several hosts: a cycle is opened once and a reminder sent once. "
        "--here runs the schedule in this process instead and prints what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            default="",
            help="Run the schedule as on this day (YYYY-MM-DD) instead of today.",
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="Run it in this process rather than queueing it for the task worker.",
        )

    def handle(self, *args, date: str, here: bool, **options):
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError as exc:
                raise CommandError(f"--date must be a day as YYYY-MM-DD, not {date!r}.") from exc
        today = date or None
        if here:
            self.stdout.write(f"Follow-up schedule {tasks.run_schedule.call(today)}.")
            return
        result = tasks.run_schedule.enqueue(today)
        self.stdout.write(f"Follow-up schedule queued for the task worker (task {result.id}).")
