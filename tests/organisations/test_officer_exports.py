"""The officers' export of their register (organisations.exports): the list of organisations,
filtered as on the page, whole, as Excel and as CSV; who may have it."""

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

from agreements.models import Municipality
from organisations.models import Accession, Organisation
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    OrganisationFactory,
    RepresentativeFactory,
    with_mfa,
)

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx")
SWEDISH_HEADERS = [
    "Namn",
    "Organisationsnummer",
    "Organisationsform",
    "Kommun",
    "Anslutningens status",
    "Undertecknad",
    "Version av överenskommelsen",
    "Gatuadress",
    "Postnummer",
    "Ort",
    "Offentlig e-postadress",
    "Offentligt telefonnummer",
    "Webbplats",
    "Kontaktperson",
    "Kontaktpersonens e-postadress",
    "Kontaktpersonens telefonnummer",
    "Registrerad",
    "Senast ändrad",
]
SIGNED = timezone.make_aware(datetime.datetime(2025, 12, 3, 12, 30))


def _municipality(slug):
    return Municipality.objects.get(slug=slug)


@pytest.fixture
def register():
    """Göteborg: a signatory (with a formula for a city), one waiting, one never signed; and
    an organisation of Borås."""
    goteborg = _municipality("goteborg")
    active = OrganisationFactory(
        name="Aktiva föreningen",
        municipality=goteborg,
        city='=HYPERLINK("http://x.example","klicka")',
        contact_name="Karin Kontakt",
        contact_email="karin@aktiva.example.se",
    )
    AccessionFactory(organisation=active, signed_at=SIGNED)
    pending = OrganisationFactory(
        name="Väntande stiftelsen", municipality=goteborg, legal_form="foundation"
    )
    AccessionFactory(organisation=pending, status=Accession.Status.PENDING)
    never = OrganisationFactory(name="Nya nätverket", municipality=goteborg, legal_form="network")
    boras = OrganisationFactory(name="Borås förening", municipality=_municipality("boras"))
    AccessionFactory(organisation=boras)
    return {"active": active, "pending": pending, "never": never, "boras": boras}


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def export(client, fmt, **params):
    return client.get(reverse(f"organisations:officer-organisations-{fmt}"), params)


