"""Backup and restore: export_portal / import_portal, and the PostgreSQL scripts.

The restore test builds a realistic portal through the services, exports it, empties the database
as a freshly migrated one would be (no application rows; content types and permissions created
anew with other ids; the activity areas a data migration adds) and the file storages, imports,
and compares every row of every backed-up table and every file's bytes with what was there.
Everything runs inside the test's transaction, so the database is as before afterwards.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields.files import FieldFile
from django.test import override_settings

from agreements.models import Agreement, Principle
from followup import services as followup
from followup.models import Evaluation, Report, ReportVersion
from organisations import services
from organisations.models import Accession, AccessionEvent, ActivityArea, Organisation
from portal import backup
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    MunicipalUnitFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    mfa_officer,
    minimal_pdf,
    with_mfa,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _content_type_cache():
    """Emptying the database makes new content types; the rollback brings the old ids back."""
    yield
    ContentType.objects.clear_cache()


# --- Building a portal --------------------------------------------------------------------------


def _signature(minutes: bytes | None = None) -> services.Signature:
    return services.Signature(
        basis=(Accession.Basis.BOARD_DECISION if minutes else Accession.Basis.SIGNATORY),
        signer_name="Anna Andersson",
        signer_title="Ordförande",
        declaration_confirmed=True,
        board_decision_date=datetime.date(2025, 3, 4) if minutes else None,
        minutes=(
            SimpleUploadedFile("protokoll.pdf", minutes, content_type="application/pdf")
            if minutes
            else None
        ),
    )


def _sign(rep, minutes: bytes | None = None) -> Accession:
    version = Agreement.objects.get(municipality=rep.organisation.municipality).current_version
    return services.accession_sign(
        organisation=rep.organisation,
        version=version,
        actor=rep.user,
        signature=_signature(minutes),
    )


def _answers(report, score):
    return [
        followup.AnswerInput(question_id=q.pk, score=score, comment=f"Kommentar {q.pk}")
        for q in report.cycle.questions.all()
        if q.asks(report.group) and q.answer_kind == "scale"
    ]


def _build_world(capture) -> dict:
    """Accessions in every state, a published evaluation with its PDF, an open cycle, accounts."""
    officer = mfa_officer("goteborg")
    areas = list(ActivityArea.objects.order_by("pk")[:3])

    verified = RepresentativeFactory()
    services.organisation_update(
        organisation=verified.organisation, actor=verified.user, activity_areas=areas
    )
    with capture(execute=True):
        active = _sign(verified, minutes=minimal_pdf() + b"%minutes one")
        services.accession_verify(accession=active, actor=officer)
        rejected = _sign(RepresentativeFactory())
        services.accession_reject(accession=rejected, actor=officer, reason="Fel firmatecknare")
        leaving = RepresentativeFactory()
        withdrawn = _sign(leaving, minutes=minimal_pdf() + b"%minutes two")
        services.accession_verify(accession=withdrawn, actor=officer)
        services.accession_withdraw(accession=withdrawn, actor=leaving.user, reason="Vi upphör")
        pending = _sign(RepresentativeFactory())
        recorded = services.accession_record(
            organisation=OrganisationFactory(),
            version=active.version,
            actor=officer,
            source=Accession.Source.PAPER,
            signature=_signature(),
            signed_on=datetime.date(2024, 11, 5),
            note="Från dialogforum",
        )

    # Accounts: a second, unverified address; MFA; a group and a permission; an admin log entry.
    EmailAddress.objects.create(
        user=verified.user, email="andra@example.se", verified=False, primary=False
    )
    Authenticator.objects.create(
        user=officer, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "abc", "used_mask": 1}
    )
    editors = Group.objects.create(name="Redaktörer")
    editors.permissions.add(Permission.objects.get(codename="change_organisation"))
    staff = with_mfa(UserFactory(is_staff=True))
    staff.groups.add(editors)
    staff.user_permissions.add(Permission.objects.get(codename="view_accession"))
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=str(verified.organisation.pk),
        object_repr=str(verified.organisation),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Name"]}}]',
    )

    # Göteborg's follow-up cycle, from reports to a published evaluation with its PDF.
    goteborg = Agreement.objects.get(slug="goteborg")
    unit = MunicipalUnitFactory()
    unit_officer = OfficerRoleFactory(unit=unit).user
    member = CouncilMembershipFactory().user
    cycle = followup.cycle_create(
        agreement=goteborg,
        rule=goteborg.current_version.followup_rules.get(kind="followup"),
        actor=officer,
    )
    with capture(execute=True):
        followup.cycle_open(cycle=cycle, actor=officer)
    first = cycle.reports.get(organisation=active.organisation)
    first = followup.report_save(
        report=first, actor=verified.user, answers=_answers(first, 2)[:2], based_on_revision=0
    )
    followup.report_save(
        report=first,
        actor=verified.user,
        answers=_answers(first, 4),
        based_on_revision=first.revision,
        submit=True,
    )
    second = cycle.reports.get(organisation=recorded.organisation)
    second = followup.report_save(
        report=second, actor=officer, answers=_answers(second, 3), based_on_revision=0, submit=True
    )
    with capture(execute=True):
        followup.report_reopen(report=second, actor=officer, reason="Fel siffror")
    units = cycle.reports.get(unit=unit)
    followup.report_save(
        report=units,
        actor=unit_officer,
        answers=_answers(units, 5),
        based_on_revision=0,
        submit=True,
    )
    followup.cycle_close(cycle=cycle, actor=officer)
    followup.evaluation_update(
        cycle=cycle,
        actor=officer,
        summary="Sammanfattning",
        conclusions="Slutsatser",
        recommendations="Rekommendationer",
    )
    with capture(execute=True):
        followup.evaluation_send_to_council(cycle=cycle, actor=officer)
    followup.evaluation_comment(cycle=cycle, actor=member, section="summary", text="Bra!")
    followup.evaluation_approve(cycle=cycle, actor=member)
    with capture(execute=True):
        followup.evaluation_publish(cycle=cycle, actor=officer)
    evaluation = Evaluation.objects.get(cycle=cycle)
    assert evaluation.pdf_status == Evaluation.PdfStatus.READY

    # Borås: an open cycle whose invitations and reminder wait in the database task queue.
    boras = Agreement.objects.get(slug="boras")
    AccessionFactory(organisation=OrganisationFactory(municipality=boras.municipality))
    boras_cycle = followup.cycle_create(
        agreement=boras,
        rule=boras.current_version.followup_rules.get(kind="evaluation"),
        actor=OfficerRoleFactory(municipality=boras.municipality).user,
    )
    database_tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database_tasks), capture(execute=True):
        followup.cycle_open(cycle=boras_cycle, actor=boras_cycle.created_by)

    return {
        "accessions": [active, rejected, withdrawn, pending, recorded],
        "evaluation": evaluation,
        "officer": officer,
    }


# --- Comparing ----------------------------------------------------------------------------------


def _portable(related) -> object:
    """Content types and permissions by natural key (their ids differ between databases)."""
    if isinstance(related, ContentType | Permission):
        return related.natural_key()
    return related.pk


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every backed-up table, every field, many-to-many relations included."""
    per_database = (ContentType, Permission)
    tables = {}
    for model in backup.backup_models():
        m2m = [f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]
        rows = []
        queryset = model._base_manager.order_by("pk").prefetch_related(*(f.name for f in m2m))
        for obj in queryset:
            row = {}
            for field in model._meta.concrete_fields:
                value = field.value_from_object(obj)
                if isinstance(value, FieldFile):
                    value = value.name
                elif field.is_relation and field.related_model in per_database and value:
                    value = getattr(obj, field.name).natural_key()
                row[field.attname] = value
            for field in m2m:
                row[field.name] = sorted(_portable(r) for r in getattr(obj, field.name).all())
            rows.append(row)
        tables[model._meta.label] = rows
    return tables


