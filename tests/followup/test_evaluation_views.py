"""The evaluation pages: the officers' narrative, the council's review, publishing and the PDF."""

import datetime
import io
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from agreements.models import Agreement
from followup import pdf, services
from followup.models import Cycle, Evaluation, EvaluationApproval, EvaluationComment
from followup.report_forms import SECTION_LABELS
from followup.views.public import PDF_LABELS
from tests.factories import (
    CouncilMembershipFactory,
    OfficerRoleFactory,
    UserFactory,
    with_mfa,
)
from tests.followup.worlds import boras_evaluation, closed_cycle, open_cycle_with_report, publish
from tests.pages import said

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pdf_storage(tmp_path, monkeypatch):
    """Rendered PDFs go to a temporary directory, not the development var/media."""
    monkeypatch.setattr(
        Evaluation._meta.get_field("pdf"), "storage", FileSystemStorage(location=tmp_path)
    )


@pytest.fixture
def cycle(django_capture_on_commit_callbacks):
    return closed_cycle(django_capture_on_commit_callbacks)


def url(name, cycle):
    return reverse(f"followup:{name}", kwargs={"pk": cycle.pk})


NARRATIVE = {
    "summary": "Samverkan har fungerat väl.",
    "conclusions": "Fortsätt dialogen.",
    "recommendations": "Fler möten.",
}


def _evaluation(cycle):
    return Evaluation.objects.get(cycle=cycle)


# --- Reading the draft --------------------------------------------------------------------------


def test_officer_reads_the_draft_with_the_narrative_form(client, cycle, officer):
    client.force_login(officer)
    response = client.get(url("evaluation", cycle))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'id="svarsfrekvens-rubrik"' in html  # the evaluation body
    assert "Bra samarbete i år." in html  # free text from the submitted report
    assert f'action="{url("evaluation-edit", cycle)}"' in html
    assert f'action="{url("evaluation-send", cycle)}"' in html
    assert f'action="{url("evaluation-publish", cycle)}"' not in html
    assert f'action="{url("evaluation-approve", cycle)}"' not in html
    assert "pdf-status.js" not in html  # nothing to poll before publication


def test_council_member_reads_the_draft_without_the_officers_forms(client, cycle, member):
    client.force_login(member)
    response = client.get(url("evaluation", cycle))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{url("evaluation-edit", cycle)}"' not in html
    assert f'action="{url("evaluation-send", cycle)}"' not in html
    assert f'action="{url("evaluation-comment", cycle)}"' not in html  # not in review yet


def test_open_cycle_shows_the_figures_so_far(client, officer, django_capture_on_commit_callbacks):
    cycle = open_cycle_with_report(django_capture_on_commit_callbacks)
    client.force_login(officer)
    response = client.get(url("evaluation", cycle))
    assert response.status_code == 200
    assert said(response, services.EVALUATION_NOT_STARTED)
    assert f'action="{url("evaluation-edit", cycle)}"' not in response.content.decode()
    response = client.post(url("evaluation-edit", cycle), NARRATIVE)
    assert response.status_code == 409
    assert not Evaluation.objects.filter(cycle=cycle).exists()


def test_who_may_not_read_the_draft(client, cycle, boras_officer):
    response = client.get(url("evaluation", cycle))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    for user in (cycle.rep.user, boras_officer, UserFactory()):
        client.force_login(user)
        assert client.get(url("evaluation", cycle)).status_code == 403
    other_council = with_mfa(
        CouncilMembershipFactory(agreement=Agreement.objects.get(slug="boras")).user
    )
    client.force_login(other_council)
    assert client.get(url("evaluation", cycle)).status_code == 403


def test_officer_without_two_factor_authentication_is_sent_to_activate_it(client, cycle):
    client.force_login(OfficerRoleFactory().user)
    response = client.get(url("evaluation", cycle))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


# --- The officers' narrative --------------------------------------------------------------------


