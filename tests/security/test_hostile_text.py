"""Hostile text in every free-text field that is shown: escaped and intact everywhere (issue #5).

The world (the permission matrix's, tests/security/test_permission_matrix.py) is filled through
the portal's own forms, as people would: an organisation's details, a signature, a rejection, an
officer's note, a cycle and its questions, a report, the evaluation's narrative and a council
member's comment, each carrying ``<script>``, HTML, an attribute breakout, right-to-left and
Arabic/Hebrew text, combining marks, zalgo and emoji (``hostile``). Then every page, export and
PDF that shows a field must show it exactly as typed: HTML-escaped on pages (the raw ``<script>``
never appears), unchanged in the CSV (parsed back), Excel (read back) and JSON exports, and in
the text of the PDFs.
A NUL byte is refused by the forms (tests/security/test_bad_input.py), so it is not among them.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import markupsafe
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from followup import services as followup
from followup.models import Cycle, Evaluation, Question, Report
from organisations.models import Accession
from tests.factories import OrganisationFactory

from .hostile import HOSTILE_TEXTS, SCRIPT
from .test_bad_input import (
    RECORD_VALID,
    SIGNATURE,
    client_for,
    organisation_edit_valid,
    world_fixture,
)

HOSTILE = " ".join(
    HOSTILE_TEXTS[k] for k in ("script", "html", "attribute", "rtl", "combining", "zalgo", "emoji")
)
SHORT = f"{SCRIPT} \u202etxet\u202e e\u0301 🎉"
LONG = ("Lång text med <i>kursiv</i> & e\u0301 🎉 " * 200)[:5000].strip()
WEBSITE = 'https://exempel.se/sök?q="><script>alert(1)</script>&x=\u202eåäö'


def hostile(label: str, limit: int = 200) -> str:
    """The hostile text, named after its field, within the field's length."""
    value = f"{label}: {HOSTILE}"
    if len(value) > limit:
        value = f"{label}: {SHORT}"
    assert len(value) <= limit, label
    return value


def _ok(response, what: str):
    assert response.status_code in (301, 302), (what, response.status_code, response.content[:4000])