def _stored_files(*storages) -> dict[str, str]:
    found = {}
    for storage in storages:
        root = Path(storage.location)
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# --- Emptying -----------------------------------------------------------------------------------


def _empty_database() -> None:
    """Make the database look freshly migrated.

    No application rows, every id sequence back at the start (so that new rows after an import
    collide with restored ones unless the import moved the sequences on), and content types and
    permissions created anew with other ids than before (so references to them must go by name).
    """
    tables = {ContentType._meta.db_table, Permission._meta.db_table}
    for model in backup.backup_models():
        tables.add(model._meta.db_table)
        for field in model._meta.many_to_many:
            tables.add(field.remote_field.through._meta.db_table)
    statements = connection.ops.sql_flush(
        no_style(), sorted(tables), reset_sequences=True, allow_cascade=False
    )
    postgresql = connection.vendor == "postgresql"
    if postgresql:  # TRUNCATE refuses tables with deferred checks pending in this transaction
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    connection.ops.execute_sql_flush(statements)
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    ContentType.objects.clear_cache()
    placeholder = ContentType.objects.create(app_label="placeholder", model="placeholder")
    Permission.objects.create(codename="placeholder", name="-", content_type=placeholder)
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    placeholder.delete()
    ContentType.objects.clear_cache()
    # What organisations' data migration puts into every new database (here with other ids).
    ActivityArea.objects.create(key="placeholder", name_sv="-", name_en="-").delete()
    importlib.import_module("organisations.migrations.0002_activity_areas").add_areas(apps, None)