def test_officer_writes_the_narrative(client, cycle, officer):
    client.force_login(officer)
    response = client.post(
        url("evaluation-edit", cycle), {**NARRATIVE, "anonymise_free_text": "on"}
    )
    assert response.status_code == 302
    evaluation = _evaluation(cycle)
    assert evaluation.summary == NARRATIVE["summary"]
    assert evaluation.revision == 1
    cycle.refresh_from_db()
    assert cycle.anonymise_free_text
    html = client.get(url("evaluation", cycle)).content.decode()
    assert "Samverkan har fungerat väl." in html
    assert escape(cycle.rep.organisation.name) not in html.split('id="fritext"')[1]


def test_narrative_too_long_is_refused(client, cycle, officer):
    client.force_login(officer)
    response = client.post(url("evaluation-edit", cycle), {**NARRATIVE, "summary": "x" * 20001})
    assert response.status_code == 400
    assert 'id="error_1_id_summary"' in response.content.decode()
    assert _evaluation(cycle).summary == ""


def test_only_the_agreements_officers_write_and_send(client, cycle, member, boras_officer):
    for user in (member, boras_officer, cycle.rep.user):
        client.force_login(user)
        assert client.post(url("evaluation-edit", cycle), NARRATIVE).status_code == 403
        assert client.post(url("evaluation-send", cycle)).status_code == 403
        assert client.post(url("evaluation-publish", cycle)).status_code == 403
    client.logout()
    assert client.post(url("evaluation-edit", cycle), NARRATIVE).status_code == 302
    assert _evaluation(cycle).summary == ""
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED


def test_pages_refuse_the_wrong_method(client, cycle, officer):
    client.force_login(officer)
    assert client.get(url("evaluation-edit", cycle)).status_code == 405
    assert client.post(url("evaluation", cycle)).status_code == 405


# --- The council's review -----------------------------------------------------------------------


def test_send_comment_approve_and_publish(
    client, cycle, officer, member, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    client.post(url("evaluation-edit", cycle), NARRATIVE)
    assert client.post(url("evaluation-send", cycle)).status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.IN_REVIEW

    # Publishing before the council approved is refused.
    response = client.post(url("evaluation-publish", cycle))
    assert response.status_code == 409
    assert said(response, services.NOT_APPROVED)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.IN_REVIEW

    client.force_login(member)
    html = client.get(url("evaluation", cycle)).content.decode()
    assert f'action="{url("evaluation-comment", cycle)}"' in html
    assert f'action="{url("evaluation-approve", cycle)}"' in html
    response = client.post(
        url("evaluation-comment", cycle), {"section": "conclusions", "text": "Tydligare, tack."}
    )
    assert response.status_code == 302
    comment = EvaluationComment.objects.get()
    assert comment.section == "conclusions" and comment.author == member
    assert client.post(url("evaluation-approve", cycle)).status_code == 302
    assert EvaluationApproval.objects.filter(member=member).exists()

    client.force_login(officer)
    html = client.get(url("evaluation", cycle)).content.decode()
    review = html.split('id="granskning"')[1]
    assert "Tydligare, tack." in review
    assert escape(member.get_full_name()) in review
    assert f'action="{url("evaluation-publish", cycle)}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("evaluation-publish", cycle)).status_code == 302
    evaluation = _evaluation(cycle)
    assert evaluation.is_published
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY

    response = client.get(url("evaluation", cycle))
    html = response.content.decode()
    assert 'id="pdf-status" role="status" aria-live="polite"' in html
    assert f'data-status-url="{url("pdf-status", cycle)}"' in html
    pdf_url = reverse("followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": cycle.pk})
    assert f'href="{pdf_url}"' in html
    assert f'action="{url("evaluation-edit", cycle)}"' not in html  # read-only now
    assert '<script src="/static/js/pdf-status.js" defer></script>' in html
    assert "<script>" not in html


def test_every_section_of_the_evaluation_can_be_commented_on():
    assert list(SECTION_LABELS) == pdf.SECTIONS


