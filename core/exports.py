"""Files for a spreadsheet, written once: the officers' exports as CSV and as Excel (XLSX).

Each domain app describes an export as a ``Table`` (its columns, each with a header and a kind,
and its rows of values); this module only writes it. Both writers take the same table, so the
CSV and the XLSX of an export cannot drift apart:

- **XLSX** (``xlsx_response``): the header row bold, frozen and with a filter, columns about as
  wide as their contents, dates and times as real Excel dates in the municipality's time zone,
  numbers as numbers, the document's title, creator (the portal's name) and language set. No
  cell is ever a formula: text that a spreadsheet would run (it begins with = + - @, a tab or a
  carriage return) is stored as text, marked so that Excel keeps it text when it is edited.
- **CSV** (``csv_response``): as Swedish Excel opens it with a double click, UTF-8 with a byte
  order mark and semicolons between the fields (docs/architecture.md says why), RFC 4180 quoting
  otherwise; text that a spreadsheet would run gets a leading single quote (``csv_safe``).

The open data (``organisations.opendata``) is not an export for people but for programs: it
stays comma-separated RFC 4180 and uses only ``csv_safe`` from here.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Choices
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.text import capfirst

# A cell that starts with one of these is a formula to a spreadsheet program (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# What Swedish Excel expects of a CSV file it opens with a double click (docs/architecture.md).
CSV_DELIMITER = ";"
FORMATS = ("csv", "xlsx")

# Excel's own limits: a cell holds at most 32,767 characters, a sheet's name at most 31.
XLSX_CELL_MAX = 32767
SHEET_NAME_MAX = 31
# Characters XML 1.0 cannot hold (control characters other than tab, newline and carriage
# return): openpyxl refuses them, so they are dropped from the XLSX.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# Column widths, in characters: from the header and the first rows, within these bounds.
WIDTH_SAMPLE = 200
WIDTH_MIN = 8
WIDTH_MAX = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# A cell's value: what a Column of each Kind takes (None is an empty cell).
Value = str | Promise | int | float | Decimal | datetime.date | datetime.datetime | None


def choice_labels(choices: type[Choices]) -> dict[str, str]:
    """Each code's label in the current language, capitalised, for an export's cells: looked up
    once for the whole file (``get_FOO_display`` builds its table of choices on every call)."""
    return {str(value): capfirst(str(label)) for value, label in choices.choices}


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class Kind(enum.Enum):
    """What a column holds, and so how each writer writes its cells."""

    TEXT = "text"
    NUMBER = "number"  # int, float or Decimal
    DATE = "date"  # a date (a datetime is taken on its day in the municipality's time zone)
    DATETIME = "datetime"  # an aware datetime, written in the municipality's time zone


@dataclass(frozen=True)
class Column:
    header: str | Promise  # in the user's language
    kind: Kind = Kind.TEXT
    width: int | None = None  # in characters; None: from the header and the first rows


@dataclass(frozen=True)
class Table:
    """One export: its rows are read once, by whichever writer writes it."""

    title: str | Promise  # the document's title, e.g. "Alla svar: Uppföljning 2026"
    sheet: str | Promise  # the worksheet's name, e.g. "Svar" (cut to 31 characters)
    filename: str  # without the extension: ASCII, e.g. "uppfoljning-2026-7-svar"
    columns: Sequence[Column]
    rows: Iterable[Sequence[Value]]


def export_response(table: Table, fmt: str) -> HttpResponse:
    """The table as a download in one of FORMATS (any other is 404)."""
    if fmt == "csv":
        return csv_response(table)
    if fmt == "xlsx":
        return xlsx_response(table)
    raise Http404


# --- CSV ----------------------------------------------------------------------------------------


def _csv_value(kind: Kind, value: Value) -> str:
    if value is None:
        return ""
    if kind is Kind.NUMBER:
        number = _number(value)
        return str(number) if isinstance(number, int) else number_format(number)
    if kind is Kind.DATE:
        return _date(value).isoformat()
    if kind is Kind.DATETIME:
        return _datetime(value).strftime("%Y-%m-%d %H:%M")
    return str(csv_safe(str(value)))


def csv_response(table: Table) -> HttpResponse:
    """The table as CSV for a spreadsheet: a BOM, semicolons, CRLF, a header row; never kept by
    a cache (it is not public)."""
    response = _download(table, "csv", CSV_CONTENT_TYPE)
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([str(column.header) for column in table.columns])
    kinds = [column.kind for column in table.columns]
    for row in table.rows:
        writer.writerow([_csv_value(kind, value) for kind, value in zip(kinds, row, strict=True)])
    return response


# --- XLSX ---------------------------------------------------------------------------------------


def _text(value: Value) -> str:
    text = _ILLEGAL.sub("", str(value))
    return text if len(text) <= XLSX_CELL_MAX else text[: XLSX_CELL_MAX - 1] + "…"


def _width(column: Column, values: Iterable[Value]) -> float:
    """The column's width from its header and these values (the first rows), which are checked
    against the column's kind on the way, before anything is written."""
    written = [_csv_value(column.kind, value) for value in values if value is not None]
    if column.width is not None:
        return column.width
    header = len(str(column.header)) + 3  # bold, and the filter's button
    if column.kind is Kind.DATE:
        return max(header, 12)
    if column.kind is Kind.DATETIME:
        return max(header, 17)
    longest = max((len(line) for text in written for line in text.splitlines()), default=0)
    return max(WIDTH_MIN, min(WIDTH_MAX, max(header, longest + 2)))


