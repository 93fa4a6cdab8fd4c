"""The compiled evaluation: every question of the cycle, both parties side by side.

One Borås world (tests/followup/worlds.py, ``boras_evaluation``) is built for the module: a
published 2022–2023 evaluation and a 2024–2025 one, answered by two organisations, two of three
units and the council's member, then published with its PDF. The tests read the compiled figures,
the evaluation page and the PDF's text; each changes nothing, or only inside its own transaction.
"""

import io
import re
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from followup import services
from followup.compile import (
    SCHEMA,
    compile_evaluation,
    evaluation_from_json,
    list_items,
    merge_list_answers,
)
from followup.models import Cycle, Evaluation, Question
from followup.pdf import evaluation_context
from followup.tasks import render_evaluation_pdf
from tests.factories import (
    AccessionFactory,
    RepresentativeFactory,
    with_mfa,
)
from tests.followup.worlds import (
    BORAS_ADDED_QUESTION,
    BORAS_EARLY,
    BORAS_INDEPENDENCE,
    BORAS_IOP,
    boras_evaluation,
    open_cycle_with_report,
)

pytestmark = pytest.mark.django_db

ALFA_COMMENT = "Vi blev inbjudna för sent."


@pytest.fixture(scope="module")
def pdf_storage(tmp_path_factory):
    from django.core.files.storage import FileSystemStorage

    field = Evaluation._meta.get_field("pdf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(field, "storage", FileSystemStorage(location=tmp_path_factory.mktemp("pdf")))
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, pdf_storage):
    """The Borås world, its 2024–2025 evaluation published with its PDF (anonymised free
    text), made once in a transaction of the module's that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        made = boras_evaluation(anonymise=True)
        cycle, officer, member = made.cycle, made.officer, made.member
        services.evaluation_update(
            cycle=cycle, actor=officer, summary="Andra.", conclusions="", recommendations=""
        )
        services.evaluation_send_to_council(cycle=cycle, actor=officer)
        services.evaluation_approve(cycle=cycle, actor=member)
        services.evaluation_publish(cycle=cycle, actor=officer)
        # The render task, as the worker runs it after the commit (the module's transaction
        # is never committed).
        render_evaluation_pdf.call(Evaluation.objects.get(cycle=cycle).pk)
        yield SimpleNamespace(
            cycle_pk=cycle.pk,
            previous_pk=made.previous.pk,
            officer_pk=officer.pk,
            alfa=made.organisations[0].organisation.name,
        )
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _uses_module_storage(pdf_storage):
    """Every test reads PDFs from the module's directory."""


@pytest.fixture
def cycle(world):
    return Cycle.objects.select_related("agreement", "evaluation").get(pk=world.cycle_pk)


@pytest.fixture
def compiled(cycle):
    """The published figures, as the page and the PDF read them."""
    return evaluation_from_json(cycle.evaluation.frozen_data)


def score(compiled, title):
    (found,) = [s for s in compiled.scores if s.title == title or s.key == title]
    return found


@pytest.fixture(scope="module")
def pdf_text(world, django_db_blocker):
    with django_db_blocker.unblock():
        evaluation = Evaluation.objects.get(cycle_id=world.cycle_pk)
        assert evaluation.pdf_status == Evaluation.PdfStatus.READY
        with evaluation.pdf.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())  # table cells wrap: one space for every line break


# --- The figures ----------------------------------------------------------------------------------


def test_every_scale_question_is_compiled_whatever_its_source(compiled):
    kinds = {s.kind for s in compiled.scores}
    assert kinds == {"principle", "agreement", "custom"}  # Borås has no commitments
    table = [s for s in compiled.scores if s.kind == "agreement"]
    assert len(table) == 4  # "Upplevelsen från idéburna organisationer kring …"
    assert {s.section for s in table} == {"Upplevelsen från idéburna organisationer kring:"}
    early = score(compiled, BORAS_EARLY)
    assert early.distribution == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1, "na": 0}
    assert (early.n, early.mean) == (2, 4.5)
    assert [g.group for g in early.groups] == ["organisations"]  # asked of them only


