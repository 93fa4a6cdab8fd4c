import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from agreements.services import agreement_write_file, agreement_yaml


class Command(BaseCommand):
    help = (
        "Write an agreement's content from the database to a data file in the format "
        "load_agreements reads (docs/data-format.md): by default agreements/data/<slug>.yaml, "
        "or the file given with --output ('-' for standard output). Loading the written file "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The agreement's slug, e.g. goteborg.")
        parser.add_argument("--output", "-o", help="Where to write (default: its data file).")

    def handle(self, *args, slug, output=None, **options):
        try:
            agreement = Agreement.objects.select_related("municipality").get(slug=slug)
        except Agreement.DoesNotExist as exc:
            raise CommandError(f"There is no agreement with the slug '{slug}'.") from exc
        if output == "-":
            sys.stdout.write(agreement_yaml(agreement=agreement))
            return
        path = agreement_write_file(agreement=agreement, path=Path(output) if output else None)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}."))