def fill(world) -> dict[str, str]:
    """Put hostile text into every shown free-text field, through the forms; return it by name."""
    t = {
        "name": hostile("Namn"),
        "description": LONG[:4000].strip(),
        "street_address": hostile("Gata"),
        # A spreadsheet formula: neutralised in the CSV exports, shown as typed everywhere else.
        "city": f"{HOSTILE_TEXTS['formula']} {SHORT}",
        "contact_name": hostile("Kontakt"),
        "no_number_reason": hostile("Skäl", 300),
        "website": WEBSITE,
        "signer_name": hostile("Undertecknare"),
        "signer_title": hostile("Titel"),
        "reject_reason": hostile("Avslag", 2000),
        "note": hostile("Anteckning", 2000),
        "first_name": hostile("Förnamn", 150),
        "last_name": hostile("Efternamn", 150),
        "cycle_title": hostile("Cykel"),
        "question": hostile("Fråga", 2000),
        "section": hostile("Avsnitt", 300),
        "help_text": hostile("Hjälp", 2000),
        "comment": hostile("Kommentar", 10_000),
        "examples": f"-{LONG[1:]}",
        "summary": hostile("Sammanfattning", 20_000),
        "conclusions": hostile("Slutsatser", 20_000),
        "recommendations": LONG,
        "council_comment": hostile("Samrådet", 5000),
    }
    admin = client_for(world, "organisation_admin")
    officer = client_for(world, "officer_x")

    body = organisation_edit_valid(world)
    body.update({k: t[k] for k in ("name", "description", "street_address", "city")})
    body.update(contact_name=t["contact_name"], contact_is_public="on", website=t["website"])
    _ok(admin.post(reverse("organisations:edit", args=[world.org_a]), body), "edit")

    org_d = world.extra.org_d
    body = {**SIGNATURE, "signer_name": t["signer_name"], "signer_title": t["signer_title"]}
    _ok(admin.post(reverse("organisations:sign", args=[org_d]), body), "sign")
    world.accession_d = Accession.objects.get(organisation_id=org_d).pk
    _ok(officer.post(reverse("organisations:verify", args=[world.accession_d])), "verify")

    _ok(
        officer.post(
            reverse("organisations:reject", args=[world.accession_b]),
            {"reason": t["reject_reason"]},
        ),
        "reject",
    )
    org_e = OrganisationFactory(name="Pappersföreningen E")
    _ok(
        officer.post(
            reverse("organisations:record", args=[org_e.pk]), {**RECORD_VALID, "note": t["note"]}
        ),
        "record",
    )
    world.accession_e = Accession.objects.get(organisation=org_e).pk

    get_user_model().objects.filter(pk=world.users["representative_a"].pk).update(
        first_name=t["first_name"], last_name=t["last_name"]
    )

    cycle = Cycle.objects.get(pk=world.draft_cycle)
    values = {**world.extra.draft_cycle_values, "title": t["cycle_title"]}
    _ok(officer.post(reverse("followup:cycle-edit", args=[cycle.pk]), values), "cycle")
    question = {
        "text": t["question"],
        "section": t["section"],
        "help_text": t["help_text"],
        "answer_kind": "text",
        "respondent_groups": ["organisations"],
    }
    _ok(officer.post(reverse("followup:questions", args=[cycle.pk]), question), "question")

    # Report A of the open cycle, submitted; then the cycle closed, evaluated and published.
    report = Report.objects.get(pk=world.report_a)
    body = {"revision": str(report.revision), "action": "submit"}
    scale = [
        q
        for q in report.cycle.questions.order_by("order", "pk")
        if q.asks(report.group) and q.answer_kind == Question.AnswerKind.SCALE
    ]
    for q in scale:
        body[f"q{q.pk}-score"] = "4"
    body[f"q{scale[0].pk}-comment"] = t["comment"]
    body[f"q{scale[0].pk}-examples"] = t["examples"]
    rep = client_for(world, "representative_a")
    _ok(rep.post(reverse("followup:report", args=[report.pk]), body), "report")

    open_cycle = world.open_cycle
    _ok(officer.post(reverse("followup:cycle-close", args=[open_cycle])), "close")
    narrative = {k: t[k] for k in ("summary", "conclusions", "recommendations")}
    _ok(officer.post(reverse("followup:evaluation-edit", args=[open_cycle]), narrative), "text")
    _ok(officer.post(reverse("followup:evaluation-send", args=[open_cycle])), "send")
    member = client_for(world, "council_member")
    comment = {"section": "summary", "text": t["council_comment"]}
    _ok(member.post(reverse("followup:evaluation-comment", args=[open_cycle]), comment), "comment")
    return t


def _fill(world) -> None:
    world.texts = fill(world)


world = world_fixture("hostile-files", _fill)


@pytest.fixture
def w(world, db, _temporary_files, monkeypatch):
    monkeypatch.setattr(Accession._meta.get_field("minutes"), "storage", world.storage)
    monkeypatch.setattr(Evaluation._meta.get_field("pdf"), "storage", world.storage)
    return world


def _page(world, role, url) -> str:
    response = client_for(world, role).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# (what, who, address, the fields it shows)
