"""A cycle's safe life cycle and its respondents really reached (issue 16, items 3 and 4).

Respondents with nobody to receive the mail are shown before and after opening, never mailed
nor counted as invited or reminded, and a unit's recipient can be added from the cycle's page.
Reminders follow a schedule the officer sets and are sent by the worker's daily run, once each.
A cycle whose opening date is ahead is scheduled and opened by the worker on that date (or now,
after a confirmation that names the date); closing asks for confirmation and tells those who
have not submitted; a draft can be deleted, an opened cycle never. Every step is in the history,
with who took it.
"""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Agreement, Municipality
from followup import recipients, services
from followup.models import Cycle, CycleEvent, Report
from organisations.models import OfficerRole
from tests.factories import (
    AccessionFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
)
from tests.followup.worlds import answers_for

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
Kind = CycleEvent.Kind


@pytest.fixture
def goteborg():
    return Agreement.objects.get(slug="goteborg")


@pytest.fixture
def rule(goteborg):
    return goteborg.current_version.followup_rules.get(kind="followup")


@pytest.fixture
def world():
    """Göteborg's respondents: an organisation with a representative, one without anybody, a
    board with an officer, and a board with nobody to receive mail."""

    class World:
        rep = RepresentativeFactory(organisation__name="Föreningen Med Företrädare")
        lonely = OrganisationFactory(name="Föreningen Utan Företrädare")
        board = MunicipalUnitFactory(name="Kulturnämnden")
        board_officer = OfficerRoleFactory(unit=board).user
        empty_board = MunicipalUnitFactory(name="Idrotts- och föreningsnämnden")

    AccessionFactory(organisation=World.rep.organisation)
    AccessionFactory(organisation=World.lonely)
    return World


@pytest.fixture
def cycle(goteborg, rule, officer, world):
    """A draft that opens today, deadline in six weeks, reminders 14 and 3 days before."""
    return services.cycle_create(agreement=goteborg, rule=rule, actor=officer)


@pytest.fixture
def future_cycle(goteborg, rule, officer, world):
    """A draft whose opening date is a month ahead."""
    today = timezone.localdate()
    return services.cycle_create(
        agreement=goteborg,
        rule=rule,
        actor=officer,
        opens_on=today + 30 * DAY,
        deadline=today + 72 * DAY,
    )


