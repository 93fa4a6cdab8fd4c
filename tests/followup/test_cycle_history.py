"""A cycle's history: every follow-up service records who did what (a CycleEvent) in the
transaction of the change, and the officers' cycle page shows it, newest first."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from agreements.models import Agreement
from followup import services
from followup.models import Cycle, CycleEvent, Evaluation, Question
from organisations.services import user_delete
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    RepresentativeFactory,
    UserFactory,
    mfa_officer,
    with_mfa,
)

pytestmark = pytest.mark.django_db

Kind = CycleEvent.Kind
DAY = datetime.timedelta(days=1)


@pytest.fixture
def goteborg():
    return Agreement.objects.get(slug="goteborg")


@pytest.fixture
def officer():
    """A Göteborg officer with a name, who takes the steps."""
    user = mfa_officer("goteborg")
    user.first_name, user.last_name = "Karin", "Berg"
    user.save()
    return user


@pytest.fixture
def cycle(goteborg, officer):
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    return services.cycle_create(agreement=goteborg, rule=rule, actor=officer)


@pytest.fixture
def rep():
    """A representative of an organisation that has joined Göteborg's agreement."""
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    return rep


@pytest.fixture
def open_cycle(cycle, officer, rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.cycle_open(cycle=cycle, actor=officer)


def _events(cycle) -> list[CycleEvent]:
    """The cycle's events in the order they were written."""
    return list(CycleEvent.objects.filter(cycle=cycle).order_by("pk"))


def _submit(cycle, rep):
    report = cycle.reports.get(organisation=rep.organisation)
    answers = [
        services.AnswerInput(question_id=q.pk, score=4)
        for q in cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]
    return services.report_save(
        report=report, actor=rep.user, answers=answers, based_on_revision=0, submit=True
    )


# --- Each service writes its event ---------------------------------------------------------------


def test_creating_a_cycle_records_the_officer_and_its_settings(cycle, officer):
    (event,) = _events(cycle)
    assert event.kind == Kind.CREATED and event.actor == officer
    assert event.details["after"]["deadline"] == cycle.deadline.isoformat()
    assert event.details["after"]["title"] == cycle.title
    assert event.details["questions"] == cycle.questions.count() > 0


def test_changing_a_draft_records_the_fields_before_and_after(cycle, officer):
    old_title, old_deadline = cycle.title, cycle.deadline
    services.cycle_update(
        cycle=cycle,
        actor=officer,
        title="Årlig uppföljning, ny titel",
        deadline=old_deadline + 7 * DAY,
        reminder_days=[3, 14],  # unchanged (in another order): not recorded
    )
    event = _events(cycle)[-1]
    assert event.kind == Kind.UPDATED and event.actor == officer
    assert event.details["before"] == {
        "title": old_title,
        "deadline": old_deadline.isoformat(),
    }
    assert event.details["after"] == {
        "title": "Årlig uppföljning, ny titel",
        "deadline": (old_deadline + 7 * DAY).isoformat(),
    }


def test_saving_a_draft_unchanged_records_nothing(cycle, officer):
    services.cycle_update(cycle=cycle, actor=officer, title=cycle.title)
    assert [e.kind for e in _events(cycle)] == [Kind.CREATED]


def test_questions_added_changed_and_deleted_are_recorded_with_their_text(cycle, officer):
    question = services.question_save(
        question=Question(
            cycle=cycle,
            order=99,
            source=Question.Source.CUSTOM,
            answer_kind=Question.AnswerKind.TEXT,
            respondent_groups=["organisations"],
            section="Övrigt",
            text="Vad vill ni ändra?",
        ),
        actor=officer,
    )
    question.text = "Vad vill ni ändra till nästa år?"
    services.question_save(question=question, actor=officer)
    services.question_save(question=question, actor=officer)  # unchanged: no event
    services.question_delete(question=question, actor=officer)

    added, changed, deleted = _events(cycle)[1:]
    assert (added.kind, changed.kind, deleted.kind) == (
        Kind.QUESTION_ADDED,
        Kind.QUESTION_CHANGED,
        Kind.QUESTION_DELETED,
    )
    assert {added.actor, changed.actor, deleted.actor} == {officer}
    assert added.details["after"]["text"] == "Vad vill ni ändra?"
    assert changed.details["before"] == {"text": "Vad vill ni ändra?"}
    assert changed.details["after"] == {"text": "Vad vill ni ändra till nästa år?"}
    assert deleted.details["before"]["text"] == "Vad vill ni ändra till nästa år?"
    assert deleted.details["question"] == added.details["question"]


def test_opening_moving_the_deadline_and_closing_are_recorded(
    open_cycle, officer, django_capture_on_commit_callbacks
):
    old = open_cycle.deadline
    new = max(old, timezone.localdate()) + 14 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_move_deadline(cycle=open_cycle, actor=officer, deadline=new)
    services.cycle_close(cycle=open_cycle, actor=officer)

    opened, invited, moved, closed = _events(open_cycle)[1:]
    assert opened.kind == Kind.OPENED and opened.actor == officer
    # The worker's invitations: no actor, the counts of who was and was not mailed.
    assert invited.kind == Kind.INVITED and invited.actor is None
    assert invited.details == {"invited": 1, "unreached": 0}
    assert opened.details == {
        "before": {"status": "draft"},
        "after": {"status": "open"},
        "reports": 1,
    }
    assert moved.kind == Kind.DEADLINE_MOVED and moved.actor == officer
    assert moved.details == {
        "before": {"deadline": old.isoformat()},
        "after": {"deadline": new.isoformat()},
    }
    assert closed.kind == Kind.CLOSED and closed.actor == officer
    assert closed.details["after"] == {"status": "closed"}
    assert (closed.details["submitted"], closed.details["reports"]) == (0, 1)


def test_reopening_a_report_is_recorded_with_the_reason(open_cycle, officer, rep):
    report = _submit(open_cycle, rep)
    services.report_reopen(report=report, actor=officer, reason="Fel siffra i fråga 3.")
    event = _events(open_cycle)[-1]
    assert event.kind == Kind.REPORT_REOPENED and event.actor == officer
    assert event.details == {
        "report": report.pk,
        "respondent": rep.organisation.name,
        "reason": "Fel siffra i fråga 3.",
    }


def _reviewed(open_cycle, officer, rep):
    """The cycle closed, its evaluation written, sent, commented on and approved by both sides."""
    _submit(open_cycle, rep)
    services.cycle_close(cycle=open_cycle, actor=officer)
    services.evaluation_update(
        cycle=open_cycle,
        actor=officer,
        summary="Ett bra år.",
        conclusions="",
        recommendations="",
        anonymise_free_text=True,
    )
    services.evaluation_send_to_council(cycle=open_cycle, actor=officer)
    members = [
        CouncilMembershipFactory(agreement=open_cycle.agreement, side=side).user
        for side in ("municipality", "civil_society")
    ]
    services.evaluation_comment(
        cycle=open_cycle, actor=members[0], section="summary", text="Skriv mer."
    )
    for member in members:
        services.evaluation_approve(cycle=open_cycle, actor=member)
    return members


def test_the_evaluation_edited_reviewed_and_published_is_recorded(open_cycle, officer, rep):
    members = _reviewed(open_cycle, officer, rep)
    services.evaluation_publish(cycle=open_cycle, actor=officer)

    events = _events(open_cycle)
    kinds = [e.kind for e in events]
    assert kinds[kinds.index(Kind.CLOSED) :] == [
        Kind.CLOSED,
        Kind.EVALUATION_EDITED,
        Kind.SENT_TO_COUNCIL,
        Kind.COMMENTED,
        Kind.APPROVED,
        Kind.APPROVED,
        Kind.PUBLISHED,
    ]
    edited, sent, commented, first, second, published = events[-6:]
    assert edited.actor == officer
    assert edited.details["before"] == {
        "summary": "",
        "anonymise_free_text": False,
    }
    assert edited.details["after"] == {"summary": "Ett bra år.", "anonymise_free_text": True}
    assert sent.actor == officer and sent.details["after"] == {"status": "in_review"}
    assert commented.actor == members[0] and commented.details["section"] == "summary"
    assert commented.details["comment"] == open_cycle.evaluation.comments.get().pk
    assert [first.actor, second.actor] == members
    assert first.details["after"] == {"revision": open_cycle.evaluation.revision}
    assert published.actor == officer and published.details["after"] == {"status": "published"}


def test_a_stuck_pdf_is_marked_failed_by_the_portal_and_asked_for_again_by_an_officer(
    open_cycle, officer, rep, django_capture_on_commit_callbacks
):
    _reviewed(open_cycle, officer, rep)
    services.evaluation_publish(cycle=open_cycle, actor=officer)
    Evaluation.objects.filter(cycle=open_cycle).update(
        pdf_status=Evaluation.PdfStatus.RENDERING,
        pdf_requested_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert services.evaluation_fail_stuck_pdfs() == [open_cycle.evaluation.pk]
    failed = _events(open_cycle)[-1]
    assert failed.kind == Kind.PDF_FAILED and failed.actor is None
    assert failed.details["before"] == {"pdf_status": "rendering"}
    assert failed.details["after"] == {"pdf_status": "failed"}

    with django_capture_on_commit_callbacks(execute=False):
        services.evaluation_retry_pdf(evaluation=open_cycle.evaluation, actor=officer)
    retried = _events(open_cycle)[-1]
    assert retried.kind == Kind.PDF_RETRIED and retried.actor == officer
    assert retried.details == {
        "before": {"pdf_status": "failed"},
        "after": {"pdf_status": "queued"},
    }


# --- In the same transaction ---------------------------------------------------------------------


def test_a_refused_change_writes_no_event(cycle, officer):
    with pytest.raises(services.ActionRefused):
        services.cycle_close(cycle=cycle, actor=officer)  # a draft cannot be closed
    with pytest.raises(services.ActionRefused):
        services.cycle_move_deadline(cycle=cycle, actor=officer, deadline=cycle.deadline + 7 * DAY)
    cycle.questions.all().delete()
    with pytest.raises(services.ActionRefused):
        services.cycle_open(cycle=cycle, actor=officer)  # no questions
    assert [e.kind for e in _events(cycle)] == [Kind.CREATED]


def test_a_deadline_refused_as_earlier_writes_no_event(open_cycle, officer):
    with pytest.raises(ValidationError):
        services.cycle_move_deadline(
            cycle=open_cycle, actor=officer, deadline=open_cycle.deadline - DAY
        )
    assert [e.kind for e in _events(open_cycle)] == [Kind.CREATED, Kind.OPENED, Kind.INVITED]


def test_a_change_whose_event_cannot_be_written_is_undone(cycle, officer, rep, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("the history could not be written")

    # Every topic of the services writes its events through services.history.record.
    monkeypatch.setattr(services.history, "record", fail)
    with pytest.raises(IntegrityError):
        services.cycle_open(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT and cycle.opened_at is None
    assert not cycle.reports.exists()


def test_an_event_has_an_actor_unless_the_portal_did_it_by_itself(cycle):
    with pytest.raises(IntegrityError), transaction.atomic():
        CycleEvent.objects.create(cycle=cycle, kind=Kind.OPENED, actor=None)
    CycleEvent.objects.create(cycle=cycle, kind=Kind.PDF_FAILED, actor=None)


# --- On the cycle's page -------------------------------------------------------------------------


@pytest.fixture
def moved_and_closed(open_cycle, officer, django_capture_on_commit_callbacks):
    """The cycle opened, its deadline moved two weeks and closed, each by the officer."""
    old = open_cycle.deadline
    new = max(old, timezone.localdate()) + 14 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_move_deadline(cycle=open_cycle, actor=officer, deadline=new)
    services.cycle_close(cycle=open_cycle, actor=officer)
    open_cycle.old_deadline, open_cycle.new_deadline = old, new
    return open_cycle


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "sv",
            {
                "heading": "Historik",
                "opened": "Öppnade omgången",
                "moved": "Flyttade sista svarsdagen från {old} till {new}",
                "closed": "Stängde omgången",
                "created": "Skapade omgången",
            },
        ),
        (
            "en",
            {
                "heading": "History",
                "opened": "Opened the cycle",
                "moved": "Moved the deadline from {old} to {new}",
                "closed": "Closed the cycle",
                "created": "Created the cycle",
            },
        ),
    ],
)
def test_the_cycle_page_shows_who_opened_moved_and_closed_it(
    client, officer, moved_and_closed, language, words
):
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get(moved_and_closed.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    history = html[html.index(f">{words['heading']}</h2>") :]
    with translation.override(language):
        old = date_format(moved_and_closed.old_deadline, "j F Y")
        new = date_format(moved_and_closed.new_deadline, "j F Y")
        today = date_format(timezone.localtime(), "j F Y")
    moved = words["moved"].format(old=old, new=new)
    # Newest first, each by the officer, dated in the page's language.
    shown = [words["closed"], moved, words["opened"], words["created"]]
    positions = [history.index(text) for text in shown]
    assert positions == sorted(positions)
    assert history.count("Karin Berg") == 4
    assert today in history


@pytest.mark.parametrize(
    ("language", "label"), [("sv", "raderat konto"), ("en", "deleted account")]
)
def test_a_deleted_account_reads_deleted_account(client, officer, open_cycle, language, label):
    other = mfa_officer("goteborg")
    user_delete(user=officer)
    client.force_login(other)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client.get(open_cycle.get_absolute_url()).content.decode()
    assert html.count(label) == 2  # created and opened
    assert "Karin Berg" not in html and officer.email not in html


def test_the_portal_reads_as_the_portal(client, officer, open_cycle):
    CycleEvent.objects.create(cycle=open_cycle, kind=Kind.PDF_FAILED, actor=None)
    client.force_login(officer)
    html = client.get(open_cycle.get_absolute_url()).content.decode()
    assert "portalen" in html and "Markerade utvärderingens PDF som misslyckad" in html


def test_hostile_text_in_the_history_is_escaped(client, officer, open_cycle, rep):
    report = _submit(open_cycle, rep)
    services.report_reopen(report=report, actor=officer, reason="<script>alert(1)</script>")
    client.force_login(officer)
    html = client.get(open_cycle.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_history_is_only_for_officers(client, open_cycle, rep, officer):
    url = open_cycle.get_absolute_url()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(rep.user)
    response = client.get(url)
    assert response.status_code in (403, 404)
    assert "Karin Berg" not in response.content.decode()
    # The respondent's own report page and the public pages show no history.
    report = open_cycle.reports.get(organisation=rep.organisation)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Historik" not in html and "Öppnade omgången" not in html
    client.logout()
    html = client.get(reverse("agreements:detail", args=[open_cycle.agreement.slug])).content
    assert "Öppnade omgången" not in html.decode()


def test_the_page_query_count_does_not_grow_with_the_history(
    client, officer, open_cycle, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    url = open_cycle.get_absolute_url()
    client.get(url)  # warm

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    # Twenty more steps by ten other officers.
    for step in range(20):
        actor = with_mfa(UserFactory()) if step % 2 else officer
        with django_capture_on_commit_callbacks(execute=True):
            services.cycle_move_deadline(
                cycle=open_cycle,
                actor=actor,
                deadline=Cycle.objects.get(pk=open_cycle.pk).deadline + DAY,
            )
    assert CycleEvent.objects.filter(cycle=open_cycle).count() == 23  # and the invitations
    assert count() == few
