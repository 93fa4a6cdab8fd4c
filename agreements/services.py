"""Writes to the agreements app: loading the agreement data files into the database.

``agreements_load`` reads every file first and stops before writing anything if one of them is
wrong; then it brings the database in line with the files inside one transaction, touching only
rows whose values differ, so that a second run changes nothing and leaves no history behind.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from django.conf import settings
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from core.pagecache import public_data_changed

from . import schema
from .models import (
    ActionPlan,
    Agreement,
    AgreementVersion,
    Body,
    BodyTask,
    Commitment,
    DevelopmentArea,
    DevelopmentAreaItem,
    FollowUpArea,
    FollowUpQuestion,
    FollowUpRule,
    Municipality,
    PlanArea,
    PlanItem,
    Principle,
    Section,
    Theme,
)

logger = logging.getLogger(__name__)

THEMES_FILE_NAME = "themes.yaml"


class AgreementDataError(Exception):
    """One or more data files are wrong; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    agreements: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    written_back: list[Path] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def lines(self) -> list[str]:
        out = []
        for label, counter in (
            ("created", self.created),
            ("updated", self.updated),
            ("deleted", self.deleted),
        ):
            for name, count in sorted(counter.items()):
                out.append(f"{label} {count} {name}")
        return out


# --- Reading and checking the files -------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise AgreementDataError([f"{path}{where}: not valid YAML: {problem}"]) from exc
    except OSError as exc:
        raise AgreementDataError([f"{path}: cannot be read: {exc.strerror}"]) from exc


def _describe_location(raw: Any, loc: Iterable[Any]) -> str:
    """Turn a pydantic error location into 'versions[1] (key '2021') → principles[0] …'."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            if parts:
                parts[-1] += f"[{step}]"
            else:
                parts.append(f"[{step}]")
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and "key" in node:
                parts[-1] += f" (key '{node['key']}')"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return " → ".join(parts) if parts else "the file"


def _validation_problems(path: Path, raw: Any, exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = [step for step in error["loc"] if not (isinstance(step, str) and "[" in step)]
        message = error["msg"]
        if error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "extra_forbidden":
            message = "unknown field (check its spelling against docs/data-format.md)"
        problems.append(f"{path}: {_describe_location(raw, loc)}: {message}")
    return problems


def read_themes_file(path: Path) -> schema.ThemesFile:
    raw = _read_yaml(path)
    try:
        return schema.ThemesFile.model_validate(raw)
    except ValidationError as exc:
        raise AgreementDataError(_validation_problems(path, raw, exc)) from exc


def read_agreement_file(path: Path, theme_keys: set[str]) -> schema.AgreementData:
    """Parse and check one agreement file; raise AgreementDataError naming every problem."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise AgreementDataError([f"{path}: the file must hold one agreement (a mapping)"])
    try:
        data = schema.AgreementData.model_validate(raw)
    except ValidationError as exc:
        raise AgreementDataError(_validation_problems(path, raw, exc)) from exc
    problems = schema.validate_references(data, theme_keys)
    if problems:
        raise AgreementDataError([f"{path}: {problem}" for problem in problems])
    return data


def agreement_data_files(directory: Path | None = None) -> list[Path]:
    directory = Path(directory or settings.AGREEMENT_DATA_DIR)
    return sorted(p for p in directory.glob("*.yaml") if p.name != THEMES_FILE_NAME)


# --- Writing ---------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


M = TypeVar("M", bound=models.Model)


OnConflict = Literal["refuse", "keep", "file", "database"]
"""What the loader does with content edited in the admin that the file would change:
``refuse`` (the default) changes nothing and raises AgreementConflictError, ``keep`` keeps the
database's content (and reports it), ``file`` lets the file win, ``database`` keeps the
database's content and writes it back to the file."""

NOT_IN_FILE = "(not in the file)"


@dataclass(frozen=True)
class Conflict:
    """A field that the data file would change although it was edited in the admin."""

    entry: str  # e.g. "goteborg: principle 'dialog' (version 2021)"
    field: str
    file_value: str
    database_value: str
    edited_by: str
    edited_at: datetime.datetime | None

    def lines(self) -> list[str]:
        when = "?"
        if self.edited_at is not None:
            when = timezone.localtime(self.edited_at).strftime("%Y-%m-%d %H:%M")
        return [
            f"{self.entry}, field '{self.field}': "
            f"edited in the admin by {self.edited_by} at {when}",
            f"    in the file:     {self.file_value}",
            f"    in the database: {self.database_value}",
        ]


