"""A portable backup of the whole portal: every row of application data and every uploaded file.

``manage.py export_portal FILE`` writes one ``.tar.gz`` archive; ``manage.py import_portal FILE``
restores it into an empty, migrated database, on SQLite or PostgreSQL alike. It is the backup of an
installation on the embedded SQLite database and the way to move from SQLite to PostgreSQL (or
between servers). PostgreSQL installations also have scripts/backup-postgres (pg_dump); see
docs/backup.md.

The archive holds:

``data.json``
    Django's JSON serialization of every row of every model (the same format as ``dumpdata``),
    including the history tables of django-simple-history, allauth's e-mail addresses and MFA
    authenticators, the admin log and the task queue. Primary keys are kept as they are, so links
    (``/anslutningar/42/``), audit trails and task arguments stay valid. Only references to
    content types and permissions use natural keys (``["organisations", "accession"]``): those two
    tables are filled by ``migrate`` in every database, with ids that differ from one database to
    the next, so they are not in the archive. Sessions are not in it either: a restored session
    would log in again someone who logged out after the backup was made.
``files/<app.Model.field>/<name>``
    Every file a ``FileField`` refers to (the private minutes storage, the evaluation PDFs in the
    default storage), read and written through the field's own storage.
``manifest.json``
    Format and version, when it was made, Django's version, the migration state (the latest
    applied migration of each app), the number of rows per model, and the size and SHA-256 of
    every other member.

The import checks everything before it writes anything: the format, the migration state (it must
equal this database's), every checksum, that the database holds no application data, and that no
different file already has a restored file's name. It then loads all rows in one transaction
(``loaddata``, which also resets PostgreSQL's sequences) and writes the files; a failure rolls the
rows back and removes the files it wrote.

Datetimes are written with all six decimals of their microseconds (Django's JSON encoder keeps
only three), so that a restored timestamp is the same instant, not a millisecond earlier.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django
from django.apps import apps
from django.core.files import File
from django.core.management import call_command
from django.core.serializers import json as json_serializer
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import override_settings
from django.utils import timezone

FORMAT = "samverkansportalen-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_DIR = "files"
CHUNK = 1024 * 1024

# Tables that every database fills for itself (``migrate`` creates content types and permissions)
# or that must not come back (sessions). Everything else is application data.
EXCLUDED_MODELS = {"contenttypes.ContentType", "auth.Permission", "sessions.Session"}
# Models whose rows a data migration creates, so that a freshly migrated database already has
# them. The import replaces them with the archive's rows (which may have been edited since).
REFERENCE_MODELS = {"organisations.ActivityArea"}

NOT_AN_ARCHIVE = "{path} is not a portal backup archive ({reason})."
UNKNOWN_FORMAT = (
    "{path} was made by a newer or unknown version of the backup format ({found}); this "
    "installation reads {format} version {version}. Import it with the portal version that made it."
)
CHECKSUM_MISMATCH = (
    "The archive is damaged or was changed after it was made: {member} does not match the "
    "checksum in its manifest. Nothing was imported. Use another backup."
)
MEMBER_MISSING = (
    "The archive is incomplete: {member} is listed in its manifest but missing. Nothing was "
    "imported. Use another backup."
)
MEMBER_UNEXPECTED = (
    "The archive holds {member}, which its manifest does not list: it was changed after it was "
    "made. Nothing was imported."
)
MIGRATIONS_DIFFER = (
    "The archive was made from a database at a different migration state than this one, so its "
    "rows may not fit this database's tables. Nothing was imported.\n{differences}\n"
    "Bring this (empty) database to the archive's state first, for each app listed: "
    "manage.py migrate <app> <archive's migration> (with a version of the portal that has those "
    "migrations), import, and then run manage.py migrate to come back up to date."
)
DATABASE_NOT_EMPTY = (
    "This database already holds data ({tables}). A backup is restored only into an empty "
    "database, so that nothing is overwritten or mixed with the archive's rows. Nothing was "
    "imported. Create a new database, run manage.py migrate (and nothing else), and import there."
)
FILE_CONFLICT = (
    "A different file already exists where the archive's file {name} ({field}) goes. Nothing was "
    "imported. Move the storage's existing files away, or restore into an empty storage."
)
LOAD_FAILED = (
    "The archive's rows could not be loaded ({error}). Nothing was imported. Check that this "
    "database was migrated with the same version of the portal that made the archive."
)
COUNT_MISMATCH = "After loading, {model} has {found} rows; the archive holds {expected}."
OUTPUT_EXISTS = "{path} already exists; choose a new name (backups are never overwritten)."


class BackupRefused(Exception):
    """An export or import that cannot go ahead; ``message`` says why and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ExportSummary:
    path: Path
    objects: int
    models: int
    files: int
    size: int
    sha256: str
    missing_files: list[dict] = field(default_factory=list)


