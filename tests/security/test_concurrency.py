"""Simultaneous requests: one accession, no lost update, one decision.

The races run on PostgreSQL with real threads. Each thread has a database connection of its own
(Django gives one per thread), reads what it needs, waits at a barrier, and then calls the real
service at the same moment as the others. The data they share must be committed, so these tests
use ``transactional_db``; SQLite (one writer at a time, no row locks) skips them by design. The
same refusals, one actor after the other, are proved on every database by the sequential tests at
the end of this file.
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from agreements.models import Agreement, AgreementVersion
from followup import services as followup
from followup.models import Answer, Report, ReportVersion
from organisations import services
from organisations.models import Accession, AccessionEvent, Organisation, Representative
from tests.factories import (
    AccessionFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
)

User = get_user_model()

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a race needs concurrent writers and row locks: PostgreSQL only",
)

SIGNERS = 20
ROUNDS = 10
DECISIONS = {
    AccessionEvent.Action.VERIFIED: Accession.Status.ACTIVE,
    AccessionEvent.Action.REJECTED: Accession.Status.REJECTED,
}


# --- A committed database, and the data every test starts from put back after it ---------------


@pytest.fixture
def committed_db(_seed_data_back, transactional_db):
    """Every write is committed at once, so the other threads' connections see it.

    Not ``@pytest.mark.django_db(transaction=True)``: that mark sets the database up in an autouse
    fixture, before any fixture of ours, so its flush would come after our teardown.
    """


def _at_once(*actions):
    """Run each action in a thread of its own, all released together; return their outcomes.

    An action prepares on its thread's own connection (reads the rows it needs) and returns the
    call to race. An outcome is what that call returned or the exception it raised, in the order
    of the actions.
    """
    barrier = threading.Barrier(len(actions), timeout=30)
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            try:
                race = action()
            except BaseException:
                barrier.abort()
                raise
            barrier.wait()
            outcomes[index] = race()
        except Exception as exc:  # the test inspects every outcome
            outcomes[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


def _refused(outcome, exception, message) -> bool:
    return isinstance(outcome, exception) and outcome.message == message


# --- Accessions -----------------------------------------------------------------------------


def _signature(user) -> services.Signature:
    return services.Signature(
        basis=Accession.Basis.SIGNATORY,
        signer_name=user.get_full_name(),
        signer_title="Ordförande",
        declaration_confirmed=True,
    )


def _signing(organisation, version, user):
    def prepare():
        own_organisation = Organisation.objects.get(pk=organisation.pk)
        own_version = AgreementVersion.objects.select_related("agreement").get(pk=version.pk)
        signer = User.objects.get(pk=user.pk)
        return lambda: services.accession_sign(
            organisation=own_organisation,
            version=own_version,
            actor=signer,
            signature=_signature(signer),
        )

    return prepare


def _sign_together(organisation, version, signers):
    return _at_once(*(_signing(organisation, version, user) for user in signers))


@pytest.mark.postgres
@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_twenty_simultaneous_signatures_make_one_accession():
    organisation = OrganisationFactory()
    version = Agreement.objects.get(slug="goteborg").current_version
    signers = [
        RepresentativeFactory(
            organisation=organisation, role=Representative.Role.REPRESENTATIVE
        ).user
        for _ in range(SIGNERS)
    ]
    open_accessions = Accession.objects.open().filter(organisation=organisation)

    outcomes = _sign_together(organisation, version, signers)

    signed = [o for o in outcomes if isinstance(o, Accession)]
    assert len(signed) == 1, outcomes
    refusals = [o for o in outcomes if not isinstance(o, Accession)]
    assert len(refusals) == SIGNERS - 1
    assert all(_refused(o, services.ActionRefused, services.ALREADY_JOINED) for o in refusals), (
        refusals
    )
    accession = open_accessions.get()
    assert accession.pk == signed[0].pk
    assert accession.status == Accession.Status.PENDING
    signed_events = AccessionEvent.objects.filter(
        accession__organisation=organisation, action=AccessionEvent.Action.SIGNED
    )
    assert signed_events.count() == 1

    services.accession_verify(accession=accession, actor=OfficerRoleFactory().user)
    outcomes = _sign_together(organisation, version, signers)

    assert all(_refused(o, services.ActionRefused, services.ALREADY_JOINED) for o in outcomes), (
        outcomes
    )
    assert open_accessions.get().status == Accession.Status.ACTIVE
    assert Accession.objects.filter(organisation=organisation).count() == 1
    assert signed_events.count() == 1


# --- Reports --------------------------------------------------------------------------------


def _report_with_two_editors():
    """An organisation's report in an open Göteborg cycle, and two of its representatives."""
    organisation = OrganisationFactory()
    AccessionFactory(organisation=organisation)
    editors = [RepresentativeFactory(organisation=organisation).user for _ in range(2)]
    goteborg = Agreement.objects.get(slug="goteborg")
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    cycle = followup.cycle_create(
        agreement=goteborg,
        rule=rule,
        actor=OfficerRoleFactory(municipality=goteborg.municipality).user,
    )
    followup.cycle_open(cycle=cycle, actor=cycle.created_by)
    return cycle.reports.get(organisation=organisation), editors


