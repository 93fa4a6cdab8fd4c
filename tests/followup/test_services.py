"""The follow-up cycle from draft to published evaluation, at the service level."""

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from agreements.models import Agreement
from core.models import OutgoingMail
from followup import services
from followup.models import Cycle, Evaluation, Report, ReportVersion
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    RepresentativeFactory,
)
from tests.followup.worlds import answers_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def goteborg():
    return Agreement.objects.get(slug="goteborg")


@pytest.fixture
def officer():
    return OfficerRoleFactory().user


@pytest.fixture
def cycle(goteborg, officer):
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    return services.cycle_create(agreement=goteborg, rule=rule, actor=officer)


def test_cycle_follows_the_cadence(goteborg, cycle):
    assert cycle.kind == Cycle.Kind.FOLLOWUP
    assert cycle.status == Cycle.Status.DRAFT
    assert (cycle.period_end - cycle.period_start).days in (364, 365)
    assert cycle.deadline > cycle.opens_on
    boras = Agreement.objects.get(slug="boras")
    two_yearly = services.cycle_create(
        agreement=boras,
        rule=boras.current_version.followup_rules.get(kind="evaluation"),
        actor=OfficerRoleFactory(municipality=boras.municipality).user,
    )
    assert two_yearly.kind == Cycle.Kind.EVALUATION
    assert two_yearly.period_end.year - two_yearly.period_start.year == 1


def test_questionnaire_is_generated_from_the_agreement(cycle):
    questions = list(cycle.questions.all())
    principle_questions = [q for q in questions if q.source == "principle"]
    commitment_questions = [q for q in questions if q.source == "commitment"]
    assert len(principle_questions) == 6
    assert len(commitment_questions) == 12  # each commitment asked once
    municipality_only = [q for q in commitment_questions if q.commitment.party == "municipality"]
    assert all(q.respondent_groups == ["units"] for q in municipality_only)
    both = [q for q in commitment_questions if q.commitment.party == "both"]
    assert all(set(q.respondent_groups) == {"units", "organisations"} for q in both)


def test_boras_asks_its_own_followup_questions():
    boras = Agreement.objects.get(slug="boras")
    cycle = services.cycle_create(
        agreement=boras,
        rule=boras.current_version.followup_rules.get(kind="evaluation"),
        actor=OfficerRoleFactory(municipality=boras.municipality).user,
    )
    agreement_questions = cycle.questions.filter(source="agreement")
    assert agreement_questions.count() == 7 + 4  # seven areas plus four sub-questions
    early = agreement_questions.get(text="Om man blivit involverad tidigt i processer?")
    assert early.respondent_groups == ["organisations"]
    assert early.answer_kind == "scale"
    iop = agreement_questions.get(text="Antal samverkansavtal och IOP:er?")
    assert iop.answer_kind == "count" and iop.respondent_groups == ["units"]
    assert any("council" in q.respondent_groups for q in agreement_questions)


def test_questions_are_versioned_with_the_cycle(cycle, goteborg):
    question = cycle.questions.first()
    question.text = "Ändrad fråga"
    services.question_save(question=question, actor=question.cycle.created_by)
    principle = question.principle
    principle.title = "Ny titel"
    principle.save()
    question.refresh_from_db()
    assert question.text == "Ändrad fråga"
    services.cycle_open(cycle=cycle, actor=cycle.created_by)
    question.text = "Efter öppning"
    with pytest.raises(services.ActionRefused):
        services.question_save(question=question, actor=question.cycle.created_by)


@pytest.fixture
def open_cycle(cycle, django_capture_on_commit_callbacks):
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    unit = MunicipalUnitFactory()
    OfficerRoleFactory(unit=unit)
    CouncilMembershipFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=cycle.created_by)
    cycle.refresh_from_db()
    cycle.rep = rep
    return cycle


def test_opening_invites_every_respondent(open_cycle):
    groups = sorted(open_cycle.reports.values_list("group", flat=True))
    assert groups == ["organisations", "units"]  # Göteborg asks no council questions
    assert len(mail.outbox) == 2
    assert open_cycle.rep.user.email in [m.to[0] for m in mail.outbox]


