from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupRefused, import_archive, migration_differences, verify_archive


class Command(BaseCommand):
    help = (
        "Restore an archive written by export_portal into this database, which must be migrated "
        "to the archive's migration state and hold no data. Everything is checked first (format, "
        "migration state, checksums, an empty database); then all rows are loaded in one "
        "transaction and the files written, or nothing is. See docs/backup.md."
    )
    # There is deliberately no --force: restoring over live data would keep whatever rows the
    # archive does not hold and overwrite those with the same primary key, a mix that matches
    # neither the backup nor the live site. To replace a site, restore into a new database.

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="An archive written by export_portal.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Only read the archive and check every checksum; change nothing.",
        )

    def handle(self, *args, file, verify, **options):
        try:
            if verify:
                manifest = verify_archive(file)
            else:
                summary = import_archive(file)
        except BackupRefused as exc:
            raise CommandError(exc.message) from exc
        if verify:
            data = manifest["data"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"{file} is intact: made {manifest['created_at']}, {data['objects']} rows and "
                    f"{len(manifest['files'])} files, every checksum correct."
                )
            )
            differences = migration_differences(manifest)
            if differences:
                self.stdout.write(
                    "Its migration state differs from this database's (an import would need "
                    "the same state):\n" + "\n".join(differences)
                )
            return
        for entry in summary.missing_files:
            self.stderr.write(
                f"Warning: {entry['name']} ({entry['field']}) was already missing when the "
                "archive was made; it could not be restored."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the archive made {summary.created_at}: {summary.objects} rows, "
                f"{summary.files_written} files written ({summary.files_present} already there)."
            )
        )
