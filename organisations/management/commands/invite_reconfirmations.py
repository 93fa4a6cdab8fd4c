from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from organisations.services import reconfirmation_invite


class Command(BaseCommand):
    help = (
        "Ask the organisations that joined an earlier version of an agreement to re-confirm for "
        "the version in force (run after loading a new version). Officers can do the same from "
        "their workspace."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The agreement, e.g. boras")

    def handle(self, *args, slug, **options):
        try:
            agreement = Agreement.objects.get(slug=slug)
        except Agreement.DoesNotExist as exc:
            raise CommandError(f"There is no agreement '{slug}'.") from exc
        count = reconfirmation_invite(agreement=agreement, actor=None)
        self.stdout.write(f"Asked {count} organisations to re-confirm {agreement.title}.")