PAGES = [
    (
        "public page",
        None,
        lambda w: reverse("organisations:detail", args=[w.org_a]),
        ["name", "description", "street_address", "city", "contact_name", "website"],
    ),
    ("register", None, lambda w: reverse("organisations:register"), ["name"]),
    ("register search", None, lambda w: reverse("organisations:register") + "?q=Namn", ["name"]),
    (
        "edit form",
        "organisation_admin",
        lambda w: reverse("organisations:edit", args=[w.org_a]),
        ["name", "description", "street_address", "city", "contact_name", "website"],
    ),
    ("dashboard", "organisation_admin", lambda w: reverse("organisations:dashboard"), ["name"]),
    (
        "officer's list",
        "officer_x",
        lambda w: reverse("organisations:officer-organisations"),
        ["name"],
    ),
    (
        "accession",
        "organisation_admin",
        lambda w: reverse("organisations:accession", args=[w.accession_d]),
        ["signer_name", "signer_title"],
    ),
    (
        "rejected accession",
        "representative_b",
        lambda w: reverse("organisations:accession", args=[w.accession_b]),
        ["reject_reason"],
    ),
    (
        "recorded accession",
        "officer_x",
        lambda w: reverse("organisations:accession", args=[w.accession_e]),
        ["note"],
    ),
    (
        "representatives",
        "organisation_admin",
        lambda w: reverse("organisations:representatives", args=[w.org_a]),
        ["first_name", "last_name"],
    ),
    (
        "cycle",
        "officer_x",
        lambda w: reverse("followup:cycle", args=[w.draft_cycle]),
        ["cycle_title"],
    ),
    (
        "cycle dashboard",
        "officer_x",
        lambda w: reverse("followup:cycle", args=[w.open_cycle]),
        ["name"],
    ),
    (
        "questions",
        "officer_x",
        lambda w: reverse("followup:questions", args=[w.draft_cycle]),
        ["cycle_title", "question", "section", "help_text"],
    ),
    (
        "report",
        "representative_a",
        lambda w: reverse("followup:report", args=[w.report_a]),
        ["comment", "examples"],
    ),
    (
        "evaluation",
        "officer_x",
        lambda w: reverse("followup:evaluation", args=[w.open_cycle]),
        ["summary", "conclusions", "recommendations", "council_comment", "comment", "examples"],
    ),
    (
        "evaluation (council)",
        "council_member",
        lambda w: reverse("followup:evaluation", args=[w.open_cycle]),
        ["summary", "council_comment"],
    ),
    (
        "my data",
        "representative_a",
        lambda w: reverse("organisations:my-data"),
        ["first_name", "last_name", "name"],
    ),
]


@pytest.mark.parametrize(("what", "role", "url", "fields"), PAGES, ids=[p[0] for p in PAGES])
def test_pages_show_hostile_text_escaped_and_intact(w, what, role, url, fields):
    page = _page(w, role, url(w))
    assert SCRIPT not in page, "a <script> from the data reached the page unescaped"
    assert "<img src=x" not in page
    for name in fields:
        # Escaped by Django's templates, or by Jinja2's MarkupSafe in the officer dashboard's
        # rows (&#39; for &#x27;: the same text to a browser).
        text = w.texts[name]
        assert escape(text) in page or markupsafe.escape(text) in page, (
            f"{what}: {name} is not shown intact"
        )


