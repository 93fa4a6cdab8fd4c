"""The portal's PDFs pass the PDF/UA-1 checker `pdfua`, and their structure says what it should.

Every kind of PDF the portal writes (the agreement, the receipt of an accession, the evaluation)
is rendered as its users get it and checked with `pdfua` (PyPI): no error, no warning, no note,
and every rule run. The structure tree is then read back with pikepdf: header cells carry their
/Scope, and the page numbers are artifacts, not tagged content outside the tree
(docs/accessibility-testing.md, "PDFs").
"""

import io
import re

import pikepdf
import pytest
from django.core.files.storage import FileSystemStorage
from django.test import Client
from django.urls import reverse
from pdfua import Validator
from pdfua.document import as_integer
from pdfua.rules import structure as pdfua_structure

from agreements.models import Agreement
from agreements.views import agreement_page_context
from core.pdf import complete_pdf_tagging, render_pdf_html
from followup.models import Evaluation
from followup.pdf import evaluation_context
from tests.factories import AccessionFactory, RepresentativeFactory
from tests.followup.worlds import closed_cycle, publish

pytestmark = pytest.mark.django_db

AGREEMENTS = ["boras", "botkyrka", "goteborg", "sodertalje"]


def _as_integer(value: object) -> int | None:
    """pdfua 0.1.3's as_integer, without its crash on an array: pikepdf gives numbers as int."""
    return None if isinstance(value, bool) or not isinstance(value, int) else value


@pytest.fixture
def checker(monkeypatch, tmp_path):
    """Check PDF bytes with pdfua; the findings, as (rule, severity, message, where).

    pdfua 0.1.3's empty-heading rule (UA-14-001) stops on every tagged heading: its as_integer
    asks a pikepdf array for an attribute, which pikepdf answers with ValueError rather than
    AttributeError. Run as it is, the rule is skipped ("not evaluated"), so headings would go
    unchecked; the rule runs here with that one helper corrected
    (test_pdfua_still_stumbles_over_headings says when the correction can go).
    """
    monkeypatch.setattr(pdfua_structure, "as_integer", _as_integer)

    def check(pdf: bytes) -> list[tuple[str, str, str, str]]:
        path = tmp_path / "checked.pdf"
        path.write_bytes(pdf)
        report = Validator().validate(str(path))
        assert not report.skipped, [(o.rule_id, o.skipped_reason) for o in report.skipped]
        return [
            (f.rule_id, f.severity.name, f.message, f.location.describe()) for f in report.findings
        ]

    return check


def test_pdfua_still_stumbles_over_headings():
    """When this fails, pdfua reads headings by itself: remove _as_integer and its monkeypatch."""
    with pytest.raises(ValueError, match="is_integer"):
        as_integer(pikepdf.Array([1]))


# --- The three kinds of PDF -------------------------------------------------------------------


def agreement_pdf(slug: str) -> bytes:
    response = Client().get(reverse("agreements:pdf", kwargs={"slug": slug}))
    assert response.status_code == 200
    return response.content


@pytest.fixture
def receipt_pdf(client) -> bytes:
    rep = RepresentativeFactory(organisation__name="Kvittoföreningen i Göteborg")
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    response = client.get(reverse("organisations:receipt", kwargs={"pk": accession.pk}))
    assert response.status_code == 200
    return response.content


@pytest.fixture
def evaluation_pdf(officer, member, tmp_path, monkeypatch, django_capture_on_commit_callbacks):
    """The published evaluation's PDF as the worker rendered and stored it."""
    monkeypatch.setattr(
        Evaluation._meta.get_field("pdf"), "storage", FileSystemStorage(location=tmp_path)
    )
    cycle = publish(
        closed_cycle(django_capture_on_commit_callbacks),
        officer,
        member,
        django_capture_on_commit_callbacks,
    )
    evaluation = Evaluation.objects.get(cycle=cycle)
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    with evaluation.pdf.open("rb") as stored:
        return stored.read()


@pytest.mark.parametrize("slug", AGREEMENTS)
def test_the_agreement_pdf_passes_pdfua(checker, slug):
    assert checker(agreement_pdf(slug)) == []


def test_the_receipt_pdf_passes_pdfua(checker, receipt_pdf):
    assert checker(receipt_pdf) == []


def test_the_evaluation_pdf_passes_pdfua(checker, evaluation_pdf):
    assert checker(evaluation_pdf) == []


# --- The structure tree, read back -----------------------------------------------------------


def structure_elements(pdf: pikepdf.Pdf):
    """Every structure element reachable from the root, in reading order, with the types of
    its ancestors."""

    def walk(node, ancestors):
        k = node.get("/K")
        for kid in k if isinstance(k, pikepdf.Array) else [k]:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid, ancestors
                yield from walk(kid, (*ancestors, str(kid.S)))

    yield from walk(pdf.Root.StructTreeRoot, ())


def header_scopes(pdf_bytes: bytes) -> list[tuple[str, str]]:
    """(row group, /Scope) of every header cell of the PDF, in reading order."""
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    scopes = []
    for element, ancestors in structure_elements(pdf):
        if element.S == "/TH":
            group = next(a for a in reversed(ancestors) if a in ("/THead", "/TBody", "/TFoot"))
            attributes = element.get("/A")
            scope = attributes.get("/Scope") if attributes is not None else None
            scopes.append((group, str(scope)))
    return scopes


