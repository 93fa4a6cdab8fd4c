"""The demo generators' Swedish texts, read from the TOML files in demo/data/ (docs/demo-data.md).

Each file is read once (``functools.cache``), checked, and turned into the frozen dataclasses
the generators use: ``demo_texts()`` for ``load_demo``, ``followup_texts()`` for
``load_followup_demo`` and ``national_texts()`` for ``generate_national_data``. A file with a
missing or unknown key, a value of the wrong type, an unknown state or choice, or a placeholder
its text may not use is refused with a ``DemoDataError`` that names the file and the entry, before
anything is written. Values the models know by a fixed list (legal forms, unit kinds, sources,
sides, respondent groups, rule kinds) are written by their value and checked against the
model's choices.

Only texts live in the files; what the code depends on (passwords, seeds, counts, the order of
the steps) stays in the generators.
"""

from __future__ import annotations

import enum
import functools
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from agreements.models import FollowUpRule
from followup.models import RespondentGroup
from organisations.models import Accession, CouncilMembership, LegalForm, MunicipalUnit

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_FILE = DATA_DIR / "demo.toml"
FOLLOWUP_FILE = DATA_DIR / "followup.toml"
NATIONAL_FILE = DATA_DIR / "national.toml"

_PROJECT_DIR = DATA_DIR.parent.parent


class DemoDataError(Exception):
    """A demo data file is wrong; the message names the file and the entry."""


class State(enum.StrEnum):
    """What load_demo makes of a demo organisation (`state` in demo.toml)."""

    PENDING = "pending"  # signed online, waiting for an officer
    VERIFIED = "verified"  # signed online, verified by an officer
    PAPER = "paper"  # recorded by an officer from a paper application
    FORUM = "forum"  # recorded by an officer: signed at a dialogue forum
    WITHDRAWN = "withdrawn"  # signed, verified, then withdrawn by the organisation
    REJECTED = "rejected"  # signed online, rejected by an officer with a reason
    REGISTERED = "registered"  # in the register, not signed
    EARLIER_VERSION = "earlier"  # active accession to an earlier (replaced) version


RECORDED_STATES = (State.PAPER, State.FORUM)  # the accessions an officer records
RECORDED_PLACEHOLDERS = ("date",)  # what the note of a recorded accession may use


# --- Reading a file ----------------------------------------------------------------------------

_REQUIRED: Any = object()


