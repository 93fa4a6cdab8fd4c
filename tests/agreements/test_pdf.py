"""The agreement PDF: tagged, Swedish, titled, and holding the agreement's text."""

import io

import pytest
from pypdf import PdfReader

from agreements.models import Agreement
from agreements.services import agreement_mark_changed
from agreements.views import agreement_page_context
from core.pdf import render_pdf_html

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def goteborg_pdf(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/overenskommelser/goteborg/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="overenskommelse-goteborg.pdf"' in response["Content-Disposition"]
    return PdfReader(io.BytesIO(response.content))


def test_pdf_is_tagged_with_language_and_title(goteborg_pdf):
    root = goteborg_pdf.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert goteborg_pdf.metadata.title == Agreement.objects.get(slug="goteborg").title
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def test_pdf_holds_the_agreement_text(goteborg_pdf):
    text = " ".join(page.extract_text() for page in goteborg_pdf.pages)
    assert "Integritet och oberoende" in text
    assert "Spridning av överenskommelsen" in text
    assert len(goteborg_pdf.pages) >= 3


def test_pdf_html_is_swedish_even_when_the_reader_chose_english():
    agreement = Agreement.objects.get(slug="botkyrka")
    html = render_pdf_html("agreements/agreement_pdf.html", agreement_page_context(agreement))
    assert '<html lang="sv">' in html
    assert "Principer" in html or "principer" in html
    assert "<title>" + agreement.title in html.replace("\n", "")


def test_pdf_is_cached_until_the_content_changes(client, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "agreements.views.render_pdf", lambda *args, **kwargs: calls.append(1) or b"%PDF-fake"
    )
    client.get("/overenskommelser/boras/pdf/")
    client.get("/overenskommelser/boras/pdf/")
    assert len(calls) == 1
    agreement_mark_changed(agreement=Agreement.objects.get(slug="boras"))
    client.get("/overenskommelser/boras/pdf/")
    assert len(calls) == 2