def test_draft_submit_and_lock(open_cycle):
    report = open_cycle.reports.get(group="organisations")
    user = open_cycle.rep.user
    report = services.report_save(
        report=report, actor=user, answers=answers_for(report)[:2], based_on_revision=0
    )
    assert report.status == Report.Status.DRAFT and report.revision == 1
    report = services.report_save(
        report=report, actor=user, answers=answers_for(report), based_on_revision=1, submit=True
    )
    assert report.status == Report.Status.SUBMITTED
    with pytest.raises(services.ActionRefused):
        services.report_save(report=report, actor=user, answers=[], based_on_revision=2)
    assert list(report.versions.values_list("action", flat=True)) == ["saved", "submitted"]


def test_second_editor_is_refused_with_the_changes(open_cycle):
    report = open_cycle.reports.get(group="organisations")
    question = answers_for(report)[0].question_id
    first = [services.AnswerInput(question_id=question, score=5, comment="Från Anna")]
    services.report_save(
        report=report, actor=open_cycle.rep.user, answers=first, based_on_revision=0
    )
    second = [services.AnswerInput(question_id=question, score=1, comment="Från Bo")]
    with pytest.raises(services.StaleReport) as excinfo:
        services.report_save(
            report=report, actor=open_cycle.rep.user, answers=second, based_on_revision=0
        )
    changes = excinfo.value.changes
    assert any(c["field"] == "comment" and c["theirs"] == "Från Anna" for c in changes)
    report.refresh_from_db()
    assert report.answers.get(question_id=question).comment == "Från Anna"


def test_score_outside_the_scale_saves_nothing(open_cycle):
    report = open_cycle.reports.get(group="organisations")
    good, bad = answers_for(report)[:2]
    bad.score = 7
    with pytest.raises(ValidationError):
        services.report_save(
            report=report, actor=open_cycle.rep.user, answers=[good, bad], based_on_revision=0
        )
    assert not report.answers.exists()
    assert not ReportVersion.objects.filter(report=report).exists()


def test_submission_after_the_deadline_is_refused(open_cycle):
    Cycle.objects.filter(pk=open_cycle.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1),
        opens_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    report = open_cycle.reports.get(group="organisations")
    with pytest.raises(services.ActionRefused, match=str(services.DEADLINE_PASSED)):
        services.report_save(
            report=report,
            actor=open_cycle.rep.user,
            answers=answers_for(report),
            based_on_revision=0,
        )


def test_officer_reopens_with_a_reason(open_cycle, officer):
    report = open_cycle.reports.get(group="organisations")
    services.report_save(
        report=report,
        actor=open_cycle.rep.user,
        answers=answers_for(report),
        based_on_revision=0,
        submit=True,
    )
    with pytest.raises(ValidationError):
        services.report_reopen(report=report, actor=officer, reason="")
    report = services.report_reopen(report=report, actor=officer, reason="Fel siffror")
    assert report.status == Report.Status.DRAFT
    assert report.versions.last().note == "Fel siffror"


def test_reminders_go_to_those_who_have_not_submitted(open_cycle):
    mail.outbox.clear()
    sent = services.cycle_send_reminders(cycle=open_cycle)
    assert sent == 2
    report = open_cycle.reports.get(group="organisations")
    services.report_save(
        report=report,
        actor=open_cycle.rep.user,
        answers=answers_for(report),
        based_on_revision=0,
        submit=True,
    )
    mail.outbox.clear()
    assert services.cycle_send_reminders(cycle=open_cycle) == 1