def _shown(path: Path) -> str:
    """The path as the error names it: relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(_PROJECT_DIR))
    except ValueError:
        return str(path)


class _Table:
    """One TOML table being read: hands out its values by type and refuses keys it does not know.

    ``where`` names the entry in messages: ``municipalities[0] (boras) → organisations[2] (…)``.
    """

    def __init__(self, path: Path, where: str, raw: object):
        self.path = path
        self.where = where
        if not isinstance(raw, dict):
            self.fail(f"must be a table, not {type(raw).__name__}")
        self.raw: dict[str, Any] = raw
        self.used: set[str] = set()

    def fail(self, problem: str) -> NoReturn:
        where = f"{self.where}: " if self.where else ""
        raise DemoDataError(f"{_shown(self.path)}: {where}{problem}")

    def _name(self, key: str) -> str:
        return f"{self.where} → {key}" if self.where else key

    def _get(self, key: str, default: Any, kind: type, kind_name: str) -> Any:
        self.used.add(key)
        if key not in self.raw:
            if default is _REQUIRED:
                self.fail(f"the required key '{key}' is missing")
            return default
        value = self.raw[key]
        if not isinstance(value, kind):
            self.fail(f"'{key}' must be {kind_name}, not {value!r}")
        return value

    def text(
        self, key: str, default: str | None = None, *, placeholders: Iterable[str] | None = None
    ) -> str:
        """A text; with ``placeholders``, a template that may use those (and only those)."""
        value: str = self._get(key, _REQUIRED if default is None else default, str, "a text")
        self._check_placeholders(key, value, placeholders)
        return value

    def texts(
        self, key: str, *, placeholders: Iterable[str] | None = None, count: int = 0
    ) -> tuple[str, ...]:
        values = self._get(key, _REQUIRED, list, "a list of texts")
        if count and len(values) != count:
            self.fail(f"'{key}' must hold {count} texts, not {len(values)}")
        for index, value in enumerate(values):
            if not isinstance(value, str):
                self.fail(f"'{key}[{index}]' must be a text, not {value!r}")
            self._check_placeholders(f"{key}[{index}]", value, placeholders)
        return tuple(values)

    def flag(self, key: str, default: bool = False) -> bool:
        value: bool = self._get(key, default, bool, "true or false")
        return value

    def choice(self, key: str, choices: Iterable[str], default: str | None = None) -> str:
        allowed = list(choices)
        value = self.text(key, default)
        if value not in allowed:
            self.fail(f"unknown {key} '{value}' (one of: {', '.join(allowed)})")
        return value

    def table(self, key: str) -> _Table:
        return _Table(self.path, self._name(key), self._get(key, _REQUIRED, dict, "a table"))

    def tables(self, key: str, *, label: str = "", required: bool = True) -> list[_Table]:
        """An array of tables; each entry is named by its index and, if it has one, its label."""
        default = _REQUIRED if required else []
        entries = self._get(key, default, list, f"an array of tables ([[{key}]])")
        result = []
        for index, entry in enumerate(entries):
            where = f"{self._name(key)}[{index}]"
            if label and isinstance(entry, dict) and isinstance(entry.get(label), str):
                where += f" ({entry[label]})"
            result.append(_Table(self.path, where, entry))
        return result

    def names(self) -> list[str]:
        """Every key of the table, in the file's order (for tables keyed by name)."""
        self.used.update(self.raw)
        return list(self.raw)

    def done(self) -> None:
        """Refuse the keys nothing asked for: a misspelt optional key would be ignored."""
        unknown = [key for key in self.raw if key not in self.used]
        if unknown:
            self.fail(f"unknown key '{unknown[0]}' (check its spelling against docs/demo-data.md)")

    def _check_placeholders(self, key: str, value: str, placeholders: Iterable[str] | None) -> None:
        """A template's placeholders must be known; a text that is no template is not checked
        (its braces are written as they are)."""
        if placeholders is None:
            return
        allowed = set(placeholders)
        try:
            names = {name for _text, name, _spec, _conv in string.Formatter().parse(value) if name}
        except ValueError as exc:
            self.fail(f"'{key}': {exc} (write a literal brace as {{{{ or }}}})")
        unknown = sorted(names - allowed)
        if unknown:
            may = ", ".join("{" + name + "}" for name in sorted(allowed)) or "none"
            self.fail(f"'{key}' uses the unknown placeholder {{{unknown[0]}}} (it may use {may})")


def _read(path: Path) -> _Table:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise DemoDataError(f"{_shown(path)}: cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{_shown(path)}: not valid TOML: {exc}") from exc
    return _Table(path, "", raw)


# --- load_demo: demo/data/demo.toml --------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    name: str
    state: State
    legal_form: str
    areas: tuple[str, ...]  # activity area keys
    description: str
    no_number_reason: str = ""
    representative: bool = False  # the demo representative acts for it too
    version_key: str = ""  # State.EARLIER_VERSION: which version


@dataclass(frozen=True)
class DemoMunicipality:
    slug: str
    city: str
    postal_code: str
    phone_prefix: str
    admin_email: str  # the demo organisation admin of this municipality's organisations
    officer_email: str
    units: tuple[tuple[str, str], ...]  # (name, kind)
    officer_unit: str
    organisations: tuple[DemoOrganisation, ...]


@dataclass(frozen=True)
class Recorded:
    """How an accession that an officer records was made (its day is the generator's:
    demo/dates.py)."""

    source: str
    note: str  # may name the day the accession was signed: {date} ("14 november 2024")


@dataclass(frozen=True)
class DemoTexts:
    municipalities: tuple[DemoMunicipality, ...]
    recorded: dict[State, Recorded]
    description_suffix: str
    contact_name: str
    signer_title: str
    withdrawal_reason: str
    rejection_reason: str
    earlier_version_note: str


