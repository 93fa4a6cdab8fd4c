from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupRefused, export_archive


class Command(BaseCommand):
    help = (
        "Write the whole portal (every row of application data, with its history, accounts and "
        "MFA authenticators, and every uploaded file) to a new portable archive (.tar.gz) that "
        "import_portal restores on SQLite or PostgreSQL. See docs/backup.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="The archive to write, e.g. portal-2025-03-01.tar.gz (new)."
        )

    def handle(self, *args, file, **options):
        try:
            summary = export_archive(file)
        except BackupRefused as exc:
            raise CommandError(exc.message) from exc
        for entry in summary.missing_files:
            self.stderr.write(
                f"Warning: {entry['name']} ({entry['field']}) is referred to in the database but "
                "missing from its storage, so it is not in the archive."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {summary.path}: {summary.objects} rows from {summary.models} tables and "
                f"{summary.files} files, {summary.size} bytes, SHA-256 {summary.sha256}."
            )
        )
        self.stdout.write(
            "The archive holds personal data, password hashes and MFA secrets: keep it as "
            "safely as the database itself."
        )
