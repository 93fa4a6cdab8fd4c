"""Import a register of 5,000 rows as an officer does, and report how long each step takes.

    python -m bench.register_import [ROWS]

Builds a CSV file of ROWS new organisations (semicolons and a BOM, as Swedish Excel writes it;
organisation numbers in a range the national data set does not use) for Göteborg, reads it,
checks every row (the preview) and imports it (``register_import``, which checks the file again
and writes in one transaction). Everything is rolled back at the end, so the data set is left
as it was and the step can run again. Prints one line of JSON.
"""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from stdnum import luhn  # noqa: E402

from agreements.models import Municipality  # noqa: E402
from organisations import register_import as importer  # noqa: E402
from organisations.models import OfficerRole  # noqa: E402


class Rollback(Exception):
    pass


def number(n: int) -> str:
    base = f"89{n:07d}"  # group 8, a third digit of 9 (never a personal identity number)
    check = next(d for d in range(10) if luhn.is_valid(f"{base}{d}"))
    return f"{base[:6]}-{base[6:]}{check}"


def register_csv(rows: int) -> bytes:
    lines = [";".join(importer.HEADERS)]
    for n in range(rows):
        values = {
            "namn": f"Benchföreningen {n}",
            "organisationsnummer": number(n),
            "organisationsform": "ideell förening",
            "e-post": f"info{n}@bench.example.se",
            "ort": "Göteborg",
            "undertecknad_datum": f"{1 + n % 28}/{1 + n % 12}/{2010 + n % 15}",
            "källa": ("papper", "dialogforum", "import")[n % 3],
            "firmatecknare": f"Signe Tecknare {n}",
            "anteckning": "Pärm 3",
        }
        lines.append(";".join(values.get(header, "") for header in importer.HEADERS))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    data = register_csv(rows)
    municipality = Municipality.objects.get(slug="goteborg")
    figures: dict[str, object] = {"rows": rows, "bytes": len(data)}
    try:
        with transaction.atomic():
            officer, _created = get_user_model().objects.get_or_create(
                username="bench-import", defaults={"email": "bench-import@example.se"}
            )
            OfficerRole.objects.get_or_create(user=officer, municipality=municipality)
            t0 = time.perf_counter()
            parsed = importer.read_file(data, "register.csv")
            t1 = time.perf_counter()
            preview = importer.import_preview(rows=parsed, municipality=municipality)
            t2 = time.perf_counter()
            result = importer.register_import(
                rows=parsed,
                municipality=municipality,
                actor=officer,
                fingerprint=preview.fingerprint(),
            )
            t3 = time.perf_counter()
            figures.update(
                read_seconds=round(t1 - t0, 2),
                preview_seconds=round(t2 - t1, 2),
                import_seconds=round(t3 - t2, 2),
                total_seconds=round(t3 - t0, 2),
                organisations_created=result.organisations_created,
                accessions_created=result.accessions_created,
                errors=len(preview.error_rows),
            )
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