def _organisation(entry: _Table) -> DemoOrganisation:
    state = State(entry.choice("state", [s.value for s in State]))
    organisation = DemoOrganisation(
        name=entry.text("name"),
        state=state,
        legal_form=entry.choice("legal_form", LegalForm.values, default=LegalForm.ASSOCIATION),
        areas=entry.texts("areas"),
        description=entry.text("description"),
        no_number_reason=entry.text("no_number_reason", ""),
        representative=entry.flag("representative"),
        version_key=entry.text("version_key", ""),
    )
    if (state == State.EARLIER_VERSION) != bool(organisation.version_key):
        entry.fail("give version_key for the state 'earlier', and only for it")
    entry.done()
    return organisation


def _municipality(entry: _Table) -> DemoMunicipality:
    units = []
    for unit in entry.tables("units", label="name"):
        units.append((unit.text("name"), unit.choice("kind", MunicipalUnit.Kind.values)))
        unit.done()
    municipality = DemoMunicipality(
        slug=entry.text("slug"),
        city=entry.text("city"),
        postal_code=entry.text("postal_code"),
        phone_prefix=entry.text("phone_prefix"),
        admin_email=entry.text("admin_email"),
        officer_email=entry.text("officer_email"),
        units=tuple(units),
        officer_unit=entry.text("officer_unit"),
        organisations=tuple(_organisation(o) for o in entry.tables("organisations", label="name")),
    )
    if municipality.officer_unit not in {name for name, _kind in units}:
        entry.fail(f"officer_unit '{municipality.officer_unit}' is not one of its units")
    entry.done()
    return municipality


@functools.cache
def demo_texts(path: Path = DEMO_FILE) -> DemoTexts:
    """load_demo's municipalities, organisations and accession texts."""
    file = _read(path)
    organisation, accession, recorded_table = (
        file.table("organisation"),
        file.table("accession"),
        file.table("recorded"),
    )
    recorded = {}
    for state in RECORDED_STATES:
        entry = recorded_table.table(state)
        recorded[state] = Recorded(
            source=entry.choice("source", Accession.Source.values),
            note=entry.text("note", placeholders=RECORDED_PLACEHOLDERS),
        )
        entry.done()
    recorded_table.done()
    texts = DemoTexts(
        municipalities=tuple(_municipality(m) for m in file.tables("municipalities", label="slug")),
        recorded=recorded,
        description_suffix=organisation.text("description_suffix"),
        contact_name=organisation.text("contact_name"),
        signer_title=accession.text("signer_title"),
        withdrawal_reason=accession.text("withdrawal_reason"),
        rejection_reason=accession.text("rejection_reason"),
        earlier_version_note=accession.text("earlier_version_note"),
    )
    for table in (organisation, accession, file):
        table.done()
    return texts


# --- load_followup_demo: demo/data/followup.toml -------------------------------------------------

PLAN_PLACEHOLDERS = ("forum", "council")  # what a respondent's or an evaluation's text may use
EVALUATION_SECTIONS = ("summary", "conclusions", "recommendations")


@dataclass(frozen=True)
class Member:
    email: str
    first_name: str
    last_name: str
    side: str


@dataclass(frozen=True)
class DemoQuestion:
    """A 1–5 question the demo officer adds to each of the plan's cycles."""

    section: str
    text: str
    groups: tuple[str, ...]  # respondent groups asked: organisations, units, council


@dataclass(frozen=True)
class DemoFollowup:
    slug: str
    rule_kind: str  # which of the agreement's follow-up rules the demo cycles follow
    council: str  # how the texts name the council
    forum: str  # where the parties meet, as the texts name it
    findings: tuple[str, str]  # an agreement's own finding, for each of the two past cycles
    members: tuple[Member, ...] = ()  # council members created here (Göteborg's is load_demo's)
    anonymise: bool = False
    questions: tuple[DemoQuestion, ...] = ()  # 1–5 questions the officer adds to each cycle


@dataclass(frozen=True)
class StageTexts:
    """A past cycle's conclusions (paragraphs) and recommendations (lines)."""

    conclusions: tuple[str, ...]
    recommendations: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationTexts:
    submitted: str
    rate: str
    best_and_worst: str
    compared: str
    first: str
    stages: tuple[StageTexts, StageTexts]  # the first and the second past cycle


