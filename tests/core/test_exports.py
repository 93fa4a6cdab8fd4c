"""The one writer of spreadsheet files (core.exports): the same table as Excel and as CSV."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.utils import translation
from openpyxl import load_workbook

from core.exports import (
    WIDTH_MAX,
    XLSX_CELL_MAX,
    Column,
    Kind,
    Table,
    csv_response,
    export_response,
    sheet_name,
    xlsx_bytes,
    xlsx_response,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# 14:05 in Stockholm (summer time), 12:05 UTC.
SIGNED = datetime.datetime(2026, 6, 1, 12, 5, 33, tzinfo=datetime.UTC)
FORMULAS = ['=HYPERLINK("http://x.example","klicka")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def table(rows=None, **overrides):
    values = {
        "title": "Alla svar: Uppföljning 2026",
        "sheet": "Svar",
        "filename": "uppfoljning-2026-7-svar",
        "columns": [
            Column("Namn"),
            Column("Antal", Kind.NUMBER),
            Column("Dag", Kind.DATE),
            Column("Inskickad", Kind.DATETIME),
        ],
        "rows": rows
        if rows is not None
        else [
            ["Föreningen Åäö", 7, datetime.date(2026, 5, 31), SIGNED],
            ["Utan allt", None, None, None],
        ],
    }
    values.update(overrides)
    return Table(**values)


def read(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return workbook, workbook.active


def test_xlsx_header_is_bold_frozen_filtered_and_the_document_named():
    with translation.override("sv"):
        workbook, sheet = read(xlsx_bytes([table()]))
    assert sheet.title == "Svar"
    assert [c.value for c in sheet[1]] == ["Namn", "Antal", "Dag", "Inskickad"]
    assert all(c.font.b for c in sheet[1]) and not any(c.font.b for c in sheet[2])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert sheet.print_title_rows == "$1:$1"
    assert workbook.properties.title == "Alla svar: Uppföljning 2026"
    assert workbook.properties.creator == "Lokala överenskommelser om samverkan"
    assert workbook.properties.language == "sv"


def test_xlsx_dates_are_dates_in_stockholm_time_and_numbers_are_numbers():
    _workbook, sheet = read(xlsx_bytes([table()]))
    name, number, day, when = sheet[2]
    assert (name.value, name.data_type) == ("Föreningen Åäö", "s")
    assert (number.value, number.data_type) == (7, "n")
    assert day.is_date and day.value == datetime.datetime(2026, 5, 31)
    assert day.number_format == "yyyy-mm-dd"
    assert when.is_date and when.value == datetime.datetime(2026, 6, 1, 14, 5, 33)
    assert when.number_format == "yyyy-mm-dd hh:mm"
    assert [c.value for c in sheet[3]] == ["Utan allt", None, None, None]


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_text_that_looks_like_a_formula_is_stored_as_text(text):
    _workbook, sheet = read(xlsx_bytes([table(rows=[[text, -5, None, None]])]))
    cell = sheet["A2"]
    assert cell.value == text and cell.data_type == "s"
    assert cell.quotePrefix  # Excel keeps it text when someone edits it
    # A number is a number, also when it is negative.
    assert (sheet["B2"].value, sheet["B2"].data_type) == (-5, "n")


def test_xlsx_widths_follow_the_contents_within_bounds():
    rows = [["x" * 200, 1, None, None], ["kort", 2, None, None]]
    columns = [
        Column("Namn"),
        Column("Antal", Kind.NUMBER),
        Column("Dag", Kind.DATE),
        Column("Fast", width=33),
    ]
    _workbook, sheet = read(xlsx_bytes([table(rows=rows, columns=columns)]))
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCD"}
    assert widths["A"] == WIDTH_MAX
    assert 8 <= widths["B"] < 20
    assert widths["C"] >= 12
    assert widths["D"] == 33


def test_xlsx_drops_control_characters_and_cuts_what_excel_cannot_hold():
    rows = [["a\x00b\x0bc\x1fd\te\nf", None, None, None], ["y" * 40000, None, None, None]]
    _workbook, sheet = read(xlsx_bytes([table(rows=rows)]))
    assert sheet["A2"].value == "abcd\te\nf"
    assert len(sheet["A3"].value) == XLSX_CELL_MAX and sheet["A3"].value.endswith("…")


def test_sheet_names_are_names_excel_accepts():
    assert sheet_name("Svar: [2026/2027]?") == "Svar 2026 2027"
    assert len(sheet_name("Inte inskickade än: " + "x" * 40)) == 31
    assert sheet_name("'*'") == "Blad1"


def test_several_sheets_in_one_workbook():
    second = table(sheet="Anvisningar", columns=[Column("kolumn")], rows=[["namn"]])
    workbook = load_workbook(io.BytesIO(xlsx_bytes([table(), second], title="Mall")))
    assert workbook.sheetnames == ["Svar", "Anvisningar"]
    assert workbook.properties.title == "Mall"
    assert workbook["Anvisningar"]["A2"].value == "namn"


def test_a_value_of_the_wrong_kind_is_a_programming_error():
    for row in (["x", "7", None, None], ["x", True, None, None], ["x", None, "2026", None]):
        with pytest.raises(TypeError):
            xlsx_bytes([table(rows=[row])])
        with pytest.raises(TypeError):
            csv_response(table(rows=[row]))


def test_csv_is_what_swedish_excel_opens_bom_semicolons_crlf():
    with translation.override("sv"):
        response = csv_response(
            table(
                rows=[
                    ['Föreningen; "Åäö"', 7, datetime.date(2026, 5, 31), SIGNED],
                    ["Utan allt", Decimal("3.5"), None, None],
                    ["rad ett\nrad två", -5, None, None],
                ]
            )
        )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="uppfoljning-2026-7-svar.csv"'
    assert response["Cache-Control"] == "private, no-store"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbfNamn;Antal;Dag;Inskickad\r\n")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Namn", "Antal", "Dag", "Inskickad"],
        ['Föreningen; "Åäö"', "7", "2026-05-31", "2026-06-01 14:05"],
        ["Utan allt", "3,5", "", ""],  # the Swedish decimal comma
        ["rad ett\nrad två", "-5", "", ""],  # a negative number is not a formula
    ]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_text_that_looks_like_a_formula_gets_a_quote(text):
    body = csv_response(table(rows=[[text, None, None, None]])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[1][0] == "'" + text


def test_xlsx_response_is_a_private_download():
    response = xlsx_response(table())
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="uppfoljning-2026-7-svar.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"PK")


def test_export_response_knows_two_formats():
    assert export_response(table(), "csv")["Content-Type"].startswith("text/csv")
    assert export_response(table(), "xlsx").content.startswith(b"PK")
    with pytest.raises(Http404):
        export_response(table(), "ods")