def test_comment_needs_text_and_a_known_section(client, cycle, officer, member):
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    client.force_login(member)
    response = client.post(url("evaluation-comment", cycle), {"section": "summary", "text": " "})
    assert response.status_code == 400
    response = client.post(url("evaluation-comment", cycle), {"section": "nope", "text": "Hej"})
    assert response.status_code == 400
    assert not EvaluationComment.objects.exists()


def test_comment_and_approval_by_a_non_member_are_refused(client, cycle, officer, boras_officer):
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    # An officer of the agreement reads the draft but is not on the council.
    client.force_login(officer)
    response = client.post(url("evaluation-approve", cycle))
    assert response.status_code == 403
    assert said(response, services.NOT_A_COUNCIL_MEMBER)
    response = client.post(url("evaluation-comment", cycle), {"section": "summary", "text": "Hej"})
    assert response.status_code == 403
    assert said(response, services.NOT_A_COUNCIL_MEMBER)
    for user in (boras_officer, cycle.rep.user, UserFactory()):
        client.force_login(user)
        assert client.post(url("evaluation-approve", cycle)).status_code == 403
        data = {"section": "summary", "text": "Hej"}
        assert client.post(url("evaluation-comment", cycle), data).status_code == 403
    client.logout()
    response = client.post(url("evaluation-approve", cycle))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not EvaluationApproval.objects.exists()
    assert not EvaluationComment.objects.exists()


def test_approval_before_review_is_refused(client, cycle, member):
    client.force_login(member)
    response = client.post(url("evaluation-approve", cycle))
    assert response.status_code == 409
    assert said(response, services.EVALUATION_NOT_IN_REVIEW)
    assert not EvaluationApproval.objects.exists()


def test_sending_twice_is_refused(client, cycle, officer):
    client.force_login(officer)
    assert client.post(url("evaluation-send", cycle)).status_code == 302
    assert client.post(url("evaluation-send", cycle)).status_code == 409


# --- After publication --------------------------------------------------------------------------


def test_edit_after_publication_is_refused(
    client, cycle, officer, member, django_capture_on_commit_callbacks
):
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    before = _evaluation(cycle)
    client.force_login(officer)
    response = client.post(url("evaluation-edit", cycle), {**NARRATIVE, "summary": "Ändrad"})
    assert response.status_code == 409
    assert said(response, services.EVALUATION_PUBLISHED)
    after = _evaluation(cycle)
    assert (after.summary, after.revision, after.frozen_data) == (
        before.summary,
        before.revision,
        before.frozen_data,
    )
    client.force_login(member)
    response = client.post(url("evaluation-comment", cycle), {"section": "summary", "text": "Hej"})
    assert response.status_code == 409
    assert client.post(url("evaluation-approve", cycle)).status_code == 409
    assert EvaluationComment.objects.count() == 0


def test_pdf_status_json(client, cycle, officer, member, django_capture_on_commit_callbacks):
    status_url = url("pdf-status", cycle)
    # A draft's status is for those who may read the draft.
    response = client.get(status_url)
    assert response.status_code == 302
    client.force_login(cycle.rep.user)
    assert client.get(status_url).status_code == 403
    client.force_login(officer)
    response = client.get(status_url)
    assert response.status_code == 200
    assert response.json() == {"status": "none", "label": response.json()["label"], "url": ""}

    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    client.logout()
    response = client.get(status_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "ready"
    assert data["url"] == reverse(
        "followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": cycle.pk}
    )
    assert data["label"]


def test_failed_pdf_can_be_made_again(
    client, cycle, officer, member, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(evaluation):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(pdf, "evaluation_pdf_bytes", broken)
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    evaluation = _evaluation(cycle)
    assert evaluation.pdf_status == Evaluation.PdfStatus.FAILED

    client.force_login(officer)
    html = client.get(url("evaluation", cycle)).content.decode()
    retry = url("evaluation-retry-pdf", cycle)
    assert f'<form class="pdf-status__retry" method="post" action="{retry}">' in html
    assert client.get(url("pdf-status", cycle)).json()["status"] == "failed"
    public_pdf = reverse(
        "followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": cycle.pk}
    )
    assert client.get(public_pdf).status_code == 404

    # Council members see the status but not the button, and may not press it.
    client.force_login(member)
    html = client.get(url("evaluation", cycle)).content.decode()
    assert 'class="pdf-status__retry"' not in html
    assert client.post(retry).status_code == 403

    monkeypatch.undo()
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    response = client.get(public_pdf)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # Only a failed PDF is made again.
    assert client.post(retry).status_code == 409


