from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from agreements.models import Municipality
from core.errors import ActionRefused
from organisations import register_import as importer


class Command(BaseCommand):
    help = (
        "Import an existing register of signatories (CSV or XLSX, the template of "
        "docs/data-format.md) into a municipality, as one of its officers: every row is checked "
        "first, and a file with any row in error imports nothing. Importing the same file again "
        "creates nothing. The officers' workspace offers the same import (Import a register)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV (UTF-8, comma or semicolon) or XLSX file.")
        parser.add_argument("--municipality", required=True, help="The municipality's slug.")
        parser.add_argument(
            "--officer", required=True, help="The e-mail address of the importing officer."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )

    def handle(self, *args, file, municipality, officer, dry_run, **options):
        translation.activate(settings.LANGUAGE_CODE)
        try:
            place = Municipality.objects.get(slug=municipality)
        except Municipality.DoesNotExist as exc:
            known = ", ".join(Municipality.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"Ingen kommun {municipality!r}. Kända: {known}.") from exc
        actor = get_user_model().objects.filter(email__iexact=officer, is_active=True).first()
        if actor is None:
            raise CommandError(f"Inget aktivt konto med e-postadressen {officer!r}.")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Filen {file!r} kan inte läsas: {exc.strerror}.") from exc
        try:
            rows = importer.read_file(data, path.name)
            preview = importer.import_preview(rows=rows, municipality=place)
            for row in preview.rows:
                for error in row.errors:
                    column = f", kolumn {error.column}" if error.column else ""
                    self.stderr.write(f"Rad {row.number}{column}: {error.message}")
                for warning in row.warnings:
                    self.stdout.write(f"Rad {row.number} (varning): {warning}")
            result = importer.register_import(
                rows=rows, municipality=place, actor=actor, dry_run=dry_run
            )
        except ActionRefused as exc:
            raise CommandError(str(exc.message)) from exc
        summary = (
            f"{len(preview.rows)} rader: {preview.new} nya organisationer, "
            f"{preview.accession_only} anslutningar till organisationer som redan fanns, "
            f"{preview.already} redan i registret."
        )
        if dry_run:
            self.stdout.write(f"Provkörning, inget sparat. {summary}")
        elif result.accessions_created == 0:
            self.stdout.write(f"Inget nytt att importera: filen finns redan i registret. {summary}")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Importerat: {result.organisations_created} organisationer och "
                    f"{result.accessions_created} anslutningar. {summary}"
                )
            )
