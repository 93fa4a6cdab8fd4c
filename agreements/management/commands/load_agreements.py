from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.services import AgreementDataError, agreements_load


class Command(BaseCommand):
    help = (
        "Load the agreement data files (agreements/data/*.yaml) into the database. "
        "Idempotent: a second run changes nothing. A file with an error stops the load "
        "and leaves the database as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="Only these files (default: every data file)."
        )

    def handle(self, *args, files, **options):
        try:
            report = agreements_load(paths=files or None)
        except AgreementDataError as exc:
            raise CommandError(
                "The agreements were not loaded; nothing was changed.\n"
                + "\n".join(f"  - {problem}" for problem in exc.problems)
            ) from exc
        if report.changed:
            for line in report.lines():
                self.stdout.write(f"  {line}")
            self.stdout.write(self.style.SUCCESS(f"Loaded: {', '.join(report.agreements)}."))
        else:
            self.stdout.write(f"No changes: {', '.join(report.agreements)} already up to date.")
