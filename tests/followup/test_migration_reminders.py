"""The migration that turned a cycle's one reminder into a schedule and records invitations
(followup 0004): existing cycles keep their reminder, with whether it was sent, and reports count
as invited only where somebody could have received the invitation."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agreements.models import Agreement
from tests.factories import MunicipalUnitFactory, OfficerRoleFactory, OrganisationFactory

BEFORE = [("followup", "0003_records_keep_their_people")]
AFTER = [("followup", "0004_cycle_schedule_reminders_recipients")]


def _migrate(targets=None):
    """Migrate to ``targets`` (every app's latest without), and the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_cycles_keep_their_reminder_and_only_reachable_reports_count_as_invited(
    _seed_data_back, transactional_db
):
    """Migrations run outside a test's transaction: a transactional test, whose flush at the end
    is followed by the session's data put back (``_seed_data_back``, requested first)."""
    goteborg = Agreement.objects.get(slug="goteborg")
    board = MunicipalUnitFactory(name="Nämnd med handläggare")
    OfficerRoleFactory(unit=board)
    empty = MunicipalUnitFactory(name="Nämnd utan handläggare")
    lonely = OrganisationFactory()
    old = _migrate(BEFORE)
    try:
        Cycle = old.get_model("followup", "Cycle")
        Report = old.get_model("followup", "Report")
        now = timezone.now()
        today = timezone.localdate()

        def cycle(status, year, **values):
            return Cycle.objects.create(
                agreement_id=goteborg.pk,
                version_id=goteborg.current_version.pk,
                kind="followup",
                title=f"Uppföljning {year}",
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
                opens_on=today,
                deadline=today + datetime.timedelta(days=30),
                reminder_days_before=5,
                status=status,
                **values,
            )

        draft = cycle("draft", 2030)
        opened = cycle("open", 2031, opened_at=now)
        reminded = cycle("closed", 2032, opened_at=now, closed_at=now)
        for c in (opened, reminded):
            Report.objects.create(cycle=c, group="units", unit_id=board.pk, last_reminded_at=now)
            Report.objects.create(cycle=c, group="units", unit_id=empty.pk, last_reminded_at=now)
            Report.objects.create(cycle=c, group="organisations", organisation_id=lonely.pk)
        Report.objects.filter(cycle=opened).update(last_reminded_at=None)
        new = _migrate(AFTER)
        _check(new, draft, opened, reminded, board, empty, lonely, now)
    finally:
        _migrate()  # as the rest of the suite expects it


def _check(new, draft, opened, reminded, board, empty, lonely, now):
    Reminder = new.get_model("followup", "CycleReminder")
    Report = new.get_model("followup", "Report")
    rows = {r.cycle_id: r for r in Reminder.objects.all()}
    assert {r.days_before for r in rows.values()} == {5}
    assert rows[draft.pk].status == "planned"
    assert rows[opened.pk].status == "planned"  # open, not reminded yet: the schedule sends it
    assert rows[reminded.pk].status == "sent"
    for c in (opened, reminded):
        reports = {
            r.unit_id or f"org{r.organisation_id}": r for r in Report.objects.filter(cycle_id=c.pk)
        }
        assert reports[board.pk].invited_at == now  # the board has an officer
        assert reports[empty.pk].invited_at is None  # nobody could have received it
        assert reports[f"org{lonely.pk}"].invited_at is None
        assert reports[empty.pk].last_reminded_at is None  # nor a reminder
    assert Report.objects.get(cycle_id=reminded.pk, unit_id=board.pk).last_reminded_at == now
    assert not Report.objects.filter(cycle_id=draft.pk).exists()