def _scale_questions(report) -> list[int]:
    questions = report.cycle.questions.all()
    return [q.pk for q in questions if q.asks(report.group) and q.answer_kind == "scale"][:3]


def _answers(questions, *, editor: int, round_: int) -> list[followup.AnswerInput]:
    return [
        followup.AnswerInput(
            question_id=question, score=2 + 2 * editor, comment=f"Editor {editor}, round {round_}"
        )
        for question in questions
    ]


def _stored(report, questions) -> dict[int, tuple]:
    answers = Answer.objects.filter(report=report, question_id__in=questions)
    return {a.question_id: (a.score, a.comment) for a in answers}


def _expected(answers) -> dict[int, tuple]:
    return {a.question_id: (a.score, a.comment) for a in answers}


def _saving(report, user, answers, revision):
    def prepare():
        own_report = Report.objects.get(pk=report.pk)
        editor = User.objects.get(pk=user.pk)
        return lambda: followup.report_save(
            report=own_report, actor=editor, answers=answers, based_on_revision=revision
        )

    return prepare


@pytest.mark.postgres
@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_two_simultaneous_editors_never_lose_an_update():
    report, editors = _report_with_two_editors()
    questions = _scale_questions(report)
    assert questions

    for round_ in range(ROUNDS):
        report.refresh_from_db()
        revision = report.revision
        versions = ReportVersion.objects.filter(report=report).count()
        answers = [_answers(questions, editor=n, round_=round_) for n in (0, 1)]

        outcomes = _at_once(*(_saving(report, editors[n], answers[n], revision) for n in (0, 1)))

        saved = [n for n, o in enumerate(outcomes) if isinstance(o, Report)]
        assert len(saved) == 1, (round_, outcomes)
        winner, loser = saved[0], 1 - saved[0]
        stale = outcomes[loser]
        assert isinstance(stale, followup.StaleReport), (round_, outcomes)
        # The loser is shown what the winner wrote, and nothing of the loser's was kept.
        assert any(c["theirs"] == f"Editor {winner}, round {round_}" for c in stale.changes)
        assert _stored(report, questions) == _expected(answers[winner])
        report.refresh_from_db()
        assert report.revision == revision + 1
        assert report.updated_by == editors[winner]
        assert ReportVersion.objects.filter(report=report).count() == versions + 1
        latest = report.versions.get(revision=revision + 1)
        assert latest.actor == editors[winner]


# --- Decisions on an accession --------------------------------------------------------------


def _deciding(accession, officer, action):
    def prepare():
        own_accession = Accession.objects.get(pk=accession.pk)
        own_officer = User.objects.get(pk=officer.pk)
        if action == AccessionEvent.Action.VERIFIED:
            return lambda: services.accession_verify(accession=own_accession, actor=own_officer)
        return lambda: services.accession_reject(
            accession=own_accession, actor=own_officer, reason="Fel firmatecknare."
        )

    return prepare


