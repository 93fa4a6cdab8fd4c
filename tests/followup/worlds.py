"""Follow-up worlds the tests share: a Göteborg cycle with one report, closed, published; two
Borås evaluations with every kind of question, answered by both parties and the council.

Built through the services, as an officer, an organisation and a council member would make them.
``capture`` is how on-commit callbacks (the questionnaire's mail, the PDF task) are run: the
``django_capture_on_commit_callbacks`` fixture in a test, and by default Django's
``TestCase.captureOnCommitCallbacks``, which is what that fixture returns, so that a world can
also be built once per module (tests/followup/test_public_evaluation.py).
"""

import datetime
from types import SimpleNamespace

from django.test import TestCase
from django.utils import timezone

from agreements.models import Agreement
from followup import services
from followup.models import Question
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    RepresentativeFactory,
)

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


# --- Borås: every kind of question, both parties and the council --------------------------------

BORAS_ADDED_QUESTION = "Hur väl har Samrådet fungerat som mötesplats?"
BORAS_EARLY = "Om man blivit involverad tidigt i processer?"  # a 1–5 question of Borås's table
BORAS_IOP = "Antal samverkansavtal och IOP:er?"  # a count question asked of the units
BORAS_FORUMS = "aterkommande-forum"  # a list question asked of units and organisations
BORAS_METHODS = "arbetssatt-planeringsprocesser"  # a free-text question asked of the units
BORAS_INDEPENDENCE = "sjalvstandighet-oberoende"  # a principle both parties assess


def _boras_answers(report, scores, *, number=None, lists=None, texts=None, comments=None):
    """An answer to every question the report is asked: ``scores`` by principle key, table
    question text or "added" (3 where not named), the count, list and free-text answers by
    follow-up area key, comments by principle key."""
    lists, texts, comments = lists or {}, texts or {}, comments or {}
    answers = []
    for question in report.cycle.questions.select_related("principle", "followup_area"):
        if not question.asks(report.group):
            continue
        answer = services.AnswerInput(question_id=question.pk)
        area = question.followup_area.key if question.followup_area_id else ""
        if question.answer_kind == "scale":
            if question.principle_id:
                key = question.principle.key
            elif question.source == "custom":
                key = "added"
            else:
                key = question.text
            answer.score = scores.get(key, 3)
            answer.comment = comments.get(key, "")
        elif question.answer_kind == "count":
            answer.number = number
        elif question.answer_kind == "list":
            answer.text = lists.get(area, "")
        else:
            answer.text = texts.get(area, "")
        answers.append(answer)
    return answers


def _boras_cycle(officer, start_year, *, anonymise=False):
    boras = Agreement.objects.get(slug="boras")
    today = timezone.localdate()
    cycle = services.cycle_create(
        agreement=boras,
        rule=boras.current_version.followup_rules.get(kind="evaluation"),
        actor=officer,
        title=f"Utvärdering {start_year}–{start_year + 1}",
        period_start=datetime.date(start_year, 1, 1),
        period_end=datetime.date(start_year + 1, 12, 31),
        opens_on=today,
        deadline=today + datetime.timedelta(days=30),
        anonymise_free_text=anonymise,
    )
    services.question_save(
        question=Question(
            cycle=cycle,
            order=cycle.questions.count(),
            source=Question.Source.CUSTOM,
            answer_kind=Question.AnswerKind.SCALE,
            respondent_groups=["organisations", "units", "council"],
            section="Samrådet",
            text=BORAS_ADDED_QUESTION,
        ),
        actor=officer,
    )
    return cycle


def _submit(report, user, answers):
    services.report_save(
        report=report, actor=user, answers=answers, based_on_revision=report.revision, submit=True
    )