def test_a_boras_table_question_changes_since_the_previous_cycle(compiled, cycle, world):
    assert compiled.previous_title == Cycle.objects.get(pk=world.previous_pk).title
    assert score(compiled, BORAS_EARLY).previous_mean == 3
    assert score(compiled, BORAS_EARLY).change == 1.5
    assert score(compiled, BORAS_INDEPENDENCE).change == 1.0  # 3,0 after 2,0
    assert score(compiled, BORAS_ADDED_QUESTION).change == 0.4  # the officer's own, by its text
    assert score(compiled, BORAS_ADDED_QUESTION).key.startswith("custom:")


def test_scores_are_given_per_group_and_together(compiled):
    independence = score(compiled, BORAS_INDEPENDENCE)
    groups = {g.group: (g.n, g.mean) for g in independence.groups}
    assert groups == {"organisations": (2, 4.5), "units": (2, 1.5)}
    assert (independence.n, independence.mean) == (4, 3)
    added = score(compiled, BORAS_ADDED_QUESTION)
    groups = {g.group: (g.n, g.mean) for g in added.groups}
    assert groups == {"organisations": (2, 4.5), "units": (2, 2.5), "council": (1, 3)}
    assert (added.n, added.mean) == (5, 3.4)


def test_the_parties_difference_is_marked_from_the_threshold(compiled):
    assert compiled.gap_threshold == 1.0
    independence = score(compiled, BORAS_INDEPENDENCE)
    assert independence.gap == 3.0 and independence.sides_differ
    added = score(compiled, BORAS_ADDED_QUESTION)
    assert added.gap == 2.0 and added.sides_differ  # the council's 3 is not a party's
    alike = [s for s in compiled.principle_scores if s.key != BORAS_INDEPENDENCE]
    assert alike and all(s.gap == 0 and not s.sides_differ for s in alike)
    assert score(compiled, BORAS_EARLY).gap is None  # asked of one party only
    assert compiled.differing_scores == [independence, added]
    with translation.override("sv"):
        assert independence.gap_text == "3,0 högre bland organisationerna"


def test_the_threshold_is_a_setting_and_is_frozen_with_the_evaluation(cycle, compiled, settings):
    settings.PORTAL_SCORE_GAP = 2.5
    live = compile_evaluation(cycle)
    assert live.gap_threshold == 2.5
    assert score(live, BORAS_INDEPENDENCE).sides_differ  # 3,0
    assert not score(live, BORAS_ADDED_QUESTION).sides_differ  # 2,0
    # The published figures keep the threshold they were published with.
    assert evaluation_from_json(cycle.evaluation.frozen_data).gap_threshold == 1.0


def test_a_difference_is_compared_as_it_is_shown(cycle, settings):
    """Means of 4,45 and 3,46 show as 4,5 and 3,5: a difference of 1,0, marked."""
    from followup.compile import _round1

    assert float(_round1(4.45 - 3.46)) == 1.0
    settings.PORTAL_SCORE_GAP = 3.0
    assert score(compile_evaluation(cycle), BORAS_INDEPENDENCE).sides_differ  # exactly 3,0


def test_counts_are_summed_with_their_base(compiled):
    (iop,) = compiled.counts
    assert iop.question == BORAS_IOP
    assert (iop.total, iop.answered, iop.asked) == (7, 1, 3)
    assert iop.partial and compiled.partial_counts
    with translation.override("sv"):
        assert iop.base_text == "1 av 3 tillfrågade nämnder, förvaltningar och bolag"
    with translation.override("en"):
        assert iop.base_text == "1 of 3 boards, administrations and companies asked"
    assert {f.key for f in compiled.register} == {"new_signatories", "withdrawn"}


def test_free_text_is_kept_under_its_own_question_anonymised(compiled, world):
    (independence,) = [t for t in compiled.texts if t.key == BORAS_INDEPENDENCE]
    assert independence.question.startswith("Hur väl levde samverkan upp till")
    (comment,) = independence.answers
    assert (comment.text, comment.kind, comment.group) == (ALFA_COMMENT, "comment", "organisations")
    assert comment.respondent == ""
    with translation.override("sv"):
        assert comment.by == "en organisation som har undertecknat"
    (methods,) = [t for t in compiled.texts if t.question.startswith("Vilka arbetssätt")]
    assert [a.text for a in methods.answers] == ["Referensgrupper tidigt i processen."]
    assert (methods.answered, methods.asked) == (1, 3)
    # Nowhere in the frozen answers: the method's list of who reported names it, but no
    # answer is tied to a name.
    frozen = compiled.as_json()
    assert world.alfa not in str({k: v for k, v in frozen.items() if k != "respondents"})
    assert world.alfa in [r["name"] for r in frozen["respondents"]]


