"""The officers' import pages: upload, the check of every row, confirmation (issue 17, item 2)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agreements.models import Municipality
from organisations.models import Accession, Organisation
from organisations.views.officer_import import SESSION_KEY, import_storage

from .import_files import csv_bytes, number, row, xlsx_bytes

pytestmark = pytest.mark.django_db

IMPORT = reverse("organisations:officer-import")


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def upload(client, content: bytes, name="register.csv", municipality="goteborg"):
    return client.post(
        IMPORT,
        {
            "municipality": Municipality.objects.get(slug=municipality).pk,
            "file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, response):
    token = response.context["token"]
    url = reverse("organisations:officer-import-confirm", args=[token])
    return client.post(url, {"fingerprint": response.context["fingerprint"]})


def imported():
    return Organisation.objects.filter(name__startswith="Importföreningen")


def test_import_page_offers_both_templates(officer_client):
    html = officer_client.get(IMPORT).content.decode()
    for kind in ("csv", "xlsx"):
        assert reverse("organisations:officer-import-template", args=[kind]) in html
    csv = officer_client.get(reverse("organisations:officer-import-template", args=["csv"]))
    assert csv.content.startswith(b"\xef\xbb\xbfnamn;organisationsnummer;")
    xlsx = officer_client.get(reverse("organisations:officer-import-template", args=["xlsx"]))
    assert xlsx.content.startswith(b"PK") and "attachment" in xlsx["Content-Disposition"]


def test_file_with_bad_rows_shows_each_error_in_swedish_and_saves_nothing(officer_client):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = upload(
        officer_client,
        csv_bytes(
            [row(1), row(2, undertecknad_datum=tomorrow), row(3, organisationsnummer=number(1))]
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Filen har fel: ingenting har importerats" in html
    assert 'id="row-3"' in html and 'href="#row-3"' in html and 'href="#row-4"' in html
    assert "ligger i framtiden" in html and "rad 2 i filen" in html
    assert "<caption>" in html and 'scope="col"' in html
    assert response.context["token"] is None
    assert not imported().exists() and SESSION_KEY not in officer_client.session


def test_good_file_is_saved_only_when_confirmed_with_its_signing_dates(officer_client, officer):
    response = upload(officer_client, csv_bytes([row(1), row(2, undertecknad_datum="1/2/2016")]))
    assert response.status_code == 200
    assert "Importera 2 anslutningar" in response.content.decode()
    assert not imported().exists()
    path = officer_client.session[SESSION_KEY]["path"]
    assert import_storage().exists(path)
    done = confirm(officer_client, response)
    assert done.status_code == 302
    assert imported().count() == 2
    accession = Accession.objects.get(organisation__organisation_number=number(2))
    assert timezone.localdate(accession.signed_at) == datetime.date(2016, 2, 1)
    assert accession.recorded_by == officer and accession.source == "paper"
    assert not import_storage().exists(path) and SESSION_KEY not in officer_client.session
    # Public: joined on the day of signing.
    page = officer_client.get(accession.organisation.get_absolute_url()).content.decode()
    assert '<time datetime="2016-02-01">' in page


def test_reimport_says_nothing_new(officer_client):
    data = xlsx_bytes([row(1)])
    confirm(officer_client, upload(officer_client, data, "register.xlsx"))
    again = upload(officer_client, data, "register.xlsx")
    assert again.status_code == 200
    assert "Det finns inget nytt att importera" in again.content.decode()
    followed = confirm(officer_client, again)
    assert followed.status_code == 302
    assert (
        imported().count() == 1
        and Accession.objects.filter(organisation__in=imported()).count() == 1
    )


def test_register_changed_between_preview_and_confirm_is_checked_again(officer_client):
    from tests.factories import OrganisationFactory

    response = upload(officer_client, csv_bytes([row(1)]))
    OrganisationFactory(organisation_number=number(1), name="Redan Registrerad")
    refused = confirm(officer_client, response)
    assert refused.status_code == 409
    assert "Registret har ändrats" in refused.content.decode()
    assert not Accession.objects.filter(organisation__organisation_number=number(1)).exists()


@pytest.mark.parametrize(
    "content,name,status,message",
    [
        (b"\x00\xff" * (5 * 1024 * 1024 + 10), "junk.csv", 413, "större än 5"),
        (b"\x00\xff junk" * 1000, "junk.csv", 400, "UTF-8"),
        (b"PK\x03\x04 not really", "register.xlsx", 400, "Excel"),
        (b"%PDF-1.4", "register.pdf", 400, ".xlsx"),
    ],
)
def test_unreadable_or_too_large_files_are_refused(officer_client, content, name, status, message):
    response = upload(officer_client, content, name)
    assert response.status_code == status
    assert message in response.content.decode()
    assert SESSION_KEY not in officer_client.session


def test_officer_of_another_municipality_cannot_import_or_confirm(client, boras_officer, officer):
    client.force_login(boras_officer)
    response = upload(client, csv_bytes([row(1)]), municipality="goteborg")
    assert response.status_code == 400  # Göteborg is not a choice for a Borås officer
    assert not imported().exists()
    # A Göteborg officer's checked file is bound to that officer's session.
    client.force_login(officer)
    checked = upload(client, csv_bytes([row(1)]))
    client.force_login(boras_officer)
    assert confirm(client, checked).status_code == 404
    assert not imported().exists()


def test_row_naming_a_municipality_the_officer_does_not_serve_is_an_error(client, boras_officer):
    client.force_login(boras_officer)
    response = upload(client, csv_bytes([row(1, kommun="Göteborgs Stad")]), municipality="boras")
    assert response.status_code == 400
    assert "kommun" in response.content.decode()
    assert not imported().exists()


def test_non_officers_are_refused(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(IMPORT).status_code == 403
    assert upload(client, csv_bytes([row(1)])).status_code == 403


# --- A new organisation on the spot, for a paper accession ----------------------------------

CREATE = reverse("organisations:officer-organisation-create")


def organisation_body(**values):
    body = {
        "name": "Pappersföreningen",
        "organisation_number": number(50),
        "legal_form": "association",
        "municipality": Municipality.objects.get(slug="goteborg").pk,
    }
    body.update(values)
    return body


def test_officer_registers_an_organisation_then_records_its_paper_accession(officer_client):
    response = officer_client.post(CREATE, organisation_body())
    organisation = Organisation.objects.get(name="Pappersföreningen")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:record", args=[organisation.pk])
    assert not organisation.representatives.exists()
    recorded = officer_client.post(
        response["Location"],
        {
            "source": "paper",
            "signed_on": "2019-06-01",
            "signer_name": "Bo Berg",
            "signer_title": "Ordförande",
            "basis": "signatory",
            "declaration_confirmed": "on",
        },
    )
    assert recorded.status_code == 302
    accession = organisation.accessions.get()
    assert accession.status == "active"
    assert timezone.localdate(accession.signed_at) == datetime.date(2019, 6, 1)


def test_registering_a_number_already_in_the_register_links_to_it(officer_client):
    from tests.factories import OrganisationFactory

    existing = OrganisationFactory(organisation_number=number(51))
    response = officer_client.post(CREATE, organisation_body(organisation_number=number(51)))
    assert response.status_code == 409
    assert reverse("organisations:record", args=[existing.pk]) in response.content.decode()


def test_officer_cannot_register_an_organisation_in_another_municipality(client, boras_officer):
    client.force_login(boras_officer)
    response = client.post(CREATE, organisation_body())
    assert response.status_code == 400  # Göteborg is not a choice
    assert not Organisation.objects.filter(name="Pappersföreningen").exists()


# --- The scanned application, attached afterwards -------------------------------------------


def test_officer_attaches_the_scanned_application_and_representatives_download_it(
    officer_client, officer, client
):
    from tests.factories import AccessionFactory, RepresentativeFactory, minimal_pdf

    accession = AccessionFactory(status="active", source="paper")
    page = officer_client.get(accession.get_absolute_url()).content.decode()
    attach = reverse("organisations:application-attach", args=[accession.pk])
    assert attach in page
    refused = officer_client.post(attach, {"application": SimpleUploadedFile("a.pdf", b"GIF89a")})
    assert refused.status_code == 400 and "PDF" in refused.content.decode()
    done = officer_client.post(
        attach, {"application": SimpleUploadedFile("ansokan.pdf", minimal_pdf())}
    )
    assert done.status_code == 302
    accession.refresh_from_db()
    assert accession.application.name.startswith(f"applications/{accession.organisation_id}/")
    event = accession.events.get(action="application")
    assert event.actor == officer and event.after["application"] == accession.application.name
    representative = RepresentativeFactory(organisation=accession.organisation).user
    client.force_login(representative)
    download = client.get(reverse("organisations:application", args=[accession.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert reverse("organisations:application-attach", args=[accession.pk]) not in (
        client.get(accession.get_absolute_url()).content.decode()
    )


def test_officer_of_another_municipality_cannot_attach_or_download(client, boras_officer):
    from tests.factories import AccessionFactory, minimal_pdf

    accession = AccessionFactory(status="active")
    client.force_login(boras_officer)
    attach = reverse("organisations:application-attach", args=[accession.pk])
    pdf = SimpleUploadedFile("ansokan.pdf", minimal_pdf())
    assert client.post(attach, {"application": pdf}).status_code == 403
    assert client.get(reverse("organisations:application", args=[accession.pk])).status_code == 404
    accession.refresh_from_db()
    assert not accession.application


def test_agreement_no_longer_in_force_at_confirmation_saves_nothing(officer_client):
    from agreements.models import AgreementVersion

    response = upload(officer_client, csv_bytes([row(1)]))
    AgreementVersion.objects.filter(
        agreement__municipality__slug="goteborg", status=AgreementVersion.Status.CURRENT
    ).update(status=AgreementVersion.Status.REPLACED)
    refused = confirm(officer_client, response)
    assert refused.status_code == 409
    assert "ingen gällande överenskommelse" in refused.content.decode()
    assert not imported().exists() and SESSION_KEY not in officer_client.session
