from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agreements.services import AgreementConflictError, AgreementDataError, agreements_load

CONFLICT_HELP = (
    "Content edited in the admin differs from the data files. Nothing was changed. Choose a "
    "side: --prefer-file (the file wins), --prefer-database (the database wins and is written "
    "back to the file) or --keep-edits (keep the edits, load the rest; what make run and the "
    "deploy steps use). See docs/data-format.md."
)


class Command(BaseCommand):
    help = (
        "Load the agreement data files (agreements/data/*.yaml) into the database. "
        "Idempotent: a second run changes nothing. A file with an error stops the load "
        "and leaves the database as it was. Content edited in the admin is never overwritten "
        "silently: a conflict stops the load unless a side is chosen."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="Only these files (default: every data file)."
        )
        side = parser.add_mutually_exclusive_group()
        side.add_argument(
            "--keep-edits",
            action="store_const",
            const="keep",
            dest="on_conflict",
            help="Report conflicts, keep the rows edited in the admin as they are, load the "
            "rest and exit 0.",
        )
        side.add_argument(
            "--prefer-file",
            action="store_const",
            const="file",
            dest="on_conflict",
            help="The data files win: admin edits that conflict are overwritten.",
        )
        side.add_argument(
            "--prefer-database",
            action="store_const",
            const="database",
            dest="on_conflict",
            help="The database wins: edited rows are kept and each agreement with a conflict "
            "is written back to its data file.",
        )

    def handle(self, *args, files, on_conflict=None, **options):
        on_conflict = on_conflict or "refuse"
        try:
            report = agreements_load(paths=files or None, on_conflict=on_conflict)
        except AgreementDataError as exc:
            raise CommandError(
                "The agreements were not loaded; nothing was changed.\n"
                + "\n".join(f"  - {problem}" for problem in exc.problems)
            ) from exc
        except AgreementConflictError as exc:
            for conflict in exc.conflicts:
                for line in conflict.lines():
                    self.stderr.write(f"  {line}")
            raise CommandError(
                f"{len(exc.conflicts)} conflicts with admin edits. {CONFLICT_HELP}"
            ) from exc
        if report.conflicts:
            outcome = {
                "keep": "kept the database's content",
                "file": "the file's content won",
                "database": "kept the database's content",
            }[on_conflict]
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.conflicts)} conflicts with admin edits ({outcome}):"
                )
            )
            for conflict in report.conflicts:
                for line in conflict.lines():
                    self.stdout.write(f"  {line}")
        for path in report.written_back:
            self.stdout.write(f"  wrote the database's content back to {path}")
        if report.changed:
            for line in report.lines():
                self.stdout.write(f"  {line}")
            self.stdout.write(self.style.SUCCESS(f"Loaded: {', '.join(report.agreements)}."))
        else:
            self.stdout.write(f"No changes: {', '.join(report.agreements)} already up to date.")