@pytest.fixture
def open_cycle(cycle, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def client_(english, officer):
    english.force_login(officer)
    return english


def _events(cycle, kind=None):
    events = CycleEvent.objects.filter(cycle=cycle).order_by("pk")
    return list(events.filter(kind=kind) if kind else events)


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def _report(cycle, **respondent):
    return Report.objects.get(cycle=cycle, **respondent)


def _schedule(day, capture):
    """The morning's run, as the timer starts it, for a given day; its mail queued at once."""
    with capture(execute=True):
        call_command("run_followup_schedule", "--date", day.isoformat(), stdout=io.StringIO())


# --- Respondents reached or flagged ---------------------------------------------------------------


def test_before_opening_the_officer_sees_who_has_nobody_to_receive_the_invitation(
    client_, cycle, world
):
    reach = recipients.reach_before_opening(cycle)
    assert {(g.group, g.total, g.unreached) for g in reach.groups} == {
        ("organisations", 2, 1),
        ("units", 2, 1),
    }
    assert sorted(r.name for r in reach.unreached) == [
        "Föreningen Utan Företrädare",
        "Idrotts- och föreningsnämnden",
    ]
    for url in (cycle.get_absolute_url(), reverse("followup:cycle-open", args=[cycle.pk])):
        page = client_.get(url).content.decode()
        assert "Föreningen Utan Företrädare" in page
        assert "Idrotts- och föreningsnämnden" in page
        # The unit's recipient can be added from here; the organisation's page is linked.
        assert reverse("followup:unit-recipient", args=[cycle.pk, world.empty_board.pk]) in page
        assert reverse("organisations:edit", args=[world.lonely.pk]) in page
        assert "Kulturnämnden" not in page.split('id="reach"')[-1].split("</ul>")[0]


def test_a_respondent_without_recipient_is_neither_mailed_nor_counted_as_invited_or_reminded(
    open_cycle, world, officer, client_, django_capture_on_commit_callbacks
):
    # Invited: the two with somebody to receive it, no one else.
    assert _recipients() == sorted([world.rep.user.email, world.board_officer.email])
    assert open_cycle.reports.count() == 4  # all four are asked: they should report
    assert set(open_cycle.reports.not_invited().values_list("group", flat=True)) == {
        "organisations",
        "units",
    }
    assert _report(open_cycle, unit=world.empty_board).invited_at is None
    assert _report(open_cycle, organisation=world.lonely).invited_at is None
    (invited,) = _events(open_cycle, Kind.INVITED)
    assert invited.details == {"invited": 2, "unreached": 2}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("followup:cycle-remind", args=[open_cycle.pk]), follow=True)
    messages = " ".join(str(m) for m in response.context["messages"])
    assert "Reminders are being sent to 2 respondents." in messages
    assert "2 have nobody to receive it and are not reminded." in messages
    assert _recipients() == sorted([world.rep.user.email, world.board_officer.email])
    reminded = set(
        open_cycle.reports.filter(last_reminded_at__isnull=False).values_list("pk", flat=True)
    )
    assert reminded == {
        _report(open_cycle, organisation=world.rep.organisation).pk,
        _report(open_cycle, unit=world.board).pk,
    }
    (event,) = _events(open_cycle, Kind.REMINDED)
    assert event.actor == officer
    assert event.details == {"reminded": 2, "unreached": 2}

    page = client_.get(open_cycle.get_absolute_url()).content.decode()
    assert "No recipient: not invited" in page  # in the table of those not submitted
    rates = page.split('class="table stack-table officer-table followup-rates"')[1]
    rates = rates.split("</table>")[0]
    # Organisations: 2 respondents, 1 invited, 1 without a recipient; so are the units.
    assert rates.count('data-label="Invited">1</td>') == 2
    assert rates.count('<strong class="followup-unreached">1</strong>') == 2
    assert rates.count('data-label="Response rate">0 %</td>') == 2


def test_accounts_that_cannot_receive_mail_count_as_no_recipient(cycle, world):
    world.board_officer.is_active = False  # deactivated (a deleted account is, too)
    world.board_officer.save()
    reach = recipients.reach_before_opening(cycle)
    units = next(g for g in reach.groups if g.group == "units")
    assert units.unreached == 2
    assert recipients.report_recipients(Report(cycle=cycle, unit=world.board)) == []


def test_a_respondent_that_gets_somebody_later_is_invited_by_the_schedule_once(
    open_cycle, world, django_capture_on_commit_callbacks
):
    newcomer = RepresentativeFactory(organisation=world.lonely)
    mail.outbox.clear()
    _schedule(timezone.localdate(), django_capture_on_commit_callbacks)
    assert _recipients() == [newcomer.user.email]
    assert "Föreningen Utan Företrädare" in mail.outbox[0].body
    assert _report(open_cycle, organisation=world.lonely).invited_at is not None
    mail.outbox.clear()
    _schedule(timezone.localdate(), django_capture_on_commit_callbacks)  # again: nothing
    assert not mail.outbox


def test_an_officer_adds_a_recipient_to_a_unit_from_the_cycle_page(client_, cycle, world, officer):
    url = reverse("followup:unit-recipient", args=[cycle.pk, world.empty_board.pk])
    page = client_.get(url)
    assert page.status_code == 200
    assert "Idrotts- och föreningsnämnden" in page.content.decode()
    response = client_.post(
        url, {"email": "Nora.Nilsson@Goteborg.example", "first_name": "Nora", "last_name": ""}
    )
    assert response.status_code == 302
    role = OfficerRole.objects.get(unit=world.empty_board)
    assert role.user.email == "nora.nilsson@goteborg.example"
    assert role.municipality == Municipality.objects.get(slug="goteborg")
    (event,) = _events(cycle, Kind.RECIPIENT_ADDED)
    assert event.actor == officer
    assert event.details["unit"] == "Idrotts- och föreningsnämnden"
    assert event.details["email"] == "nora.nilsson@goteborg.example"
    assert event.details["account_created"] is True
    assert not mail.outbox  # a draft: invited when it opens
    reach = recipients.reach_before_opening(cycle)
    assert [r.name for r in reach.unreached] == ["Föreningen Utan Företrädare"]


