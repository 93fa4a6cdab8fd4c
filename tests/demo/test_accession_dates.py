"""The demo's accessions are spread over the years since their version was adopted (issue 17).

``load_demo`` used to date every accession the day it ran, so the public register's "Ansluten
sedan" said the same day for everyone. demo/dates.py plans each accession's days from its state.
"""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agreements.models import AgreementVersion
from demo.dates import accession_dates, adopted_on
from demo.texts import State
from organisations.models import Accession, AccessionEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", "--force", stdout=io.StringIO())


def _online_and_recorded():
    """The accessions load_demo dates itself (not the earlier version's, from the old register)."""
    return (
        Accession.objects.filter(version__status=AgreementVersion.Status.CURRENT)
        .select_related("version")
        .prefetch_related("events")
    )


def test_joining_dates_span_years_and_never_precede_the_adoption_or_follow_today(demo):
    today = timezone.localdate()
    accessions = list(_online_and_recorded())
    assert len(accessions) >= 20
    for accession in accessions:
        signed = timezone.localdate(accession.signed_at)
        assert adopted_on(accession.version) <= signed <= today, accession
        if accession.decided_at is not None:
            assert accession.signed_at <= accession.decided_at <= timezone.now(), accession
        if accession.withdrawn_at is not None:
            assert accession.decided_at <= accession.withdrawn_at <= timezone.now(), accession
        if accession.board_decision_date is not None:
            assert accession.board_decision_date <= signed, accession
    active_years = {a.signed_at.year for a in accessions if a.status == Accession.Status.ACTIVE}
    assert len(active_years) >= 4, active_years
    assert len({timezone.localdate(a.signed_at) for a in accessions}) >= len(accessions) - 3


def test_what_waits_was_signed_lately_and_what_left_had_been_in_for_a_while(demo):
    today = timezone.localdate()
    for pending in Accession.objects.filter(status=Accession.Status.PENDING):
        assert today - timezone.localdate(pending.signed_at) <= datetime.timedelta(days=20)
        assert pending.decided_at is None
    for withdrawn in Accession.objects.filter(status=Accession.Status.WITHDRAWN):
        assert withdrawn.withdrawn_at - withdrawn.decided_at >= datetime.timedelta(days=150)


def test_the_history_happened_on_the_accessions_days(demo):
    for accession in _online_and_recorded():
        moments = {event.action: event for event in accession.events.all()}
        if AccessionEvent.Action.SIGNED in moments:
            assert moments[AccessionEvent.Action.SIGNED].at == accession.signed_at
        for action in ("verified", "rejected", "recorded"):
            if action in moments:
                event = moments[action]
                assert event.at == accession.decided_at, (accession, action)
                assert event.after["decided_at"] == accession.decided_at.isoformat()
        if "withdrawn" in moments:
            event = moments["withdrawn"]
            assert event.at == accession.withdrawn_at
            assert event.after["withdrawn_at"] == accession.withdrawn_at.isoformat()
            assert event.before["decided_at"] == accession.decided_at.isoformat()


def test_a_forum_accession_is_dated_at_a_november_forum_and_its_note_says_so(demo):
    for accession in Accession.objects.filter(source=Accession.Source.DIALOGUE_FORUM):
        signed = timezone.localdate(accession.signed_at)
        assert signed.month == 11 and signed.weekday() == 3  # a Thursday in November
        note = accession.events.get(action=AccessionEvent.Action.RECORDED).note
        assert re.fullmatch(r"Undertecknades vid dialogforum den \d{1,2} november \d{4}\.", note)
        assert note.endswith(f" {signed.day} november {signed.year}.")


def test_a_second_run_keeps_every_date(demo):
    before = list(Accession.objects.order_by("pk").values_list("signed_at", "decided_at"))
    events = list(AccessionEvent.objects.order_by("pk").values_list("at", flat=True))
    call_command("load_demo", "--force", stdout=io.StringIO())
    assert list(Accession.objects.order_by("pk").values_list("signed_at", "decided_at")) == before
    assert list(AccessionEvent.objects.order_by("pk").values_list("at", flat=True)) == events


def test_the_public_register_shows_a_range_of_joining_dates(demo, client):
    html = client.get(reverse("organisations:register")).content.decode()
    joined = re.findall(r'<time datetime="(\d{4})-\d{2}-\d{2}">', html)
    assert len(set(joined)) >= 3, joined


def test_the_plan_is_the_same_for_the_same_organisation_and_day():
    version = AgreementVersion.objects.get(agreement__slug="goteborg", status="current")
    day = datetime.date(2026, 12, 3)
    plan = accession_dates(
        version=version, organisation_name="Förening (demo)", state=State.VERIFIED, today=day
    )
    again = accession_dates(
        version=version, organisation_name="Förening (demo)", state=State.VERIFIED, today=day
    )
    other = accession_dates(
        version=version, organisation_name="Annan förening (demo)", state=State.VERIFIED, today=day
    )
    assert plan == again
    assert plan.signed != other.signed


@pytest.mark.parametrize(
    "state", [s for s in State if s not in (State.REGISTERED, State.EARLIER_VERSION)]
)
def test_a_version_adopted_yesterday_still_gets_days_between_then_and_today(state):
    version = AgreementVersion(key="x", adopted_on=datetime.date(2026, 12, 2))
    today = datetime.date(2026, 12, 3)
    plan = accession_dates(
        version=version, organisation_name="Ny (demo)", state=state, board=True, today=today
    )
    moments = [plan.signed, plan.decided, plan.withdrawn]
    for moment in filter(None, moments):
        assert datetime.date(2026, 12, 2) <= timezone.localdate(moment) <= today
    assert datetime.date(2026, 12, 2) <= plan.board_decision <= plan.signed_on