def _assert_one_decision(accession, officers, actions, outcomes):
    decided = [n for n, o in enumerate(outcomes) if isinstance(o, Accession)]
    assert len(decided) == 1, (actions, outcomes)
    winner, loser = decided[0], 1 - decided[0]
    assert _refused(outcomes[loser], services.ActionRefused, services.NOT_PENDING), outcomes
    events = AccessionEvent.objects.filter(accession=accession, action__in=list(DECISIONS))
    assert [(e.action, e.actor) for e in events] == [(actions[winner], officers[winner])]
    accession.refresh_from_db()
    assert accession.status == DECISIONS[actions[winner]]
    assert accession.decided_by == officers[winner]


@pytest.mark.postgres
@postgresql_only
@pytest.mark.usefixtures("committed_db")
def test_two_officers_deciding_at_once_record_one_decision():
    officers = [OfficerRoleFactory().user, OfficerRoleFactory().user]
    verify, reject = AccessionEvent.Action.VERIFIED, AccessionEvent.Action.REJECTED
    for actions in [(verify, verify), (verify, reject), (reject, verify), (reject, reject)] * 2:
        accession = AccessionFactory(status=Accession.Status.PENDING)

        outcomes = _at_once(*(_deciding(accession, officers[n], actions[n]) for n in (0, 1)))

        _assert_one_decision(accession, officers, actions, outcomes)


# --- The same refusals one after the other (every database) ---------------------------------


@pytest.mark.django_db
def test_a_second_signature_is_refused_before_and_after_verification():
    organisation = OrganisationFactory()
    version = Agreement.objects.get(slug="goteborg").current_version
    first, second = (RepresentativeFactory(organisation=organisation).user for _ in range(2))
    accession = services.accession_sign(
        organisation=organisation, version=version, actor=first, signature=_signature(first)
    )
    with pytest.raises(services.ActionRefused) as refusal:
        services.accession_sign(
            organisation=organisation, version=version, actor=second, signature=_signature(second)
        )
    assert refusal.value.message == services.ALREADY_JOINED

    services.accession_verify(accession=accession, actor=OfficerRoleFactory().user)
    with pytest.raises(services.ActionRefused) as refusal:
        services.accession_sign(
            organisation=organisation, version=version, actor=second, signature=_signature(second)
        )
    assert refusal.value.message == services.ALREADY_JOINED
    assert list(Accession.objects.filter(organisation=organisation)) == [accession]


@pytest.mark.django_db
def test_the_second_editor_on_the_same_revision_is_refused():
    report, editors = _report_with_two_editors()
    questions = _scale_questions(report)
    answers = [_answers(questions, editor=n, round_=0) for n in (0, 1)]
    followup.report_save(report=report, actor=editors[0], answers=answers[0], based_on_revision=0)

    with pytest.raises(followup.StaleReport) as stale:
        followup.report_save(
            report=report, actor=editors[1], answers=answers[1], based_on_revision=0
        )

    assert any(c["theirs"] == "Editor 0, round 0" for c in stale.value.changes)
    assert _stored(report, questions) == _expected(answers[0])
    assert report.versions.count() == 1


@pytest.mark.django_db
def test_the_second_officer_finds_the_accession_decided():
    officers = [OfficerRoleFactory().user, OfficerRoleFactory().user]
    verify, reject = AccessionEvent.Action.VERIFIED, AccessionEvent.Action.REJECTED
    for actions in [(verify, verify), (verify, reject), (reject, verify), (reject, reject)]:
        accession = AccessionFactory(status=Accession.Status.PENDING)
        outcomes = []
        for n in (0, 1):
            try:
                outcomes.append(_deciding(accession, officers[n], actions[n])()())
            except services.ActionRefused as exc:
                outcomes.append(exc)
        assert isinstance(outcomes[0], Accession)
        _assert_one_decision(accession, officers, actions, outcomes)