def xlsx_rows(response):
    assert response.status_code == 200, response.content[:2000]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    return workbook, sheet, {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def csv_rows(response):
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    return rows[0], {row[0]: row for row in rows[1:]}


def test_register_xlsx_has_swedish_headers_labels_and_dates(officer_client, register):
    workbook, sheet, rows = xlsx_rows(export(officer_client, "xlsx"))
    assert sheet.title == "Organisationer"
    assert workbook.properties.title == "Organisationer i Göteborgs Stad"
    assert workbook.properties.creator == "Lokala överenskommelser om samverkan"
    assert [c.value for c in sheet[1]] == SWEDISH_HEADERS
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:R4"
    # The officer's own municipality only.
    assert set(rows) == {"Aktiva föreningen", "Väntande stiftelsen", "Nya nätverket"}
    active = rows["Aktiva föreningen"]
    assert active[2].value == "Ideell förening"  # a label, not "association"
    assert active[3].value == "Göteborgs Stad"
    assert active[4].value == "Aktiv"
    assert active[5].is_date and active[5].value == datetime.datetime(2025, 12, 3)
    assert active[6].value == register["active"].accessions.get().version.title
    assert (active[9].value, active[9].data_type) == (register["active"].city, "s")
    assert active[13].value == "Karin Kontakt"
    assert active[16].is_date and active[17].is_date
    assert rows["Väntande stiftelsen"][2].value == "Stiftelse"
    assert rows["Väntande stiftelsen"][4].value == "Väntar på verifiering"
    never = rows["Nya nätverket"]
    assert never[4].value == "Inte undertecknat"
    assert never[5].value is None and never[6].value is None
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_register_csv_opens_in_swedish_excel(officer_client, register):
    response = export(officer_client, "csv")
    assert response["Content-Disposition"] == 'attachment; filename="organisationer.csv"'
    assert response["Cache-Control"] == "private, no-store"
    header, rows = csv_rows(response)
    assert header == SWEDISH_HEADERS
    active = rows["Aktiva föreningen"]
    assert active[2:6] == ["Ideell förening", "Göteborgs Stad", "Aktiv", "2025-12-03"]
    assert active[9] == "'" + register["active"].city  # never run by a spreadsheet
    assert "Borås förening" not in rows


def test_register_export_in_english_for_an_officer_who_chose_it(english, officer, register):
    english.force_login(officer)
    _workbook, sheet, rows = xlsx_rows(export(english, "xlsx"))
    assert [c.value for c in sheet[1]][:5] == [
        "Name",
        "Organisation number",
        "Legal form",
        "Municipality",
        "Accession status",
    ]
    assert rows["Aktiva föreningen"][2].value == "Non-profit association"
    assert rows["Aktiva föreningen"][4].value == "Active signatory"


@pytest.mark.parametrize("fmt", FORMATS)
def test_register_export_holds_what_the_filter_chooses_on_every_page(officer_client, fmt, register):
    OrganisationFactory.create_batch(55, name="Sidföreningen")
    if fmt == "xlsx":
        _workbook, sheet, _rows = xlsx_rows(export(officer_client, fmt, q="sidför"))
        assert sheet.max_row == 56  # beyond the page of 50, the header and every row
        _workbook, _sheet, rows = xlsx_rows(export(officer_client, fmt, status="pending"))
    else:
        _header, rows = csv_rows(export(officer_client, fmt, legal_form="network"))
        assert set(rows) == {"Nya nätverket"}
        _header, rows = csv_rows(export(officer_client, fmt, status="pending"))
    assert set(rows) == {"Väntande stiftelsen"}


def test_the_list_links_to_its_exports_with_the_filter(officer_client, register):
    html = officer_client.get(
        reverse("organisations:officer-organisations"), {"status": "active", "page": "1"}
    ).content.decode()
    for fmt in FORMATS:
        assert f'{reverse(f"organisations:officer-organisations-{fmt}")}?status=active"' in html
    assert "Ladda ned listan som Excel (XLSX)" in html
    assert "Ladda ned listan som CSV" in html


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_filter_downloads_nothing_and_says_why(officer_client, register, fmt):
    response = export(officer_client, fmt, status="x")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "status" in response.context["form"].errors


def test_only_officers_get_the_register_each_their_own(register, officer, boras_officer):
    representative = RepresentativeFactory(organisation=register["active"]).user
    council_member = with_mfa(CouncilMembershipFactory().user)
    before = list(Organisation.objects.order_by("pk").values_list("pk", "name", "updated_at"))
    login = reverse("account_login")
    for fmt in FORMATS:
        address = reverse(f"organisations:officer-organisations-{fmt}")
        response = Client().get(address)
        assert response.status_code == 302 and response["Location"].startswith(login)
        for user in (representative, council_member):
            client = Client()
            client.force_login(user)
            response = client.get(address)
            assert response.status_code == 403
            assert not response["Content-Type"].startswith(("text/csv", "application/vnd"))
        client = Client()
        client.force_login(boras_officer)
        response = client.get(address)
        assert response.status_code == 200
        names = set(csv_rows(response)[1]) if fmt == "csv" else set(xlsx_rows(response)[2])
        assert names == {"Borås förening"}  # another municipality's officer: their own only
        client.force_login(officer)
        assert client.post(address).status_code == 405
    assert list(Organisation.objects.order_by("pk").values_list("pk", "name", "updated_at")) == (
        before
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_register_export_query_count_does_not_grow_with_rows(officer_client, fmt):
    def make(n):
        for organisation in OrganisationFactory.create_batch(n):
            AccessionFactory(organisation=organisation)
            AccessionFactory(organisation=organisation, status=Accession.Status.WITHDRAWN)

    make(5)
    with CaptureQueriesContext(connection) as few:
        assert export(officer_client, fmt).status_code == 200
    make(95)
    with CaptureQueriesContext(connection) as many:
        assert export(officer_client, fmt).status_code == 200
    assert len(many) == len(few)