@dataclass(frozen=True)
class ReviewTexts:
    comments: dict[str, tuple[str, str]]  # by council side: (section, text)
    summary_comment: str
    answer: str


@dataclass(frozen=True)
class FollowupTexts:
    plans: tuple[DemoFollowup, ...]
    theme_words: tuple[tuple[str, tuple[str, ...]], ...]  # in order: the first match wins
    comments: dict[tuple[str, str], tuple[str, ...]]  # by (theme, respondent group)
    examples: dict[str, tuple[str, ...]]  # by respondent group
    agreement_answers: tuple[tuple[str, tuple[str, ...]], ...]  # (a word in the question, answers)
    reopen_reasons: tuple[str, ...]
    resubmitted_example: str
    evaluation: EvaluationTexts
    review: ReviewTexts


def _plan(entry: _Table) -> DemoFollowup:
    members = []
    for member in entry.tables("members", label="email", required=False):
        members.append(
            Member(
                email=member.text("email"),
                first_name=member.text("first_name"),
                last_name=member.text("last_name"),
                side=member.choice("side", CouncilMembership.Side.values),
            )
        )
        member.done()
    questions = []
    for question in entry.tables("questions", label="text", required=False):
        groups = question.texts("groups")
        for group in groups:
            if group not in RespondentGroup.values:
                question.fail(
                    f"unknown respondent group '{group}' "
                    f"(one of: {', '.join(RespondentGroup.values)})"
                )
        if not groups:
            question.fail("'groups' must name at least one respondent group")
        questions.append(
            DemoQuestion(
                section=question.text("section"), text=question.text("text"), groups=groups
            )
        )
        question.done()
    first, second = entry.texts("findings", count=2)
    plan = DemoFollowup(
        slug=entry.text("slug"),
        rule_kind=entry.choice("rule_kind", FollowUpRule.Kind.values),
        council=entry.text("council"),
        forum=entry.text("forum"),
        findings=(first, second),
        members=tuple(members),
        anonymise=entry.flag("anonymise"),
        questions=tuple(questions),
    )
    entry.done()
    return plan


def _by_group(table: _Table, *, placeholders: Iterable[str]) -> dict[str, tuple[str, ...]]:
    groups = {}
    for group in table.names():
        if group not in RespondentGroup.values:
            table.fail(
                f"unknown respondent group '{group}' (one of: {', '.join(RespondentGroup.values)})"
            )
        groups[group] = table.texts(group, placeholders=placeholders)
    return groups


def _evaluation(table: _Table) -> EvaluationTexts:
    stages = []
    for stage in table.tables("stages"):
        stages.append(
            StageTexts(
                conclusions=stage.texts("conclusions", placeholders=PLAN_PLACEHOLDERS),
                recommendations=stage.texts("recommendations", placeholders=PLAN_PLACEHOLDERS),
            )
        )
        stage.done()
    if len(stages) != 2:
        table.fail(f"needs two [[evaluation.stages]], one per past cycle, not {len(stages)}")
    texts = EvaluationTexts(
        submitted=table.text(
            "submitted", placeholders=("title", "agreement", "submitted", "rates")
        ),
        rate=table.text("rate", placeholders=("submitted", "invited", "group")),
        best_and_worst=table.text(
            "best_and_worst", placeholders=("best", "best_mean", "worst", "worst_mean")
        ),
        compared=table.text("compared", placeholders=("previous", "up", "count", "principles")),
        first=table.text("first"),
        stages=(stages[0], stages[1]),
    )
    table.done()
    return texts


def _review(table: _Table) -> ReviewTexts:
    comments_table = table.table("comments")
    comments = {}
    for side in CouncilMembership.Side.values:
        entry = comments_table.table(side)
        comments[side] = (entry.choice("section", EVALUATION_SECTIONS), entry.text("text"))
        entry.done()
    comments_table.done()
    review = ReviewTexts(
        comments=comments,
        summary_comment=table.text("summary_comment"),
        answer=table.text("answer", placeholders=PLAN_PLACEHOLDERS),
    )
    table.done()
    return review


