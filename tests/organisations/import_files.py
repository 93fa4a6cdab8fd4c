"""Files for the register import's tests: CSV (with semicolons, a BOM) and XLSX built in memory."""

from __future__ import annotations

import io

from organisations.register_import import HEADERS
from tests.factories import valid_organisation_number


def number(n: int) -> str:
    return valid_organisation_number(900_000 + n)


def row(n: int, **values: str) -> dict[str, str]:
    base = {
        "namn": f"Importföreningen {n}",
        "organisationsnummer": number(n),
        "organisationsform": "ideell förening",
        "undertecknad_datum": "2017-05-12",
        "källa": "papper",
        "firmatecknare": f"Signe Tecknare {n}",
    }
    base.update(values)
    return base


def csv_bytes(rows: list[dict[str, str]], *, delimiter: str = ";", bom: bool = True) -> bytes:
    lines = [delimiter.join(HEADERS)]
    for values in rows:
        lines.append(delimiter.join(values.get(header, "") for header in HEADERS))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def xlsx_bytes(rows: list[dict[str, object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for values in rows:
        sheet.append([values.get(header) for header in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
