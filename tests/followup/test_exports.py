"""The officers' exports of a cycle (followup.exports): every answer, every report and those not
submitted yet, as Excel and as CSV, read back as an officer's spreadsheet would; who may have them.
"""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import OutgoingMail
from followup.dashboard import PENDING_SHOWN
from followup.models import Answer, Cycle, CycleEvent, Report
from followup.views.officer import EXPORT_REFUSED
from tests.factories import OrganisationFactory

from .worlds import open_cycle_with_report

pytestmark = pytest.mark.django_db

EXPORTS = ("answers", "reports", "pending")
FORMATS = ("csv", "xlsx")
FORMULA = '=HYPERLINK("http://example.com","klicka")'
SWEDISH_ANSWER_HEADERS = [
    "Omgång",
    "Grupp som tillfrågas",
    "Svarande",
    "Rapportens status",
    "Inskickad",
    "Avsnitt",
    "Fråga",
    "Typ av svar",
    "Självskattning (1–5)",
    "Vet inte / ej tillämpligt",
    "Antal",
    "Svar",
    "Kommentar",
    "Exempel",
]


@pytest.fixture
def cycle(django_capture_on_commit_callbacks):
    """Göteborg's open follow-up: one organisation's report submitted, with a formula for an
    answer, a quote, a semicolon and a line break in a comment; another not started."""
    cycle = open_cycle_with_report(django_capture_on_commit_callbacks)
    report = cycle.reports.get(organisation=cycle.rep.organisation)
    answer = report.answers.order_by("question__order").first()
    answer.text = FORMULA
    answer.comment = 'Vi sa "ja"; sedan,\nnej'
    answer.save()
    cycle.report, cycle.answer = report, answer
    cycle.waiting = Report.objects.create(
        cycle=cycle, group="organisations", organisation=OrganisationFactory(name="Åkerföreningen")
    )
    return cycle


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def url(name, cycle, fmt):
    return reverse(f"followup:{name}-{fmt}", args=[cycle.pk])


def sheet_of(response):
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    return workbook, workbook.active


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the text as UTF-8
    text = body.decode("utf-8-sig")
    assert csv.Sniffer().sniff(text.splitlines()[0]).delimiter == ";"
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# --- Every answer -------------------------------------------------------------------------------


def test_answers_xlsx_has_swedish_headers_labels_dates_and_never_a_formula(officer_client, cycle):
    response = officer_client.get(url("answers", cycle, "xlsx"))
    workbook, sheet = sheet_of(response)
    assert response["Content-Disposition"].endswith('-svar.xlsx"')
    assert response["Cache-Control"] == "private, no-store"
    assert sheet.title == "Svar"
    assert workbook.properties.title == f"Alla svar: {cycle.title}"
    assert workbook.properties.creator == "Lokala överenskommelser om samverkan"
    assert [c.value for c in sheet[1]] == SWEDISH_ANSWER_HEADERS
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:N")
    rows = list(sheet.iter_rows(min_row=2))
    mine = [r for r in rows if r[2].value == cycle.rep.organisation.name]
    first = next(r for r in mine if r[6].value == cycle.answer.question.text)
    # Labels, not codes, in Swedish.
    assert first[1].value == "Organisationer som har undertecknat"
    assert first[3].value == "Inskickad"
    assert first[7].value == "Självskattning 1–5"
    assert first[9].value == "Nej"
    # A date is a date, in Stockholm time; a score a number.
    assert first[4].is_date
    submitted = timezone.localtime(cycle.report.submitted_at).replace(tzinfo=None)
    assert abs(first[4].value - submitted) < datetime.timedelta(seconds=1)
    assert (first[8].value, first[8].data_type) == (4, "n")
    # The formula-looking answer is text, exactly as typed; no cell is a formula.
    assert (first[11].value, first[11].data_type) == (FORMULA, "s")
    assert first[12].value == 'Vi sa "ja"; sedan,\nnej'
    assert not any(c.data_type == "f" for r in rows for c in r)
    # The report not started is there too, without answers.
    waiting = [r for r in rows if r[2].value == "Åkerföreningen"]
    assert waiting and all(r[3].value == "Inte påbörjad" and r[4].value is None for r in waiting)


def test_answers_xlsx_in_english_for_an_officer_who_chose_it(english, officer, cycle):
    english.force_login(officer)
    _workbook, sheet = sheet_of(english.get(url("answers", cycle, "xlsx")))
    assert [c.value for c in sheet[1]][:5] == [
        "Cycle",
        "Respondent group",
        "Respondent",
        "Report status",
        "Submitted",
    ]
    assert sheet.title == "Answers"
    statuses = {r[3].value for r in sheet.iter_rows(min_row=2)}
    assert statuses == {"Submitted", "Not started"}