def test_free_text_is_attributed_when_the_cycle_does_not_anonymise(cycle, world):
    Cycle.objects.filter(pk=cycle.pk).update(anonymise_free_text=False)
    cycle.refresh_from_db()
    live = compile_evaluation(cycle)
    (independence,) = [t for t in live.texts if t.key == BORAS_INDEPENDENCE]
    assert [(a.text, a.by) for a in independence.answers] == [(ALFA_COMMENT, world.alfa)]
    (forums,) = [t for t in live.texts if t.question.startswith("Vilka återkommande forum")]
    assert world.alfa in forums.entries[0].respondents


def test_list_answers_are_merged_with_their_counts(compiled):
    (forums,) = [t for t in compiled.texts if t.question.startswith("Vilka återkommande forum")]
    assert [(e.text, e.count) for e in forums.entries] == [
        ("Stormötet", 4),
        ("Dialogmöten", 1),
        ("Föreningsträffar", 1),
    ]
    assert forums.entries[0].respondents == []  # anonymised
    assert (forums.answered, forums.asked) == (4, 5)


def test_list_items_ignore_case_spacing_bullets_and_end_punctuation():
    assert list_items(" - Stormötet.\n\n2) Ortsråden ;\n•  Dialog   möten ") == [
        "Stormötet",
        "Ortsråden",
        "Dialog möten",
    ]
    entries = merge_list_answers(
        [
            ("A", "stormötet\nOrtsråden"),
            ("B", "Stormötet\nSTORMÖTET"),  # named twice by one: counted once
            ("C", "Stormötet "),
            ("D", "- stormötet"),
        ]
    )
    assert [(e.text, e.count, e.respondents) for e in entries] == [
        ("Stormötet", 4, ["A", "B", "C", "D"]),
        ("Ortsråden", 1, ["A"]),
    ]
    # Of two spellings as common, the capitalised one.
    assert merge_list_answers([("A", "forum x"), ("B", "Forum X")])[0].text == "Forum X"
    assert merge_list_answers([("A", "ortsråden")])[0].text == "Ortsråden"  # as lists are written


def test_the_frozen_figures_read_back_as_they_were_compiled(cycle):
    compiled = compile_evaluation(cycle)
    data = compiled.as_json()
    assert data["schema"] == SCHEMA
    assert evaluation_from_json(data) == compiled


# --- The page and the PDF -------------------------------------------------------------------------


def test_the_pdf_holds_the_boras_table_questions_scores(pdf_text):
    assert "Upplevelsen från idéburna organisationer kring" in pdf_text
    assert BORAS_EARLY in pdf_text
    # Its row: 0 0 0 1 1 answers on 1–5, 0 don't know, 2 answers, mean 4,5, change +1,5.
    assert f"{BORAS_EARLY} 0 0 0 1 1 0 2 4,5 +1,5" in pdf_text


def test_the_pdf_shows_the_parties_side_by_side_and_marks_the_difference(pdf_text):
    assert "Självskattningar (1–5)" in pdf_text
    assert "skiljer sig med 1,0 steg på skalan eller mer" in pdf_text  # the explanation
    assert "◆ Stor skillnad" in pdf_text
    assert "4,5 (2 svar) 1,5 (2 svar) 3,0 (4 svar) 3,0 högre bland organisationerna" in pdf_text
    assert "Ledamöter i samverkansrådet" in pdf_text  # the council's column, where asked
    assert "3,0 (1 svar)" in pdf_text
    assert "◆ Stor skillnad mellan parterna" in pdf_text  # in the chart, as text


def test_the_pdf_gives_counts_their_base(pdf_text):
    assert f"{BORAS_IOP} 7 1 av 3 tillfrågade nämnder, förvaltningar och bolag" in pdf_text


def test_the_pdf_shows_free_text_per_question_anonymised_and_merged_lists(pdf_text, world):
    assert f"Kommentar: {ALFA_COMMENT} – en organisation som har undertecknat" in pdf_text
    assert f"{ALFA_COMMENT} – {world.alfa}" not in pdf_text
    assert "Stormötet (4)" in pdf_text
    assert "Vilka återkommande forum finns" in pdf_text
    assert "Besvarad av 4 av 5 tillfrågade." in pdf_text


