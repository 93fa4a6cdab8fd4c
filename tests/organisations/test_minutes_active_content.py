"""Uploaded minutes with active content (JavaScript, launch actions, attachments, …) are refused.

The hostile PDFs are built here with pypdf's writer, each a real one-page document with one
kind of active content, and posted through both forms that take minutes: a representative's
signature and an officer's record of an accession. A plain PDF is accepted by both (the
signing and officer tests).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from organisations import validators
from organisations.models import Accession
from tests.factories import OrganisationFactory, RepresentativeFactory, mfa_officer, minimal_pdf

pytestmark = pytest.mark.django_db


def _name(value: str) -> NameObject:
    return NameObject(value)


def _javascript_action(code: str = "app.alert('hej')") -> DictionaryObject:
    return DictionaryObject(
        {_name("/S"): _name("/JavaScript"), _name("/JS"): TextStringObject(code)}
    )


def _annotation(writer: PdfWriter, subtype: str, **entries) -> None:
    annotation = DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name(subtype),
            _name("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 50, 50)]),
            **{_name(f"/{key}"): value for key, value in entries.items()},
        }
    )
    writer.pages[0][_name("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _add_js(writer):
    """pypdf's own: JavaScript in the document's name tree, run when the file opens."""
    writer.add_open_action(JavaScript("app.alert('hej');"))


def _names_tree_js(writer):
    """Document-level JavaScript in the catalogue's /Names /JavaScript tree, by hand."""
    tree = DictionaryObject(
        {
            _name("/Names"): ArrayObject(
                [TextStringObject("start"), writer._add_object(_javascript_action())]
            )
        }
    )
    writer._root_object[_name("/Names")] = DictionaryObject({_name("/JavaScript"): tree})


def _open_action_js(writer):
    writer._root_object[_name("/OpenAction")] = writer._add_object(_javascript_action())


def _page_additional_action(writer):
    go_to = DictionaryObject(
        {_name("/S"): _name("/URI"), _name("/URI"): TextStringObject("https://evil.example/")}
    )
    writer.pages[0][_name("/AA")] = DictionaryObject({_name("/O"): go_to})


def _launch(writer):
    launch = DictionaryObject(
        {_name("/S"): _name("/Launch"), _name("/F"): TextStringObject("calc.exe")}
    )
    writer._root_object[_name("/OpenAction")] = launch


def _attachment(writer):
    writer.add_attachment("lista.xlsx", b"PK\x03\x04 not really a spreadsheet")


def _file_attachment_annotation(writer):
    _annotation(writer, "/FileAttachment", Contents=TextStringObject("bilaga"))


def _rich_media(writer):
    _annotation(writer, "/RichMedia", RichMediaContent=DictionaryObject())


def _xfa(writer):
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    writer._root_object[_name("/AcroForm")] = DictionaryObject(
        {_name("/Fields"): ArrayObject(), _name("/XFA"): writer._add_object(xfa)}
    )


