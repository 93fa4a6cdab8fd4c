"""The shape of an agreement data file (docs/data-format.md), checked before anything is written.

Pydantic checks each field; ``validate_references`` then checks what refers to what (a
commitment's principles, a plan's version, …). Both report in terms of the file: the entry's
path and key, and the problem.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

KEY_PATTERN = r"^[a-z0-9]+([-_][a-z0-9]+)*$"
Key = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]
Text = Annotated[str, Field(min_length=1)]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


class PartialDate(BaseModel):
    """A date given as YYYY, YYYY-MM or YYYY-MM-DD."""

    value: datetime.date
    precision: Literal["day", "month", "year"]


def parse_partial_date(raw: Any) -> PartialDate | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, PartialDate):
        return raw
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return PartialDate(value=raw, precision="day")
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError(f"a date must be written YYYY-MM-DD, YYYY-MM or YYYY, not {raw!r}")
    match = _DATE_RE.match(raw.strip())
    if not match:
        raise ValueError(f"a date must be written YYYY-MM-DD, YYYY-MM or YYYY, not {raw!r}")
    year, month, day = match.groups()
    try:
        value = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a real date ({exc})") from exc
    precision = "day" if day else "month" if month else "year"
    return PartialDate(value=value, precision=precision)


DateField = Annotated[PartialDate | None, BeforeValidator(parse_partial_date)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Keyed(Strict):
    key: Key = Field(pattern=KEY_PATTERN, max_length=80)


class ReferenceNumber(Strict):
    number: Text
    note: str | None = None


class SectionData(Keyed):
    kind: Literal[
        "introduction",
        "declaration",
        "vision",
        "purpose",
        "goals",
        "values",
        "parties",
        "background",
        "roles",
        "approach",
        "organisation",
        "followup",
        "validity",
        "accession",
        "footnote",
        "other",
    ]
    part: Literal[
        "about",
        "principles",
        "commitments",
        "development_areas",
        "action_plans",
        "organisation",
        "followup",
        "accession",
        "validity",
    ] = "about"
    title: Text
    body: Text


class CommitmentData(Keyed):
    party: Literal["municipality", "civil_society", "both"]
    title: str | None = None
    body: Text
    principles_text: str | None = None
    principles: list[Key] = Field(default_factory=list)


class PrincipleData(Keyed):
    title: Text
    body: Text
    themes: list[Key] = Field(min_length=1)
    commitments: list[CommitmentData] = Field(default_factory=list)


class DevelopmentAreaData(Keyed):
    title: Text
    body: str | None = None
    items: list[Text] = Field(default_factory=list)


class BodyData(Keyed):
    name: Text
    kind: Literal[
        "council",
        "steering_group",
        "secretariat",
        "network",
        "forum",
        "board",
        "unit",
        "function",
    ]
    is_council: bool = False
    composition: str | None = None
    description: str | None = None
    tasks: list[Text] = Field(default_factory=list)


class FollowUpRuleData(Strict):
    kind: Literal["followup", "evaluation", "external_evaluation", "plan_evaluation", "revision"]
    interval_years: int = Field(ge=1, le=20)
    responsible: str | None = None
    description: str | None = None


class FollowUpAreaData(Keyed):
    topic: Text
    questions: list[Text] = Field(default_factory=list)
    responsible: Text
    respondents: Text
    respondent_groups: list[Literal["units", "signatories", "council", "civil_society"]] = Field(
        min_length=1
    )
    answer_kind: Literal["text", "scale", "count", "list"] = "text"


class VersionData(Keyed):
    status: Literal["current", "replaced", "draft"]
    title: Text
    adopted_by: str | None = None
    adopted_on: DateField = None
    valid_from: DateField = None
    valid_until: DateField = None
    reference_numbers: list[ReferenceNumber] = Field(default_factory=list)
    replaces: Key | None = None
    replaces_document: str | None = None
    document_owner: str | None = None
    revision_note: str | None = None
    note: str | None = None
    sections: list[SectionData] = Field(default_factory=list)
    principles: list[PrincipleData] = Field(default_factory=list)
    commitments: list[CommitmentData] = Field(default_factory=list)
    development_areas: list[DevelopmentAreaData] = Field(default_factory=list)
    bodies: list[BodyData] = Field(default_factory=list)
    followup_rules: list[FollowUpRuleData] = Field(default_factory=list)
    followup_areas: list[FollowUpAreaData] = Field(default_factory=list)


class PlanItemData(Strict):
    title: str | None = None
    text: str | None = None


class PlanAreaData(Keyed):
    title: Text
    development_area: Key | None = None
    body: str | None = None
    items: list[PlanItemData] = Field(default_factory=list)


class ActionPlanData(Keyed):
    title: Text
    kind: Literal["action_plan", "development_plan"]
    version: Key | None = None
    period_start: int | None = Field(default=None, ge=1900, le=2200)
    period_end: int | None = Field(default=None, ge=1900, le=2200)
    duration_years: int | None = Field(default=None, ge=1, le=20)
    reference_numbers: list[ReferenceNumber] = Field(default_factory=list)
    description: Text
    areas: list[PlanAreaData] = Field(default_factory=list)


class MunicipalityData(Strict):
    name: Text
    short_name: Text
    slug: Key = Field(pattern=KEY_PATTERN)
    website: str | None = None


class TermsData(Strict):
    principle_singular: Text
    principle_plural: Text
    civil_society: Text
    party_municipality: str | None = None
    party_civil_society: str | None = None
    party_both: str | None = None


class AgreementData(Strict):
    slug: Key = Field(pattern=KEY_PATTERN)
    order: int = 0
    municipality: MunicipalityData
    title: Text
    summary: Text
    terms: TermsData
    source: str | None = None
    versions: list[VersionData] = Field(min_length=1)
    action_plans: list[ActionPlanData] = Field(default_factory=list)

    @field_validator("versions")
    @classmethod
    def one_current_version(cls, versions: list[VersionData]) -> list[VersionData]:
        current = [v.key for v in versions if v.status == "current"]
        if len(current) != 1:
            raise ValueError(f"exactly one version must have status current, found {len(current)}")
        return versions


class ThemeData(Keyed):
    name_sv: Text
    name_en: Text
    description_sv: str | None = None
    description_en: str | None = None


class ThemesFile(Strict):
    themes: list[ThemeData] = Field(min_length=1)


class ReferenceProblem(Exception):
    """A data file that is well-formed but refers to something that does not exist."""


def _duplicates(keys: list[str]) -> set[str]:
    seen: set[str] = set()
    return {k for k in keys if k in seen or seen.add(k)}  # type: ignore[func-returns-value]


def validate_references(data: AgreementData, theme_keys: set[str]) -> list[str]:
    """Return every cross-reference problem in the file, each naming its entry."""
    problems: list[str] = []

    def check_unique(where: str, keys: list[str]) -> None:
        for key in sorted(_duplicates(keys)):
            problems.append(f"{where}: the key '{key}' is used more than once")

    version_keys = [v.key for v in data.versions]
    check_unique("versions", version_keys)
    check_unique("action_plans", [p.key for p in data.action_plans])

    for vi, version in enumerate(data.versions):
        where = f"versions[{vi}] (key '{version.key}')"
        if version.replaces is not None and version.replaces not in version_keys:
            problems.append(f"{where}: replaces unknown version '{version.replaces}'")
        if version.replaces == version.key:
            problems.append(f"{where}: a version cannot replace itself")
        principle_keys = [p.key for p in version.principles]
        check_unique(f"{where} principles", principle_keys)
        all_commitments = [c for p in version.principles for c in p.commitments]
        all_commitments += version.commitments
        check_unique(f"{where} commitments", [c.key for c in all_commitments])
        check_unique(f"{where} sections", [s.key for s in version.sections])
        check_unique(f"{where} development_areas", [a.key for a in version.development_areas])
        check_unique(f"{where} bodies", [b.key for b in version.bodies])
        check_unique(f"{where} followup_areas", [a.key for a in version.followup_areas])
        councils = [b.key for b in version.bodies if b.is_council]
        if len(councils) > 1:
            problems.append(f"{where}: more than one body is the council: {', '.join(councils)}")
        if version.status == "current" and version.bodies and not councils:
            problems.append(f"{where}: no body is marked is_council: true")
        for pi, principle in enumerate(version.principles):
            for theme in principle.themes:
                if theme not in theme_keys:
                    problems.append(
                        f"{where} principles[{pi}] (key '{principle.key}'): unknown theme '{theme}'"
                    )
            for ci, commitment in enumerate(principle.commitments):
                for ref in commitment.principles:
                    if ref not in principle_keys:
                        problems.append(
                            f"{where} principles[{pi}].commitments[{ci}] "
                            f"(key '{commitment.key}'): unknown principle '{ref}'"
                        )
        for ci, commitment in enumerate(version.commitments):
            entry = f"{where} commitments[{ci}] (key '{commitment.key}')"
            if not commitment.principles:
                problems.append(f"{entry}: names no principle")
            for ref in commitment.principles:
                if ref not in principle_keys:
                    problems.append(f"{entry}: unknown principle '{ref}'")

    areas_by_version = {v.key: {a.key for a in v.development_areas} for v in data.versions}
    for pi, plan in enumerate(data.action_plans):
        where = f"action_plans[{pi}] (key '{plan.key}')"
        if plan.version is not None and plan.version not in version_keys:
            problems.append(f"{where}: unknown version '{plan.version}'")
        if plan.period_start and plan.period_end and plan.period_end < plan.period_start:
            problems.append(f"{where}: period_end is before period_start")
        check_unique(f"{where} areas", [a.key for a in plan.areas])
        known_areas = areas_by_version.get(plan.version or "", set())
        for ai, area in enumerate(plan.areas):
            if area.development_area is not None and area.development_area not in known_areas:
                problems.append(
                    f"{where} areas[{ai}] (key '{area.key}'): unknown development area "
                    f"'{area.development_area}' in version '{plan.version}'"
                )
            for ii, item in enumerate(area.items):
                if not (item.title or item.text):
                    problems.append(f"{where} areas[{ai}].items[{ii}]: needs a title or a text")
    return problems
