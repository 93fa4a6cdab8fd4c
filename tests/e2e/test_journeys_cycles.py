"""A cycle's life cycle, clicked through in Chromium as a Göteborg officer would (issue 16,
items 3 and 4): the officer creates a cycle that opens in two weeks, sees the board that has
nobody to receive the invitation and adds a recipient from there, schedules the opening after a
confirmation that names the date; the worker opens it on that day; the officer closes it after a
confirmation, and those who had not submitted are told.

Every page on the way is audited (axe-core, reflow, the Nu Html Checker: tests/e2e/conftest.py);
with ``UPDATE_SCREENSHOTS=1`` the guide's pictures of these pages are taken again.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import ngettext, override

from followup.models import Cycle, CycleEvent
from organisations.models import OfficerRole
from tests.e2e.test_journeys import account_menu, field, log_in, sv
from tests.factories import (
    AccessionFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    RepresentativeFactory,
    mfa_officer,
)

pytestmark = pytest.mark.browser


def _day(value: datetime.date) -> str:
    with override("sv"):
        return date_format(value, "j F Y")


def test_officer_schedules_a_cycle_adds_a_recipient_and_closes_with_confirmation(site):
    officer = mfa_officer("goteborg")
    representative = RepresentativeFactory(organisation__name="Föreningen Lingonet")
    AccessionFactory(organisation=representative.organisation)
    board = MunicipalUnitFactory(name="Miljö- och klimatnämnden")
    OfficerRoleFactory(unit=board)
    MunicipalUnitFactory(name="Idrotts- och föreningsnämnden")  # nobody receives its mail
    today = timezone.localdate()
    opens_on, deadline = today + datetime.timedelta(days=14), today + datetime.timedelta(days=56)

    clerk = site.visitor()
    page = clerk.goto("/")
    log_in(clerk, officer.email, mfa=True)
    clerk.follow(account_menu(page).get_by_role("link", name=sv("Follow-up")))
    clerk.follow(
        page.get_by_role(
            "link", name=re.compile(re.escape(sv("Create the next cycle: %(kind)s").split("%(")[0]))
        ).first
    )
    field(page, sv("Opens")).fill(opens_on.isoformat())
    field(page, sv("Deadline")).fill(deadline.isoformat())
    field(page, sv("Reminders, in days before the deadline")).fill("14, 3")
    clerk.follow(page.get_by_role("button", name=sv("Create the cycle as a draft")).first)
    clerk.audit("draft that opens in two weeks", screenshot="cycle-draft-reach")
    cycle = Cycle.objects.get(agreement__slug="goteborg")
    cycle_url = page.url

    # Before opening: the board nobody receives mail for is named, with a way to add somebody.
    reach = page.locator("#reach ~ ul.followup-unreached-list").first
    assert "Idrotts- och föreningsnämnden" in reach.inner_text()
    assert "Miljö- och klimatnämnden" not in reach.inner_text()
    clerk.follow(reach.get_by_role("link", name=re.compile(sv("Add a recipient"))))
    clerk.audit("add a recipient to a board")
    field(page, sv("E-mail address")).fill("idrott@goteborg.example")
    field(page, sv("First name")).fill("Ida")
    clerk.follow(page.get_by_role("button", name=sv("Add the recipient")))
    clerk.audit("recipient added")
    assert OfficerRole.objects.filter(
        unit__name="Idrotts- och föreningsnämnden", user__email="idrott@goteborg.example"
    ).exists()
    assert page.locator("#reach ~ ul.followup-unreached-list").count() == 0

    # Scheduling, after a confirmation that names the date.
    clerk.follow(page.get_by_role("link", name=sv("Schedule or open the cycle…")))
    clerk.audit("schedule or open", screenshot="cycle-open-confirm")
    assert _day(opens_on) in page.locator("main").inner_text()
    schedule = sv("Schedule the opening for %(date)s") % {"date": _day(opens_on)}
    clerk.follow(page.get_by_role("button", name=schedule))
    clerk.audit("scheduled cycle", screenshot="cycle-scheduled")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.SCHEDULED
    assert not mail.outbox  # nobody is invited before the opening date

    # The morning of the opening date, the worker opens it and invites the respondents.
    call_command("run_followup_schedule", "--date", opens_on.isoformat(), stdout=io.StringIO())
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.OPEN
    invited = sorted(address for message in mail.outbox for address in message.to)
    assert "idrott@goteborg.example" in invited and representative.user.email in invited
    page.goto(cycle_url)
    clerk.audit("opened by the worker")
    history = page.locator("#history ~ .table-wrap").first.inner_text()
    assert sv("Opened the cycle on its opening date, as scheduled") in history
    assert sv("Scheduled the cycle to open on %(date)s") % {"date": _day(opens_on)} in history

    # Closing asks first, and says who will be told.
    mail.outbox.clear()
    clerk.follow(page.get_by_role("link", name=sv("Close the cycle…")))
    clerk.audit("confirm closing", screenshot="cycle-close-confirm")
    with override("sv"):
        expected = ngettext(
            "One respondent has not submitted and is told by e-mail that the cycle has closed.",
            "%(shown)s respondents have not submitted and are told by e-mail that the cycle has "
            "closed.",
            3,
        ) % {"shown": "3"}
    assert expected in page.locator("main").inner_text()
    clerk.follow(page.get_by_role("button", name=sv("Close the cycle")))
    clerk.audit("closed cycle")
    cycle.refresh_from_db()
    assert cycle.status == Cycle.Status.CLOSED
    told = sorted(address for message in mail.outbox for address in message.to)
    assert told == sorted(
        [
            representative.user.email,
            "idrott@goteborg.example",
            OfficerRole.objects.get(unit=board).user.email,
        ]
    )
    assert CycleEvent.objects.filter(cycle=cycle, kind=CycleEvent.Kind.CLOSE_NOTICES).exists()
