"""The officers' follow-up pages: cycles, creating the next cycle, questions, opening, reminding,
closing, reopening reports, with every refusal (the exports: tests/followup/test_exports.py)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Agreement, Municipality
from followup import services
from followup.forms import DEADLINE_BEFORE_OPENING, PERIOD_END_BEFORE_START
from followup.models import Answer, Cycle, Question, Report
from tests.factories import (
    AccessionFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def goteborg():
    return Agreement.objects.get(slug="goteborg")


@pytest.fixture
def followup_rule(goteborg):
    return goteborg.current_version.followup_rules.get(kind="followup")


@pytest.fixture
def client_(english, officer):
    """The Göteborg officer, logged in, reading the pages in English."""
    english.force_login(officer)
    return english


@pytest.fixture
def cycle(goteborg, followup_rule, officer):
    return services.cycle_create(agreement=goteborg, rule=followup_rule, actor=officer)


@pytest.fixture
def open_cycle(cycle, django_capture_on_commit_callbacks):
    """Göteborg's follow-up, open, asked of two organisations and one board."""
    first, second = RepresentativeFactory(), RepresentativeFactory()
    AccessionFactory(organisation=first.organisation)
    AccessionFactory(organisation=second.organisation)
    unit = MunicipalUnitFactory()
    unit_officer = OfficerRoleFactory(unit=unit).user
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=cycle.created_by)
    cycle.refresh_from_db()
    cycle.first, cycle.second, cycle.unit_officer = first, second, unit_officer
    mail.outbox.clear()
    return cycle


def _answers(report, **values):
    return [
        services.AnswerInput(question_id=q.pk, score=4, comment="Bra dialog.", **values)
        for q in report.cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]


def _submit(report, user, **values):
    return services.report_save(
        report=report,
        actor=user,
        answers=_answers(report, **values),
        based_on_revision=report.revision,
        submit=True,
    )


def _organisation_report(cycle, representative):
    return cycle.reports.get(organisation=representative.organisation)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Who may --------------------------------------------------------------------------------


def _requests(cycle, report, question, slug="goteborg"):
    return [
        ("get", reverse("followup:cycles"), {}),
        ("get", reverse("followup:cycle-create", args=[slug]), {}),
        ("post", reverse("followup:cycle-create", args=[slug]), {"rule": "0"}),
        ("get", reverse("followup:cycle", args=[cycle.pk]), {}),
        ("get", reverse("followup:cycle-edit", args=[cycle.pk]), {}),
        ("post", reverse("followup:cycle-edit", args=[cycle.pk]), {"title": "Nytt namn"}),
        ("get", reverse("followup:questions", args=[cycle.pk]), {}),
        ("post", reverse("followup:questions", args=[cycle.pk]), {"text": "Ny fråga?"}),
        ("get", reverse("followup:question-edit", args=[cycle.pk, question.pk]), {}),
        ("post", reverse("followup:question-edit", args=[cycle.pk, question.pk]), {"delete": 1}),
        ("post", reverse("followup:cycle-open", args=[cycle.pk]), {}),
        ("post", reverse("followup:cycle-close", args=[cycle.pk]), {}),
        ("post", reverse("followup:cycle-remind", args=[cycle.pk]), {}),
        ("get", reverse("followup:answers-csv", args=[cycle.pk]), {}),
        ("post", reverse("followup:report-reopen", args=[report.pk]), {"reason": "Fel"}),
    ]


@pytest.fixture
def targets(open_cycle):
    """An open cycle with a submitted report, and a draft cycle with a question."""
    report = _organisation_report(open_cycle, open_cycle.first)
    _submit(report, open_cycle.first.user)
    draft = services.cycle_create(
        agreement=open_cycle.agreement,
        rule=open_cycle.agreement.current_version.followup_rules.get(kind="external_evaluation"),
        actor=open_cycle.created_by,
    )
    return open_cycle, draft, report


def _all_requests(targets):
    open_cycle, draft, report = targets
    question = draft.questions.first()
    return _requests(open_cycle, report, question) + _requests(draft, report, question)


def _state(targets):
    """Everything a refused request could have changed."""
    return (
        list(Cycle.objects.order_by("pk").values_list("pk", "status", "title")),
        Question.objects.count(),
        list(Report.objects.order_by("pk").values_list("pk", "status", "revision")),
        len(mail.outbox),
    )