def _empty_storages(*storages) -> None:
    for storage in storages:
        shutil.rmtree(storage.location, ignore_errors=True)


def _export(path: Path) -> Path:
    call_command("export_portal", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path


def _import(path: Path) -> str:
    out = io.StringIO()
    call_command("import_portal", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- The restore --------------------------------------------------------------------------------


def test_restore_into_an_empty_database_gives_back_every_row_and_file(
    tmp_path, private_storage, django_capture_on_commit_callbacks
):
    world = _build_world(django_capture_on_commit_callbacks)
    storages = (private_storage, default_storage)
    before = _snapshot()
    files_before = _stored_files(*storages)
    minutes = {a.pk: a.minutes.name for a in world["accessions"] if a.minutes}
    assert len(minutes) == 2 and len(files_before) == 3  # two minutes and the evaluation's PDF
    evaluation = world["evaluation"]
    pdf_hash = hashlib.sha256(default_storage.open(evaluation.pdf.name).read()).hexdigest()

    archive = _export(tmp_path / "portal.tar.gz")
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    _empty_database()
    _empty_storages(*storages)
    assert not any(backup.application_data_counts().values())
    assert ActivityArea.objects.exists()  # as in every migrated database
    assert not Agreement.objects.exists()

    output = _import(archive)
    assert "3 files written" in output

    after = _snapshot()
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    assert _stored_files(*storages) == files_before

    # The same, spelled out for what matters most.
    assert sorted(Accession.objects.values_list("status", flat=True)) == sorted(
        ["active", "rejected", "withdrawn", "pending", "active", "active"]
    )
    for pk, name in minutes.items():
        restored = Accession.objects.get(pk=pk)
        assert restored.minutes.name == name
        assert restored.minutes.read() == private_storage.open(name).read()
    assert AccessionEvent.objects.count() == len(before["organisations.AccessionEvent"])
    restored = Evaluation.objects.get(pk=evaluation.pk)
    assert restored.frozen_data == evaluation.frozen_data
    assert restored.summary == "Sammanfattning"
    assert hashlib.sha256(restored.pdf.read()).hexdigest() == pdf_hash
    assert Report.objects.filter(status="submitted").count() == 2
    assert ReportVersion.objects.filter(action="reopened").count() == 1
    assert set(Agreement.objects.values_list("slug", flat=True)) == {
        "boras",
        "sodertalje",
        "goteborg",
        "botkyrka",
    }
    # Setting the principles' themes while loading recorded no new history.
    assert Principle.history.count() == len(before["agreements.HistoricalPrinciple"])
    staff = LogEntry.objects.get().user
    assert staff.has_perm("organisations.view_accession")
    assert staff.has_perm("organisations.change_organisation")
    assert EmailAddress.objects.filter(verified=False).count() == 1
    assert Authenticator.objects.filter(type="recovery_codes").count() == 1

    # New rows follow the restored ones (PostgreSQL's sequences were moved past them).
    active = Accession.objects.filter(status="active", minutes="").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.accession_withdraw(
            accession=active, actor=world["officer"], reason="Efter återställning"
        )
    organisation = Organisation.objects.first()
    organisation.name = "Nytt namn"
    services.organisation_update(
        organisation=organisation, actor=None, activity_areas=list(ActivityArea.objects.all()[:1])
    )
    UserFactory()


# --- Refusals -----------------------------------------------------------------------------------


@pytest.fixture
def small_world(django_capture_on_commit_callbacks, private_storage):
    """Two accessions with minutes in the private storage, beside the four agreements."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            _sign(RepresentativeFactory(), minutes=minimal_pdf() + f"%{n}".encode())
    return private_storage


def _rewrite(source: Path, target: Path, **changes) -> Path:
    """A copy of an archive with some members' bytes changed (a name with / as __)."""
    changes = {name.replace("__", "/"): change for name, change in changes.items()}
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = old.extractfile(member).read()
            for name, change in changes.items():
                if member.name == name or (name.endswith("/") and member.name.startswith(name)):
                    data = change(data)
            info = copy.copy(member)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return target


def _state(storage) -> tuple:
    return backup.application_data_counts(), _stored_files(storage)


def test_import_refuses_a_database_that_holds_data(tmp_path, small_world):
    archive = _export(tmp_path / "portal.tar.gz")
    _empty_storages(small_world)
    before = _state(small_world)
    with pytest.raises(CommandError) as excinfo:
        _import(archive)
    message = str(excinfo.value)
    assert message.startswith("This database already holds data")
    assert "agreements.Agreement: 4 rows" in message
    assert "organisations.Accession: 2 rows" in message
    assert _state(small_world) == before


@pytest.mark.parametrize("member", ["data.json", "files/"])
def test_import_refuses_a_changed_archive(tmp_path, small_world, member):
    archive = _export(tmp_path / "portal.tar.gz")
    changed = _rewrite(archive, tmp_path / "changed.tar.gz", **{member: lambda b: b + b" "})
    _empty_database()
    _empty_storages(small_world)
    before = _state(small_world)
    with pytest.raises(CommandError) as excinfo:
        _import(changed)
    assert "does not match the checksum" in str(excinfo.value)
    assert "Nothing was imported" in str(excinfo.value)
    assert _state(small_world) == before
    assert not any(before[0].values())


@pytest.mark.parametrize(
    ("change", "message"),
    [("drop", "listed in its manifest but missing"), ("add", "its manifest does not list")],
)
def test_import_refuses_an_archive_with_a_file_missing_or_added(
    tmp_path, small_world, change, message
):
    archive = _export(tmp_path / "portal.tar.gz")
    dropped = backup.read_manifest(archive)["files"][0]["path"]
    changed = tmp_path / "changed.tar.gz"
    with tarfile.open(archive, "r:gz") as old, tarfile.open(changed, "w:gz") as new:
        for member in old:
            if change != "drop" or member.name != dropped:
                new.addfile(member, old.extractfile(member))
        if change == "add":
            extra = tarfile.TarInfo("files/organisations.Accession.minutes/extra.pdf")
            extra.size = 3
            new.addfile(extra, io.BytesIO(b"pdf"))
    _empty_database()
    _empty_storages(small_world)
    with pytest.raises(CommandError, match=message):
        _import(changed)
    assert not any(backup.application_data_counts().values())
    assert _stored_files(small_world) == {}


def test_import_refuses_another_migration_state(tmp_path, small_world):
    archive = _export(tmp_path / "portal.tar.gz")

    def older(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["migrations"]["organisations"] = ["0002_activity_areas"]
        return json.dumps(manifest).encode()

    changed = _rewrite(archive, tmp_path / "older.tar.gz", **{"manifest.json": older})
    _empty_database()
    _empty_storages(small_world)
    before = _state(small_world)
    with pytest.raises(CommandError) as excinfo:
        _import(changed)
    message = str(excinfo.value)
    assert "different migration state" in message
    latest = max(
        name for app, name in MigrationLoader(None).disk_migrations if app == "organisations"
    )
    assert f"organisations: archive 0002_activity_areas; this database {latest}" in message
    assert "manage.py migrate <app> <archive's migration>" in message
    assert _state(small_world) == before


def test_rows_that_do_not_fit_this_database_load_nothing(tmp_path, small_world):
    """An archive from other code (here: a model this portal lacks), checksums made to match."""
    archive = _export(tmp_path / "portal.tar.gz")
    with tarfile.open(archive, "r:gz") as tar:
        rows = json.loads(tar.extractfile(backup.DATA).read())
    rows.append({"model": "organisations.nosuchmodel", "pk": 1, "fields": {}})
    data = json.dumps(rows).encode()

    def fitted(manifest_bytes: bytes) -> bytes:
        manifest = json.loads(manifest_bytes)
        manifest["data"].update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        return json.dumps(manifest).encode()

    changed = _rewrite(
        archive,
        tmp_path / "other.tar.gz",
        **{"data.json": lambda _old: data, "manifest.json": fitted},
    )
    _empty_database()
    _empty_storages(small_world)
    with pytest.raises(CommandError, match="The archive's rows could not be loaded"):
        _import(changed)
    assert not any(backup.application_data_counts().values())
    assert _stored_files(small_world) == {}


def test_import_refuses_to_replace_a_different_file(tmp_path, small_world):
    archive = _export(tmp_path / "portal.tar.gz")
    name = Accession.objects.exclude(minutes="").first().minutes.name
    _empty_database()
    _empty_storages(small_world)
    small_world.save(name, SimpleUploadedFile("x.pdf", b"another file"))
    with pytest.raises(CommandError, match="A different file already exists"):
        _import(archive)
    assert not any(backup.application_data_counts().values())
    assert small_world.open(name).read() == b"another file"


def test_import_accepts_files_that_are_already_there_unchanged(tmp_path, small_world):
    archive = _export(tmp_path / "portal.tar.gz")
    _empty_database()
    assert "0 files written (2 already there)" in _import(archive)
    assert Accession.objects.count() == 2


def test_a_failure_while_writing_files_undoes_everything(tmp_path, small_world, monkeypatch):
    archive = _export(tmp_path / "portal.tar.gz")
    _empty_database()
    _empty_storages(small_world)
    original = type(small_world).save
    calls = []

    def failing_save(storage, name, content, max_length=None):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(storage, name, content, max_length=max_length)

    monkeypatch.setattr(type(small_world), "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        _import(archive)
    assert not any(backup.application_data_counts().values())
    assert _stored_files(small_world) == {}


def test_import_refuses_what_is_not_an_archive(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(os.urandom(512))
    with pytest.raises(CommandError, match="is not a portal backup archive"):
        _import(junk)
    plain = tmp_path / "plain.tar.gz"
    with tarfile.open(plain, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("hello.txt"), io.BytesIO(b""))
    with pytest.raises(CommandError, match=r"not a portal backup archive \(no manifest\)"):
        _import(plain)


def test_export_never_overwrites_and_verify_checks_without_changing(tmp_path, small_world):
    archive = _export(tmp_path / "portal.tar.gz")
    with pytest.raises(CommandError, match="already exists"):
        _export(archive)
    out = io.StringIO()
    call_command("import_portal", str(archive), "--verify", stdout=out)
    assert "is intact" in out.getvalue()
    assert "every checksum correct" in out.getvalue()
    assert Accession.objects.count() == 2
    assert not list(tmp_path.glob("*.partial"))


def test_manifest_lists_the_migration_state_counts_and_checksums(tmp_path, small_world):
    manifest = backup.read_manifest(_export(tmp_path / "portal.tar.gz"))
    assert manifest["format"] == backup.FORMAT
    assert manifest["migrations"]["organisations"] == backup.migration_state()["organisations"]
    assert manifest["data"]["models"]["organisations.Accession"] == 2
    assert "sessions.Session" not in manifest["data"]["models"]
    assert "contenttypes.ContentType" not in manifest["data"]["models"]
    assert "agreements.HistoricalAgreement" in manifest["data"]["models"]
    assert "mfa.Authenticator" in manifest["data"]["models"]
    assert {f["field"] for f in manifest["files"]} == {"organisations.Accession.minutes"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])


def test_datetimes_keep_their_microseconds(tmp_path, small_world):
    accession = Accession.objects.first()
    Accession.objects.filter(pk=accession.pk).update(
        signed_at=datetime.datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.UTC)
    )
    archive = _export(tmp_path / "portal.tar.gz")
    _empty_database()
    _import(archive)
    assert Accession.objects.get(pk=accession.pk).signed_at.microsecond == 123456


# --- The PostgreSQL scripts ---------------------------------------------------------------------


def _pg(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    password = connection.settings_dict.get("PASSWORD")
    environment = {**os.environ, **({"PGPASSWORD": password} if password else {}), **(env or {})}
    return subprocess.run(  # noqa: S603 - our own scripts and psql
        args, capture_output=True, text=True, env=environment, check=check
    )


def _psql(url: str, sql: str) -> str:
    psql = shutil.which("psql") or next(Path("/usr/lib/postgresql").glob("*/bin/psql"))
    return _pg(str(psql), "--no-psqlrc", "-tAq", f"--dbname={url}", "-c", sql).stdout.strip()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"
)
def test_postgres_scripts_back_up_and_restore_the_database_and_files(tmp_path):
    """The committed agreements and two files go through backup-postgres and restore-postgres."""
    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}"
    source_url = f"{server}/{db['NAME']}"
    var = tmp_path / "var"
    (var / "private" / "minutes" / "1").mkdir(parents=True)
    (var / "private" / "minutes" / "1" / "a.pdf").write_bytes(b"%PDF minutes")
    (var / "media" / "evaluations").mkdir(parents=True)
    (var / "media" / "evaluations" / "b.pdf").write_bytes(b"%PDF evaluation")
    backups = tmp_path / "backups"
    (backups / "portal-20000101T000000Z").mkdir(parents=True)  # far older than the retention
    (backups / "unrelated").mkdir()

    made = _pg(
        str(ROOT / "scripts" / "backup-postgres"),
        "--keep-days",
        "7",
        str(backups),
        env={"DATABASE_URL": source_url, "PORTAL_VAR_DIR": str(var)},
    )
    assert "Deleted portal-20000101T000000Z" in made.stdout
    [made_dir] = [p for p in backups.iterdir() if p.name.startswith("portal-")]
    assert sorted(p.name for p in backups.iterdir()) == sorted([made_dir.name, "unrelated"])
    assert oct(made_dir.stat().st_mode & 0o777) == "0o700"

    target = f"restore_{uuid.uuid4().hex[:8]}"
    _psql(f"{server}/postgres", f"CREATE DATABASE {target}")
    try:
        restored_var = tmp_path / "restored"
        env = {"DATABASE_URL": f"{server}/{target}", "PORTAL_VAR_DIR": str(restored_var)}
        _pg(str(ROOT / "scripts" / "restore-postgres"), str(made_dir), env=env)
        for table in ("agreements_agreement", "agreements_principle", "django_migrations"):
            count = f"SELECT count(*) FROM {table}"  # noqa: S608 - fixed names
            assert _psql(f"{server}/{target}", count) == _psql(source_url, count)
            assert int(_psql(source_url, count)) > 0
        assert (restored_var / "private/minutes/1/a.pdf").read_bytes() == b"%PDF minutes"
        assert (restored_var / "media/evaluations/b.pdf").read_bytes() == b"%PDF evaluation"

        again = _pg(str(ROOT / "scripts" / "restore-postgres"), str(made_dir), env=env, check=False)
        assert again.returncode == 1
        assert "Restore only into a new, empty database" in again.stderr
    finally:
        _psql(f"{server}/postgres", f"DROP DATABASE IF EXISTS {target}")

    (made_dir / "files.tar.gz").write_bytes(b"changed")
    damaged = _pg(
        str(ROOT / "scripts" / "restore-postgres"),
        str(made_dir),
        env={"DATABASE_URL": f"{server}/postgres", "PORTAL_VAR_DIR": str(tmp_path / "x")},
        check=False,
    )
    assert damaged.returncode == 1
    assert "checksums do not match" in damaged.stderr


def test_scripts_say_how_to_use_them(tmp_path):
    for script in ("backup-postgres", "restore-postgres"):
        result = _pg(str(ROOT / "scripts" / script), check=False, env={"DATABASE_URL": ""})
        assert result.returncode == 2
        assert script in result.stderr
    wrong = _pg(
        str(ROOT / "scripts" / "backup-postgres"),
        str(tmp_path),
        check=False,
        env={"DATABASE_URL": "sqlite:///var/db.sqlite3"},
    )
    assert "for SQLite use manage.py export_portal" in wrong.stderr