@functools.cache
def followup_texts(path: Path = FOLLOWUP_FILE) -> FollowupTexts:
    """load_followup_demo's plans, respondents' answers, evaluations and council comments."""
    file = _read(path)
    theme_words = []
    for entry in file.tables("themes", label="theme"):
        theme_words.append((entry.text("theme"), entry.texts("words")))
        entry.done()
    themes = [theme for theme, _words in theme_words] + ["general"]
    comments_table = file.table("comments")
    comments = {}
    for theme in comments_table.names():
        if theme not in themes:
            comments_table.fail(f"unknown theme '{theme}' (one of: {', '.join(themes)})")
        by_group = _by_group(comments_table.table(theme), placeholders=PLAN_PLACEHOLDERS)
        for group, sentences in by_group.items():
            comments[theme, group] = sentences
    agreement_answers = []
    for entry in file.tables("agreement_answers", label="word"):
        agreement_answers.append(
            (entry.text("word"), entry.texts("answers", placeholders=PLAN_PLACEHOLDERS))
        )
        entry.done()
    reports = file.table("reports")
    texts = FollowupTexts(
        plans=tuple(_plan(entry) for entry in file.tables("plans", label="slug")),
        theme_words=tuple(theme_words),
        comments=comments,
        examples=_by_group(file.table("examples"), placeholders=PLAN_PLACEHOLDERS),
        agreement_answers=tuple(agreement_answers),
        reopen_reasons=reports.texts("reopen_reasons"),
        resubmitted_example=reports.text("resubmitted_example"),
        evaluation=_evaluation(file.table("evaluation")),
        review=_review(file.table("review")),
    )
    reports.done()
    file.done()
    return texts


# --- generate_national_data: demo/data/national.toml ---------------------------------------------


@dataclass(frozen=True)
class NationalTexts:
    place_heads: tuple[str, ...]
    place_tails: tuple[str, ...]
    organisation_kinds: tuple[str, ...]
    organisation_names: tuple[str, ...]
    comments: tuple[str, ...]
    municipality_name: str  # {place}
    agreement_title: str  # {place}
    organisation_name: str  # {kind} {name} {place}
    cycle_title: str  # {year}
    officer_first_name: str
    officer_last_name: str
    organisation_description: str
    declaration_text: str
    signer_name: str
    signer_title: str
    rejection_reason: str
    evaluation_summary: str
    evaluation_conclusions: str
    evaluation_recommendations: str


@functools.cache
def national_texts(path: Path = NATIONAL_FILE) -> NationalTexts:
    """generate_national_data's name parts and the fixed texts of its rows."""
    file = _read(path)
    names, organisation = file.table("names"), file.table("organisation")
    accession, evaluation = file.table("accession"), file.table("evaluation")
    texts = NationalTexts(
        place_heads=file.texts("place_heads"),
        place_tails=file.texts("place_tails"),
        organisation_kinds=file.texts("organisation_kinds"),
        organisation_names=file.texts("organisation_names"),
        comments=file.texts("comments"),
        municipality_name=names.text("municipality", placeholders=("place",)),
        agreement_title=names.text("agreement_title", placeholders=("place",)),
        organisation_name=names.text("organisation", placeholders=("kind", "name", "place")),
        cycle_title=names.text("cycle_title", placeholders=("year",)),
        officer_first_name=names.text("officer_first_name"),
        officer_last_name=names.text("officer_last_name"),
        organisation_description=organisation.text("description"),
        declaration_text=accession.text("declaration_text"),
        signer_name=accession.text("signer_name"),
        signer_title=accession.text("signer_title"),
        rejection_reason=accession.text("rejection_reason"),
        evaluation_summary=evaluation.text("summary"),
        evaluation_conclusions=evaluation.text("conclusions"),
        evaluation_recommendations=evaluation.text("recommendations"),
    )
    for table in (names, organisation, accession, evaluation, file):
        table.done()
    if not all(
        (
            texts.place_heads,
            texts.place_tails,
            texts.organisation_kinds,
            texts.organisation_names,
            texts.comments,
        )
    ):
        file.fail(
            "place_heads, place_tails, organisation_kinds, organisation_names and comments "
            "need a text each at least"
        )
    return texts