def test_anonymous_users_are_sent_to_log_in(client, targets, django_capture_on_commit_callbacks):
    before = _state(targets)
    login = reverse("account_login")
    with django_capture_on_commit_callbacks(execute=True):
        for method, url, data in _all_requests(targets):
            response = getattr(client, method)(url, data)
            assert response.status_code == 302, (method, url)
            assert response["Location"].startswith(login), (method, url)
    assert _state(targets) == before


@pytest.mark.parametrize("who", ["user", "representative"])
def test_users_who_are_not_officers_are_refused(
    client, targets, who, django_capture_on_commit_callbacks
):
    open_cycle = targets[0]
    user = UserFactory() if who == "user" else open_cycle.first.user
    client.force_login(user)
    before = _state(targets)
    with django_capture_on_commit_callbacks(execute=True):
        for method, url, data in _all_requests(targets):
            assert getattr(client, method)(url, data).status_code == 403, (method, url)
    assert _state(targets) == before


def test_officer_of_another_municipality_is_refused(
    client, targets, django_capture_on_commit_callbacks
):
    boras_officer = with_mfa(
        OfficerRoleFactory(municipality=Municipality.objects.get(slug="boras")).user
    )
    client.force_login(boras_officer)
    before = _state(targets)
    with django_capture_on_commit_callbacks(execute=True):
        for method, url, data in _all_requests(targets):
            response = getattr(client, method)(url, data)
            if url == reverse("followup:cycles"):
                # Their own list, without Göteborg's cycles.
                assert response.status_code == 200
                assert targets[0].title not in response.content.decode()
                continue
            assert response.status_code == 403, (method, url)
    assert _state(targets) == before


def test_officer_without_mfa_is_sent_to_activate_it(
    client, targets, django_capture_on_commit_callbacks
):
    officer = OfficerRoleFactory(municipality=Municipality.objects.get(slug="goteborg")).user
    client.force_login(officer)
    before = _state(targets)
    activate = reverse("mfa_activate_totp")
    with django_capture_on_commit_callbacks(execute=True):
        for method, url, data in _all_requests(targets):
            response = getattr(client, method)(url, data)
            assert response.status_code == 302, (method, url)
            assert response["Location"] == activate, (method, url)
    assert _state(targets) == before


def test_actions_need_post(client_, cycle):
    """Opening, closing and deleting ask for a confirmation first (their GET); the others have
    no page of their own."""
    for name in ("cycle-remind", "cycle-schedule", "cycle-unschedule"):
        assert client_.get(reverse(f"followup:{name}", args=[cycle.pk])).status_code == 405
    assert client_.get(reverse("followup:cycle-open", args=[cycle.pk])).status_code == 200
    assert client_.get(reverse("followup:cycle-delete", args=[cycle.pk])).status_code == 200
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT  # a confirmation page changes nothing


# --- The list -------------------------------------------------------------------------------


def test_list_shows_cycles_with_response_rates_and_links_to_create(client_, open_cycle):
    _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    response = client_.get(reverse("followup:cycles"))
    assert response.status_code == 200
    html = response.content.decode()
    assert open_cycle.title in html
    assert "1/3" in html
    goteborg = open_cycle.agreement
    rules = goteborg.current_version.followup_rules.all()
    create = reverse("followup:cycle-create", args=["goteborg"])
    for rule in rules:
        link = f"{create}?rule={rule.pk}"
        # A link per rule that maps to a kind of cycle; none for the revision.
        assert (link in html) == (rule.kind in services.RULE_KINDS), rule.kind
    # Only the officer's own municipality's agreements.
    assert "Överenskommelse om samverkan i Borås" not in html


def test_list_query_count_does_not_grow_with_cycles(client_, goteborg, officer):
    rules = list(goteborg.current_version.followup_rules.filter(kind__in=services.RULE_KINDS))
    services.cycle_create(agreement=goteborg, rule=rules[0], actor=officer)
    with CaptureQueriesContext(connection) as few:
        assert client_.get(reverse("followup:cycles")).status_code == 200
    for _ in range(3):
        for rule in rules:
            services.cycle_create(agreement=goteborg, rule=rule, actor=officer)
    with CaptureQueriesContext(connection) as many:
        assert client_.get(reverse("followup:cycles")).status_code == 200
    assert Cycle.objects.count() == 1 + 3 * len(rules)
    assert len(many) == len(few)


# --- Creating a cycle -----------------------------------------------------------------------


