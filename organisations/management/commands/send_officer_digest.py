from django.core.management.base import BaseCommand

from organisations.notifications import officer_digest_send


class Command(BaseCommand):
    help = (
        "Send each officer who chose the daily digest one e-mail with the work that came since "
        "their last digest (new accessions to verify, withdrawals, requests for access, answers "
        "to their questions). Run it once a day (portal-officer-digest.timer). Safe to run at any "
        "time: each piece of work is in exactly one digest, and an officer with nothing new gets "
        "nothing."
    )

    def handle(self, *args, **options):
        sent = officer_digest_send()
        self.stdout.write(f"{sent} officer digest(s) queued for sending.")
