from django.conf import settings
from django.core.management.base import BaseCommand

from followup.services import evaluation_fail_stuck_pdfs


class Command(BaseCommand):
    help = (
        "Mark failed every evaluation PDF still waiting or being made longer than "
        "PORTAL_PDF_RENDER_TIMEOUT after it was asked for (its worker died), and log each, so "
        "that officers see the failure and can try again. Safe to run at any time."
    )

    def handle(self, *args, **options):
        failed = evaluation_fail_stuck_pdfs()
        minutes = settings.PORTAL_PDF_RENDER_TIMEOUT // 60
        self.stdout.write(
            f"{len(failed)} evaluation PDF(s) stuck for more than {minutes} minutes marked failed"
            + (f": evaluations {', '.join(map(str, failed))}." if failed else ".")
        )