def test_answers_csv_opens_in_swedish_excel_with_every_answer_protected(officer_client, cycle):
    response = officer_client.get(url("answers", cycle, "csv"))
    assert response["Content-Disposition"].endswith('-svar.csv"')
    assert response["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    header, rows = rows[0], rows[1:]
    assert header == SWEDISH_ANSWER_HEADERS
    assert all(len(row) == 14 for row in rows)
    # One row per report and question asked of it.
    expected = sum(1 for r in cycle.reports.all() for q in cycle.questions.all() if q.asks(r.group))
    assert len(rows) == expected
    mine = [row for row in rows if row[2] == cycle.rep.organisation.name]
    assert all(row[3] == "Inskickad" for row in mine)
    first = next(row for row in mine if row[6] == cycle.answer.question.text)
    assert first[0] == cycle.title
    assert first[4] == timezone.localtime(cycle.report.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert (first[8], first[9]) == ("4", "Nej")
    assert first[11] == "'" + FORMULA  # a spreadsheet never runs it
    assert first[12] == 'Vi sa "ja"; sedan,\nnej'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_files_are_named_after_the_cycle_with_its_years_apart(officer_client, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(title="Utvärdering 2024–2025")
    names = {
        (name, fmt): officer_client.get(url(name, cycle, fmt))["Content-Disposition"]
        for name in EXPORTS
        for fmt in FORMATS
    }
    stem = f"utvardering-2024-2025-{cycle.pk}"
    assert names[("answers", "xlsx")] == f'attachment; filename="{stem}-svar.xlsx"'
    assert names[("reports", "csv")] == f'attachment; filename="{stem}-rapporter.csv"'
    assert names[("pending", "xlsx")] == f'attachment; filename="{stem}-ej-inskickade.xlsx"'


# --- The dashboard's lists ----------------------------------------------------------------------


def test_the_lists_hold_every_report_also_beyond_the_dashboards_page(officer_client, cycle):
    for i in range(PENDING_SHOWN + 5):
        Report.objects.create(
            cycle=cycle, group="organisations", organisation=OrganisationFactory(name=f"Ö-{i:02}")
        )
    Report.objects.filter(pk=cycle.waiting.pk).update(
        status=Report.Status.DRAFT, updated_at=timezone.now()
    )
    total = cycle.reports.count()
    not_submitted = total - 1

    workbook, sheet = sheet_of(officer_client.get(url("reports", cycle, "xlsx")))
    assert [c.value for c in sheet[1]] == [
        "Svarande",
        "Grupp som tillfrågas",
        "Status",
        "Senast sparad",
        "Inskickad",
        "Senast påmind",
    ]
    assert sheet.title == "Rapporter"
    assert workbook.properties.title == f"Rapporter: {cycle.title}"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == total
    # In the dashboard's order: by name, ignoring case (Å and Ö after the Latin letters).
    by_name = {row[0]: row for row in rows}
    assert by_name[cycle.rep.organisation.name][2] == "Inskickad"
    assert isinstance(by_name[cycle.rep.organisation.name][4], datetime.datetime)
    assert by_name["Åkerföreningen"][2] == "Utkast"
    assert isinstance(by_name["Åkerföreningen"][3], datetime.datetime)
    assert by_name["Ö-00"][2:] == ("Inte påbörjad", None, None, None)

    workbook, sheet = sheet_of(officer_client.get(url("pending", cycle, "xlsx")))
    assert sheet.title == "Inte inskickade än"
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == not_submitted > PENDING_SHOWN
    assert cycle.rep.organisation.name not in names and "Åkerföreningen" in names

    rows = csv_rows(officer_client.get(url("pending", cycle, "csv")))
    assert rows[0][0] == "Svarande" and len(rows) == not_submitted + 1
    assert [row[0] for row in rows[1:]] == names


# --- Who may ------------------------------------------------------------------------------------


def _state():
    """Everything an export could have changed, were it to write."""
    return (
        list(Cycle.objects.order_by("pk").values_list("pk", "status", "title")),
        list(Report.objects.order_by("pk").values_list("pk", "status", "revision")),
        list(Answer.objects.order_by("pk").values_list("pk", "text", "score")),
        CycleEvent.objects.count(),
        OutgoingMail.objects.count(),
    )


def test_only_the_cycles_officers_get_an_export(cycle, officer, boras_officer, member):
    login = reverse("account_login")
    before = _state()
    refused = {
        "an organisation's representative": cycle.rep.user,
        "a council member": member,
        "another municipality's officer": boras_officer,
    }
    for name in EXPORTS:
        for fmt in FORMATS:
            address = url(name, cycle, fmt)
            response = Client().get(address)
            assert response.status_code == 302 and response["Location"].startswith(login)
            for who, user in refused.items():
                client = Client()
                client.force_login(user)
                response = client.get(address)
                assert response.status_code == 403, (who, address)
                assert str(EXPORT_REFUSED) in response.content.decode(), (who, address)
                assert not response["Content-Type"].startswith(("text/csv", "application/vnd"))
            client = Client()
            client.force_login(officer)
            assert client.get(address).status_code == 200
            missing = reverse(f"followup:{name}-{fmt}", args=[cycle.pk + 1000])
            assert client.get(missing).status_code == 404
            assert client.post(address).status_code == 405
    assert _state() == before


def test_the_refusal_is_in_swedish():
    assert str(EXPORT_REFUSED).startswith("Du kan bara ladda ned svar och listor")


# --- Queries ------------------------------------------------------------------------------------


def _many_reports(cycle, n):
    reports = Report.objects.bulk_create(
        Report(
            cycle=cycle,
            group="organisations",
            organisation=organisation,
            status=Report.Status.SUBMITTED if i % 2 else Report.Status.DRAFT,
            submitted_at=timezone.now() if i % 2 else None,
        )
        for i, organisation in enumerate(OrganisationFactory.create_batch(n))
    )
    questions = [q for q in cycle.questions.all() if q.asks("organisations")][:3]
    Answer.objects.bulk_create(
        Answer(report=report, question=question, score=3, comment="Ok", text="=1+1")
        for report in reports
        for question in questions
    )


def _queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_export_query_counts_do_not_grow_with_reports(officer_client, cycle):
    addresses = [url(name, cycle, fmt) for name in EXPORTS for fmt in FORMATS]
    _many_reports(cycle, 5)
    few = [_queries(officer_client, address) for address in addresses]
    _many_reports(cycle, 95)
    assert cycle.reports.count() > 100
    assert [_queries(officer_client, address) for address in addresses] == few