@dataclass
class ImportSummary:
    objects: int
    files_written: int
    files_present: int
    created_at: str
    missing_files: list[dict] = field(default_factory=list)


# --- What is backed up --------------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every model whose rows are application data, in the app registry's order.

    Auto-created many-to-many tables are not listed: their rows travel with the model that
    declares the field.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    return [
        model
        for model in apps.get_models()
        if model._meta.label not in EXCLUDED_MODELS
        and not model._meta.proxy
        and model._meta.managed
        and model._meta.can_migrate(connection)
    ]


def _per_database_models() -> tuple[type[models.Model], ...]:
    return (apps.get_model("contenttypes", "ContentType"), apps.get_model("auth", "Permission"))


def application_data_counts() -> dict[str, int]:
    """Rows per backed-up model, leaving out the reference data that migrations create."""
    return {
        model._meta.label: model._base_manager.count()
        for model in backup_models()
        if model._meta.label not in REFERENCE_MODELS
    }


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The latest applied migration of each app (more than one only between a merge's parents)."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    applied = {key for key in loader.applied_migrations if key in loader.graph.nodes}
    latest: dict[str, list[str]] = {}
    for app_label, name in applied:
        children = loader.graph.node_map[(app_label, name)].children
        if any(child in applied and child[0] == app_label for child in children):
            continue
        latest.setdefault(app_label, []).append(name)
    return {app_label: sorted(names) for app_label, names in sorted(latest.items())}


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _field_label(model: type[models.Model], file_field: models.FileField) -> str:
    return f"{model._meta.label}.{file_field.name}"


def _resolve_field(label: str) -> models.FileField:
    app_label, model_name, field_name = label.split(".")
    file_field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    if not isinstance(file_field, models.FileField):
        raise LookupError(label)
    return file_field


# --- Serialization ------------------------------------------------------------------------------


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class _Serializer(json_serializer.Serializer):
    """Raw primary keys everywhere, natural keys only for content types and permissions."""

    def _use_natural_key(self, relation: models.Field) -> None:
        self.use_natural_foreign_keys = relation.remote_field.model in _per_database_models()

    def handle_fk_field(self, obj, field):
        self._use_natural_key(field)
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self._use_natural_key(field)
        super().handle_m2m_field(obj, field)


def _rows(model: type[models.Model]) -> Iterator[models.Model]:
    per_database = _per_database_models()
    queryset = model._base_manager.order_by(model._meta.pk.name)
    natural_fks = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model in per_database
    ]
    if natural_fks:
        queryset = queryset.select_related(*natural_fks)
    lookups = []
    for m2m in model._meta.many_to_many:
        if not m2m.remote_field.through._meta.auto_created:
            continue
        related = m2m.related_model._base_manager.order_by(m2m.related_model._meta.pk.name)
        if m2m.related_model is per_database[1]:  # a permission's natural key names its type
            related = related.select_related("content_type")
        lookups.append(models.Prefetch(m2m.name, queryset=related))
    if lookups:
        queryset = queryset.prefetch_related(*lookups)
    return queryset.iterator(chunk_size=1000)


def _serialize(stream, model_list: list[type[models.Model]]) -> None:
    def objects():
        for model in model_list:
            yield from _rows(model)

    _Serializer().serialize(objects(), stream=stream, cls=_ExactJSONEncoder)


