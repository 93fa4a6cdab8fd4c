"""Respondents' pages: my reports, filling in, saving a draft, submitting, and every refusal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from agreements.models import Agreement, Municipality
from followup import services
from followup.models import Cycle, Question, Report, ReportVersion
from followup.report_forms import ANSWER_FIELD_LABELS
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)
from tests.pages import said

pytestmark = pytest.mark.django_db


def _cycle(agreement, *, extra_questions=True, django_capture_on_commit_callbacks=None):
    rule = agreement.current_version.followup_rules.get(kind="followup")
    cycle = services.cycle_create(
        agreement=agreement,
        rule=rule,
        actor=OfficerRoleFactory(municipality=agreement.municipality).user,
    )
    if extra_questions:
        for order, (kind, text) in enumerate(
            [("count", "Hur många möten hade ni?"), ("text", "Vad vill ni säga mer?")], start=100
        ):
            services.question_save(
                question=Question(
                    cycle=cycle,
                    order=order,
                    source=Question.Source.CUSTOM,
                    answer_kind=kind,
                    respondent_groups=["organisations"],
                    section="Övrigt",
                    text=text,
                ),
                actor=cycle.created_by,
            )
    return cycle


@pytest.fixture
def goteborg():
    return Agreement.objects.get(slug="goteborg")


@pytest.fixture
def rep():
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    return rep


@pytest.fixture
def cycle(goteborg, rep, django_capture_on_commit_callbacks):
    cycle = _cycle(goteborg)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=cycle.created_by)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def report(cycle, rep):
    return cycle.reports.get(organisation=rep.organisation)


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep.user)
    return client


def _asked(report):
    return [q for q in report.cycle.questions.all() if q.asks(report.group)]


def _data(report, *, score="4", revision=0, action="save", comment="Bra dialog.", **overrides):
    data = {"revision": revision, "action": action}
    for question in _asked(report):
        prefix = f"q{question.pk}"
        if question.answer_kind == "scale":
            data[f"{prefix}-score"] = score
            data[f"{prefix}-comment"] = comment
            data[f"{prefix}-examples"] = ""
        elif question.answer_kind == "count":
            data[f"{prefix}-number"] = "3"
            data[f"{prefix}-comment"] = ""
        else:
            data[f"{prefix}-text"] = "Inget mer."
    data.update(overrides)
    return data


def _scale(report):
    return [q for q in _asked(report) if q.answer_kind == "scale"]


def _state(report):
    """Everything a refused request must leave unchanged."""
    report.refresh_from_db()
    return (
        report.status,
        report.revision,
        sorted((a.question_id, a.score, a.comment, a.number) for a in report.answers.all()),
        report.versions.count(),
    )


# --- The questionnaire --------------------------------------------------------------------------


def test_questionnaire_shows_the_groups_questions_by_section(rep_client, report):
    response = rep_client.get(report.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    scale = _scale(report)
    first = scale[0]
    assert f'<legend lang="sv">{escape(first.text)}</legend>' in html
    assert f'name="q{first.pk}-score" value="1"' in html
    assert f'name="q{first.pk}-score" value="na"' in html
    assert f'name="q{first.pk}-comment"' in html and f'name="q{first.pk}-examples"' in html
    count = report.cycle.questions.get(answer_kind="count")
    assert f'type="number" name="q{count.pk}-number"' in html
    text = report.cycle.questions.get(answer_kind="text")
    assert f'name="q{text.pk}-text"' in html
    assert f'<h2 id="avsnitt-1" lang="sv">{escape(first.section)}</h2>' in html
    assert 'name="revision" value="0"' in html
    # Commitments only the municipality made are not asked of an organisation.
    municipal = report.cycle.questions.filter(respondent_groups=["units"]).first()
    assert municipal is not None and f'name="q{municipal.pk}-score"' not in html
    assert 'value="save"' in html and 'value="submit"' in html


def test_draft_come_back_and_submit(rep_client, report):
    scale = _scale(report)
    half = _data(report)
    for question in scale[3:]:
        half[f"q{question.pk}-score"] = ""
    response = rep_client.post(report.get_absolute_url(), half)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT and report.revision == 1

    # Coming back: the saved answers are filled in, the revision is the new one.
    response = rep_client.get(report.get_absolute_url())
    html = response.content.decode()
    assert f'name="q{scale[0].pk}-score" value="4"  id="id_q{scale[0].pk}-score_3" checked' in html
    assert f'name="q{scale[4].pk}-score" value="4"  id="id_q{scale[4].pk}-score_3">' in html
    assert 'name="revision" value="1"' in html

    response = rep_client.post(
        report.get_absolute_url(), _data(report, revision=1, action="submit"), follow=True
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert report.submitted_by == report.versions.last().actor
    html = response.content.decode()
    assert 'name="revision"' not in html  # read-only now
    assert "Bra dialog." in html
    assert escape(report.submitted_by.get_full_name()) in html
    assert list(report.versions.values_list("action", flat=True)) == ["saved", "submitted"]
    assert html.count('<th scope="row" data-label=') >= 2  # the version history


def test_submitting_with_unanswered_assessments_saves_nothing(rep_client, report):
    data = _data(report, action="submit")
    missing = _scale(report)[1]
    data[f"q{missing.pk}-score"] = ""
    before = _state(report)
    response = rep_client.post(report.get_absolute_url(), data)
    assert response.status_code == 400
    assert f'href="#id_q{missing.pk}-score_0"' in response.content.decode()
    assert _state(report) == before


@pytest.mark.parametrize("bad", ["7", "0", "abc", "-1"])
def test_score_outside_the_scale_is_refused_and_nothing_saved(rep_client, report, bad):
    data = _data(report)
    question = _scale(report)[2]
    data[f"q{question.pk}-score"] = bad
    before = _state(report)
    response = rep_client.post(report.get_absolute_url(), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert said(response, services.SCORE_OUT_OF_SCALE)
    # Next to the field, and linked from the summary at the top.
    assert f'id="error_1_id_q{question.pk}-score"' in html
    assert f'href="#id_q{question.pk}-score_0"' in html
    assert html.index("error-summary") < html.index('class="report-form"')
    # The user's other answers are still in the form.
    assert "Bra dialog." in html
    assert _state(report) == before


def test_a_number_that_is_not_a_number_is_refused(rep_client, report):
    question = report.cycle.questions.get(answer_kind="count")
    before = _state(report)
    response = rep_client.post(
        report.get_absolute_url(), _data(report, **{f"q{question.pk}-number": "abc"})
    )
    assert response.status_code == 400
    assert said(response, services.NOT_A_NUMBER)
    assert f'id="error_1_id_q{question.pk}-number"' in response.content.decode()
    assert _state(report) == before


def test_tampered_revision_is_bad_input(rep_client, report):
    before = _state(report)
    response = rep_client.post(report.get_absolute_url(), _data(report, revision="x"))
    assert response.status_code == 400
    assert _state(report) == before


def test_submission_after_the_deadline_is_refused(rep_client, report):
    today = timezone.localdate()
    Cycle.objects.filter(pk=report.cycle_id).update(
        opens_on=today - datetime.timedelta(days=30), deadline=today - datetime.timedelta(days=1)
    )
    before = _state(report)
    response = rep_client.post(report.get_absolute_url(), _data(report, action="submit"))
    assert response.status_code == 409
    assert said(response, services.DEADLINE_PASSED)
    assert _state(report) == before
    # The page no longer offers the form.
    response = rep_client.get(report.get_absolute_url())
    assert 'name="revision"' not in response.content.decode()
    assert said(response, services.DEADLINE_PASSED)


def test_report_to_a_closed_cycle_is_refused(rep_client, report):
    services.cycle_close(cycle=report.cycle, actor=report.cycle.created_by)
    before = _state(report)
    response = rep_client.post(report.get_absolute_url(), _data(report, action="submit"))
    assert response.status_code == 409
    assert said(response, services.CYCLE_NOT_OPEN)
    assert _state(report) == before


def test_second_submission_is_refused(rep_client, report):
    url = report.get_absolute_url()
    assert rep_client.post(url, _data(report, action="submit")).status_code == 302
    before = _state(report)
    response = rep_client.post(url, _data(report, revision=1, action="submit", comment="Igen"))
    assert response.status_code == 409
    assert said(response, services.REPORT_LOCKED)
    assert _state(report) == before


def test_two_editors_never_lose_each_others_work(client, report, rep):
    other = RepresentativeFactory(organisation=rep.organisation).user
    question = _scale(report)[0]
    url = report.get_absolute_url()
    # Both open the report at revision 0; Anna saves first.
    client.force_login(rep.user)
    anna = _data(report, comment="Från Anna")
    assert client.post(url, anna).status_code == 302

    client.force_login(other)
    bo = _data(report, score="2", comment="Från Bo")
    response = client.post(url, bo)
    assert response.status_code == 409
    html = response.content.decode()
    assert said(response, services.STALE_REPORT)
    # What Anna changed is listed, Bo's own answers are kept in the form, with the new revision.
    conflict = html.split('class="report-conflict"')[1].split("</section>")[0]
    assert escape(question.text) in conflict and "Från Anna" in conflict
    with translation.override("sv"):  # blank fields of Anna's new answers are no change
        assert escape(str(ANSWER_FIELD_LABELS["examples"])) not in conflict
    form = html[html.index('class="report-form"') :]
    assert "Från Bo</textarea>" in form
    assert 'name="revision" value="1"' in form
    report.refresh_from_db()
    assert report.answers.get(question=question).comment == "Från Anna"

    # Saving again on the new revision works.
    assert client.post(url, {**bo, "revision": 1}).status_code == 302
    assert report.answers.get(question=question).comment == "Från Bo"
    assert report.versions.count() == 2


# --- Who may see and file a report --------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, report):
    for response in (
        client.get(report.get_absolute_url()),
        client.post(report.get_absolute_url(), _data(report)),
        client.get(reverse("followup:my-reports")),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_representative_of_another_organisation_is_refused(client, report):
    client.force_login(RepresentativeFactory().user)
    before = _state(report)
    assert client.get(report.get_absolute_url()).status_code == 403
    assert client.post(report.get_absolute_url(), _data(report)).status_code == 403
    assert _state(report) == before


def test_removed_representative_is_refused(client, report, rep):
    rep.removed_at = timezone.now()
    rep.save()
    client.force_login(rep.user)
    assert client.get(report.get_absolute_url()).status_code == 403


def test_officer_of_another_municipality_is_refused(client, report):
    boras = Municipality.objects.get(slug="boras")
    client.force_login(with_mfa(OfficerRoleFactory(municipality=boras).user))
    assert client.get(report.get_absolute_url()).status_code == 403
    assert client.post(report.get_absolute_url(), _data(report)).status_code == 403


def test_officer_of_the_municipality_reads_but_cannot_file(client, report):
    client.force_login(with_mfa(OfficerRoleFactory().user))
    before = _state(report)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    assert 'name="revision"' not in response.content.decode()
    assert client.post(report.get_absolute_url(), _data(report)).status_code == 403
    assert _state(report) == before


def test_unit_officer_files_the_units_report_with_mfa(client, goteborg, cycle):
    unit = MunicipalUnitFactory()
    user = OfficerRoleFactory(unit=unit).user
    report = Report.objects.create(cycle=cycle, group="units", unit=unit)
    client.force_login(user)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 302  # to activate two-factor authentication first
    assert response.url == reverse("mfa_activate_totp")
    with_mfa(user)
    response = client.get(report.get_absolute_url())
    assert response.status_code == 200
    assert 'name="revision"' in response.content.decode()
    assert client.post(report.get_absolute_url(), _data(report)).status_code == 302


def test_the_reports_a_user_may_file_are_one_rule_for_the_list_and_the_report(cycle, report, rep):
    """Report.objects.fileable_by (my reports) and permissions.can_file_report (one report)
    agree for every kind of user, the refused ones too."""
    from django.contrib.auth.models import AnonymousUser

    from followup import permissions

    unit = MunicipalUnitFactory()
    unit_report = Report.objects.create(cycle=cycle, group="units", unit=unit)
    member = CouncilMembershipFactory().user
    council_report = Report.objects.create(cycle=cycle, group="council", council_member=member)
    other = RepresentativeFactory()
    other_report = Report.objects.create(
        cycle=cycle, group="organisations", organisation=other.organisation
    )
    removed = RepresentativeFactory(organisation=rep.organisation)
    removed.removed_at = timezone.now()
    removed.save()
    ended_officer = OfficerRoleFactory(unit=unit)
    ended_officer.removed_at = timezone.now()
    ended_officer.save()
    both = RepresentativeFactory(organisation=rep.organisation).user
    OfficerRoleFactory(user=both, unit=unit)
    users = {
        "representative": (rep.user, {report}),
        "another organisation's representative": (other.user, {other_report}),
        "a removed representative": (removed.user, set()),
        "the unit's officer": (OfficerRoleFactory(unit=unit).user, {unit_report}),
        "an ended unit officer": (ended_officer.user, set()),
        "an officer of the municipality": (OfficerRoleFactory().user, set()),
        "the council member": (member, {council_report}),
        "another council member": (CouncilMembershipFactory().user, set()),
        "a representative and unit officer": (both, {report, unit_report}),
        "someone else": (UserFactory(), set()),
        "anonymous": (AnonymousUser(), set()),
    }
    reports = list(cycle.reports.all())
    for name, (user, expected) in users.items():
        listed = set(Report.objects.fileable_by(user).filter(cycle=cycle))
        one_by_one = {r for r in reports if permissions.can_file_report(user, r)}
        assert listed == one_by_one == expected, name


# --- My reports ---------------------------------------------------------------------------------


def test_my_reports_lists_what_the_user_can_file(client, report, rep, goteborg):
    other = RepresentativeFactory()  # another organisation's report is not listed
    AccessionFactory(organisation=other.organisation)
    Report.objects.create(
        cycle=report.cycle, group="organisations", organisation=other.organisation
    )
    client.force_login(rep.user)
    response = client.get(reverse("followup:my-reports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert report.get_absolute_url() in html
    assert escape(report.cycle.title) in html
    assert escape(rep.organisation.name) in html
    assert escape(other.organisation.name) not in html
    assert report.cycle.deadline.isoformat() in html


def test_my_reports_lists_council_and_unit_reports(client, cycle):
    member = with_mfa(CouncilMembershipFactory().user)
    council_report = Report.objects.create(cycle=cycle, group="council", council_member=member)
    unit = MunicipalUnitFactory()
    OfficerRoleFactory(user=member, unit=unit)
    unit_report = Report.objects.create(cycle=cycle, group="units", unit=unit)
    client.force_login(member)
    html = client.get(reverse("followup:my-reports")).content.decode()
    assert council_report.get_absolute_url() in html
    assert unit_report.get_absolute_url() in html


def test_my_reports_without_reports(client):
    client.force_login(UserFactory())
    response = client.get(reverse("followup:my-reports"))
    assert response.status_code == 200
    assert "report-table" not in response.content.decode()


def test_my_reports_query_count_does_not_grow(client, goteborg, django_capture_on_commit_callbacks):
    user = UserFactory()
    client.force_login(user)
    url = reverse("followup:my-reports")

    def add_cycle_with_reports(n):
        cycle = _cycle(goteborg, extra_questions=False)
        Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
        for _ in range(n):
            organisation = OrganisationFactory()
            RepresentativeFactory(user=user, organisation=organisation)
            Report.objects.create(cycle=cycle, group="organisations", organisation=organisation)
        # Each cycle proposal follows the previous one, so the next one is a new period.

    add_cycle_with_reports(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_cycle_with_reports(3)
    add_cycle_with_reports(2)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count("/rapporter/") == 6
    assert len(many) == len(few)


def test_report_versions_are_kept(rep_client, report):
    url = report.get_absolute_url()
    rep_client.post(url, _data(report))
    rep_client.post(url, _data(report, revision=1, comment="Ändrat"))
    assert ReportVersion.objects.filter(report=report).count() == 2
    html = rep_client.get(url).content.decode()
    assert 'id="historik-rubrik"' in html


def test_a_reopened_report_says_who_reopened_it_and_why_until_submitted_again(
    rep_client, report, cycle
):
    rep_client.post(report.get_absolute_url(), _data(report, action="submit"))
    report.refresh_from_db()
    officer = with_mfa(cycle.created_by)
    services.report_reopen(report=report, actor=officer, reason="Siffran för möten saknas.")
    report.refresh_from_db()
    html = rep_client.get(report.get_absolute_url()).content.decode()
    assert "Siffran för möten saknas." in html
    assert "öppnade rapporten igen den" in html
    assert escape(officer.get_full_name()) in html

    # A draft saved meanwhile keeps the reason in view; submitting again ends it.
    rep_client.post(report.get_absolute_url(), _data(report, revision=report.revision))
    report.refresh_from_db()
    assert "Siffran för möten saknas." in rep_client.get(report.get_absolute_url()).content.decode()
    rep_client.post(
        report.get_absolute_url(), _data(report, revision=report.revision, action="submit")
    )
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    html = rep_client.get(report.get_absolute_url()).content.decode()
    assert "öppnade rapporten igen den" not in html
    assert "en handläggare kan öppna den igen" in html  # the cycle is still open


def test_a_submitted_report_of_a_closed_cycle_does_not_promise_reopening(rep_client, report, cycle):
    rep_client.post(report.get_absolute_url(), _data(report, action="submit"))
    services.cycle_close(cycle=cycle, actor=cycle.created_by)
    html = rep_client.get(report.get_absolute_url()).content.decode()
    assert "en handläggare kan öppna den igen" not in html
    assert "Uppföljningen har stängt, så den kan inte längre ändras." in html


def test_a_report_without_assessments_has_no_1_to_5_instructions(
    goteborg, rep, client, django_capture_on_commit_callbacks
):
    cycle = _cycle(goteborg)
    # The organisations are asked only the count and free-text questions.
    cycle.questions.filter(answer_kind="scale").update(respondent_groups=["units"])
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=cycle.created_by)
    report = cycle.reports.get(organisation=rep.organisation)
    client.force_login(rep.user)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Besvara frågorna nedan." in html
    assert "från 1 (inte alls)" not in html
