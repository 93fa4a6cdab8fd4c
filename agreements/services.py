"""Writes to the agreements app: loading the agreement data files into the database.

``agreements_load`` reads every file first and stops before writing anything if one of them is
wrong; then it brings the database in line with the files inside one transaction, touching only
rows whose values differ, so that a second run changes nothing and leaves no history behind.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.conf import settings
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
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


class _Syncer:
    """Create, update or delete rows so that they match the desired values, and count it."""

    def __init__(self, report: LoadReport):
        self.report = report

    def rows(
        self,
        model: type[M],
        existing: Iterable[M],
        desired: list[dict[str, Any]],
        match: str = "key",
    ) -> dict[Any, M]:
        by_match = {getattr(obj, match): obj for obj in existing}
        result: dict[Any, M] = {}
        for values in desired:
            obj = by_match.pop(values[match], None)
            if obj is None:
                obj = model(**values)
                obj.save()
                self.report.created[model._meta.verbose_name_plural] += 1
            else:
                changed = [name for name, value in values.items() if getattr(obj, name) != value]
                if changed:
                    for name in changed:
                        setattr(obj, name, values[name])
                    obj.save()
                    self.report.updated[model._meta.verbose_name_plural] += 1
            result[values[match]] = obj
        for obj in by_match.values():
            try:
                obj.delete()
            except ProtectedError as exc:
                raise AgreementDataError(
                    [
                        f"{model._meta.verbose_name} '{obj}' is no longer in the data file, "
                        f"but it cannot be removed because other records refer to it "
                        f"({len(exc.protected_objects)}). Keep it in the file."
                    ]
                ) from exc
            self.report.deleted[model._meta.verbose_name_plural] += 1
        return result

    def m2m(self, obj: models.Model, name: str, wanted: Sequence[models.Model]) -> None:
        manager = getattr(obj, name)
        wanted_ids = {o.pk for o in wanted}
        if set(manager.values_list("pk", flat=True)) != wanted_ids:
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
    for a in data.development_areas:
        area = areas[a.key]
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
        syncer.rows(
            BodyTask,
            body.tasks.all(),
            [{"body_id": body.pk, "order": i, "text": t.strip()} for i, t in enumerate(b.tasks)],
            match="order",
        )

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
        syncer.rows(
            FollowUpQuestion,
            followup_area.questions.all(),
            [
                {"area_id": followup_area.pk, "order": i, "text": q.strip()}
                for i, q in enumerate(area_data.questions)
            ],
            match="order",
        )


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
        replaces_id = versions[v.replaces].pk if v.replaces else None
        if version.replaces_id != replaces_id:
            version.replaces_id = replaces_id
            version.save()
            syncer.report.updated[AgreementVersion._meta.verbose_name_plural] += 1
        _sync_version_content(syncer, version, v, themes)

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
    *, paths: list[Path] | None = None, themes_path: Path | None = None
) -> LoadReport:
    """Load agreement data files (all in AGREEMENT_DATA_DIR by default) into the database.

    Every file is read and checked before anything is written; an error in any of them raises
    AgreementDataError with every problem found, and the database is left as it was.
    """
    data_dir = Path(settings.AGREEMENT_DATA_DIR)
    themes_file = read_themes_file(Path(themes_path or data_dir / THEMES_FILE_NAME))
    theme_keys = {t.key for t in themes_file.themes}
    files = [Path(p) for p in paths] if paths else agreement_data_files(data_dir)

    parsed: list[schema.AgreementData] = []
    problems: list[str] = []
    for path in files:
        try:
            parsed.append(read_agreement_file(path, theme_keys))
        except AgreementDataError as exc:
            problems.extend(exc.problems)
    slugs = [d.slug for d in parsed]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        problems.append(f"the agreement slug '{slug}' is used by more than one file")
    if problems:
        raise AgreementDataError(problems)

    report = LoadReport()
    with transaction.atomic():
        syncer = _Syncer(report)
        themes = _sync_themes(syncer, themes_file)
        for data in parsed:
            before = sum(report.created.values()) + sum(report.updated.values())
            before += sum(report.deleted.values())
            agreement = _sync_agreement(syncer, data, themes)
            after = sum(report.created.values()) + sum(report.updated.values())
            after += sum(report.deleted.values())
            if after != before:
                Agreement.objects.filter(pk=agreement.pk).update(content_updated_at=timezone.now())
            report.agreements.append(data.slug)
        if report.changed:
            public_data_changed()
    logger.info("Loaded agreements %s: %s", ", ".join(report.agreements), report.lines())
    return report


def agreement_mark_changed(*, agreement: Agreement) -> None:
    """Record that an agreement's content changed (used by the admin), so cached PDFs renew."""
    Agreement.objects.filter(pk=agreement.pk).update(content_updated_at=timezone.now())
    public_data_changed()