# --- Archive helpers ----------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads from a file object while hashing what passes through."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fileobj.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add_stream(tar: tarfile.TarFile, name: str, fileobj, size: int) -> dict:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    reader = _HashingReader(fileobj)
    tar.addfile(info, reader)
    if reader.size != size:
        raise OSError(f"{name} changed while it was being read")
    return {"path": name, "size": size, "sha256": reader.sha256.hexdigest()}


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _storage_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _consistent_snapshot():
    """One transaction that sees the database as it was at one instant.

    PostgreSQL's default isolation (read committed) would let each table's query see a different
    moment; repeatable read gives the whole export one snapshot. SQLite's read transaction already
    does. Inside an outer transaction (tests) the outer one's view is used.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


# --- Export -------------------------------------------------------------------------------------


def export_archive(path: Path | str) -> ExportSummary:
    """Write the whole portal (rows and files) to a new archive at ``path``."""
    path = Path(path)
    if path.exists():
        raise BackupRefused(OUTPUT_EXISTS.format(path=path))
    partial = path.with_name(path.name + ".partial")
    model_list = backup_models()
    try:
        # The archive holds personal data, password hashes and MFA secrets: readable by the owner
        # only, from the first byte.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with (
            os.fdopen(descriptor, "wb") as raw,
            tarfile.open(
                fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT
            ) as tar,
            _consistent_snapshot(),
            tempfile.TemporaryFile() as data,
        ):
            created_at = timezone.now()
            state = migration_state()
            counts = {model._meta.label: model._base_manager.count() for model in model_list}
            wrapper = io.TextIOWrapper(data, encoding="utf-8", newline="\n")
            _serialize(wrapper, model_list)
            wrapper.flush()
            size = data.tell()
            data.seek(0)
            data_entry = _add_stream(tar, DATA, data, size)
            wrapper.detach()
            files, missing = _export_files(tar, model_list)
            manifest = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "created_at": created_at.isoformat(),
                "django_version": django.get_version(),
                "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
                "migrations": state,
                "data": {**data_entry, "objects": sum(counts.values()), "models": counts},
                "files": files,
                "missing_files": missing,
            }
            encoded = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            _add_stream(tar, MANIFEST, io.BytesIO(encoded), len(encoded))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ExportSummary(
        path=path,
        objects=manifest["data"]["objects"],
        models=sum(1 for count in counts.values() if count),
        files=len(files),
        size=path.stat().st_size,
        sha256=_sha256_of(path),
        missing_files=missing,
    )


def _export_files(tar: tarfile.TarFile, model_list) -> tuple[list[dict], list[dict]]:
    files: list[dict] = []
    missing: list[dict] = []
    for model in model_list:
        for file_field in _file_fields(model):
            label = _field_label(model, file_field)
            names = (
                model._base_manager.exclude(**{file_field.attname: ""})
                .exclude(**{f"{file_field.attname}__isnull": True})
                .order_by(file_field.attname)
                .values_list(file_field.attname, flat=True)
                .distinct()
            )
            storage = file_field.storage
            for name in names:
                entry = {"field": label, "name": name}
                if not storage.exists(name):
                    missing.append(entry)
                    continue
                member = f"{FILES_DIR}/{label}/{name}"
                with storage.open(name, "rb") as handle:
                    added = _add_stream(tar, member, handle, storage.size(name))
                files.append({**entry, **added})
    return files, missing


# --- Import -------------------------------------------------------------------------------------


@dataclass
class _Archive:
    manifest: dict
    directory: Path
    members: dict[str, Path]  # archive member name -> extracted copy

    @property
    def data_path(self) -> Path:
        return self.members[DATA]


def read_manifest(path: Path | str) -> dict:
    """The archive's manifest, checked for format (not for checksums: see ``verify_archive``)."""
    path = Path(path)
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            return _manifest(tar, path)
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupRefused(NOT_AN_ARCHIVE.format(path=path, reason=exc)) from exc