def test_a_recipient_added_while_the_cycle_is_open_is_invited_at_once(
    client_, open_cycle, world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    url = reverse("followup:unit-recipient", args=[open_cycle.pk, world.empty_board.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(url, {"email": "sara@goteborg.example"}, follow=True)
    assert "is being sent the unit's invitation" in " ".join(
        str(m) for m in response.context["messages"]
    )
    assert _recipients() == ["sara@goteborg.example"]
    assert _report(open_cycle, unit=world.empty_board).invited_at is not None


@pytest.mark.parametrize(
    "data",
    [
        {"email": "inte-en-adress"},
        {"email": ""},
        {"email": "x@example.se", "first_name": "x" * 151},
    ],
)
def test_a_recipient_with_bad_input_changes_nothing(client_, cycle, world, data):
    url = reverse("followup:unit-recipient", args=[cycle.pk, world.empty_board.pk])
    roles = OfficerRole.all_objects.count()
    response = client_.post(url, data)
    assert response.status_code == 400
    assert OfficerRole.all_objects.count() == roles
    assert not _events(cycle, Kind.RECIPIENT_ADDED)


def test_a_recipient_who_already_receives_the_units_mail_is_refused(client_, cycle, world):
    url = reverse("followup:unit-recipient", args=[cycle.pk, world.board.pk])
    response = client_.post(url, {"email": world.board_officer.email})
    assert response.status_code == 400
    assert "already receives the mail of Kulturnämnden" in response.content.decode()
    assert not _events(cycle, Kind.RECIPIENT_ADDED)


def test_a_unit_of_another_municipality_is_not_found_and_a_closed_cycle_refuses(
    client_, open_cycle, world, officer
):
    boras_unit = MunicipalUnitFactory(municipality=Municipality.objects.get(slug="boras"))
    other = reverse("followup:unit-recipient", args=[open_cycle.pk, boras_unit.pk])
    assert client_.post(other, {"email": "a@example.se"}).status_code == 404
    services.cycle_close(cycle=open_cycle, actor=officer)
    url = reverse("followup:unit-recipient", args=[open_cycle.pk, world.empty_board.pk])
    response = client_.post(url, {"email": "a@example.se"})
    assert response.status_code == 409
    assert not OfficerRole.objects.filter(unit=world.empty_board).exists()


# --- Reminders on a schedule ------------------------------------------------------------------


def test_reminders_are_sent_on_schedule_once_each(
    open_cycle, world, django_capture_on_commit_callbacks
):
    deadline = open_cycle.deadline
    first, second = deadline - 14 * DAY, deadline - 3 * DAY
    rep_report = _report(open_cycle, organisation=world.rep.organisation)
    services.report_save(  # a draft is not submitted: the board is reminded too
        report=_report(open_cycle, unit=world.board),
        actor=world.board_officer,
        answers=[],
        based_on_revision=0,
    )
    mail.outbox.clear()
    _schedule(first - DAY, django_capture_on_commit_callbacks)
    assert not mail.outbox
    for day in (first, first, second, second, second + DAY):
        _schedule(day, django_capture_on_commit_callbacks)
    # One reminder each day it was due, to the two invited respondents who have not submitted.
    assert len(mail.outbox) == 4
    assert _recipients() == sorted([world.rep.user.email, world.board_officer.email] * 2)
    reminders = {r.days_before: r for r in open_cycle.reminders.all()}
    assert {d: r.status for d, r in reminders.items()} == {14: "sent", 3: "sent"}
    assert (reminders[14].reminded, reminders[14].unreached) == (2, 2)
    events = _events(open_cycle, Kind.REMINDED)
    assert [e.details["due_on"] for e in events] == [first.isoformat(), second.isoformat()]
    assert all(e.actor is None for e in events)  # the portal sent them
    rep_report.refresh_from_db()
    assert rep_report.last_reminded_at is not None
    assert _report(open_cycle, unit=world.empty_board).last_reminded_at is None


def test_days_missed_send_only_the_latest_reminder_and_none_after_the_deadline(
    open_cycle, django_capture_on_commit_callbacks
):
    deadline = open_cycle.deadline
    mail.outbox.clear()
    _schedule(deadline - 2 * DAY, django_capture_on_commit_callbacks)  # the worker was away
    assert len(mail.outbox) == 2  # the 3-day reminder, to the two invited
    statuses = {r.days_before: (r.status, r.skipped_because) for r in open_cycle.reminders.all()}
    assert statuses == {14: ("skipped", "superseded"), 3: ("sent", "")}
    # A cycle whose deadline passed with a reminder not sent: it is passed over.
    services.cycle_set_reminders(cycle=open_cycle, actor=open_cycle.created_by, days=[14, 3, 1])
    mail.outbox.clear()
    _schedule(deadline + DAY, django_capture_on_commit_callbacks)
    assert not mail.outbox
    one = open_cycle.reminders.get(days_before=1)
    assert (one.status, one.skipped_because) == ("skipped", "deadline_passed")


def test_the_schedule_does_not_remind_again_who_the_officer_reminded_that_morning(
    open_cycle, officer, world, django_capture_on_commit_callbacks
):
    """The officer's "Send a reminder now" at 07:30 and the schedule's reminder due the same
    day: one reminder each, and the scheduled one is "not sent", with the reason."""
    today = timezone.localdate()
    services.cycle_set_reminders(
        cycle=open_cycle, actor=officer, days=[(open_cycle.deadline - today).days]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.cycle_send_reminders(cycle=open_cycle, actor=officer) == 2
    assert len(mail.outbox) == 2
    mail.outbox.clear()
    _schedule(today, django_capture_on_commit_callbacks)
    assert not mail.outbox
    (reminder,) = open_cycle.reminders.all()
    assert (reminder.status, reminder.skipped_because) == ("skipped", "reminded_today")
    assert reminder.reminded == 0
    (event,) = _events(open_cycle, Kind.REMINDER_NOT_SENT)
    assert event.details["reason"] == "reminded_today"


def test_the_schedule_reminds_only_those_not_reminded_on_its_day(
    open_cycle, world, django_capture_on_commit_callbacks
):
    first = open_cycle.deadline - 14 * DAY
    morning = timezone.make_aware(datetime.datetime.combine(first, datetime.time(7, 30)))
    Report.objects.filter(cycle=open_cycle, unit=world.board).update(last_reminded_at=morning)
    mail.outbox.clear()
    _schedule(first, django_capture_on_commit_callbacks)
    assert _recipients() == [world.rep.user.email]
    reminder = open_cycle.reminders.get(days_before=14)
    assert (reminder.status, reminder.reminded) == ("sent", 1)
    assert _report(open_cycle, unit=world.board).last_reminded_at == morning


def test_a_reminder_with_nobody_to_receive_it_is_not_sent(
    goteborg, rule, officer, django_capture_on_commit_callbacks
):
    """Only respondents without recipients: the reminder is "not sent", no mail, none reminded."""
    AccessionFactory(organisation=OrganisationFactory())
    cycle = services.cycle_create(agreement=goteborg, rule=rule, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=officer)
    _schedule(cycle.deadline - 14 * DAY, django_capture_on_commit_callbacks)
    assert not mail.outbox
    reminder = cycle.reminders.get(days_before=14)
    assert (reminder.status, reminder.skipped_because) == ("skipped", "no_recipient")
    assert reminder.reminded == 0 and reminder.unreached == 1
    assert not cycle.reports.filter(last_reminded_at__isnull=False).exists()
    (event,) = _events(cycle, Kind.REMINDER_NOT_SENT)
    assert event.details["reason"] == "no_recipient"


def test_the_cycle_page_shows_each_reminders_date_and_whether_it_was_sent(
    client_, open_cycle, django_capture_on_commit_callbacks
):
    first = open_cycle.deadline - 14 * DAY
    _schedule(first, django_capture_on_commit_callbacks)
    page = client_.get(open_cycle.get_absolute_url()).content.decode()
    section = page.split('id="reminders"')[1].split("</table>")[0]
    assert f'<time datetime="{first.isoformat()}">' in section
    assert f'<time datetime="{(open_cycle.deadline - 3 * DAY).isoformat()}">' in section
    assert "to 2 respondents" in section and "2 without a recipient were not reminded" in section
    assert "Planned" in section


@pytest.mark.parametrize(
    ("days", "error"),
    [
        ("0", "A reminder must come at least one day before the deadline"),
        ("-3", "A reminder must come at least one day before the deadline"),
        ("60", "would be in the past"),
        ("400", "at most 365 days before the deadline"),
        ("fjorton", "Write the reminders as whole numbers"),
        ("1, 2, 4, 5, 6, 7", "Plan at most 5 reminders"),
    ],
)
def test_a_bad_reminder_schedule_is_refused_and_changes_nothing(client_, open_cycle, days, error):
    before = list(open_cycle.reminders.values_list("days_before", "status"))
    events = len(_events(open_cycle))
    response = client_.post(
        reverse("followup:cycle-reminders", args=[open_cycle.pk]), {"reminder_days": days}
    )
    assert response.status_code == 400
    assert error in response.content.decode()
    assert list(open_cycle.reminders.values_list("days_before", "status")) == before
    assert len(_events(open_cycle)) == events


def test_a_drafts_reminders_before_its_opening_are_refused(client_, future_cycle):
    data = {
        "title": future_cycle.title,
        "period_start": future_cycle.period_start.isoformat(),
        "period_end": future_cycle.period_end.isoformat(),
        "opens_on": future_cycle.opens_on.isoformat(),
        "deadline": future_cycle.deadline.isoformat(),
        "reminder_days": "50, 3",  # 50 days before the deadline is before it opens
    }
    response = client_.post(reverse("followup:cycle-edit", args=[future_cycle.pk]), data)
    assert response.status_code == 400
    assert "would come before the respondents are invited" in response.content.decode()
    assert services.cycle_reminder_days(future_cycle) == [14, 3]


def test_the_reminders_of_an_open_cycle_are_changed_and_recorded(
    client_, open_cycle, officer, django_capture_on_commit_callbacks
):
    _schedule(open_cycle.deadline - 14 * DAY, django_capture_on_commit_callbacks)  # 14: sent
    response = client_.post(
        reverse("followup:cycle-reminders", args=[open_cycle.pk]), {"reminder_days": "7, 2"}
    )
    assert response.status_code == 302
    statuses = dict(open_cycle.reminders.values_list("days_before", "status"))
    assert statuses == {14: "sent", 7: "planned", 2: "planned"}  # the sent one stays
    event = _events(open_cycle, Kind.REMINDERS_CHANGED)[-1]
    assert event.actor == officer
    assert event.details == {
        "before": {"reminder_days": [14, 3]},
        "after": {"reminder_days": [14, 7, 2]},
    }
    with translation.override("sv"):
        assert event.describe() == (
            "Ändrade påminnelserna från 14 och 3 dagar före sista svarsdag "
            "till 14, 7 och 2 dagar före sista svarsdag"
        )


def test_a_drafts_reminders_are_changed_in_its_settings(client_, cycle):
    response = client_.get(reverse("followup:cycle-reminders", args=[cycle.pk]))
    assert response.status_code == 409


# --- Scheduling and opening -------------------------------------------------------------------


def test_a_future_cycle_is_scheduled_and_opened_by_the_worker_on_its_date(
    client_, future_cycle, officer, world, django_capture_on_commit_callbacks
):
    opens_on = future_cycle.opens_on
    page = client_.get(reverse("followup:cycle-open", args=[future_cycle.pk])).content.decode()
    date = opens_on.strftime("%-d %B %Y")
    assert f"Schedule the opening for {date}" in page
    assert f"Open now, not on {date}, and invite the respondents" in page

    response = client_.post(reverse("followup:cycle-schedule", args=[future_cycle.pk]))
    assert response.status_code == 302
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.SCHEDULED
    assert not future_cycle.reports.exists() and not mail.outbox

    _schedule(opens_on - DAY, django_capture_on_commit_callbacks)  # the day before: nothing
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.SCHEDULED
    _schedule(opens_on, django_capture_on_commit_callbacks)
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.OPEN
    assert future_cycle.opens_on == opens_on  # opened on its date, which stays
    assert future_cycle.reports.count() == 4
    assert _recipients() == sorted([world.rep.user.email, world.board_officer.email])
    _schedule(opens_on, django_capture_on_commit_callbacks)  # again: nothing more
    assert len(mail.outbox) == 2

    scheduled, opened = (
        _events(future_cycle, Kind.SCHEDULED),
        _events(future_cycle, Kind.OPENED_ON_SCHEDULE),
    )
    assert scheduled[0].actor == officer
    assert scheduled[0].details["opens_on"] == opens_on.isoformat()
    assert len(opened) == 1 and opened[0].actor is None
    with translation.override("sv"):
        assert opened[0].describe() == "Öppnade omgången på öppningsdagen, enligt schemat"
        assert opened[0].actor_name == "portalen"


def test_a_scheduled_cycle_can_be_opened_now_after_a_confirmation_naming_the_date(
    client_, future_cycle, officer, django_capture_on_commit_callbacks
):
    planned = future_cycle.opens_on
    services.cycle_schedule(cycle=future_cycle, actor=officer)
    page = client_.get(reverse("followup:cycle-open", args=[future_cycle.pk])).content.decode()
    assert planned.strftime("%-d %B %Y") in page
    assert reverse("followup:cycle-schedule", args=[future_cycle.pk]) not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("followup:cycle-open", args=[future_cycle.pk]))
    assert response.status_code == 302
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.OPEN
    assert future_cycle.opens_on == timezone.localdate()
    (opened,) = _events(future_cycle, Kind.OPENED)
    assert opened.actor == officer
    assert opened.details["before"]["opens_on"] == planned.isoformat()
    # The worker's run on the planned day finds it open and does nothing.
    mail.outbox.clear()
    _schedule(planned, django_capture_on_commit_callbacks)
    assert not _events(future_cycle, Kind.OPENED_ON_SCHEDULE)


def test_a_scheduled_cycle_becomes_a_draft_again(client_, future_cycle, officer):
    services.cycle_schedule(cycle=future_cycle, actor=officer)
    response = client_.post(reverse("followup:cycle-unschedule", args=[future_cycle.pk]))
    assert response.status_code == 302
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.DRAFT
    (event,) = _events(future_cycle, Kind.UNSCHEDULED)
    assert event.actor == officer
    assert (
        client_.post(reverse("followup:cycle-unschedule", args=[future_cycle.pk])).status_code
        == 409
    )


def test_scheduling_a_cycle_whose_date_has_come_is_refused(client_, cycle):
    response = client_.post(reverse("followup:cycle-schedule", args=[cycle.pk]))
    assert response.status_code == 409
    assert "is not in the future: open the cycle now instead" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT
    assert not _events(cycle, Kind.SCHEDULED)


def test_opening_twice_is_refused_and_changes_nothing(client_, open_cycle):
    reports, events = open_cycle.reports.count(), len(_events(open_cycle))
    for method in ("get", "post"):
        response = getattr(client_, method)(reverse("followup:cycle-open", args=[open_cycle.pk]))
        assert response.status_code == 409
        assert "The cycle has already been opened" in response.content.decode()
    assert open_cycle.reports.count() == reports and len(_events(open_cycle)) == events
    assert client_.post(reverse("followup:cycle-schedule", args=[open_cycle.pk])).status_code == 409


def test_a_reminder_whose_day_came_before_a_late_opening_is_passed_over(
    goteborg, rule, officer, world
):
    today = timezone.localdate()
    cycle = services.cycle_create(
        agreement=goteborg,
        rule=rule,
        actor=officer,
        opens_on=today - 20 * DAY,
        deadline=today + 5 * DAY,
        reminder_days=[3],
    )
    Cycle.objects.filter(pk=cycle.pk).update(deadline=today + 2 * DAY)  # drafted long ago
    services.cycle_open(cycle=cycle, actor=officer)
    reminder = cycle.reminders.get()
    assert (reminder.status, reminder.skipped_because) == ("skipped", "before_opening")


# --- Closing -------------------------------------------------------------------------------


def test_closing_asks_for_confirmation_and_tells_those_who_have_not_submitted(
    client_, open_cycle, world, officer, django_capture_on_commit_callbacks
):
    board_report = _report(open_cycle, unit=world.board)
    services.report_save(
        report=board_report,
        actor=world.board_officer,
        answers=answers_for(board_report),
        based_on_revision=0,
        submit=True,
    )
    url = reverse("followup:cycle-close", args=[open_cycle.pk])
    page = client_.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 respondents have not submitted and are told by e-mail" in text
    assert "2 of them have nobody to receive the e-mail and are not told." in text
    assert "has not passed yet" in text
    open_cycle.refresh_from_db()
    assert open_cycle.status == Cycle.Status.OPEN  # the confirmation changes nothing

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(url)
    assert response.status_code == 302
    open_cycle.refresh_from_db()
    assert open_cycle.status == Cycle.Status.CLOSED
    assert _recipients() == [world.rep.user.email]  # not the board, which submitted
    (notice,) = mail.outbox
    assert notice.subject == f"{open_cycle.title} är stängd"
    assert "Föreningen Med Företrädare skickades inte in" in notice.body
    (event,) = _events(open_cycle, Kind.CLOSE_NOTICES)
    assert event.actor is None and event.details == {"told": 1, "unreached": 2}
    assert _events(open_cycle, Kind.CLOSED)[0].actor == officer
    assert open_cycle.reminders.filter(status="planned").count() == 0
    assert services.cycle_send_closed(cycle=open_cycle) == 0  # told once


def test_closing_a_cycle_that_is_not_open_is_refused(client_, cycle, officer):
    for method in ("get", "post"):
        response = getattr(client_, method)(reverse("followup:cycle-close", args=[cycle.pk]))
        assert response.status_code == 409
        assert "Only an open cycle can be closed" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT and cycle.closed_at is None
    assert not _events(cycle, Kind.CLOSED)


# --- Deleting a draft -----------------------------------------------------------------------


def test_a_draft_is_deleted_after_confirmation_and_kept_with_its_history(
    client_, cycle, goteborg, rule, officer
):
    url = reverse("followup:cycle-delete", args=[cycle.pk])
    page = client_.get(url)
    assert page.status_code == 200 and "Delete the cycle" in page.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DRAFT
    response = client_.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("followup:cycles")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DELETED
    assert cycle.questions.exists()  # kept, like its history
    (event,) = _events(cycle, Kind.DELETED)
    assert event.actor == officer and event.details["before"] == {"status": "draft"}
    listing = client_.get(reverse("followup:cycles")).content.decode()
    assert "One deleted draft" in listing
    # Its period is free for a new cycle, and the deleted one stays readable with its history.
    again = services.cycle_create(agreement=goteborg, rule=rule, actor=officer)
    assert again.period_start == cycle.period_start
    assert "Deleted the draft" in client_.get(cycle.get_absolute_url()).content.decode()


def test_a_scheduled_cycle_can_be_deleted_too(client_, future_cycle, officer):
    services.cycle_schedule(cycle=future_cycle, actor=officer)
    assert client_.post(reverse("followup:cycle-delete", args=[future_cycle.pk])).status_code == 302
    future_cycle.refresh_from_db()
    assert future_cycle.status == Cycle.Status.DELETED


def test_an_opened_cycle_is_never_deleted(client_, open_cycle, officer):
    url = reverse("followup:cycle-delete", args=[open_cycle.pk])
    for state in ("open", "closed"):
        for method in ("get", "post"):
            response = getattr(client_, method)(url)
            assert response.status_code == 409
            assert "An opened cycle can never be deleted" in response.content.decode()
        open_cycle.refresh_from_db()
        assert open_cycle.status == state
        assert not _events(open_cycle, Kind.DELETED)
        if state == "open":
            services.cycle_close(cycle=open_cycle, actor=officer)
    with pytest.raises(services.ActionRefused):
        services.cycle_delete(cycle=open_cycle, actor=officer)


def test_a_deleted_draft_cannot_be_opened_edited_or_scheduled(client_, cycle, officer):
    services.cycle_delete(cycle=cycle, actor=officer)
    assert client_.post(reverse("followup:cycle-open", args=[cycle.pk])).status_code == 409
    assert client_.post(reverse("followup:cycle-schedule", args=[cycle.pk])).status_code == 409
    assert client_.get(reverse("followup:cycle-edit", args=[cycle.pk])).status_code == 409
    assert client_.post(reverse("followup:cycle-delete", args=[cycle.pk])).status_code == 409
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.DELETED


# --- In Swedish, as the officer and the respondent read it -------------------------------------


def test_the_invitation_speaks_to_the_respondent_in_swedish(open_cycle, world):
    invitation = next(m for m in mail.outbox if m.to == [world.board_officer.email])
    assert invitation.body.startswith("Hej!")
    assert (
        "Du får det här meddelandet eftersom du rapporterar för Kulturnämnden." in invitation.body
    )
    assert "Glömt lösenordet?" in invitation.body
    assert " ombeds " not in invitation.body  # not in the third person


def test_the_history_tells_each_new_step_in_swedish(open_cycle, officer, world):
    services.cycle_send_reminders(cycle=open_cycle, actor=officer)
    with translation.override("sv"):
        described = [e.describe() for e in _events(open_cycle)]
    assert "Skickade inbjudan till 2 svarande; 2 utan mottagare" in described
    assert "Skickade en påminnelse till 2 svarande; 2 utan mottagare" in described


def test_a_reminder_button_that_reached_nobody_is_not_told_as_sent(
    goteborg, rule, officer, django_capture_on_commit_callbacks
):
    AccessionFactory(organisation=OrganisationFactory())  # nobody to receive its mail
    cycle = services.cycle_create(agreement=goteborg, rule=rule, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=officer)
        assert services.cycle_send_reminders(cycle=cycle, actor=officer) == 0
    assert not mail.outbox
    (event,) = _events(cycle, Kind.REMINDED)
    assert event.details == {"reminded": 0, "unreached": 1}
    with translation.override("sv"):
        assert event.describe() == (
            "Skickade ingen påminnelse: ingen av dem som inte hade skickat in hade någon "
            "mottagare; en utan mottagare"
        )


def test_a_closed_cycle_still_names_who_was_never_reached_but_offers_no_recipient_form(
    client_, open_cycle, world, officer
):
    services.cycle_close(cycle=open_cycle, actor=officer)
    page = client_.get(open_cycle.get_absolute_url()).content.decode()
    reach = page.split('id="reach"')[1].split("</ul>")[0]
    assert "Idrotts- och föreningsnämnden" in reach and "Föreningen Utan Företrädare" in reach
    assert (
        reverse("followup:unit-recipient", args=[open_cycle.pk, world.empty_board.pk]) not in page
    )


def test_a_deleted_drafts_opening_page_says_it_cannot_change(client_, cycle, officer):
    services.cycle_delete(cycle=cycle, actor=officer)
    response = client_.get(reverse("followup:cycle-open", args=[cycle.pk]))
    assert response.status_code == 409
    assert str(services.CYCLE_NOT_DRAFT) in response.content.decode()


def test_the_reminder_button_names_only_those_a_reminder_reaches(open_cycle, client_):
    """Four have not submitted, two of them with nobody to receive mail: the button offers a
    reminder to the two it reaches."""
    assert open_cycle.reports.not_submitted().count() == 4
    page = client_.get(open_cycle.get_absolute_url()).content.decode()
    assert "Send a reminder now to 2 respondents" in page
    assert "Send a reminder now to 4 respondents" not in page