def test_create_page_shows_the_proposal_per_rule(client_, goteborg, followup_rule):
    response = client_.get(reverse("followup:cycle-create", args=["goteborg"]))
    assert response.status_code == 200
    html = response.content.decode()
    proposal = services.cycle_proposal(agreement=goteborg, rule=followup_rule)
    assert proposal["title"] in html
    assert f'value="{proposal["deadline"].isoformat()}"' in html
    assert html.count('name="rule"') == 2  # follow-up and external evaluation; no revision

    only = client_.get(
        reverse("followup:cycle-create", args=["goteborg"]), {"rule": followup_rule.pk}
    )
    assert only.content.decode().count('name="rule"') == 1


def test_cycle_is_created_in_one_step(client_, goteborg, followup_rule, officer):
    proposal = services.cycle_proposal(agreement=goteborg, rule=followup_rule)
    response = client_.post(
        reverse("followup:cycle-create", args=["goteborg"]), {"rule": followup_rule.pk}
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == cycle.get_absolute_url()
    assert cycle.title == proposal["title"]
    assert cycle.period_start == proposal["period_start"]
    assert cycle.deadline == proposal["deadline"]
    assert cycle.status == Cycle.Status.DRAFT
    assert cycle.created_by == officer
    assert cycle.questions.count() == 18


def test_questions_are_written_in_the_portal_language_whatever_the_officer_reads(
    client_, followup_rule
):
    """The officer reads English; the questionnaire is data, in Swedish like the agreement."""
    client_.post(reverse("followup:cycle-create", args=["goteborg"]), {"rule": followup_rule.pk})
    cycle = Cycle.objects.get()
    with translation.override(settings.LANGUAGE_CODE):
        expected = [q.text for q in services.questions_from_agreement(cycle)]
    assert list(cycle.questions.values_list("text", flat=True)) == expected


def test_the_prefilled_form_posted_unchanged_creates_the_proposal(client_, goteborg, followup_rule):
    url = reverse("followup:cycle-create", args=["goteborg"])
    form = client_.get(url, {"rule": followup_rule.pk}).context["proposals"][0]["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    data.pop("anonymise_free_text")  # an unticked checkbox is not posted
    response = client_.post(url, data)
    assert response.status_code == 302
    cycle = Cycle.objects.get()
    assert cycle.title == form.initial["title"]
    assert cycle.opens_on == form.initial["opens_on"]


def test_officer_adjusts_the_proposal_before_creating(client_, goteborg, followup_rule):
    response = client_.post(
        reverse("followup:cycle-create", args=["goteborg"]),
        {
            "rule": followup_rule.pk,
            "title": "Uppföljning med dialogforum",
            "reminder_days": "10, 2",
            "anonymise_free_text": "on",
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get()
    assert cycle.title == "Uppföljning med dialogforum"
    assert services.cycle_reminder_days(cycle) == [10, 2]
    assert cycle.anonymise_free_text


def test_a_second_cycle_for_the_same_period_is_a_conflict(client_, cycle, followup_rule):
    response = client_.post(
        reverse("followup:cycle-create", args=["goteborg"]),
        {"rule": followup_rule.pk, "period_start": cycle.period_start.isoformat()},
    )
    assert response.status_code == 409
    assert str(services.CYCLE_EXISTS) in response.content.decode()
    assert Cycle.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"opens_on": "2030-03-01", "deadline": "2030-02-01"}, "deadline", DEADLINE_BEFORE_OPENING),
        (
            {"period_start": "2024-01-01", "period_end": "2023-12-31"},
            "period_end",
            PERIOD_END_BEFORE_START,
        ),
        ({"title": ""}, "title", None),
        ({"deadline": "not a date"}, "deadline", None),
        ({"reminder_days": "-1"}, "reminder_days", None),
        ({"reminder_days": "fjorton"}, "reminder_days", services.REMINDERS_NOT_NUMBERS),
        ({"reminder_days": "14, 3, 60"}, "reminder_days", None),  # before the opening day
        ({"reminder_days": "1, 2, 3, 4, 5, 6"}, "reminder_days", None),  # too many
    ],
)
def test_bad_dates_are_refused_and_nothing_is_created(client_, followup_rule, data, field, message):
    response = client_.post(
        reverse("followup:cycle-create", args=["goteborg"]), {"rule": followup_rule.pk, **data}
    )
    assert response.status_code == 400
    form = response.context["proposals"][0]["form"]
    assert field in form.errors
    if message:
        assert str(message) in form.errors[field]
    assert not Cycle.objects.exists()