def hostile_pdf(add) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    add(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


HOSTILE = [
    pytest.param(_add_js, validators.PDF_JAVASCRIPT, "JavaScript", id="pypdf-open-action"),
    pytest.param(_names_tree_js, validators.PDF_JAVASCRIPT, "JavaScript", id="names-tree-js"),
    pytest.param(_open_action_js, validators.PDF_JAVASCRIPT, "JavaScript", id="openaction-js"),
    pytest.param(
        _page_additional_action,
        validators.PDF_AUTOMATIC_ACTIONS,
        "åtgärder som körs av sig själva",
        id="additional-actions",
    ),
    pytest.param(_launch, validators.PDF_LAUNCH, "starta ett program", id="launch"),
    pytest.param(_attachment, validators.PDF_EMBEDDED_FILES, "inbäddade filer", id="embedded-file"),
    pytest.param(
        _file_attachment_annotation,
        validators.PDF_EMBEDDED_FILES,
        "inbäddade filer",
        id="file-attachment-annotation",
    ),
    pytest.param(_rich_media, validators.PDF_RICH_MEDIA, "multimedia", id="rich-media"),
    pytest.param(_xfa, validators.PDF_XFA, "XFA-formulär", id="xfa"),
]


@pytest.mark.parametrize(("add", "expected", "_swedish"), HOSTILE)
def test_each_kind_of_active_content_is_found(add, expected, _swedish):
    assert validators.pdf_active_content(PdfReader(io.BytesIO(hostile_pdf(add)))) == [expected]


def test_a_plain_pdf_has_no_active_content():
    assert validators.pdf_active_content(PdfReader(io.BytesIO(minimal_pdf()))) == []


def test_an_escaped_name_is_still_found():
    """``/J#53`` is how a PDF may spell ``/JS``; pypdf reads it as ``/JS``."""
    data = hostile_pdf(_open_action_js).replace(b"/JS ", b"/J#53", 1)
    assert validators.pdf_active_content(PdfReader(io.BytesIO(data))) == [validators.PDF_JAVASCRIPT]


def test_several_kinds_are_named_together():
    def both(writer):
        _open_action_js(writer)
        _attachment(writer)

    reader = PdfReader(io.BytesIO(hostile_pdf(both)))
    assert validators.pdf_active_content(reader) == [
        validators.PDF_JAVASCRIPT,
        validators.PDF_EMBEDDED_FILES,
    ]


def _signature(minutes) -> dict:
    return {
        "declaration_confirmed": "on",
        "basis": Accession.Basis.BOARD_DECISION,
        "board_decision_date": "2025-03-01",
        "signer_name": "Anna Andersson",
        "signer_title": "Ordförande",
        "minutes": minutes,
    }


@pytest.mark.parametrize(("add", "_expected", "swedish"), HOSTILE)
def test_signing_refuses_minutes_with_active_content(
    client, private_storage, add, _expected, swedish
):
    rep = RepresentativeFactory()
    client.force_login(rep.user)
    upload = SimpleUploadedFile("protokoll.pdf", hostile_pdf(add), content_type="application/pdf")
    response = client.post(
        reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}), _signature(upload)
    )
    assert response.status_code == 400
    (error,) = response.context["form"].errors["minutes"]
    assert error.startswith("Filen innehåller ") and swedish in error
    assert swedish in response.content.decode()
    assert not Accession.objects.exists()
    assert not any(private_storage.base_location.rglob("*.pdf"))


def test_the_refusal_is_in_english_for_an_english_visitor(english, private_storage):
    rep = RepresentativeFactory()
    english.force_login(rep.user)
    upload = SimpleUploadedFile("protokoll.pdf", hostile_pdf(_open_action_js))
    response = english.post(
        reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}), _signature(upload)
    )
    assert response.status_code == 400
    (error,) = response.context["form"].errors["minutes"]
    assert error.startswith("The file contains JavaScript.")


@pytest.mark.parametrize(("add", "_expected", "swedish"), HOSTILE[:5:2])
def test_an_officers_record_refuses_minutes_with_active_content(
    client, private_storage, add, _expected, swedish
):
    client.force_login(mfa_officer("goteborg"))
    organisation = OrganisationFactory()
    from tests.organisations.test_officer import _record_data

    upload = SimpleUploadedFile("protokoll.pdf", hostile_pdf(add), content_type="application/pdf")
    response = client.post(
        reverse("organisations:record", args=[organisation.pk]),
        _record_data(
            source=Accession.Source.DIALOGUE_FORUM,
            basis=Accession.Basis.BOARD_DECISION,
            board_decision_date="2024-02-01",
            minutes=upload,
        ),
    )
    assert response.status_code == 400
    (error,) = response.context["form"].errors["minutes"]
    assert swedish in error
    assert not Accession.objects.filter(organisation=organisation).exists()