def test_every_header_cell_of_the_receipt_carries_its_scope(receipt_pdf):
    scopes = header_scopes(receipt_pdf)
    # The events' column headers, then the facts' row headers (one per fact).
    assert [pair for pair in scopes if pair[0] == "/THead"] == [("/THead", "/Column")] * 4
    row_headers = [pair for pair in scopes if pair[0] == "/TBody"]
    assert len(row_headers) >= 8
    assert set(row_headers) == {("/TBody", "/Row")}


def test_every_header_cell_of_the_evaluation_and_the_agreement_carries_its_scope(
    evaluation_pdf,
):
    for pdf in (evaluation_pdf, agreement_pdf("boras")):
        scopes = header_scopes(pdf)
        assert scopes
        assert set(scopes) == {
            ("/THead", "/Column"),
            ("/TBody", "/Row"),
        }


def tagged(html_body: str) -> bytes:
    from weasyprint import HTML

    html = f'<html lang="sv"><head><title>Prov</title></head><body>{html_body}</body></html>'
    return HTML(string=html).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, finisher=complete_pdf_tagging
    )


def test_the_scope_is_the_one_the_cell_declares_on_every_page():
    """The declared scope, not the cell's place, decides; a table over three pages repeats its
    header row on each, and each copy carries its scope too."""
    rows = "".join(
        f'<tr><th scope="row">Rad {n}</th><td>{n}</td><th scope="col">Kolumn i raden</th></tr>'
        for n in range(120)
    )
    pdf = tagged(
        "<table><caption>Prov</caption>"
        '<thead><tr><th scope="col">Namn</th><th>Värde</th><th scope="rowgroup">Grupp</th></tr>'
        f"</thead><tbody>{rows}</tbody></table>"
    )
    assert len(pikepdf.open(io.BytesIO(pdf)).pages) >= 3
    scopes = header_scopes(pdf)
    head = [scope for group, scope in scopes if group == "/THead"]
    body = [scope for group, scope in scopes if group == "/TBody"]
    # Undeclared ("Värde") is a column header, as WeasyPrint's /Headers take it.
    assert head == ["/Column", "/Column", "/Row"] * (len(head) // 3) and len(head) >= 9
    assert body == ["/Row", "/Column"] * 120


@pytest.mark.parametrize("template", ["agreement", "receipt", "evaluation"])
def test_every_header_cell_of_the_pdf_templates_declares_its_scope(template, officer, member):
    """So a header cell's /Scope never rests on the default for an undeclared one."""
    if template == "agreement":
        agreement = Agreement.objects.get(slug="boras")
        html = render_pdf_html("agreements/agreement_pdf.html", agreement_page_context(agreement))
    elif template == "receipt":
        accession = AccessionFactory()
        html = render_pdf_html(
            "organisations/accession_receipt_pdf.html",
            {
                "accession": accession,
                "organisation": accession.organisation,
                "events": list(accession.events.all()),
                "generated_at": accession.signed_at,
            },
        )
    else:
        cycle = publish(closed_cycle(), officer, member)
        html = render_pdf_html("followup/evaluation_pdf.html", evaluation_context(cycle))
    cells = re.findall(r"<th\b[^>]*>", html)
    assert cells
    assert [cell for cell in cells if not re.search(r'\bscope="(row|col)"', cell)] == []


def test_page_numbers_are_pagination_artifacts_and_nothing_tagged_is_outside_the_tree(
    evaluation_pdf, receipt_pdf
):
    for pdf_bytes in (evaluation_pdf, receipt_pdf, agreement_pdf("goteborg")):
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
        in_tree = {element.objgen for element, _ in structure_elements(pdf)}
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        for page_index, page in enumerate(pdf.pages):
            assert nums[2 * page_index] == page_index
            parents = nums[2 * page_index + 1]
            assert all(parent.objgen in in_tree for parent in parents), "tagged, outside the tree"
            marked, artifacts = set(), []
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) != "BDC":
                    continue
                properties = operands[1]
                if operands[0] == pikepdf.Name.Artifact:
                    artifacts.append(properties.get("/Type"))
                elif isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    marked.add(int(properties.MCID))
            # Each page's number is one pagination artifact; every tagged sequence has its
            # element in the tree, and every slot of the parent tree its sequence.
            assert artifacts.count(pikepdf.Name.Pagination) == 1
            assert marked == set(range(len(parents)))


def test_a_caption_at_the_foot_of_a_page_moves_over_with_its_table(checker):
    """Left alone at the foot of a page, a caption became a /Table of its own with no rows (and
    a heading without its table on paper): pdf.css keeps it with the table."""
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    html = (
        '<html lang="sv"><head><title>Prov</title></head><body>'
        '<div style="height: 238mm">Utfyllnad</div>'
        '<table><caption>Antal för 2024</caption><thead><tr><th scope="col">Vad</th>'
        '<th scope="col">Antal</th></tr></thead><tbody><tr><th scope="row">Nya</th><td>0</td>'
        "</tr></tbody></table></body></html>"
    )
    pdf = HTML(string=html).write_pdf(
        stylesheets=[CSS(filename=finders.find("css/pdf.css"))],
        pdf_variant="pdf/ua-1",
        pdf_tags=True,
        finisher=complete_pdf_tagging,
    )
    assert len(pikepdf.open(io.BytesIO(pdf)).pages) == 2
    assert checker(pdf) == []