def sheet_name(name: str | Promise) -> str:
    """A name Excel accepts for a worksheet: none of []:*?/\\, at most 31 characters."""
    cleaned = " ".join(_NOT_IN_SHEET_NAME.sub(" ", _ILLEGAL.sub("", str(name))).split()).strip("'")
    return cleaned[:SHEET_NAME_MAX].strip() or "Blad1"


def _xlsx_cell(sheet: Any, kind: Kind, value: Value) -> Any:
    """What a write-only sheet's row takes for this value: the value, or a styled cell."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if kind is Kind.NUMBER:
        return _number(value)
    if kind is Kind.DATE:
        written = WriteOnlyCell(sheet, value=_date(value))
        written.number_format = DATE_FORMAT
        return written
    if kind is Kind.DATETIME:
        # Excel has no time zones: the municipality's wall-clock time.
        written = WriteOnlyCell(sheet, value=_datetime(value).replace(tzinfo=None, microsecond=0))
        written.number_format = DATETIME_FORMAT
        return written
    text = _text(value)
    if not text.startswith(FORMULA_START):
        return text
    # Text that would be a formula: stored as a string (openpyxl would otherwise write "=…" as a
    # formula) and marked as text, so that Excel keeps it text when someone edits the cell.
    written = WriteOnlyCell(sheet, value=text)
    written.data_type = "s"
    written.quotePrefix = True
    return written


def xlsx_bytes(tables: Sequence[Table], *, title: str | Promise | None = None) -> bytes:
    """A workbook with a worksheet per table (the first table's title unless ``title``)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only: rows go to the file as they come, so a large export never holds every cell.
    workbook = Workbook(write_only=True)
    properties = workbook.properties
    properties.title = str(title if title is not None else tables[0].title)
    properties.creator = str(settings.PORTAL_NAME)
    properties.lastModifiedBy = properties.creator
    properties.language = translation.get_language() or settings.LANGUAGE_CODE
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.sheet))
        rows: Iterator[Sequence[Value]] = iter(table.rows)
        sample = list(itertools.islice(rows, WIDTH_SAMPLE))
        # Widths before the first row: a write-only sheet writes its columns first.
        for index, column in enumerate(table.columns):
            sheet.column_dimensions[get_column_letter(index + 1)].width = _width(
                column, (row[index] for row in sample)
            )
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"  # the header on every printed page

        header_cells = []
        for column in table.columns:
            header = WriteOnlyCell(sheet, value=_text(column.header))
            header.data_type = "s"
            header.font = bold
            header_cells.append(header)
        sheet.append(header_cells)
        kinds = [column.kind for column in table.columns]
        count = 0
        for row in itertools.chain(sample, rows):
            sheet.append(
                [_xlsx_cell(sheet, kind, value) for kind, value in zip(kinds, row, strict=True)]
            )
            count += 1
        last = get_column_letter(max(1, len(table.columns)))
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(table: Table) -> HttpResponse:
    """The table as an Excel workbook of one sheet; never kept by a cache."""
    response = _download(table, "xlsx", XLSX_CONTENT_TYPE)
    response.write(xlsx_bytes([table]))
    return response


# --- Helpers ------------------------------------------------------------------------------------


def _download(table: Table, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _number(value: Value) -> int | float | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"not a number: {value!r}")
    return value


def _datetime(value: Value) -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return timezone.localtime(value)


def _date(value: Value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    if not isinstance(value, datetime.date):
        raise TypeError(f"not a date: {value!r}")
    return value