def test_a_rule_of_another_agreement_or_the_revision_is_refused(client_, goteborg):
    boras_rule = Agreement.objects.get(slug="boras").current_version.followup_rules.first()
    revision = goteborg.current_version.followup_rules.get(kind="revision")
    for rule in (boras_rule.pk, revision.pk, "x"):
        response = client_.post(reverse("followup:cycle-create", args=["goteborg"]), {"rule": rule})
        assert response.status_code == 400
    assert not Cycle.objects.exists()


def test_create_for_an_unknown_agreement_is_not_found(client_):
    assert client_.get(reverse("followup:cycle-create", args=["nowhere"])).status_code == 404


# --- Editing the cycle ----------------------------------------------------------------------


def _edit_data(cycle, **changes):
    data = {
        "title": cycle.title,
        "period_start": cycle.period_start.isoformat(),
        "period_end": cycle.period_end.isoformat(),
        "opens_on": cycle.opens_on.isoformat(),
        "deadline": cycle.deadline.isoformat(),
        "reminder_days": ", ".join(map(str, services.cycle_reminder_days(cycle))),
    }
    return {**data, **changes}


def test_draft_cycle_is_edited(client_, cycle):
    new_deadline = cycle.deadline + datetime.timedelta(days=14)
    response = client_.post(
        reverse("followup:cycle-edit", args=[cycle.pk]),
        _edit_data(
            cycle,
            title="Uppföljning 2025, ny titel",
            deadline=new_deadline.isoformat(),
            reminder_days="10",
            anonymise_free_text="on",
        ),
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.title == "Uppföljning 2025, ny titel"
    assert cycle.deadline == new_deadline
    assert services.cycle_reminder_days(cycle) == [10]
    assert cycle.anonymise_free_text


def test_edit_with_the_deadline_before_opening_is_refused(client_, cycle):
    before = cycle.deadline
    response = client_.post(
        reverse("followup:cycle-edit", args=[cycle.pk]),
        _edit_data(cycle, deadline=(cycle.opens_on - datetime.timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 400
    assert str(DEADLINE_BEFORE_OPENING) in response.context["form"].errors["deadline"]
    cycle.refresh_from_db()
    assert cycle.deadline == before


def test_edit_into_the_period_of_another_cycle_is_refused(client_, cycle, goteborg, officer):
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    next_cycle = services.cycle_create(agreement=goteborg, rule=rule, actor=officer)
    response = client_.post(
        reverse("followup:cycle-edit", args=[next_cycle.pk]),
        _edit_data(next_cycle, period_start=cycle.period_start.isoformat()),
    )
    assert response.status_code == 400
    next_cycle.refresh_from_db()
    assert next_cycle.period_start != cycle.period_start


def test_editing_is_refused_once_the_cycle_is_open(client_, open_cycle):
    url = reverse("followup:cycle-edit", args=[open_cycle.pk])
    assert client_.get(url).status_code == 409
    response = client_.post(url, _edit_data(open_cycle, title="Efter öppning"))
    assert response.status_code == 409
    assert str(services.CYCLE_NOT_DRAFT) in response.content.decode()
    open_cycle.refresh_from_db()
    assert open_cycle.title != "Efter öppning"


# --- Questions ------------------------------------------------------------------------------


def test_questions_are_listed_by_section(client_, cycle):
    response = client_.get(reverse("followup:questions", args=[cycle.pk]))
    assert response.status_code == 200
    sections = response.context["sections"]
    principles = cycle.version.principles.order_by("order")
    assert [s["title"] for s in sections] == [p.title for p in principles]
    assert sum(len(s["questions"]) for s in sections) == cycle.questions.count()
    assert response.context["form"] is not None


def test_officer_adds_a_question(client_, cycle):
    last = cycle.questions.order_by("-order").first()
    response = client_.post(
        reverse("followup:questions", args=[cycle.pk]),
        {
            "text": "Hur många mötesplatser har ni ordnat?",
            "section": "Egna frågor",
            "answer_kind": "count",
            "respondent_groups": ["units", "council"],
            "help_text": "Räkna alla.",
        },
    )
    assert response.status_code == 302
    question = cycle.questions.get(text="Hur många mötesplatser har ni ordnat?")
    assert question.source == Question.Source.CUSTOM
    assert question.order == last.order + 1
    assert question.respondent_groups == ["units", "council"]
    assert question.answer_kind == "count"
    assert question.help_text == "Räkna alla."


@pytest.mark.parametrize(
    "data",
    [
        {"text": "", "answer_kind": "text", "respondent_groups": ["units"]},
        {"text": "Fråga?", "answer_kind": "text", "respondent_groups": []},
        {"text": "Fråga?", "answer_kind": "essay", "respondent_groups": ["units"]},
        {"text": "Fråga?", "answer_kind": "text", "respondent_groups": ["everyone"]},
    ],
)
def test_a_bad_question_is_refused(client_, cycle, data):
    count = cycle.questions.count()
    response = client_.post(reverse("followup:questions", args=[cycle.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert cycle.questions.count() == count


def test_officer_edits_and_deletes_a_question(client_, cycle):
    question = cycle.questions.filter(source="principle").first()
    url = reverse("followup:question-edit", args=[cycle.pk, question.pk])
    assert client_.get(url).status_code == 200
    response = client_.post(
        url,
        {
            "text": "Omformulerad fråga?",
            "section": question.section,
            "answer_kind": "text",  # ignored: a principle is assessed on the scale
            "respondent_groups": ["organisations"],
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == "Omformulerad fråga?"
    assert question.answer_kind == "scale"
    assert question.respondent_groups == ["organisations"]

    response = client_.post(url, {"delete": "1"})
    assert response.status_code == 302
    assert not Question.objects.filter(pk=question.pk).exists()


def test_a_question_of_another_cycle_is_not_found(client_, cycle, goteborg, officer):
    other = services.cycle_create(
        agreement=goteborg,
        rule=goteborg.current_version.followup_rules.get(kind="external_evaluation"),
        actor=officer,
    )
    question = other.questions.first()
    url = reverse("followup:question-edit", args=[cycle.pk, question.pk])
    assert client_.get(url).status_code == 404
    assert client_.post(url, {"delete": "1"}).status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()


def test_questions_are_read_only_once_the_cycle_is_open(client_, open_cycle):
    questions = list(open_cycle.questions.values_list("pk", "text"))
    question = open_cycle.questions.first()
    response = client_.get(reverse("followup:questions", args=[open_cycle.pk]))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert reverse("followup:question-edit", args=[open_cycle.pk, question.pk]) not in (
        response.content.decode()
    )
    edit = reverse("followup:question-edit", args=[open_cycle.pk, question.pk])
    refused = [
        client_.post(
            reverse("followup:questions", args=[open_cycle.pk]),
            {"text": "Ny?", "answer_kind": "text", "respondent_groups": ["units"]},
        ),
        client_.get(edit),
        client_.post(
            edit, {"text": "Ändrad?", "answer_kind": "scale", "respondent_groups": ["units"]}
        ),
        client_.post(edit, {"delete": "1"}),
    ]
    assert [r.status_code for r in refused] == [409] * 4
    assert list(open_cycle.questions.values_list("pk", "text")) == questions


# --- Opening, reminding, closing ------------------------------------------------------------


def test_opening_creates_reports_and_emails_invitations(
    client_, cycle, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    unit_officer = OfficerRoleFactory(unit=MunicipalUnitFactory()).user
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("followup:cycle-open", args=[cycle.pk]), follow=True)
    assert response.status_code == 200
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    assert sorted(cycle.reports.values_list("group", flat=True)) == ["organisations", "units"]
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([rep.user.email, unit_officer.email])
    assert "Invitations are being sent to 2 respondents." in " ".join(_messages(response))


def test_opening_without_questions_is_refused(client_, cycle):
    cycle.questions.all().delete()
    response = client_.post(reverse("followup:cycle-open", args=[cycle.pk]))
    assert response.status_code == 409
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT
    assert not cycle.reports.exists()


def test_opening_twice_is_refused(client_, open_cycle):
    count = open_cycle.reports.count()
    response = client_.post(reverse("followup:cycle-open", args=[open_cycle.pk]))
    assert response.status_code == 409
    assert open_cycle.reports.count() == count


def test_remind_now_emails_only_those_who_have_not_submitted(
    client_, open_cycle, django_capture_on_commit_callbacks
):
    _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("followup:cycle-remind", args=[open_cycle.pk]), follow=True)
    assert "Reminders are being sent to 2 respondents." in _messages(response)
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted([open_cycle.second.user.email, open_cycle.unit_officer.email])
    assert open_cycle.first.user.email not in recipients
    reminded = open_cycle.reports.filter(last_reminded_at__isnull=False)
    assert reminded.count() == 2
    assert not reminded.filter(status=Report.Status.SUBMITTED).exists()


def test_remind_is_refused_unless_the_cycle_is_open(
    client_, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("followup:cycle-remind", args=[cycle.pk]))
    assert response.status_code == 409
    assert not mail.outbox


def test_close_the_cycle(client_, open_cycle):
    response = client_.post(reverse("followup:cycle-close", args=[open_cycle.pk]))
    assert response.status_code == 302
    open_cycle.refresh_from_db()
    assert open_cycle.status == Cycle.Status.CLOSED
    page = client_.get(open_cycle.get_absolute_url()).content.decode()
    assert reverse("followup:evaluation", args=[open_cycle.pk]) in page
    assert client_.post(reverse("followup:cycle-close", args=[open_cycle.pk])).status_code == 409


# --- The dashboard --------------------------------------------------------------------------


def test_dashboard_of_a_draft_offers_edit_questions_and_open(client_, cycle):
    response = client_.get(cycle.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("cycle-edit", "questions", "cycle-open"):
        assert reverse(f"followup:{name}", args=[cycle.pk]) in html
    assert reverse("followup:cycle-close", args=[cycle.pk]) not in html


def test_dashboard_of_an_open_cycle(client_, open_cycle):
    report = _organisation_report(open_cycle, open_cycle.first)
    _submit(report, open_cycle.first.user)
    response = client_.get(open_cycle.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("cycle-remind", "cycle-close", "answers-csv"):
        assert reverse(f"followup:{name}", args=[open_cycle.pk]) in html
    assert reverse("followup:cycle-open", args=[open_cycle.pk]) not in html
    assert "Response rate per respondent group" in html
    rates = {str(r["label"]): (r["asked"], r["submitted"]) for r in response.context["rates"]}
    assert rates == {
        "signatory organisations": (2, 1),
        "boards, administrations and companies": (1, 0),
    }
    pending = {r.respondent_name for r in response.context["pending"]}
    assert open_cycle.second.organisation.name in pending
    assert open_cycle.first.organisation.name not in pending
    # Each report is linked; the submitted one can be reopened.
    for each in open_cycle.reports.all():
        assert reverse("followup:report", args=[each.pk]) in html
    assert reverse("followup:report-reopen", args=[report.pk]) in html
    others = open_cycle.reports.exclude(pk=report.pk)
    for other in others:
        assert reverse("followup:report-reopen", args=[other.pk]) not in html


def test_the_dashboards_order_is_kept_until_a_report_changes(client_, open_cycle, settings):
    """The sort by respondent's name is done once and kept; any submission changes the key, so
    the lists are never out of date."""
    settings.PORTAL_DASHBOARD_ORDER_SECONDS = 300
    url = open_cycle.get_absolute_url()

    def sorts():
        with CaptureQueriesContext(connection) as queries:
            response = client_.get(url)
        assert response.status_code == 200
        pending = [r.pk for r in response.context["pending"]]
        return sum("LOWER(" in q["sql"].upper() for q in queries), pending

    first_sorts, pending = sorts()
    again_sorts, pending_again = sorts()
    assert first_sorts == 1 and again_sorts == 0 and pending_again == pending
    report = _organisation_report(open_cycle, open_cycle.first)
    assert report.pk in pending
    _submit(report, open_cycle.first.user)
    after_sorts, pending_after = sorts()
    assert after_sorts == 1 and report.pk not in pending_after


def _form_markup(html: str) -> str:
    """A form's markup without whitespace differences and the CSRF token's random value."""
    import re

    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_dashboards_reopen_form_is_crispys_markup(rf, open_cycle, language):
    """The dashboard writes its empty reopen forms with Jinja2 (for speed); they must stay
    exactly what crispy-forms makes of followup.forms.ReopenForm, in both languages."""
    import re

    from crispy_forms.utils import render_crispy_form
    from django.middleware.csrf import get_token

    from followup import dashboard
    from followup.forms import ReopenForm

    report = _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    request = rf.get("/")
    with translation.override(language):
        rows = dashboard.report_rows(request, [report], reopen_column=True)
        form = ReopenForm(
            report_id=report.pk, action=reverse("followup:report-reopen", args=[report.pk])
        )
        by_crispy = render_crispy_form(form, context={"csrf_token": get_token(request)})
    by_hand = re.search(r"<form .*</form>", rows, re.DOTALL)[0]
    assert "csrfmiddlewaretoken" in by_hand
    assert _form_markup(by_hand) == _form_markup(by_crispy)


def _many_reports(cycle, n):
    organisations = OrganisationFactory.create_batch(n)
    reports = Report.objects.bulk_create(
        Report(
            cycle=cycle,
            group="organisations",
            organisation=organisation,
            status=Report.Status.SUBMITTED if i % 2 else Report.Status.DRAFT,
        )
        for i, organisation in enumerate(organisations)
    )
    questions = [q for q in cycle.questions.all() if q.asks("organisations")][:3]
    Answer.objects.bulk_create(
        Answer(report=report, question=question, score=3, comment="Ok")
        for report in reports
        for question in questions
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_and_csv_query_counts_do_not_grow_with_reports(client_, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.OPEN)
    _many_reports(cycle, 5)
    dashboard = cycle.get_absolute_url()
    export = reverse("followup:answers-csv", args=[cycle.pk])
    few = (_queries(client_, dashboard), _queries(client_, export))
    _many_reports(cycle, 45)
    assert cycle.reports.count() == 50
    assert (_queries(client_, dashboard), _queries(client_, export)) == few


# --- Reopening ------------------------------------------------------------------------------


def test_reopen_with_a_reason(client_, open_cycle, django_capture_on_commit_callbacks):
    report = _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(
            reverse("followup:report-reopen", args=[report.pk]), {"reason": "Fel siffror"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DRAFT
    assert report.versions.last().note == "Fel siffror"
    assert [m.to for m in mail.outbox] == [[open_cycle.first.user.email]]


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_without_a_reason_changes_nothing(client_, open_cycle, reason):
    report = _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    response = client_.post(reverse("followup:report-reopen", args=[report.pk]), {"reason": reason})
    assert response.status_code == 400
    assert str(services.REASON_REQUIRED) in response.content.decode()
    assert response.context["cycle"] == open_cycle
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    assert report.versions.count() == 1


def test_reopen_of_a_report_not_submitted_is_a_conflict(client_, open_cycle):
    report = _organisation_report(open_cycle, open_cycle.second)
    response = client_.post(
        reverse("followup:report-reopen", args=[report.pk]), {"reason": "Fel siffror"}
    )
    assert response.status_code == 409
    assert str(services.REPORT_NOT_SUBMITTED) in response.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.NOT_STARTED


def test_reopen_after_closing_is_a_conflict(client_, open_cycle):
    report = _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    services.cycle_close(cycle=open_cycle, actor=open_cycle.created_by)
    response = client_.post(
        reverse("followup:report-reopen", args=[report.pk]), {"reason": "Fel siffror"}
    )
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED


# --- CSV ------------------------------------------------------------------------------------


# --- Moving the deadline of an open cycle -------------------------------------------------------

DAY = datetime.timedelta(days=1)


def _deadline_url(cycle) -> str:
    return reverse("followup:cycle-deadline", args=[cycle.pk])


def _deadline(cycle) -> datetime.date:
    return Cycle.objects.values_list("deadline", flat=True).get(pk=cycle.pk)


def test_the_dashboard_of_an_open_cycle_offers_to_move_the_deadline(client_, open_cycle):
    html = client_.get(open_cycle.get_absolute_url()).content.decode()
    assert _deadline_url(open_cycle) in html


def test_the_page_says_the_deadline_and_who_will_be_told(client_, open_cycle):
    response = client_.get(_deadline_url(open_cycle))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 respondents have not submitted" in html
    assert 'type="date"' in html


def test_a_later_deadline_is_saved_and_those_not_submitted_are_told(
    client_, open_cycle, django_capture_on_commit_callbacks
):
    _submit(_organisation_report(open_cycle, open_cycle.first), open_cycle.first.user)
    mail.outbox.clear()
    new = max(open_cycle.deadline, timezone.localdate()) + 14 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(_deadline_url(open_cycle), {"deadline": new.isoformat()})
    assert response.status_code == 302
    assert response["Location"] == open_cycle.get_absolute_url()
    assert _deadline(open_cycle) == new
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted([open_cycle.second.user.email, open_cycle.unit_officer.email])
    message = mail.outbox[0]
    assert message.subject.startswith("Ny sista svarsdag")
    assert open_cycle.deadline.strftime("%Y") in message.body


@pytest.mark.parametrize(
    ("days_after_current", "error"),
    [
        (0, "The new deadline must be later than the current one"),
        (-10, "The new deadline must be later than the current one"),
        (367 + 1, "The new deadline can be at most a year after"),
    ],
)
def test_a_date_that_is_not_later_or_too_far_changes_nothing(
    client_, open_cycle, days_after_current, error
):
    before = _deadline(open_cycle)
    start = max(before, timezone.localdate()) if days_after_current > 0 else before
    response = client_.post(
        _deadline_url(open_cycle), {"deadline": (start + days_after_current * DAY).isoformat()}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert _deadline(open_cycle) == before
    assert not mail.outbox


def test_a_past_date_is_refused_even_after_a_passed_deadline(client_, open_cycle):
    today = timezone.localdate()
    Cycle.objects.filter(pk=open_cycle.pk).update(
        opens_on=today - 30 * DAY, deadline=today - 10 * DAY
    )
    response = client_.post(_deadline_url(open_cycle), {"deadline": (today - 5 * DAY).isoformat()})
    assert response.status_code == 400
    assert "The new deadline cannot be in the past" in response.content.decode()
    assert _deadline(open_cycle) == today - 10 * DAY


def test_a_passed_deadline_moved_lets_late_respondents_submit(open_cycle, officer):
    today = timezone.localdate()
    Cycle.objects.filter(pk=open_cycle.pk).update(opens_on=today - 30 * DAY, deadline=today - DAY)
    open_cycle.refresh_from_db()
    assert not open_cycle.accepts_reports
    moved = services.cycle_move_deadline(cycle=open_cycle, actor=officer, deadline=today + DAY)
    assert moved.accepts_reports
    report = _submit(_organisation_report(moved, open_cycle.first), open_cycle.first.user)
    assert report.status == report.Status.SUBMITTED


def test_the_reminders_follow_the_new_deadline(open_cycle, officer):
    """A reminder is so many days before the deadline: moved with it, and once sent for the old
    deadline, planned again for the new one if its day is still ahead."""
    from followup.models import CycleReminder

    today = timezone.localdate()
    Cycle.objects.filter(pk=open_cycle.pk).update(
        opens_on=today - 30 * DAY, deadline=today + 3 * DAY
    )
    open_cycle.refresh_from_db()
    # The 14-day reminder was sent; the 3-day one is due today.
    assert services.cycle_send_due_reminders(cycle=open_cycle, today=today) == 3
    statuses = dict(open_cycle.reminders.values_list("days_before", "status"))
    assert statuses == {14: "skipped", 3: "sent"}  # both due: only the latest was sent
    mail.outbox.clear()
    new = today + 10 * DAY
    services.cycle_move_deadline(cycle=open_cycle, actor=officer, deadline=new)
    open_cycle.refresh_from_db()
    reminders = {r.days_before: r for r in open_cycle.reminders.all()}
    # 14 days before the new deadline has passed: the notice of the new date takes its place.
    assert reminders[14].status == CycleReminder.Status.SKIPPED
    # 3 days before the new deadline is ahead: planned again, and sent on its day.
    assert reminders[3].status == CycleReminder.Status.PLANNED
    assert reminders[3].due_on() == new - 3 * DAY
    assert services.cycle_send_due_reminders(cycle=open_cycle, today=today) == 0
    assert services.cycle_send_due_reminders(cycle=open_cycle, today=new - 3 * DAY) == 3


def test_only_an_open_cycle_can_have_its_deadline_moved(client_, cycle):
    later = (cycle.deadline + 7 * DAY).isoformat()
    assert client_.get(_deadline_url(cycle)).status_code == 409
    response = client_.post(_deadline_url(cycle), {"deadline": later})
    assert response.status_code == 409
    assert _deadline(cycle) == cycle.deadline
    dashboard = client_.get(cycle.get_absolute_url()).content.decode()
    assert _deadline_url(cycle) not in dashboard


def test_moving_the_deadline_queues_the_notice_and_no_reminder_task(
    open_cycle, officer, django_capture_on_commit_callbacks
):
    """Reminders are no longer tasks planned ahead: the daily schedule sends them on their day,
    so a moved deadline queues only the notice of the new date."""
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    today = timezone.localdate()
    Cycle.objects.filter(pk=open_cycle.pk).update(opens_on=today - 30 * DAY, deadline=today)
    open_cycle.refresh_from_db()
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            services.cycle_move_deadline(cycle=open_cycle, actor=officer, deadline=today + 30 * DAY)
        queued = sorted(r.task_path.rsplit(".", 1)[-1] for r in DBTaskResult.objects.all())
    assert queued == ["send_deadline_moved"]
