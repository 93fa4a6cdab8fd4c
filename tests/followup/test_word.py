"""The evaluation as a Word document: read back from the file with python-docx.

The Borås world (tests/followup/worlds.py, ``boras_evaluation``) gives a closed 2024–2025
evaluation answered by both parties and the council, its free text anonymised; the Göteborg
world (``closed_cycle``, ``publish``) gives the draft's permission matrix and the public file.
"""

import io

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from docx import Document
from docx.oxml.ns import qn

from agreements.models import Agreement
from followup import services
from followup.word import CONTENT_TYPE, SECTIONS, evaluation_docx
from tests.factories import CouncilMembershipFactory, UserFactory, with_mfa
from tests.followup.worlds import (
    BORAS_ADDED_QUESTION,
    BORAS_INDEPENDENCE,
    BORAS_IOP,
    boras_evaluation,
    closed_cycle,
    publish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pdf_storage(tmp_path, monkeypatch):
    """Publishing renders a PDF: it goes to a temporary directory."""
    from django.core.files.storage import FileSystemStorage

    from followup.models import Evaluation

    monkeypatch.setattr(
        Evaluation._meta.get_field("pdf"), "storage", FileSystemStorage(location=tmp_path)
    )


def read(data: bytes):
    return Document(io.BytesIO(data))


def headings(document):
    return [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]


def table_after(document, caption_start):
    """The table whose caption (the paragraph before it) starts with ``caption_start``."""
    body = list(document.element.body.iterchildren())
    tables = {t._tbl: t for t in document.tables}
    for index, element in enumerate(body):
        if element.tag == qn("w:tbl") and index and caption_start in _text(body[index - 1]):
            yield tables[element]


def _text(element):
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


@pytest.fixture
def boras(django_capture_on_commit_callbacks):
    return boras_evaluation(django_capture_on_commit_callbacks, anonymise=True)


def test_headings_are_word_headings_in_the_pages_order(boras):
    document = read(evaluation_docx(boras.cycle))
    found = headings(document)
    assert found[0] == ("Heading 1", "Utvärdering 2024–2025")  # no "Utvärdering: " twice
    level_2 = [text for style, text in found if style == "Heading 2"]
    assert level_2 == [
        "Sammanfattning",
        "Metod",
        "Svarsfrekvens",
        "Självskattningar (1–5)",
        "Vad de svarande skrev",
        "Siffror för perioden",
        "Slutsatser",
        "Rekommendationer",
        "Samverkansrådets godkännande",
    ]
    level_3 = [text for style, text in found if style == "Heading 3"]
    assert "Samrådet" in level_3  # the officer's added question's section
    level_4 = [text for style, text in found if style == "Heading 4"]
    assert any(text.startswith("Vilka återkommande forum finns") for text in level_4)
    # Only the built-in heading styles: Word's navigation pane shows them as the outline.
    assert {style for style, _text in found} <= {"Heading 1", "Heading 2", "Heading 3", "Heading 4"}


def test_sections_are_one_function_each_in_order():
    names = [section.__name__ for section in SECTIONS]
    assert names[0] == "title_section" and names[-1] == "approval_section"
    assert names.index("summary_section") < names.index("method_section")
    assert names.index("method_section") < names.index("rates_section")
    assert names.index("rates_section") < names.index("scores_section")


def paragraphs_under(document, heading):
    """The texts of the paragraphs after the level 2 heading ``heading``, up to the next one."""
    found, inside = [], False
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 2":
            inside = paragraph.text == heading
        elif inside:
            found.append(paragraph.text)
    return found


def test_the_method_names_who_reported_as_the_page_does(boras):
    evaluation = boras.cycle.evaluation
    evaluation.decision_reference = "KS 2026/117"
    evaluation.save(update_fields=["decision_reference"])
    version = boras.cycle.version
    version.reference_numbers = [{"number": "KS 17/53", "note": "antagen"}, {"number": "KS 18/2"}]
    version.save(update_fields=["reference_numbers"])
    document = read(evaluation_docx(boras.cycle))
    method = paragraphs_under(document, "Metod")
    assert "Överenskommelsens diarienummer: KS 17/53 (antagen), KS 18/2" in method
    assert "Beslutets diarienummer: KS 2026/117" in method
    assert "Diarienummer: KS 2026/117" in [p.text for p in document.paragraphs]  # the cover
    assert any(p.startswith("Period som följs upp: 1 januari 2024 – ") for p in method)
    assert any(p.startswith("Rapporterna samlades in: ") for p in method)
    assert any(p.startswith("Alla organisationer som undertecknat") for p in method)
    # Each group under its own heading, as the page: who reported and who did not.
    assert "Organisationer som har undertecknat" in method
    assert "2 av 2 rapporterade: Föreningen Alfa, Föreningen Beta." in method
    assert "Nämnder, förvaltningar och bolag" in method
    assert "2 av 3 rapporterade: Fritidsnämnden, Kulturnämnden." in method
    assert "Rapporterade inte: Tekniska nämnden." in method
    # The method's counts are the response rates' counts.
    (rates,) = table_after(document, "Begärda och inskickade rapporter")
    assert [c.text for c in rates.rows[2].cells][:3] == [
        "Nämnder, förvaltningar och bolag",
        "3",
        "2",
    ]


def test_the_councils_approval_names_who_approved_the_text(
    boras, django_capture_on_commit_callbacks
):
    document = read(evaluation_docx(boras.cycle))
    assert paragraphs_under(document, "Samverkansrådets godkännande") == [
        "Ingen ledamot i samverkansrådet har godkänt den här versionen av texten än."
    ]
    services.evaluation_send_to_council(cycle=boras.cycle, actor=boras.officer)
    services.evaluation_approve(cycle=boras.cycle, actor=boras.member)
    boras.cycle.refresh_from_db()
    approval = boras.cycle.evaluation.approvals.get()
    approved_on = formats.date_format(timezone.localtime(approval.approved_at), "j F Y")
    member = boras.member.get_full_name()
    assert paragraphs_under(read(evaluation_docx(boras.cycle)), "Samverkansrådets godkännande") == [
        "Den här versionen av texten har godkänts av:",
        f"{member}, för idéburen sektor, {approved_on}",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_publish(cycle=boras.cycle, actor=boras.officer)
    boras.cycle.refresh_from_db()
    published_on = formats.date_format(
        timezone.localtime(boras.cycle.evaluation.published_at), "j F Y"
    )
    found = paragraphs_under(read(evaluation_docx(boras.cycle)), "Samverkansrådets godkännande")
    assert found[0] == (
        "Samverkansrådet godkände den här texten, och den publicerades den "
        f"{published_on}. Godkänd av:"
    )
    assert found[1:] == [f"{member}, för idéburen sektor, {approved_on}"]


def parties_table(document, question):
    """The parties table (mean per group) whose rows include ``question``."""
    (table,) = [
        t
        for t in table_after(document, "Medelvärde (antal svar) per grupp")
        if any(r.cells[0].text == question for r in t.rows)
    ]
    return table


def is_header(row):
    return row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None


def test_score_table_has_a_repeating_header_and_both_parties_figures(boras):
    document = read(evaluation_docx(boras.cycle))
    principle = boras.cycle.questions.get(
        principle__key=BORAS_INDEPENDENCE, commitment__isnull=True
    ).principle.title
    table = parties_table(document, principle)
    assert is_header(table.rows[0])
    assert not any(is_header(row) for row in table.rows[1:])
    assert table.style.name == "Table Grid"
    assert [c.text for c in table.rows[0].cells] == [
        "Fråga",
        "Organisationer som har undertecknat",
        "Nämnder, förvaltningar och bolag",
        "Alla svarande",
        "Förändring",
        "Skillnad mellan parterna",
    ]
    (row,) = [r for r in table.rows if r.cells[0].text == principle]
    assert [c.text for c in row.cells][1:] == [
        "4,5 (2 svar)",  # the organisations: 5 and 4
        "1,5 (2 svar)",  # the units: 2 and 1
        "3,0 (4 svar)",
        "+1,0",  # after 2,0 in 2022–2023
        "3,0 högre bland organisationerna ◆ Stor skillnad",
    ]
    caption = table._tbl.tblPr.find(qn("w:tblCaption"))
    assert caption.get(qn("w:val")).startswith("Medelvärde (antal svar) per grupp")


def test_added_question_compares_three_groups_and_counts_have_their_base(boras):
    document = read(evaluation_docx(boras.cycle))
    table = parties_table(document, BORAS_ADDED_QUESTION)
    assert [c.text for c in table.rows[0].cells][1:4] == [
        "Organisationer som har undertecknat",
        "Nämnder, förvaltningar och bolag",
        "Ledamöter i samverkansrådet",
    ]
    assert [c.text for c in table.rows[1].cells][3:] == [
        "3,0 (1 svar)",
        "3,4 (5 svar)",
        "+0,4",
        "2,0 högre bland organisationerna ◆ Stor skillnad",
    ]
    (counts,) = table_after(document, "Antal för 2024–2025")
    assert is_header(counts.rows[0])
    (row,) = [r for r in counts.rows if r.cells[0].text == BORAS_IOP]
    assert [c.text for c in row.cells][1:] == [
        "7",
        "1 av 3 tillfrågade nämnder, förvaltningar och bolag",
    ]


def test_free_text_is_anonymised_as_the_cycle_says(boras):
    document = read(evaluation_docx(boras.cycle))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Vi blev inbjudna för sent." in text
    assert "Referensgrupper tidigt i processen." in text
    # The method names who reported (as the page does); the answers do not say who wrote them.
    free_text = "\n".join(paragraphs_under(document, "Vad de svarande skrev"))
    assert "Föreningen Alfa" not in free_text and "Kulturnämnden" not in free_text
    assert "Kommentar: Vi blev inbjudna för sent. – en organisation som har undertecknat" in text
    assert "Stormötet (4)" in text  # four spellings merged


def test_named_free_text_when_not_anonymised(django_capture_on_commit_callbacks):
    made = boras_evaluation(django_capture_on_commit_callbacks, anonymise=False)
    text = "\n".join(p.text for p in read(evaluation_docx(made.cycle)).paragraphs)
    assert "Kommentar: Vi blev inbjudna för sent. – Föreningen Alfa" in text


def test_language_title_and_author(boras):
    document = read(evaluation_docx(boras.cycle))
    properties = document.core_properties
    assert properties.title.startswith("Utvärdering 2024–2025")
    assert properties.author == "Lokala överenskommelser om samverkan"
    assert properties.language == "sv-SE"
    assert properties.comments == ""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "sv-SE"
    paragraphs = [p.text for p in document.paragraphs]
    assert any(
        p == "Utkast, ännu inte publicerat. Omgångens status: stängd." for p in paragraphs
    )  # a draft says so


# --- Who may have the file ----------------------------------------------------------------------


@pytest.fixture
def cycle(django_capture_on_commit_callbacks):
    return closed_cycle(django_capture_on_commit_callbacks)


def draft_url(cycle):
    return reverse("followup:evaluation-word", kwargs={"pk": cycle.pk})


def public_url(cycle):
    return reverse(
        "followup:public-evaluation-word", kwargs={"slug": cycle.agreement.slug, "pk": cycle.pk}
    )


def test_officer_and_member_download_the_draft(client, cycle, officer, member):
    for user in (officer, member):
        client.force_login(user)
        response = client.get(draft_url(cycle))
        assert response.status_code == 200
        assert response["Content-Type"] == CONTENT_TYPE
        assert response["Content-Disposition"] == (
            f'attachment; filename="utvardering-goteborg-{cycle.period_start.year}'
            + (
                f"-{cycle.period_end.year}"
                if cycle.period_end.year != cycle.period_start.year
                else ""
            )
            + '.docx"'
        )
        text = "\n".join(p.text for p in read(response.content).paragraphs)
        assert "Bra samarbete i år." in text


def test_who_may_not_have_the_draft(client, cycle, boras_officer):
    response = client.get(draft_url(cycle))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    for user in (cycle.rep.user, boras_officer, UserFactory()):
        client.force_login(user)
        assert client.get(draft_url(cycle)).status_code == 403
    other_council = with_mfa(
        CouncilMembershipFactory(agreement=Agreement.objects.get(slug="boras")).user
    )
    client.force_login(other_council)
    assert client.get(draft_url(cycle)).status_code == 403
    assert client.post(draft_url(cycle)).status_code == 405


def test_unpublished_evaluation_has_no_public_file(client, cycle, officer):
    assert client.get(public_url(cycle)).status_code == 404
    client.force_login(officer)
    assert client.get(public_url(cycle)).status_code == 404  # not even for its officer


def test_published_evaluation_file_for_everyone(
    client, cycle, officer, member, django_capture_on_commit_callbacks
):
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    response = client.get(public_url(cycle))
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    document = read(response.content)
    paragraphs = [p.text for p in document.paragraphs]
    assert "Samverkan har fungerat väl." in paragraphs
    assert "Fortsätt dialogen." in paragraphs
    assert any(p.startswith("Publicerad ") for p in paragraphs)
    assert not any(p.startswith("Utkast") for p in paragraphs)
    wrong_slug = reverse(
        "followup:public-evaluation-word", kwargs={"slug": "boras", "pk": cycle.pk}
    )
    assert client.get(wrong_slug).status_code == 404


def test_the_file_is_swedish_whatever_the_readers_language(
    client, english, cycle, officer, member, django_capture_on_commit_callbacks
):
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    document = read(client.get(public_url(cycle)).content)
    assert "Sammanfattning" in [p.text for p in document.paragraphs]
    assert document.core_properties.created == cycle.evaluation.published_at.replace(microsecond=0)


def test_pages_link_the_word_file(
    client, cycle, officer, member, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    html = client.get(reverse("followup:evaluation", kwargs={"pk": cycle.pk})).content.decode()
    assert f'href="{draft_url(cycle)}"' in html and "Ladda ned som Word (.docx)" in html
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    client.logout()
    page = reverse("followup:public-evaluation", kwargs={"slug": "goteborg", "pk": cycle.pk})
    html = client.get(page).content.decode()
    assert f'href="{public_url(cycle)}"' in html and "Ladda ned som Word (.docx)" in html
