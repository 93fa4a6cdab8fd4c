"""Follow-up worlds the tests share: a Göteborg cycle with one report, closed, published.

Built through the services, as an officer, an organisation and a council member would make them.
``capture`` is how on-commit callbacks (the questionnaire's mail, the PDF task) are run: the
``django_capture_on_commit_callbacks`` fixture in a test, and by default Django's
``TestCase.captureOnCommitCallbacks``, which is what that fixture returns, so that a world can
also be built once per module (tests/followup/test_public_evaluation.py).
"""

from django.test import TestCase

from agreements.models import Agreement
from followup import services
from tests.factories import AccessionFactory, OfficerRoleFactory, RepresentativeFactory

ON_COMMIT = TestCase.captureOnCommitCallbacks


def answers_for(report, score=4, comment="Bra dialog."):
    """An answer to each of the report's 1-5 questions, all with the same score and comment."""
    return [
        services.AnswerInput(question_id=q.pk, score=score, comment=comment)
        for q in report.cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]


def open_cycle_with_report(capture=ON_COMMIT):
    """A Göteborg follow-up, open, with one organisation's report submitted."""
    goteborg = Agreement.objects.get(slug="goteborg")
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    cycle = services.cycle_create(
        agreement=goteborg,
        rule=rule,
        actor=OfficerRoleFactory(municipality=goteborg.municipality).user,
    )
    with capture(execute=True):
        services.cycle_open(cycle=cycle, actor=cycle.created_by)
    report = cycle.reports.get(organisation=rep.organisation)
    services.report_save(
        report=report,
        actor=rep.user,
        answers=answers_for(report, comment="Bra samarbete i år."),
        based_on_revision=0,
        submit=True,
    )
    cycle.refresh_from_db()
    cycle.rep = rep
    return cycle


def closed_cycle(capture=ON_COMMIT):
    cycle = open_cycle_with_report(capture)
    services.cycle_close(cycle=cycle, actor=cycle.created_by)
    cycle.refresh_from_db()
    return cycle


def publish(cycle, officer, member, capture=ON_COMMIT):
    """Write, review, approve and publish through the services (the PDF is rendered at once)."""
    services.evaluation_update(
        cycle=cycle,
        actor=officer,
        summary="Samverkan har fungerat väl.",
        conclusions="Fortsätt dialogen.",
        recommendations="Fler möten.",
    )
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    services.evaluation_approve(cycle=cycle, actor=member)
    with capture(execute=True):
        services.evaluation_publish(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    return cycle
