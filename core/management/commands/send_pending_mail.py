from django.core.management.base import BaseCommand

from core.mail import mail_requeue


class Command(BaseCommand):
    help = (
        "Queue again for the task worker every unsent e-mail whose planned attempt is more than "
        "ten minutes overdue (its task was lost). Run it from cron every few minutes; it is safe "
        "to run at any time: a message is never sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="all_pending",
            help="Queue every unsent message now, without waiting for its planned attempt.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Also queue the messages the worker gave up on, with a fresh count of attempts.",
        )

    def handle(self, *args, all_pending, retry_failed, **options):
        queued = mail_requeue(retry_failed=retry_failed, all_pending=all_pending)
        self.stdout.write(f"{queued} unsent e-mail message(s) queued for the task worker.")