class AgreementConflictError(Exception):
    """Content edited in the admin conflicts with the data files; nothing was written."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        super().__init__("\n".join(line for c in conflicts for line in c.lines()))


@dataclass
class _AdminEdits:
    """What the admin changed in a row since the loader last wrote it (from its history).

    ``base`` is the newest historical record written without a user (by the loader), or None
    when the row was made in the admin; ``records`` are the records with a user after it.
    """

    base: Any
    records: list[Any]

    def edited(self, obj: models.Model, name: str) -> bool:
        return self.base is None or getattr(self.base, name) != getattr(obj, name)

    def editor_of(self, name: str) -> tuple[str, datetime.datetime | None]:
        previous = self.base
        last = self.records[-1]
        for record in self.records:
            if previous is None or getattr(record, name) != getattr(previous, name):
                last = record
            previous = record
        user = last.history_user
        return (user.get_username() if user is not None else "?"), last.history_date


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Syncer:
    """Create, update or delete rows so that they match the desired values, and count it.

    A row changed in the admin since the loader last wrote it (its history says so) is not
    overwritten: each field the file would change is a Conflict, and ``on_conflict`` says which
    side wins.
    """

    def __init__(self, report: LoadReport, on_conflict: OnConflict = "refuse"):
        self.report = report
        self.on_conflict = on_conflict
        self.where = ""
        self.edits: dict[tuple[type[models.Model], Any], _AdminEdits] = {}

    def _admin_edits(self, model: type[M], objs: list[M]) -> dict[Any, _AdminEdits]:
        history = getattr(model, "history", None)
        if history is None or not objs:
            return {}
        records: dict[Any, list[Any]] = {}
        for record in (
            history.filter(id__in=[obj.pk for obj in objs])
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        ):
            records.setdefault(record.id, []).append(record)
        found = {}
        for pk, rows in records.items():
            loaded = [i for i, r in enumerate(rows) if r.history_user_id is None]
            base = rows[loaded[-1]] if loaded else None
            after = rows[loaded[-1] + 1 :] if loaded else rows
            if after:
                found[pk] = _AdminEdits(base=base, records=after)
        for pk, edits in found.items():
            self.edits[(model, pk)] = edits
        return found

    def _entry(self, model: type[models.Model], obj: models.Model, match: str) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{where}{model._meta.verbose_name} '{getattr(obj, match)}'"

    def _conflict(self, entry: str, edits: _AdminEdits, name: str, file: Any, db: Any) -> None:
        editor, when = edits.editor_of(name) if edits.records else ("?", None)
        self.report.conflicts.append(Conflict(entry, name, _shown(file), _shown(db), editor, when))

    def rows(
        self,
        model: type[M],
        existing: Iterable[M],
        desired: list[dict[str, Any]],
        match: str = "key",
    ) -> dict[Any, M]:
        objs = list(existing)
        edits = self._admin_edits(model, objs)
        by_match = {getattr(obj, match): obj for obj in objs}
        wanted = {values[match] for values in desired}
        # Rows the file no longer names go first, so that a unique row (the version in force,
        # the council) can pass to another; a row made or changed in the admin stays unless the
        # file is told to win.
        for key, stale in list(by_match.items()):
            if key in wanted:
                continue
            del by_match[key]
            if stale.pk in edits:
                self._conflict(
                    self._entry(model, stale, match), edits[stale.pk], match, NOT_IN_FILE, stale
                )
                if self.on_conflict != "file":
                    continue
            try:
                stale.delete()
            except ProtectedError as exc:
                raise AgreementDataError(
                    [
                        f"{model._meta.verbose_name} '{stale}' is no longer in the data file, "
                        f"but it cannot be removed because other records refer to it "
                        f"({len(exc.protected_objects)}). Keep it in the file."
                    ]
                ) from exc
            self.report.deleted[model._meta.verbose_name_plural] += 1
        result: dict[Any, M] = {}
        for values in desired:
            found = by_match.pop(values[match], None)
            if found is None:
                obj = model(**values)
                obj.save()
                self.report.created[model._meta.verbose_name_plural] += 1
            else:
                obj = found
                changed = [name for name, value in values.items() if getattr(obj, name) != value]
                row_edits = edits.get(obj.pk)
                conflicting = [
                    name for name in changed if row_edits and row_edits.edited(obj, name)
                ]
                for name in conflicting:
                    assert row_edits is not None
                    self._conflict(
                        self._entry(model, obj, match),
                        row_edits,
                        name,
                        values[name],
                        getattr(obj, name),
                    )
                if conflicting and self.on_conflict != "file":
                    changed = []  # the row stays as the admin left it, all of it
                if changed:
                    for name in changed:
                        setattr(obj, name, values[name])
                    obj.save()
                    self.edits.pop((model, obj.pk), None)
                    self.report.updated[model._meta.verbose_name_plural] += 1
            result[values[match]] = obj
        return result

    def m2m(self, obj: models.Model, name: str, wanted: Sequence[models.Model]) -> None:
        manager = getattr(obj, name)
        wanted_ids = {o.pk for o in wanted}
        current = list(manager.all())
        if {o.pk for o in current} == wanted_ids:
            return
        edits = self.edits.get((type(obj), obj.pk))
        if edits is not None:
            self.report.conflicts.append(
                Conflict(
                    f"{self.where}: {obj._meta.verbose_name} '{getattr(obj, 'key', obj.pk)}'",
                    name,
                    ", ".join(sorted(getattr(o, "key", str(o)) for o in wanted)) or "(empty)",
                    ", ".join(sorted(getattr(o, "key", str(o)) for o in current)) or "(empty)",
                    *edits.editor_of("id"),
                )
            )
            if self.on_conflict != "file":
                return
        manager.set(wanted)
        self.report.updated[obj._meta.verbose_name_plural] += 1


def _refs(numbers: list[schema.ReferenceNumber]) -> list[dict[str, str]]:
    return [{"number": r.number, "note": _text(r.note)} for r in numbers]


def _sync_themes(syncer: _Syncer, themes: schema.ThemesFile) -> dict[str, Theme]:
    return syncer.rows(
        Theme,
        Theme.objects.all(),
        [
            {
                "key": t.key,
                "order": i,
                "name_sv": t.name_sv,
                "name_en": t.name_en,
                "description_sv": _text(t.description_sv),
                "description_en": _text(t.description_en),
            }
            for i, t in enumerate(themes.themes)
        ],
    )


def _sync_version_content(
    syncer: _Syncer, version: AgreementVersion, data: schema.VersionData, themes: dict[str, Theme]
) -> None:
    syncer.rows(
        Section,
        version.sections.all(),
        [
            {
                "version_id": version.pk,
                "key": s.key,
                "order": i,
                "kind": s.kind,
                "part": s.part,
                "title": s.title.strip(),
                "body": _text(s.body),
            }
            for i, s in enumerate(data.sections)
        ],
    )
    principles = syncer.rows(
        Principle,
        version.principles.all(),
        [
            {
                "version_id": version.pk,
                "key": p.key,
                "order": i,
                "title": p.title.strip(),
                "body": _text(p.body),
            }
            for i, p in enumerate(data.principles)
        ],
    )
    for p in data.principles:
        syncer.m2m(principles[p.key], "themes", [themes[k] for k in p.themes])

    # Commitments listed under a principle serve it; free-standing ones name their principles.
    commitment_rows: list[tuple[schema.CommitmentData, Principle | None]] = [
        (c, principles[p.key]) for p in data.principles for c in p.commitments
    ] + [(c, None) for c in data.commitments]
    commitments = syncer.rows(
        Commitment,
        version.commitments.all(),
        [
            {
                "version_id": version.pk,
                "key": c.key,
                "order": i,
                "party": c.party,
                "title": _text(c.title),
                "body": _text(c.body),
                "principles_text": _text(c.principles_text),
                "listed_under_id": under.pk if under else None,
            }
            for i, (c, under) in enumerate(commitment_rows)
        ],
    )
    for c, under in commitment_rows:
        served = ([under] if under else []) + [
            principles[k] for k in c.principles if not under or k != under.key
        ]
        syncer.m2m(commitments[c.key], "principles", served)

    areas = syncer.rows(
        DevelopmentArea,
        version.development_areas.all(),
        [
            {
                "version_id": version.pk,
                "key": a.key,
                "order": i,
                "title": a.title.strip(),
                "body": _text(a.body),
            }
            for i, a in enumerate(data.development_areas)
        ],
    )
    where = syncer.where
    for a in data.development_areas:
        area = areas[a.key]
        syncer.where = f"{where}, development area {a.key}"
        syncer.rows(
            DevelopmentAreaItem,
            area.items.all(),
            [{"area_id": area.pk, "order": i, "text": t.strip()} for i, t in enumerate(a.items)],
            match="order",
        )

    # Save the body that stops being the council before the one that becomes it.
    bodies = syncer.rows(
        Body,
        version.bodies.all(),
        sorted(
            (
                {
                    "version_id": version.pk,
                    "key": b.key,
                    "order": i,
                    "name": b.name.strip(),
                    "kind": b.kind,
                    "is_council": b.is_council,
                    "composition": _text(b.composition),
                    "description": _text(b.description),
                }
                for i, b in enumerate(data.bodies)
            ),
            key=lambda values: values["is_council"],
        ),
    )
    for b in data.bodies:
        body = bodies[b.key]
        syncer.where = f"{where}, body {b.key}"
        syncer.rows(
            BodyTask,
            body.tasks.all(),
            [{"body_id": body.pk, "order": i, "text": t.strip()} for i, t in enumerate(b.tasks)],
            match="order",
        )

    syncer.where = where
    syncer.rows(
        FollowUpRule,
        version.followup_rules.all(),
        [
            {
                "version_id": version.pk,
                "order": i,
                "kind": r.kind,
                "interval_years": r.interval_years,
                "responsible": _text(r.responsible),
                "description": _text(r.description),
            }
            for i, r in enumerate(data.followup_rules)
        ],
        match="order",
    )
    followup_areas = syncer.rows(
        FollowUpArea,
        version.followup_areas.all(),
        [
            {
                "version_id": version.pk,
                "key": a.key,
                "order": i,
                "topic": a.topic.strip(),
                "responsible": a.responsible.strip(),
                "respondents": a.respondents.strip(),
                "respondent_groups": list(a.respondent_groups),
                "answer_kind": a.answer_kind,
            }
            for i, a in enumerate(data.followup_areas)
        ],
    )
    for area_data in data.followup_areas:
        followup_area = followup_areas[area_data.key]
        syncer.where = f"{where}, follow-up area {area_data.key}"
        syncer.rows(
            FollowUpQuestion,
            followup_area.questions.all(),
            [
                {"area_id": followup_area.pk, "order": i, "text": q.strip()}
                for i, q in enumerate(area_data.questions)
            ],
            match="order",
        )
    syncer.where = where


def _date_values(prefix: str, value: schema.PartialDate | None) -> dict[str, Any]:
    return {
        prefix: value.value if value else None,
        f"{prefix}_precision": value.precision if value else "day",
    }


def _sync_agreement(
    syncer: _Syncer, data: schema.AgreementData, themes: dict[str, Theme]
) -> Agreement:
    municipality = syncer.rows(
        Municipality,
        Municipality.objects.filter(slug=data.municipality.slug),
        [
            {
                "slug": data.municipality.slug,
                "name": data.municipality.name,
                "short_name": data.municipality.short_name,
                "website": _text(data.municipality.website),
            }
        ],
        match="slug",
    )[data.municipality.slug]
    terms = data.terms
    syncer.where = data.slug
    agreement = syncer.rows(
        Agreement,
        Agreement.objects.filter(slug=data.slug),
        [
            {
                "slug": data.slug,
                "municipality_id": municipality.pk,
                "title": data.title.strip(),
                "summary": _text(data.summary),
                "order": data.order,
                "principle_singular": terms.principle_singular,
                "principle_plural": terms.principle_plural,
                "civil_society_term": terms.civil_society,
                "party_municipality_label": _text(terms.party_municipality),
                "party_civil_society_label": _text(terms.party_civil_society),
                "party_both_label": _text(terms.party_both),
                "source": _text(data.source),
            }
        ],
        match="slug",
    )[data.slug]

    # A version that stops being current is saved before the one that becomes current.
    version_values = []
    for i, v in enumerate(data.versions):
        version_values.append(
            {
                "agreement_id": agreement.pk,
                "key": v.key,
                "order": i,
                "status": v.status,
                "title": v.title.strip(),
                "adopted_by": _text(v.adopted_by),
                **_date_values("adopted_on", v.adopted_on),
                **_date_values("valid_from", v.valid_from),
                **_date_values("valid_until", v.valid_until),
                "reference_numbers": _refs(v.reference_numbers),
                "replaces_document": _text(v.replaces_document),
                "document_owner": _text(v.document_owner),
                "revision_note": _text(v.revision_note),
                "note": _text(v.note),
            }
        )
    versions = syncer.rows(
        AgreementVersion,
        agreement.versions.all(),
        sorted(version_values, key=lambda values: values["status"] == "current"),
    )
    for v in data.versions:
        version = versions[v.key]
        syncer.where = f"{data.slug}, version {v.key}"
        replaces_id = versions[v.replaces].pk if v.replaces else None
        if version.replaces_id != replaces_id:
            edits = syncer.edits.get((AgreementVersion, version.pk))
            conflict = edits is not None and edits.edited(version, "replaces_id")
            if conflict:
                assert edits is not None
                syncer._conflict(syncer.where, edits, "replaces_id", v.replaces, version.replaces)
            if not conflict or syncer.on_conflict == "file":
                version.replaces_id = replaces_id
                version.save()
                syncer.report.updated[AgreementVersion._meta.verbose_name_plural] += 1
        _sync_version_content(syncer, version, v, themes)
    syncer.where = data.slug

    plans = syncer.rows(
        ActionPlan,
        agreement.action_plans.all(),
        [
            {
                "agreement_id": agreement.pk,
                "version_id": versions[p.version].pk if p.version else None,
                "key": p.key,
                "order": i,
                "title": p.title.strip(),
                "kind": p.kind,
                "period_start": p.period_start,
                "period_end": p.period_end,
                "duration_years": p.duration_years,
                "reference_numbers": _refs(p.reference_numbers),
                "description": _text(p.description),
            }
            for i, p in enumerate(data.action_plans)
        ],
    )
    for p in data.action_plans:
        plan = plans[p.key]
        syncer.where = f"{data.slug}, action plan {p.key}"
        dev_areas = (
            {a.key: a for a in versions[p.version].development_areas.all()} if p.version else {}
        )
        plan_areas = syncer.rows(
            PlanArea,
            plan.areas.all(),
            [
                {
                    "plan_id": plan.pk,
                    "key": a.key,
                    "order": i,
                    "title": a.title.strip(),
                    "development_area_id": (
                        dev_areas[a.development_area].pk if a.development_area else None
                    ),
                    "body": _text(a.body),
                }
                for i, a in enumerate(p.areas)
            ],
        )
        for a in p.areas:
            area = plan_areas[a.key]
            syncer.rows(
                PlanItem,
                area.items.all(),
                [
                    {
                        "area_id": area.pk,
                        "order": i,
                        "title": _text(item.title),
                        "text": _text(item.text),
                    }
                    for i, item in enumerate(a.items)
                ],
                match="order",
            )
    return agreement


def agreements_load(
    *,
    paths: list[Path] | None = None,
    themes_path: Path | None = None,
    on_conflict: OnConflict = "refuse",
) -> LoadReport:
    """Load agreement data files (all in AGREEMENT_DATA_DIR by default) into the database.

    Every file is read and checked before anything is written; an error in any of them raises
    AgreementDataError with every problem found, and the database is left as it was.

    Content edited in the admin since it was last loaded is never overwritten silently: each
    field the file would change is a Conflict. With ``on_conflict="refuse"`` any conflict raises
    AgreementConflictError and nothing is written; ``keep`` loads the rest and keeps the edited
    rows as they are; ``file`` lets the file win; ``database`` keeps the edited rows and writes
    each agreement with a conflict back to its data file (``agreement_write_file``).
    """
    data_dir = Path(settings.AGREEMENT_DATA_DIR)
    themes_file = read_themes_file(Path(themes_path or data_dir / THEMES_FILE_NAME))
    theme_keys = {t.key for t in themes_file.themes}
    files = [Path(p) for p in paths] if paths else agreement_data_files(data_dir)

    parsed: list[tuple[Path, schema.AgreementData]] = []
    problems: list[str] = []
    for path in files:
        try:
            parsed.append((path, read_agreement_file(path, theme_keys)))
        except AgreementDataError as exc:
            problems.extend(exc.problems)
    slugs = [d.slug for _, d in parsed]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        problems.append(f"the agreement slug '{slug}' is used by more than one file")
    if problems:
        raise AgreementDataError(problems)

    report = LoadReport()
    in_conflict: list[tuple[Path, Agreement]] = []
    with transaction.atomic():
        syncer = _Syncer(report, on_conflict)
        themes = _sync_themes(syncer, themes_file)
        for path, data in parsed:
            before = sum(report.created.values()) + sum(report.updated.values())
            before += sum(report.deleted.values())
            conflicts_before = len(report.conflicts)
            agreement = _sync_agreement(syncer, data, themes)
            after = sum(report.created.values()) + sum(report.updated.values())
            after += sum(report.deleted.values())
            if after != before:
                Agreement.objects.filter(pk=agreement.pk).update(content_updated_at=timezone.now())
            if len(report.conflicts) != conflicts_before:
                in_conflict.append((path, agreement))
            report.agreements.append(data.slug)
        if report.conflicts and on_conflict == "refuse":
            raise AgreementConflictError(report.conflicts)
        if report.changed:
            public_data_changed()
    if on_conflict == "database":
        for path, agreement in in_conflict:
            agreement_write_file(agreement=agreement, path=path)
            report.written_back.append(path)
    logger.info(
        "Loaded agreements %s: %s; %d conflicts with admin edits (%s)",
        ", ".join(report.agreements),
        report.lines(),
        len(report.conflicts),
        on_conflict,
    )
    return report


def agreement_mark_changed(*, agreement: Agreement) -> None:
    """Record that an agreement's content changed (used by the admin), so cached PDFs renew."""
    Agreement.objects.filter(pk=agreement.pk).update(content_updated_at=timezone.now())
    public_data_changed()