def _published_with_a_dead_worker(cycle, officer, member, django_capture_on_commit_callbacks):
    """Published, its PDF task taken by a worker that died while rendering."""

    def never_queued(**kwargs):
        return django_capture_on_commit_callbacks(execute=False)

    publish(cycle, officer, member, never_queued)
    Evaluation.objects.filter(cycle=cycle).update(pdf_status=Evaluation.PdfStatus.RENDERING)
    return _evaluation(cycle)


def _asked_minutes_ago(evaluation, minutes):
    Evaluation.objects.filter(pk=evaluation.pk).update(
        pdf_requested_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_a_pdf_stuck_rendering_after_its_worker_died_can_be_made_again(
    client, cycle, officer, member, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_PDF_RENDER_TIMEOUT = 15 * 60
    evaluation = _published_with_a_dead_worker(
        cycle, officer, member, django_capture_on_commit_callbacks
    )
    retry = url("evaluation-retry-pdf", cycle)
    client.force_login(officer)

    # Within the limit the render may still be running: no button, and a retry is refused.
    _asked_minutes_ago(evaluation, 14)
    html = client.get(url("evaluation", cycle)).content.decode()
    assert f'<form class="pdf-status__retry" method="post" action="{retry}" hidden>' in html
    assert client.get(url("pdf-status", cycle)).json()["status"] == "rendering"
    assert client.post(retry).status_code == 409

    # Past it the render counts as failed: the page says so and offers the button.
    _asked_minutes_ago(evaluation, 16)
    html = client.get(url("evaluation", cycle)).content.decode()
    assert f'<form class="pdf-status__retry" method="post" action="{retry}">' in html
    with translation.override("sv"):
        assert str(PDF_LABELS[Evaluation.PdfStatus.FAILED]) in html
    assert client.get(url("pdf-status", cycle)).json()["status"] == "failed"
    client.force_login(member)
    assert client.post(retry).status_code == 403

    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(retry).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    public_pdf = reverse(
        "followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": cycle.pk}
    )
    assert client.get(public_pdf).status_code == 200


def test_housekeeping_marks_stuck_pdfs_failed_and_logs_them(
    cycle, officer, member, settings, caplog, django_capture_on_commit_callbacks
):
    settings.PORTAL_PDF_RENDER_TIMEOUT = 15 * 60
    evaluation = _published_with_a_dead_worker(
        cycle, officer, member, django_capture_on_commit_callbacks
    )
    _asked_minutes_ago(evaluation, 10)
    out = io.StringIO()
    call_command("fail_stuck_pdfs", stdout=out)
    assert out.getvalue().startswith("0 evaluation PDF(s)")
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.RENDERING

    _asked_minutes_ago(evaluation, 20)
    with caplog.at_level("ERROR", logger="followup.services"):
        call_command("fail_stuck_pdfs", stdout=out)
    assert f"evaluations {evaluation.pk}." in out.getvalue()
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.FAILED
    assert "not finished within 15 minutes" in evaluation.pdf_error
    assert [r.getMessage() for r in caplog.records if "marked failed" in r.getMessage()]
    # Run again: nothing more to do; a ready PDF is never touched.
    assert services.evaluation_fail_stuck_pdfs() == []


def test_retry_before_publication_is_refused(client, cycle, officer):
    client.force_login(officer)
    assert client.post(url("evaluation-retry-pdf", cycle)).status_code == 409


def test_queued_pdf_offers_a_refresh_link(
    client, cycle, officer, member, django_capture_on_commit_callbacks
):
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    Evaluation.objects.filter(cycle=cycle).update(pdf_status=Evaluation.PdfStatus.QUEUED)
    client.force_login(member)
    html = client.get(url("evaluation", cycle)).content.decode()
    assert 'data-status="queued"' in html
    assert '<p class="pdf-status__refresh">' in html
    assert '<a class="pdf-status__link" hidden>' in html


WRITES = [
    ("evaluation-edit", NARRATIVE),
    ("evaluation-send", {}),
    ("evaluation-comment", {"section": "summary", "text": "Hej"}),
    ("evaluation-approve", {}),
    ("evaluation-publish", {}),
    ("evaluation-retry-pdf", {}),
]


def _snapshot(cycle):
    evaluation = _evaluation(cycle)
    return (
        Cycle.objects.get(pk=cycle.pk).status,
        evaluation.summary,
        evaluation.revision,
        evaluation.published_at,
        evaluation.pdf_status,
        EvaluationComment.objects.count(),
        EvaluationApproval.objects.count(),
    )


@pytest.mark.parametrize("name,data", WRITES)
def test_every_evaluation_view_refuses_outsiders(client, cycle, officer, boras_officer, name, data):
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    before = _snapshot(cycle)
    target = url(name, cycle)
    response = client.post(target, data)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    other_council = with_mfa(
        CouncilMembershipFactory(agreement=Agreement.objects.get(slug="boras")).user
    )
    for user in (cycle.rep.user, boras_officer, other_council, UserFactory()):
        client.force_login(user)
        assert client.post(target, data).status_code == 403, user
        assert client.get(url("evaluation", cycle)).status_code == 403
        assert client.get(url("pdf-status", cycle)).status_code == 403
    assert _snapshot(cycle) == before


def test_a_pdf_write_that_breaks_off_is_failed_removed_and_can_be_made_again(
    client, cycle, officer, member, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    """The disk fills up half-way through storing the PDF: no partial file stays or is served."""
    storage = Evaluation._meta.get_field("pdf").storage
    real_save = storage._save

    def half_then_full(name, content):
        path = storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as partial:
            partial.write(content.read()[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "_save", half_then_full)
    publish(cycle, officer, member, django_capture_on_commit_callbacks)
    evaluation = _evaluation(cycle)
    assert evaluation.pdf_status == Evaluation.PdfStatus.FAILED
    assert "No space left on device" in evaluation.pdf_error
    assert not evaluation.pdf
    assert list(tmp_path.rglob("*.pdf")) == []  # the partial file was removed
    public_pdf = reverse(
        "followup:public-evaluation-pdf", kwargs={"slug": "goteborg", "pk": cycle.pk}
    )
    assert client.get(public_pdf).status_code == 404

    monkeypatch.setattr(storage, "_save", real_save)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("evaluation-retry-pdf", cycle)).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    body = b"".join(client.get(public_pdf).streaming_content)
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert len(list(tmp_path.rglob("*.pdf"))) == 1


def test_the_review_page_reads_the_cycle_and_the_approvals_once(
    client, django_capture_on_commit_callbacks
):
    """The page's review list and the content's record of the council's approval come from
    one read of the approvals; a GET reads its cycle once."""
    made = boras_evaluation(django_capture_on_commit_callbacks)
    services.evaluation_send_to_council(cycle=made.cycle, actor=made.officer)
    services.evaluation_approve(cycle=made.cycle, actor=made.member)
    client.force_login(with_mfa(made.officer))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("evaluation", made.cycle))
    assert response.status_code == 200
    assert response.context["council_approvals"][0].side == "idéburen sektor"
    assert [a.member for a in response.context["approvals"]] == [made.member]
    tables = [
        query["sql"].split(" FROM ")[1].split()[0]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and " FROM " in query["sql"]
    ]
    assert tables.count('"followup_evaluationapproval"') == 1
    assert tables.count('"followup_cycle"') == 2  # this cycle, and the previous one compared