def _manifest(tar: tarfile.TarFile, path: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        handle = tar.extractfile(member)
        if handle is None:
            raise KeyError(MANIFEST)
        manifest = json.loads(handle.read())
    except KeyError as exc:
        raise BackupRefused(NOT_AN_ARCHIVE.format(path=path, reason="no manifest")) from exc
    except ValueError as exc:
        raise BackupRefused(
            NOT_AN_ARCHIVE.format(path=path, reason="the manifest is not readable")
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(NOT_AN_ARCHIVE.format(path=path, reason="an unknown manifest"))
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupRefused(
            UNKNOWN_FORMAT.format(
                path=path, found=manifest.get("version"), format=FORMAT, version=FORMAT_VERSION
            )
        )
    if not _well_formed(manifest):
        raise BackupRefused(NOT_AN_ARCHIVE.format(path=path, reason="an incomplete manifest"))
    return manifest


def _well_formed(manifest: dict) -> bool:
    def entry_ok(entry: Any, *keys: str) -> bool:
        return isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in keys)

    data = manifest.get("data")
    files = manifest.get("files")
    return (
        isinstance(manifest.get("migrations"), dict)
        and entry_ok(data, "path", "sha256")
        and isinstance(data.get("models"), dict)
        and isinstance(files, list)
        and all(entry_ok(entry, "path", "sha256", "field", "name") for entry in files)
    )


def _expected_members(manifest: dict) -> dict[str, dict]:
    expected = {manifest["data"]["path"]: manifest["data"]}
    for entry in manifest["files"]:
        expected[entry["path"]] = entry
    return expected


def _extract_verified(path: Path, directory: Path, check_migrations: bool) -> _Archive:
    """Copy every member into ``directory`` (never by its own name) and check its checksum."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            manifest = _manifest(tar, path)
            if check_migrations:
                _check_migrations(manifest)
            expected = _expected_members(manifest)
            extracted: dict[str, Path] = {}
            for number, member in enumerate(tar):
                if member.name == MANIFEST:
                    continue
                entry = expected.get(member.name)
                if entry is None or member.name in extracted or not member.isfile():
                    raise BackupRefused(MEMBER_UNEXPECTED.format(member=member.name))
                handle = tar.extractfile(member)
                # Never the member's own name as a path, except the fixed name of the data
                # (loaddata reads the format from the file's extension).
                target = directory / (DATA if member.name == DATA else f"{number:06d}")
                digest = hashlib.sha256()
                with open(target, "wb") as out:
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != entry["sha256"] or member.size != entry.get("size"):
                    raise BackupRefused(CHECKSUM_MISMATCH.format(member=member.name))
                extracted[member.name] = target
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupRefused(NOT_AN_ARCHIVE.format(path=path, reason=exc)) from exc
    for name in expected:
        if name not in extracted:
            raise BackupRefused(MEMBER_MISSING.format(member=name))
    return _Archive(manifest=manifest, directory=directory, members=extracted)


def verify_archive(path: Path | str) -> dict:
    """Read the whole archive and check every checksum; return its manifest. Writes nothing."""
    with tempfile.TemporaryDirectory(prefix="portal-verify-") as directory:
        return _extract_verified(Path(path), Path(directory), check_migrations=False).manifest


def migration_differences(manifest: dict) -> list[str]:
    ours = migration_state()
    theirs = manifest.get("migrations", {})
    lines = []
    for app_label in sorted(set(ours) | set(theirs)):
        if ours.get(app_label) != theirs.get(app_label):
            archive = ", ".join(theirs.get(app_label) or ["(none)"])
            here = ", ".join(ours.get(app_label) or ["(none)"])
            lines.append(f"  {app_label}: archive {archive}; this database {here}")
    return lines


def _check_migrations(manifest: dict) -> None:
    differences = migration_differences(manifest)
    if differences:
        raise BackupRefused(MIGRATIONS_DIFFER.format(differences="\n".join(differences)))


def _check_empty() -> None:
    filled = {label: count for label, count in application_data_counts().items() if count}
    if filled:
        tables = ", ".join(f"{label}: {count} rows" for label, count in sorted(filled.items()))
        raise BackupRefused(DATABASE_NOT_EMPTY.format(tables=tables))


def _file_plan(archive: _Archive) -> tuple[list[tuple], int]:
    """The files to write, after checking that none would replace a different file."""
    plan = []
    present = 0
    for entry in archive.manifest["files"]:
        try:
            storage = _resolve_field(entry["field"]).storage
        except LookupError as exc:
            raise BackupRefused(
                MIGRATIONS_DIFFER.format(differences=f"  no file field {entry['field']}")
            ) from exc
        name = entry["name"]
        if storage.exists(name):
            if _storage_sha256(storage, name) != entry["sha256"]:
                raise BackupRefused(FILE_CONFLICT.format(name=name, field=entry["field"]))
            present += 1
            continue
        plan.append((storage, name, archive.members[entry["path"]]))
    return plan, present


def import_archive(path: Path | str) -> ImportSummary:
    """Restore an archive into this empty database and its storages. All or nothing."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="portal-import-") as directory:
        archive = _extract_verified(path, Path(directory), check_migrations=True)
        manifest = archive.manifest
        plan, present = _file_plan(archive)
        written: list[tuple] = []
        try:
            # Loading sets many-to-many relations, which django-simple-history would otherwise
            # record as new changes; the archive already holds the real history.
            with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
                _check_empty()
                for label in REFERENCE_MODELS:
                    apps.get_model(label)._base_manager.all().delete()
                try:
                    call_command("loaddata", str(archive.data_path), verbosity=0)
                except (DeserializationError, DatabaseError) as exc:
                    raise BackupRefused(LOAD_FAILED.format(error=exc)) from exc
                for label, expected in manifest["data"]["models"].items():
                    found = apps.get_model(label)._base_manager.count()
                    if found != expected:
                        raise BackupRefused(
                            COUNT_MISMATCH.format(model=label, found=found, expected=expected)
                        )
                for storage, name, source in plan:
                    with open(source, "rb") as handle:
                        saved = storage.save(name, File(handle, name=name))
                    written.append((storage, saved))
                    if saved != name:
                        raise OSError(f"the storage stored {name} as {saved}")
        except BaseException:
            for storage, name in written:
                storage.delete(name)
            raise
    return ImportSummary(
        objects=manifest["data"]["objects"],
        files_written=len(written),
        files_present=present,
        created_at=manifest["created_at"],
        missing_files=manifest.get("missing_files", []),
    )