def _register_rows(world, fmt):
    response = client_for(world, None).get(reverse(f"organisations:register-{fmt}"))
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_open_data_csv_carries_hostile_text_intact(w):
    text = _register_rows(w, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = next(r for r in rows if r["organisation_id"] == str(w.org_a))
    assert row["name"] == w.texts["name"]
    assert row["website"] == w.texts["website"]
    assert row["contact_name"] == w.texts["contact_name"]
    # OWASP's advice against CSV injection: a cell a spreadsheet would run gets a leading '.
    assert row["city"] == "'" + w.texts["city"]


def test_open_data_json_carries_hostile_text_intact(w):
    data = json.loads(_register_rows(w, "json"))
    items = (
        data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    )
    item = next(i for i in items if i["organisation_id"] == w.org_a)
    for name in ("name", "website", "city", "contact_name"):
        assert item[name] == w.texts[name], name


def test_my_data_json_carries_hostile_text_intact(w):
    response = client_for(w, "representative_a").get(reverse("organisations:my-data-json"))
    text = response.content.decode()
    for name in ("first_name", "last_name"):
        assert json.dumps(w.texts[name], ensure_ascii=False)[1:-1] in text or (
            json.dumps(w.texts[name])[1:-1] in text
        ), name


def _officer_export(w, name, *args) -> bytes:
    response = client_for(w, "officer_x").get(reverse(name, args=args))
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_cells(content: bytes) -> set[str]:
    """The cells of an officer's CSV export (semicolons, as Swedish Excel reads them)."""
    text = content.decode("utf-8-sig")
    return {c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row}


def _xlsx_cells(content: bytes) -> dict[str, object]:
    """The text cells of an officer's Excel export, each with its type (s: text, f: formula)."""
    sheet = load_workbook(io.BytesIO(content)).active
    return {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value is not None}


def test_answers_csv_carries_hostile_text_intact(w):
    cells = _csv_cells(_officer_export(w, "followup:answers-csv", w.open_cycle))
    assert w.texts["comment"] in cells
    assert "'" + w.texts["examples"] in cells  # it starts with "-": no formula for a spreadsheet


def test_answers_xlsx_carries_hostile_text_intact_and_never_a_formula(w):
    cells = _xlsx_cells(_officer_export(w, "followup:answers-xlsx", w.open_cycle))
    assert cells[w.texts["comment"]] == "s"
    assert cells[w.texts["examples"]] == "s"  # as typed, stored as text
    assert "f" not in cells.values()


def test_register_exports_carry_hostile_text_intact(w):
    cells = _csv_cells(_officer_export(w, "organisations:officer-organisations-csv"))
    for name in ("name", "street_address", "contact_name", "website"):
        assert w.texts[name] in cells, name
    assert "'" + w.texts["city"] in cells  # a formula: neutralised
    cells = _xlsx_cells(_officer_export(w, "organisations:officer-organisations-xlsx"))
    for name in ("name", "street_address", "contact_name", "website", "city"):
        assert cells[w.texts[name]] == "s", name
    assert "f" not in cells.values()


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # pypdf reads some of WeasyPrint's font subsets as UTF-16 with NUL bytes between letters.
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def _squeezed(text: str) -> str:
    """Text without its white space (a PDF breaks long lines), in one Unicode normal form."""
    return "".join(unicodedata.normalize("NFC", text).split())


# pypdf cannot read back the glyphs WeasyPrint takes from fallback fonts (Arabic, Hebrew, the
# zalgo marks, emoji): those come out as other characters although the PDF shows them. So a PDF
# must hold every other part of the hostile text exactly, each as often as the field has it.
PDF_READABLE = [
    SCRIPT,
    HOSTILE_TEXTS["html"],
    HOSTILE_TEXTS["attribute"],
    "Lång text med <i>kursiv</i> & e\u0301",
]


def assert_in_pdf(text: str, value: str):
    squeezed = _squeezed(text)
    label = value.split(":")[0] if ": " in value[:20] else value[:20]
    assert _squeezed(label) in squeezed, label
    for piece in PDF_READABLE:
        expected = value.count(piece)
        assert squeezed.count(_squeezed(piece)) >= expected, (label, piece)


def test_the_receipt_pdf_shows_hostile_text(w):
    response = client_for(w, "organisation_admin").get(
        reverse("organisations:receipt", args=[w.accession_d])
    )
    assert response.status_code == 200
    text = _pdf_text(response.content)
    for name in ("signer_name", "signer_title"):
        assert_in_pdf(text, w.texts[name])


def test_the_evaluation_pdf_shows_hostile_text(w):
    from followup.pdf import evaluation_pdf_bytes

    evaluation = Evaluation.objects.get(cycle_id=w.open_cycle)
    text = _pdf_text(evaluation_pdf_bytes(evaluation))
    for name in ("summary", "conclusions", "recommendations", "comment", "examples"):
        assert_in_pdf(text, w.texts[name])


def test_a_published_evaluation_shows_hostile_text(w, django_capture_on_commit_callbacks):
    cycle = Cycle.objects.get(pk=w.open_cycle)
    for member in (w.users["council_member"], w.without_mfa["council_member"]):
        followup.evaluation_approve(cycle=cycle, actor=member)
    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered on commit
        followup.evaluation_publish(cycle=cycle, actor=w.users["officer_x"])
    url = reverse("followup:public-evaluation", kwargs={"slug": "goteborg", "pk": cycle.pk})
    page = _page(w, None, url)
    assert SCRIPT not in page
    for name in ("summary", "conclusions", "recommendations", "comment"):
        assert escape(w.texts[name]) in page, name
    evaluation = Evaluation.objects.get(cycle=cycle)
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    text = _pdf_text(evaluation.pdf.read())
    assert_in_pdf(text, w.texts["summary"])
