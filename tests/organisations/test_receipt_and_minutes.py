"""The receipt of an accession (a tagged PDF), the private minutes, and the whole life cycle."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from agreements.models import Municipality
from core.pdf import render_pdf_html
from organisations import services
from organisations.models import Accession, AccessionEvent, ActivityArea, Organisation
from tests.factories import (
    AccessionFactory,
    RepresentativeFactory,
    UserFactory,
    valid_organisation_number,
)
from tests.factories import (
    mfa_officer as officer_of,
)
from tests.factories import (
    minimal_pdf as pdf_bytes,
)

pytestmark = pytest.mark.django_db


def receipt_url(accession) -> str:
    return reverse("organisations:receipt", kwargs={"pk": accession.pk})


def minutes_url(accession) -> str:
    return reverse("organisations:minutes", kwargs={"pk": accession.pk})


def signature_data(**overrides) -> dict:
    data = {
        "declaration_confirmed": "on",
        "basis": Accession.Basis.BOARD_DECISION,
        "board_decision_date": "2025-02-20",
        "signer_name": "Bo Berg",
        "signer_title": "Sekreterare",
    }
    data.update(overrides)
    return data


def test_the_whole_life_cycle_through_the_pages(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    """Register → sign → (an officer verifies) → receipt → withdraw; an e-mail at each step."""
    user = UserFactory()
    client.force_login(user)
    number = valid_organisation_number(910001)
    response = client.post(
        reverse("organisations:create"),
        {
            "name": "Livscykelföreningen",
            "organisation_number": number,
            "legal_form": "association",
            "municipality": Municipality.objects.get(slug="goteborg").pk,
            "activity_areas": [ActivityArea.objects.first().pk],
            "contact_email": "info@livscykel.example.se",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(organisation_number=number)

    minutes = SimpleUploadedFile("styrelseprotokoll.pdf", pdf_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:sign", kwargs={"pk": organisation.pk}),
            signature_data(minutes=minutes),
        )
    assert response.status_code == 302
    accession = Accession.objects.get(organisation=organisation)
    assert accession.status == Accession.Status.PENDING
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == sorted([user.email, "info@livscykel.example.se"])
    assert client.get(receipt_url(accession)).status_code == 404  # not yet active

    officer = officer_of("goteborg")
    with django_capture_on_commit_callbacks(execute=True):
        services.accession_verify(accession=accession, actor=officer)
    assert len(mailoutbox) == 2
    page = client.get(accession.get_absolute_url()).content.decode()
    assert receipt_url(accession) in page
    assert minutes_url(accession) in page

    response = client.get(receipt_url(accession))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert "Livscykelföreningen" in " ".join(p.extract_text() for p in reader.pages)

    response = client.get(minutes_url(accession))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:withdraw", kwargs={"pk": accession.pk}),
            {"reason": "Slut.", "confirmed": "on"},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 4  # the organisation's, and the officer's of the withdrawal
    assert mailoutbox[-1].to == [officer.email]
    accession.refresh_from_db()
    assert accession.status == Accession.Status.WITHDRAWN
    assert list(accession.events.values_list("action", flat=True)) == [
        AccessionEvent.Action.SIGNED,
        AccessionEvent.Action.VERIFIED,
        AccessionEvent.Action.WITHDRAWN,
    ]
    assert client.get(receipt_url(accession)).status_code == 404
    # The minutes stay with the record, for those who may see it.
    assert client.get(minutes_url(accession)).status_code == 200


def test_the_receipt_is_a_tagged_swedish_pdf_attachment(client):
    rep = RepresentativeFactory(organisation__name="Kvittoföreningen i Göteborg")
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    response = client.get(receipt_url(accession))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="kvitto-kvittoforeningen-i-goteborg-{accession.pk}.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert "Kvittoföreningen i Göteborg" in reader.metadata.title
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Kvittoföreningen i Göteborg" in text
    assert "Anna Andersson" in text


def test_the_receipt_html_has_a_table_with_header_cells_and_the_declaration():
    accession = AccessionFactory(declaration_text="Vi stöder överenskommelsen.")
    html = render_pdf_html(
        "organisations/accession_receipt_pdf.html",
        {
            "accession": accession,
            "organisation": accession.organisation,
            "events": list(accession.events.all()),
            "generated_at": accession.signed_at,
        },
    )
    assert '<html lang="sv">' in html
    assert "<title>" in html and accession.organisation.name in html
    assert '<th scope="row">' in html and '<th scope="col">' in html
    assert "<caption>" in html
    assert "Vi stöder överenskommelsen." in html
    assert "css/pdf.css" in html
    assert html.count("<h1") == 1


def test_the_receipt_is_only_for_active_accessions(client):
    rep = RepresentativeFactory()
    client.force_login(rep.user)
    for status in ("pending", "rejected", "withdrawn"):
        accession = AccessionFactory(organisation=rep.organisation, status=status)
        assert client.get(receipt_url(accession)).status_code == 404
        Accession.objects.filter(pk=accession.pk).update(status="superseded")


def test_the_receipt_refuses_outsiders(client, monkeypatch):
    monkeypatch.setattr(
        "organisations.views.selfservice.accessions.render_pdf",
        lambda *args, **kwargs: b"%PDF-fake",
    )
    accession = AccessionFactory(organisation=RepresentativeFactory().organisation)
    url = receipt_url(accession)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    for outsider in (RepresentativeFactory().user, officer_of("boras"), UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(officer_of("goteborg"))
    assert client.get(url).status_code == 200


# --- Minutes ----------------------------------------------------------------------------------


@pytest.fixture
def signed_with_minutes(client):
    rep = RepresentativeFactory()
    client.force_login(rep.user)
    client.post(
        reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}),
        signature_data(minutes=SimpleUploadedFile("protokoll.pdf", pdf_bytes())),
    )
    client.logout()
    return rep, Accession.objects.get(organisation=rep.organisation)


def test_the_minutes_are_streamed_to_the_representatives_as_a_pdf(
    client, signed_with_minutes, private_storage
):
    rep, accession = signed_with_minutes
    assert private_storage.exists(accession.minutes.name)
    assert "private" in private_storage.path(accession.minutes.name)
    client.force_login(rep.user)
    response = client.get(minutes_url(accession))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_the_minutes_are_private(client, signed_with_minutes, settings):
    _rep, accession = signed_with_minutes
    url = minutes_url(accession)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    for outsider in (RepresentativeFactory().user, officer_of("boras"), UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(officer_of("goteborg"))
    assert client.get(url).status_code == 200
    # Not reachable below MEDIA_URL either.
    assert client.get(settings.MEDIA_URL + accession.minutes.name).status_code == 404


def test_no_minutes_is_not_found(client):
    rep = RepresentativeFactory()
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    assert client.get(minutes_url(accession)).status_code == 404
    assert client.get(minutes_url(accession)).status_code == 404