# --- Writing the database's content back to a data file ---------------------------------------


def _date_out(value: datetime.date | None, precision: str) -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value:%Y}"
    if precision == "month":
        return f"{value:%Y-%m}"
    return value.isoformat()


def _optional(entry: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Add the values that are set; an empty optional field is left out of the file."""
    entry.update({name: value for name, value in values.items() if value not in (None, "", [])})
    return entry


def _refs_out(numbers: list[dict[str, str]]) -> list[dict[str, str]]:
    return [_optional({"number": r["number"]}, note=r.get("note")) for r in numbers]


def _version_out(version: AgreementVersion) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": version.key, "status": version.status, "title": version.title}
    _optional(
        entry,
        adopted_by=version.adopted_by,
        adopted_on=_date_out(version.adopted_on, version.adopted_on_precision),
        valid_from=_date_out(version.valid_from, version.valid_from_precision),
        valid_until=_date_out(version.valid_until, version.valid_until_precision),
        reference_numbers=_refs_out(version.reference_numbers),
        replaces=version.replaces.key if version.replaces else None,
        replaces_document=version.replaces_document,
        document_owner=version.document_owner,
        revision_note=version.revision_note,
        note=version.note,
    )
    sections = [
        {"key": s.key, "kind": s.kind, "part": s.part, "title": s.title, "body": s.body}
        for s in version.sections.order_by("order")
    ]
    commitments = list(version.commitments.order_by("order").prefetch_related("principles"))

    def commitment_out(c: Commitment) -> dict[str, Any]:
        served = [p.key for p in sorted(c.principles.all(), key=lambda p: p.order)]
        if c.listed_under_id is not None:
            served = [k for k in served if k != c.listed_under.key]  # type: ignore[union-attr]
        out = _optional({"key": c.key, "party": c.party}, title=c.title)
        out["body"] = c.body
        return _optional(out, principles_text=c.principles_text, principles=served)

    principles = []
    for p in version.principles.order_by("order").prefetch_related("themes"):
        entry_p: dict[str, Any] = {
            "key": p.key,
            "title": p.title,
            "body": p.body,
            "themes": [t.key for t in sorted(p.themes.all(), key=lambda t: (t.order, t.key))],
        }
        listed = [commitment_out(c) for c in commitments if c.listed_under_id == p.pk]
        principles.append(_optional(entry_p, commitments=listed))
    areas = [
        _optional(
            {"key": a.key, "title": a.title},
            body=a.body,
            items=[i.text for i in a.items.order_by("order")],
        )
        for a in version.development_areas.order_by("order")
    ]
    bodies = [
        _optional(
            {"key": b.key, "name": b.name, "kind": b.kind, "is_council": b.is_council},
            composition=b.composition,
            description=b.description,
            tasks=[t.text for t in b.tasks.order_by("order")],
        )
        for b in version.bodies.order_by("order")
    ]
    rules = [
        _optional(
            {"kind": r.kind, "interval_years": r.interval_years},
            responsible=r.responsible,
            description=r.description,
        )
        for r in version.followup_rules.order_by("order")
    ]
    followup_areas = [
        {
            "key": a.key,
            "topic": a.topic,
            **_optional({}, questions=[q.text for q in a.questions.order_by("order")]),
            "responsible": a.responsible,
            "respondents": a.respondents,
            "respondent_groups": list(a.respondent_groups),
            "answer_kind": a.answer_kind,
        }
        for a in version.followup_areas.order_by("order")
    ]
    return _optional(
        entry,
        sections=sections,
        principles=principles,
        commitments=[commitment_out(c) for c in commitments if c.listed_under_id is None],
        development_areas=areas,
        bodies=bodies,
        followup_rules=rules,
        followup_areas=followup_areas,
    )


def _plan_out(plan: ActionPlan) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": plan.key, "title": plan.title, "kind": plan.kind}
    _optional(
        entry,
        version=plan.version.key if plan.version else None,
        period_start=plan.period_start,
        period_end=plan.period_end,
        duration_years=plan.duration_years,
        reference_numbers=_refs_out(plan.reference_numbers),
    )
    entry["description"] = plan.description
    areas = []
    for area in plan.areas.order_by("order").select_related("development_area"):
        out = {"key": area.key, "title": area.title}
        _optional(
            out,
            development_area=area.development_area.key if area.development_area else None,
            body=area.body,
            items=[
                _optional({}, title=item.title, text=item.text)
                for item in area.items.order_by("order")
            ],
        )
        areas.append(out)
    return _optional(entry, areas=areas)


def agreement_dump(*, agreement: Agreement) -> dict[str, Any]:
    """The agreement's content as a data file holds it (docs/data-format.md).

    Loading what this returns changes nothing: ``agreements_load`` of the written file is a
    no-op for the database it came from.
    """
    municipality = agreement.municipality
    data: dict[str, Any] = {"slug": agreement.slug, "order": agreement.order}
    data["municipality"] = _optional(
        {
            "name": municipality.name,
            "short_name": municipality.short_name,
            "slug": municipality.slug,
        },
        website=municipality.website,
    )
    data["title"] = agreement.title
    data["summary"] = agreement.summary
    data["terms"] = _optional(
        {
            "principle_singular": agreement.principle_singular,
            "principle_plural": agreement.principle_plural,
            "civil_society": agreement.civil_society_term,
        },
        party_municipality=agreement.party_municipality_label,
        party_civil_society=agreement.party_civil_society_label,
        party_both=agreement.party_both_label,
    )
    _optional(data, source=agreement.source)
    data["versions"] = [
        _version_out(v) for v in agreement.versions.order_by("order").select_related("replaces")
    ]
    return _optional(
        data, action_plans=[_plan_out(p) for p in agreement.action_plans.order_by("order")]
    )


class _DataFileDumper(yaml.SafeDumper):
    """Long texts in literal block style (``|``), as the data files are written by hand."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_DataFileDumper.add_representer(str, _represent_text)


def agreement_yaml(*, agreement: Agreement) -> str:
    header = (
        f"# {agreement.title}\n"
        "# Written from the database by manage.py dump_agreement (docs/data-format.md).\n"
    )
    body = yaml.dump(
        agreement_dump(agreement=agreement),
        Dumper=_DataFileDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return header + body


def agreement_write_file(*, agreement: Agreement, path: Path | None = None) -> Path:
    """Write the agreement's content from the database to its data file (or ``path``)."""
    target = Path(path or Path(settings.AGREEMENT_DATA_DIR) / f"{agreement.slug}.yaml")
    target.write_text(agreement_yaml(agreement=agreement), encoding="utf-8")
    return target


# --- New versions made in the admin ------------------------------------------------------------


class VersionRefused(Exception):
    """A new version cannot be made or published; ``problems`` say why (translated)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


DRAFT_EXISTS = _("This agreement already has a draft version: edit or publish that one.")
NOT_A_DRAFT = _("Only a draft version can be published.")
DRAFT_NEEDS_COUNCIL = _("The draft has bodies but none is marked as the council.")
DRAFT_COMMITMENT_WITHOUT_PRINCIPLE = _("The commitment “%(commitment)s” serves no principle.")
DRAFT_PRINCIPLE_WITHOUT_THEME = _("The principle “%(principle)s” has no theme.")
DRAFT_EMPTY = _("The draft has no text: no sections, principles or development areas.")


def _clone(obj: M, actor: Any, **changes: Any) -> M:
    values = {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key
    }
    values.update(changes)
    copy = type(obj)(**values)
    copy._history_user = actor  # type: ignore[attr-defined]
    copy.full_clean()
    copy.save()
    return copy


@transaction.atomic
def version_new_draft(*, version: AgreementVersion, actor: Any) -> AgreementVersion:
    """Copy a version, with everything it owns, into a draft that can be edited and published."""
    agreement = Agreement.objects.select_for_update().get(pk=version.agreement_id)
    versions = list(agreement.versions.all())
    if any(v.is_draft for v in versions):
        raise VersionRefused([str(DRAFT_EXISTS)])
    keys = {v.key for v in versions}
    base = f"{timezone.localdate():%Y}"
    key = next(k for k in [base, *(f"{base}-{n}" for n in range(2, 100))] if k not in keys)
    draft = _clone(
        version,
        actor,
        key=key,
        status=AgreementVersion.Status.DRAFT,
        order=max(v.order for v in versions) + 1,
        replaces_id=version.pk,
        adopted_on=None,
        valid_from=None,
        valid_until=None,
    )
    for section in version.sections.all():
        _clone(section, actor, version_id=draft.pk)
    principles: dict[int, Principle] = {}
    for principle in version.principles.prefetch_related("themes"):
        principles[principle.pk] = _clone(principle, actor, version_id=draft.pk)
        principles[principle.pk].themes.set(principle.themes.all())
    for commitment in version.commitments.prefetch_related("principles"):
        copy = _clone(
            commitment,
            actor,
            version_id=draft.pk,
            listed_under_id=(
                principles[commitment.listed_under_id].pk if commitment.listed_under_id else None
            ),
        )
        copy.principles.set([principles[p.pk] for p in commitment.principles.all()])
    for area in version.development_areas.prefetch_related("items"):
        area_copy = _clone(area, actor, version_id=draft.pk)
        for item in area.items.all():
            _clone(item, actor, area_id=area_copy.pk)
    for body in version.bodies.prefetch_related("tasks"):
        body_copy = _clone(body, actor, version_id=draft.pk)
        for task in body.tasks.all():
            _clone(task, actor, body_id=body_copy.pk)
    for rule in version.followup_rules.all():
        _clone(rule, actor, version_id=draft.pk)
    for followup_area in version.followup_areas.prefetch_related("questions"):
        followup_copy = _clone(followup_area, actor, version_id=draft.pk)
        for question in followup_area.questions.all():
            _clone(question, actor, area_id=followup_copy.pk)
    logger.info("New draft version %s of %s by %s", draft.key, agreement.slug, actor)
    return draft


def version_publish_problems(*, version: AgreementVersion) -> list[str]:
    """What stops a draft from being published, in the reader's language (empty: nothing)."""
    if not version.is_draft:
        return [str(NOT_A_DRAFT)]
    problems = []
    if not (
        version.sections.exists()
        or version.principles.exists()
        or version.development_areas.exists()
    ):
        problems.append(str(DRAFT_EMPTY))
    if version.bodies.exists() and not version.bodies.filter(is_council=True).exists():
        problems.append(str(DRAFT_NEEDS_COUNCIL))
    for commitment in version.commitments.filter(principles__isnull=True):
        problems.append(str(DRAFT_COMMITMENT_WITHOUT_PRINCIPLE % {"commitment": commitment}))
    for principle in version.principles.filter(themes__isnull=True):
        problems.append(str(DRAFT_PRINCIPLE_WITHOUT_THEME % {"principle": principle}))
    return problems


@transaction.atomic
def version_publish(*, version: AgreementVersion, actor: Any) -> AgreementVersion:
    """Make a draft the version in force; the version it replaces becomes replaced.

    Starting the re-confirmation of the earlier version's signatories is for the app that knows
    them (organisations): the admin's publish page calls it in the same transaction.
    """
    agreement = Agreement.objects.select_for_update().get(pk=version.agreement_id)
    version = AgreementVersion.objects.get(pk=version.pk)
    problems = version_publish_problems(version=version)
    if problems:
        raise VersionRefused(problems)
    for current in agreement.versions.filter(status=AgreementVersion.Status.CURRENT):
        current.status = AgreementVersion.Status.REPLACED
        current._history_user = actor  # type: ignore[attr-defined]
        current.save()
        if version.replaces_id is None:
            version.replaces_id = current.pk
    version.status = AgreementVersion.Status.CURRENT
    version._history_user = actor  # type: ignore[attr-defined]
    version.full_clean()
    version.save()
    agreement_mark_changed(agreement=agreement)
    logger.info("Published version %s of %s by %s", version.key, agreement.slug, actor)
    return version