def test_the_pdf_shows_the_change_since_the_previous_cycle(pdf_text):
    assert "Förändringen jämförs med Utvärdering 2022–2023." in pdf_text


def test_the_evaluation_page_shows_the_same(client, world, cycle):
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(pk=world.officer_pk)
    client.force_login(with_mfa(officer))
    response = client.get(reverse("followup:evaluation", kwargs={"pk": cycle.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert BORAS_EARLY in text
    assert "◆ Stor skillnad" in text
    assert "3,0 högre bland organisationerna" in text
    assert "1 av 3 tillfrågade nämnder, förvaltningar och bolag" in text
    assert "Stormötet (4)" in text
    assert "– en organisation som har undertecknat" in text
    assert 'class="table stack-table parties-table"' in html
    assert html.count('<th scope="col">Ledamöter i samverkansrådet</th>') == 1  # where asked


def test_the_public_page_is_drawn_in_the_readers_language(client, cycle):
    client.cookies["django_language"] = "en"
    url = reverse("followup:public-evaluation", kwargs={"slug": "boras", "pk": cycle.pk})
    text = " ".join(re.sub(r"<[^>]+>", " ", client.get(url).content.decode()).split())
    assert "1 of 3 boards, administrations and companies asked" in text
    assert "3.0 higher among the organisations" in text


def test_figures_frozen_before_every_question_was_compiled_still_show(cycle):
    """Schema 1: principle scores only, free text by principle, counts as a mapping."""
    old = {
        "cycle_id": cycle.pk,
        "title": cycle.title,
        "agreement": cycle.agreement.title,
        "period": "2024–2025",
        "rates": [
            {"group": "organisations", "label": "x", "invited": 2, "submitted": 2, "rate": 100}
        ],
        "scores": [
            {
                "key": "dialog",
                "kind": "principle",
                "title": "Dialog",
                "principle": "Dialog",
                "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 0, "na": 0},
                "n": 2,
                "mean": 3.5,
                "previous_mean": 3.0,
                "change": 0.5,
            }
        ],
        "free_texts": [
            {
                "principle": "Dialog",
                "question": "Hur väl?",
                "respondent": "Föreningen Gamma",
                "kind": "comment",
                "text": "Bra.",
            }
        ],
        "listed_answers": [
            {
                "principle": "Forum",
                "question": "Vilka forum?",
                "respondent": "Nämnden",
                "kind": "text",
                "text": "Stormötet\nOrtsråden",
            },
            {
                "principle": "Forum",
                "question": "Vilka forum?",
                "respondent": "Föreningen Gamma",
                "kind": "text",
                "text": "stormötet",
            },
        ],
        "counts": {"Antal IOP?": 4, "Nya anslutna organisationer under perioden": 1},
        "previous_title": "Utvärdering 2022–2023",
    }
    compiled = evaluation_from_json(old)
    assert compiled.schema == 1
    assert compiled.scores[0].change == 0.5 and compiled.scores[0].groups == []
    assert compiled.texts[0].answers[0].by == "Föreningen Gamma"
    assert [(e.text, e.count) for e in compiled.texts[1].entries] == [
        ("Stormötet", 2),
        ("Ortsråden", 1),
    ]
    assert compiled.counts[0].total == 4 and compiled.counts[0].base_text == ""
    assert compiled.register[0].key == "new_signatories"
    Evaluation.objects.filter(cycle=cycle).update(frozen_data=old)
    cycle.refresh_from_db()
    with translation.override("sv"):
        html = render_to_string(
            "followup/includes/evaluation_content.html", evaluation_context(cycle)
        )
    assert "Stormötet (2)" in html and "Bra." in html and "Antal IOP?" in html
    assert "Nya anslutna organisationer under perioden" in html


# --- Queries --------------------------------------------------------------------------------------


def _queries_to_compile(capture, *, extra_questions, extra_organisations):
    """The queries of compiling a Göteborg cycle with more questions and reports."""
    cycle = open_cycle_with_report(capture)
    with transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.DRAFT)
        for number in range(extra_questions):
            kind = ["scale", "count", "list", "text"][number % 4]
            services.question_save(
                question=Question(
                    cycle=cycle,
                    order=100 + number,
                    source=Question.Source.CUSTOM,
                    answer_kind=kind,
                    respondent_groups=["organisations", "units"],
                    section=f"Avsnitt {number % 3}",
                    text=f"Fråga {number}",
                ),
                actor=cycle.created_by,
            )
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    for _number in range(extra_organisations):
        rep = RepresentativeFactory()
        AccessionFactory(organisation=rep.organisation)
        report = cycle.reports.create(group="organisations", organisation=rep.organisation)
        answers = [
            services.AnswerInput(
                question_id=q.pk,
                score=4 if q.answer_kind == "scale" else None,
                number=2 if q.answer_kind == "count" else None,
                text="Stormötet" if q.answer_kind in ("list", "text") else "",
                comment="Bra.",
            )
            for q in cycle.questions.all()
            if q.asks("organisations")
        ]
        services.report_save(
            report=report, actor=rep.user, answers=answers, based_on_revision=0, submit=True
        )
    cycle = Cycle.objects.select_related("agreement").get(pk=cycle.pk)
    with CaptureQueriesContext(connection) as captured:
        compiled = compile_evaluation(cycle)
    return len(captured), compiled


class _Rollback(Exception):
    pass


def _measured(capture, **sizes):
    """Compile in a savepoint that is rolled back, so the next world can be made afresh."""
    try:
        with transaction.atomic():
            result = _queries_to_compile(capture, **sizes)
            raise _Rollback(result)
    except _Rollback as measured:
        return measured.args[0]


def test_compiling_does_not_grow_with_the_questions_or_the_reports(
    django_capture_on_commit_callbacks,
):
    few, small = _measured(
        django_capture_on_commit_callbacks, extra_questions=4, extra_organisations=1
    )
    many, large = _measured(
        django_capture_on_commit_callbacks, extra_questions=40, extra_organisations=8
    )
    assert len(large.scores) > len(small.scores) and len(large.counts) > len(small.counts)
    assert len(large.texts) > len(small.texts)
    assert few == many <= 6  # reports, answers, questions, the previous cycle, two counts


# --- A board-ready document: method, who reported, the council's approval (issue 16, item 6) ------


def test_the_method_names_who_reported_and_who_did_not(compiled):
    groups = [
        ([r.name for r in done], [r.name for r in missing], asked)
        for _label, done, missing, asked in compiled.respondent_groups
    ]
    assert groups == [
        (["Föreningen Alfa", "Föreningen Beta"], [], 2),  # the organisations
        (["Fritidsnämnden", "Kulturnämnden"], ["Tekniska nämnden"], 3),  # the units
    ]


def test_the_pdf_is_a_board_document(pdf_text, cycle):
    assert "Metod" in pdf_text
    assert "2 av 3 rapporterade: Fritidsnämnden, Kulturnämnden." in pdf_text
    assert "Rapporterade inte: Tekniska nämnden." in pdf_text
    assert "Samverkansrådets godkännande" in pdf_text
    approval = cycle.evaluation.approvals.get(evaluation_revision=cycle.evaluation.revision)
    assert f"{approval.member.get_full_name()}, för idéburen sektor" in pdf_text
    assert "Period som följs upp" in pdf_text


def test_the_decision_reference_is_kept_out_of_the_approved_text(client, django_db_blocker):
    """An officer writes the decision's dnr; it is shown on the cover and in the method, is in
    the cycle's history, and does not ask the council to approve again."""
    cycle = open_cycle_with_report()
    services.cycle_close(cycle=cycle, actor=cycle.created_by)
    officer = with_mfa(cycle.created_by)
    services.evaluation_update(
        cycle=cycle, actor=officer, summary="Bra.", conclusions="", recommendations=""
    )
    revision = Evaluation.objects.get(cycle=cycle).revision
    client.force_login(officer)
    response = client.post(
        reverse("followup:evaluation-edit", args=[cycle.pk]),
        {
            "summary": "Bra.",
            "conclusions": "",
            "recommendations": "",
            "decision_reference": " KS 2026/117 ",
        },
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(cycle=cycle)
    assert evaluation.decision_reference == "KS 2026/117"
    assert evaluation.revision == revision  # the council's approvals still hold
    event = cycle.events.filter(kind="evaluation_edited").first()
    assert event.details["after"] == {"decision_reference": "KS 2026/117"}
    html = render_to_string(
        "followup/evaluation_pdf.html", {**evaluation_context(cycle), "pdf_language": "sv"}
    )
    assert html.count("KS 2026/117") == 2  # on the cover and in the method