def test_whole_cycle_to_published_pdf(open_cycle, officer, django_capture_on_commit_callbacks):
    report = open_cycle.reports.get(group="organisations")
    services.report_save(
        report=report,
        actor=open_cycle.rep.user,
        answers=answers_for(report, score=3),
        based_on_revision=0,
        submit=True,
    )
    services.cycle_close(cycle=open_cycle, actor=officer)
    services.evaluation_update(
        cycle=open_cycle,
        actor=officer,
        summary="Sammanfattning",
        conclusions="Slutsatser",
        recommendations="Rekommendationer",
    )
    services.evaluation_send_to_council(cycle=open_cycle, actor=officer)
    outsider = OfficerRoleFactory().user
    with pytest.raises(services.ActionRefused) as excinfo:
        services.evaluation_approve(cycle=open_cycle, actor=outsider)
    assert excinfo.value.status == 403
    with pytest.raises(services.ActionRefused, match=str(services.NOT_APPROVED)):
        services.evaluation_publish(cycle=open_cycle, actor=officer)
    member = CouncilMembershipFactory().user
    services.evaluation_comment(cycle=open_cycle, actor=member, section="summary", text="Bra!")
    services.evaluation_approve(cycle=open_cycle, actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = services.evaluation_publish(cycle=open_cycle, actor=officer)
    evaluation.refresh_from_db()
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY
    assert evaluation.pdf.read().startswith(b"%PDF-")
    principle_scores = [s for s in evaluation.frozen_data["scores"] if s["kind"] == "principle"]
    assert principle_scores[0]["mean"] == 3
    with pytest.raises(services.ActionRefused, match=str(services.EVALUATION_PUBLISHED)):
        services.evaluation_update(
            cycle=open_cycle, actor=officer, summary="Ändrad", conclusions="", recommendations=""
        )


def _struct_elements(node, found):
    """Collect the structure types (and alt texts) of a tagged PDF's structure tree."""
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for kid in node:
            _struct_elements(kid, found)
        return
    if not hasattr(node, "get"):
        return
    if "/S" in node:
        found.append((str(node["/S"]), str(node.get("/Alt", ""))))
    if "/K" in node:
        _struct_elements(node["/K"], found)


def test_published_pdf_is_tagged_swedish_titled_with_figures_and_tables(
    open_cycle, officer, django_capture_on_commit_callbacks
):
    import io

    from pypdf import PdfReader

    report = open_cycle.reports.get(group="organisations")
    services.report_save(
        report=report,
        actor=open_cycle.rep.user,
        answers=answers_for(report, score=4),
        based_on_revision=0,
        submit=True,
    )
    services.cycle_close(cycle=open_cycle, actor=officer)
    services.evaluation_send_to_council(cycle=open_cycle, actor=officer)
    services.evaluation_approve(cycle=open_cycle, actor=CouncilMembershipFactory().user)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = services.evaluation_publish(cycle=open_cycle, actor=officer)
    evaluation.refresh_from_db()
    reader = PdfReader(io.BytesIO(evaluation.pdf.read()))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert reader.metadata.title.startswith(open_cycle.title)
    found = []
    _struct_elements(root["/StructTreeRoot"], found)
    types = {t for t, _alt in found}
    assert {"/H1", "/H2", "/Table", "/TH", "/Figure"} <= types
    figures = [alt for t, alt in found if t == "/Figure"]
    assert figures and all(alt for alt in figures)  # every chart has a text alternative


def test_reminders_run_by_the_database_task_worker(
    cycle, django_capture_on_commit_callbacks, monkeypatch
):
    """Opening queues the invitations; the morning's schedule, queued by the command and run
    by the worker, sends the reminder whose day has come; the worker delivers the mail."""
    from django.core.management import call_command
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    today = timezone.localdate()
    services.cycle_update(
        cycle=cycle,
        actor=cycle.created_by,
        opens_on=today,
        deadline=today + datetime.timedelta(days=7),
        reminder_days=[3],
    )
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    # The worker closes stale connections between tasks; inside the test's transaction that
    # would close the test's own connection (on PostgreSQL), so it is a no-op here.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def work():
        # Each task stores its messages and queues one task each to send them (after its
        # commit: at the end of the capture here), which the next run of the worker performs.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            services.cycle_open(cycle=cycle, actor=cycle.created_by)
        queued = DBTaskResult.objects.all()
        assert [r.task_path.rsplit(".", 1)[-1] for r in queued] == ["send_invitations"]
        assert not mail.outbox  # nothing is sent before the worker runs
        work()
        work()
        assert len(mail.outbox) == 1  # the invitation
        reminder_day = (today + datetime.timedelta(days=4)).isoformat()
        call_command("run_followup_schedule", "--date", reminder_day, stdout=io.StringIO())
        work()
        work()
        # Again the same day: nothing more.
        call_command("run_followup_schedule", "--date", reminder_day, stdout=io.StringIO())
        work()
        work()
        assert OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT).count() == 2
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2  # one invitation and one reminder to the one organisation
    assert all(m.to == [rep.user.email] for m in mail.outbox)
    assert cycle.reports.get().last_reminded_at is not None
    assert cycle.reminders.get().status == "sent"