def boras_evaluation(capture=ON_COMMIT, *, anonymise=True):
    """Two Borås evaluations: 2022–2023 published (one organisation reported) and 2024–2025
    closed, reported by two organisations, two of three units and the council's member.

    In 2024–2025 the parties differ on the principle of independence (organisations 5 and 4,
    units 2 and 1) and on the officer's added question (organisations 4 and 5, units 2 and 3,
    the council 3), not on the others; one unit counts 7 IOPs, the other leaves it blank; four
    respondents name "Stormötet", each writing it their own way.
    """
    boras = Agreement.objects.get(slug="boras")
    officer = OfficerRoleFactory(municipality=boras.municipality).user
    member = CouncilMembershipFactory(agreement=boras).user
    organisations = []
    for name in ("Föreningen Alfa", "Föreningen Beta"):
        rep = RepresentativeFactory(
            organisation__name=name, organisation__municipality=boras.municipality
        )
        AccessionFactory(organisation=rep.organisation, agreement=boras)
        organisations.append(rep)
    units = []
    for name in ("Kulturnämnden", "Fritidsnämnden", "Tekniska nämnden"):
        unit = MunicipalUnitFactory(municipality=boras.municipality, name=name)
        units.append(OfficerRoleFactory(municipality=boras.municipality, unit=unit))

    previous = _boras_cycle(officer, 2022)
    with capture(execute=True):
        services.cycle_open(cycle=previous, actor=officer)
    alfa = organisations[0]
    _submit(
        previous.reports.get(organisation=alfa.organisation),
        alfa.user,
        _boras_answers(
            previous.reports.get(organisation=alfa.organisation),
            {BORAS_INDEPENDENCE: 2, BORAS_EARLY: 3, "added": 3},
        ),
    )
    services.cycle_close(cycle=previous, actor=officer)
    services.evaluation_update(
        cycle=previous, actor=officer, summary="Första.", conclusions="", recommendations=""
    )
    services.evaluation_send_to_council(cycle=previous, actor=officer)
    services.evaluation_approve(cycle=previous, actor=member)
    services.evaluation_publish(cycle=previous, actor=officer)  # its PDF is not needed here

    cycle = _boras_cycle(officer, 2024, anonymise=anonymise)
    with capture(execute=True):
        services.cycle_open(cycle=cycle, actor=officer)
    alfa_answers = {BORAS_INDEPENDENCE: 5, BORAS_EARLY: 5, "added": 4}
    beta_answers = {BORAS_INDEPENDENCE: 4, BORAS_EARLY: 4, "added": 5}
    plans = [
        (
            cycle.reports.get(organisation=alfa.organisation),
            alfa.user,
            {
                "scores": alfa_answers,
                "lists": {BORAS_FORUMS: "Stormötet\nFöreningsträffar"},
                "comments": {BORAS_INDEPENDENCE: "Vi blev inbjudna för sent."},
            },
        ),
        (
            cycle.reports.get(organisation=organisations[1].organisation),
            organisations[1].user,
            {"scores": beta_answers, "lists": {BORAS_FORUMS: "- stormötet"}},
        ),
        (
            cycle.reports.get(unit=units[0].unit),
            units[0].user,
            {
                "scores": {BORAS_INDEPENDENCE: 2, "added": 2},
                "number": 7,
                "lists": {BORAS_FORUMS: "Stormötet  \n\nDialogmöten"},
                "texts": {BORAS_METHODS: "Referensgrupper tidigt i processen."},
            },
        ),
        (
            cycle.reports.get(unit=units[1].unit),
            units[1].user,
            {"scores": {BORAS_INDEPENDENCE: 1, "added": 3}, "lists": {BORAS_FORUMS: "STORMÖTET."}},
        ),
        (
            cycle.reports.get(council_member=member),
            member,
            {"scores": {"added": 3}},
        ),
    ]
    for report, user, values in plans:
        _submit(report, user, _boras_answers(report, values.pop("scores"), **values))
    services.cycle_close(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    return SimpleNamespace(
        cycle=cycle,
        previous=previous,
        officer=officer,
        member=member,
        organisations=organisations,
        units=units,
    )
