"""A national-scale data set for benchmarks and scale tests, deterministic from a seed.

At scale 1.0: 290 municipalities with an agreement each (the four loaded ones and 286 generated
ones, each a copy of one of the four agreements' structure under a generated name), 50,000
organisations, 100,000 accessions and ten years of follow-up: a closed yearly cycle per
generated agreement with one report per active signatory, the largest municipality's last cycle
answered in full and published, and its current cycle open with 5,000 reports. Smaller scales
shrink every count (the query-count tests use 0.002 and 0.02).

Everything generated is marked, so that it is never mistaken for real data and the generator
refuses to run on a database that has any: generated municipalities' slugs start with ``gen-``,
generated organisations' and accounts' e-mail addresses end in ``@generated.example``.

Rows are written with ``bulk_create`` in batches, bypassing the services on purpose: the
services' audit rows, e-mails and locks are per click, and a data set of this size is not made of
clicks. Nothing here runs in the portal itself; ``manage.py generate_national_data`` calls it.

``generate()`` runs one function per step (agreements, organisations, accessions, cycles,
reports, the published evaluation), each timed. The names it makes up and the fixed texts of its
rows are data, in demo/data/national.toml (docs/demo-data.md), read by demo/texts.py.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify

from agreements import services as agreement_services
from agreements.models import Agreement, AgreementVersion, Municipality
from core.pagecache import public_data_changed
from demo.texts import NationalTexts, national_texts
from followup.models import (
    Answer,
    Cycle,
    CycleEvent,
    Evaluation,
    Question,
    Report,
    RespondentGroup,
)
from followup.services import evaluation_record, questions_from_agreement
from organisations.models import (
    Accession,
    ActivityArea,
    LegalForm,
    OfficerRole,
    Organisation,
)
from organisations.validators import luhn_valid

MARK_DOMAIN = "generated.example"
SLUG_PREFIX = "gen-"
OFFICER_EMAIL = f"officer@{MARK_DOMAIN}"
BATCH = 5000

# At scale 1.0 (issue #7).
MUNICIPALITIES = 290
ORGANISATIONS = 50_000
ACCESSIONS_PER_ORGANISATION = 2  # 100,000 accessions
BIG_CYCLE_REPORTS = 5_000
YEARS = 10

REFUSED_REAL_DATA = (
    "The database holds data that was not generated ({what}). generate_national_data adds "
    "tens of thousands of made-up organisations beside it; run it on an empty database "
    "(after migrate and load_agreements), or pass --force if this really is a test database."
)
NO_AGREEMENTS = "Load the agreements first: manage.py load_agreements."


@dataclass
class Counts:
    municipalities: int
    organisations: int
    big_cycle_reports: int
    years: int = YEARS

    @classmethod
    def at_scale(cls, scale: float) -> Counts:
        return cls(
            municipalities=max(2, round(MUNICIPALITIES * scale)),
            organisations=max(20, round(ORGANISATIONS * scale)),
            big_cycle_reports=max(5, round(BIG_CYCLE_REPORTS * scale)),
        )


@dataclass
class Result:
    municipalities: int = 0
    organisations: int = 0
    accessions: int = 0
    cycles: int = 0
    reports: int = 0
    answers: int = 0
    big_cycle_id: int | None = None
    published_cycle_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)


def real_data(*, include_users: bool = True) -> list[str]:
    """What in the database was not made by this generator (organisations, accounts)."""
    found = []
    organisations = Organisation.objects.exclude(email__endswith=f"@{MARK_DOMAIN}").count()
    if organisations:
        found.append(f"{organisations} organisations")
    if include_users:
        users = get_user_model().objects.exclude(email__endswith=f"@{MARK_DOMAIN}").count()
        if users:
            found.append(f"{users} accounts")
    return found


def is_generated() -> bool:
    return Municipality.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def organisation_number(n: int) -> str:
    """A valid NNNNNN-NNNN number (Luhn check digit), unique for each n below ten million."""
    base = f"80{n:07d}"
    for check in range(10):
        if luhn_valid(base + str(check)):
            return f"{base[:6]}-{base[6:]}{check}"
    raise AssertionError("unreachable")


def _batched(items: Iterable, size: int = BATCH) -> Iterable[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(model, objects: Iterable) -> int:
    total = 0
    for batch in _batched(objects):
        model.objects.bulk_create(batch)
        total += len(batch)
    return total


def _place_names(rng: random.Random, count: int, texts: NationalTexts) -> list[str]:
    names = [head + tail for head in texts.place_heads for tail in texts.place_tails]
    rng.shuffle(names)
    result = []
    for i in range(count):
        name = names[i % len(names)]
        result.append(name if i < len(names) else f"{name} {i // len(names) + 1}")
    return result


def _clone_agreements(rng: random.Random, count: int, texts: NationalTexts) -> list[Agreement]:
    """Agreements under generated names, each a copy of one loaded agreement's structure."""
    data_dir = settings.AGREEMENT_DATA_DIR
    themes_file = agreement_services.read_themes_file(
        data_dir / agreement_services.THEMES_FILE_NAME
    )
    theme_keys = {t.key for t in themes_file.themes}
    templates = [
        agreement_services.read_agreement_file(path, theme_keys)
        for path in agreement_services.agreement_data_files(data_dir)
    ]
    report = agreement_services.LoadReport()
    syncer = agreement_services._Syncer(report)
    themes = agreement_services._sync_themes(syncer, themes_file)
    agreements = []
    for i, place in enumerate(_place_names(rng, count, texts)):
        template = templates[i % len(templates)]
        slug = SLUG_PREFIX + slugify(place)
        municipality = template.municipality.model_copy(
            update={
                "name": texts.municipality_name.format(place=place),
                "short_name": place,
                "slug": slug,
                "website": None,
            }
        )
        data = template.model_copy(
            update={
                "slug": slug,
                "order": 100 + i,
                "municipality": municipality,
                "title": texts.agreement_title.format(place=place),
            }
        )
        agreements.append(agreement_services._sync_agreement(syncer, data, themes))
    return agreements


def _organisation_names(
    rng: random.Random, place: str, count: int, texts: NationalTexts
) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for _i in range(count):
        kind = rng.choice(texts.organisation_kinds)
        name = texts.organisation_name.format(
            kind=kind, name=rng.choice(texts.organisation_names), place=place
        )
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return names


@dataclass
class _Run:
    """What the steps of one run share: its inputs, and what each step made for the next ones."""

    rng: random.Random
    counts: Counts
    texts: NationalTexts
    result: Result
    clock: _Clock
    progress: Callable[[str], None]
    now: datetime.datetime
    this_year: int
    agreements: list[Agreement] = field(default_factory=list)  # the generated ones
    versions: dict[int, AgreementVersion] = field(default_factory=dict)  # current, by agreement
    organisations: list[tuple[int, int]] = field(default_factory=list)  # (pk, municipality)
    active_by_agreement: dict[int, list[int]] = field(default_factory=dict)  # organisations
    officer: Any = None
    cycles: list[Cycle] = field(default_factory=list)
    published: Cycle | None = None  # the cycle whose evaluation is published

    @property
    def big(self) -> Agreement:
        """The largest municipality's agreement: the first generated one."""
        return self.agreements[0]


def generate(
    *,
    seed: int = 1,
    scale: float = 1.0,
    counts: Counts | None = None,
    progress: Callable[[str], None] = lambda _m: None,
) -> Result:
    """Write the data set (``counts`` overrides ``scale``), one step after another.

    The caller checks ``real_data()`` and ``is_generated()`` first. ``Result.timings`` holds
    the seconds of each step, by name (the benchmark prints them).
    """
    result = Result()
    run = _Run(
        rng=random.Random(seed),  # noqa: S311 (made-up data, not security)
        counts=counts or Counts.at_scale(scale),
        texts=national_texts(),
        result=result,
        clock=_Clock(result.timings),
        progress=progress,
        now=timezone.now(),
        this_year=timezone.localdate().year,
    )
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        _generate_agreements(run)
        _generate_organisations(run)
        _generate_accessions(run)
        _generate_cycles(run)
        _generate_reports(run)
        _generate_evaluation(run)
    return result


def _generate_agreements(run: _Run) -> None:
    """Municipalities and agreements: the loaded ones stay, the rest are generated."""
    loaded = Agreement.objects.count()
    count = max(1, run.counts.municipalities - loaded)
    run.agreements = _clone_agreements(run.rng, count, run.texts)
    for agreement in run.agreements:
        version = agreement.current_version
        if version is None:  # _sync_agreement makes one; a clone without it is a bug
            raise AssertionError(f"the generated agreement {agreement.slug} has no version")
        run.versions[agreement.pk] = version
    run.result.municipalities = loaded + len(run.agreements)
    run.clock.lap("agreements")
    run.progress(f"{run.result.municipalities} municipalities with agreements")


def _organisation_shares(run: _Run) -> dict[int, int]:
    """How many organisations each agreement's municipality gets: the first generated one is
    the largest (it has the cycle with the most reports); the others share the rest."""
    agreements, counts = run.agreements, run.counts
    big, others = agreements[0], agreements[1:] or agreements[:1]
    share = {big.pk: counts.big_cycle_reports}
    rest = max(0, counts.organisations - counts.big_cycle_reports)
    for i, agreement in enumerate(others):
        share[agreement.pk] = (
            share.get(agreement.pk, 0) + rest // len(others) + (1 if i < rest % len(others) else 0)
        )
    return share


def _generate_organisations(run: _Run) -> None:
    """Organisations with their activity areas, shared out between the municipalities."""
    rng, texts = run.rng, run.texts
    share = _organisation_shares(run)
    areas = list(ActivityArea.objects.values_list("pk", flat=True))
    legal_forms = LegalForm.values
    organisations = []
    n = 0
    for agreement in run.agreements:
        municipality = agreement.municipality
        names = _organisation_names(rng, municipality.short_name, share[agreement.pk], texts)
        for name in names:
            n += 1
            organisations.append(
                Organisation(
                    name=name,
                    organisation_number=organisation_number(n),
                    legal_form=rng.choice(legal_forms),
                    municipality_id=municipality.pk,
                    email=f"info{n}@{MARK_DOMAIN}",
                    city=municipality.short_name,
                    description=texts.organisation_description,
                    created_at=run.now - datetime.timedelta(days=rng.randint(30, 3650)),
                )
            )
    run.result.organisations = _bulk(Organisation, organisations)
    run.organisations = list(
        Organisation.objects.filter(email__endswith=f"@{MARK_DOMAIN}")
        .order_by("pk")
        .values_list("pk", "municipality_id")
    )
    through = Organisation.activity_areas.through
    _bulk(
        through,
        (
            through(organisation_id=pk, activityarea_id=area)
            for pk, _m in run.organisations
            for area in rng.sample(areas, k=min(len(areas), rng.randint(1, 3)))
        ),
    )
    run.clock.lap("organisations")
    run.progress(f"{run.result.organisations} organisations")


def _generate_accessions(run: _Run) -> None:
    """Two per organisation, an earlier one (withdrawn or rejected) and the current one (active
    for most, else pending or withdrawn). All of the largest municipality's organisations are
    active, so that its cycle has one report each."""
    rng, texts, now = run.rng, run.texts, run.now
    by_municipality = {a.municipality_id: a for a in run.agreements}
    run.active_by_agreement = {a.pk: [] for a in run.agreements}
    accessions = []
    for pk, municipality_id in run.organisations:
        agreement = by_municipality[municipality_id]
        version = run.versions[agreement.pk]
        first = now - datetime.timedelta(days=rng.randint(400, 3650))
        second = first + datetime.timedelta(days=rng.randint(30, 360))
        earlier = rng.choice([Accession.Status.WITHDRAWN, Accession.Status.REJECTED])
        roll = rng.random()
        if agreement.pk == run.big.pk or roll < 0.88:
            current = Accession.Status.ACTIVE
        elif roll < 0.94:
            current = Accession.Status.PENDING
        else:
            current = Accession.Status.WITHDRAWN
        for status, signed in ((earlier, first), (current, second)):
            decided = signed + datetime.timedelta(days=rng.randint(1, 20))
            accessions.append(
                Accession(
                    organisation_id=pk,
                    agreement_id=agreement.pk,
                    version_id=version.pk,
                    status=status,
                    source=rng.choice(Accession.Source.values),
                    declaration_text=texts.declaration_text,
                    basis=Accession.Basis.SIGNATORY,
                    signer_name=texts.signer_name,
                    signer_title=texts.signer_title,
                    signed_at=signed,
                    decided_at=None if status == Accession.Status.PENDING else decided,
                    rejection_reason=(
                        texts.rejection_reason if status == Accession.Status.REJECTED else ""
                    ),
                    withdrawn_at=decided if status == Accession.Status.WITHDRAWN else None,
                )
            )
        if current == Accession.Status.ACTIVE:
            run.active_by_agreement[agreement.pk].append(pk)
    run.result.accessions = _bulk(Accession, accessions)
    run.clock.lap("accessions")
    run.progress(f"{run.result.accessions} accessions")


def _generate_cycles(run: _Run) -> None:
    """Ten years of yearly follow-up: a closed cycle per year and agreement, and the largest
    municipality's current one, open; each with its history and its questions."""
    officer = run.officer = _officer(run.big, run.texts)
    big, now, today = run.big, run.now, timezone.localdate()

    def yearly_cycle(agreement_id: int, year: int, **state) -> Cycle:
        return Cycle(
            agreement_id=agreement_id,
            version_id=run.versions[agreement_id].pk,
            kind=Cycle.Kind.FOLLOWUP,
            title=run.texts.cycle_title.format(year=year),
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
            created_by=officer,
            **state,
        )

    cycles = [
        yearly_cycle(
            agreement.pk,
            year,
            opens_on=datetime.date(year + 1, 1, 15),
            deadline=datetime.date(year + 1, 3, 1),
            status=Cycle.Status.CLOSED,
            created_at=_aware(year + 1, 1, 10),
            opened_at=_aware(year + 1, 1, 15),
            closed_at=_aware(year + 1, 3, 2),
        )
        for agreement in run.agreements
        for year in range(run.this_year - run.counts.years, run.this_year)
    ]
    cycles.append(
        yearly_cycle(
            big.pk,
            run.this_year,
            opens_on=today,
            deadline=today + datetime.timedelta(days=42),
            status=Cycle.Status.OPEN,
            created_at=now,
            opened_at=now,
        )
    )
    run.result.cycles = _bulk(Cycle, cycles)
    run.cycles = list(
        Cycle.objects.filter(agreement__in=run.agreements).order_by("agreement", "period_start")
    )
    big_cycle = next(c for c in run.cycles if c.status == Cycle.Status.OPEN)
    run.published = max(
        (c for c in run.cycles if c.agreement_id == big.pk and c.status == Cycle.Status.CLOSED),
        key=lambda c: c.period_start,
    )
    run.result.big_cycle_id, run.result.published_cycle_id = big_cycle.pk, run.published.pk
    _generate_cycle_history(run)
    _generate_questions(run)
    run.clock.lap("cycles")


def _generate_cycle_history(run: _Run) -> None:
    """Each cycle's history, as the services would have written it: created, opened, closed."""
    _bulk(
        CycleEvent,
        (
            CycleEvent(cycle_id=cycle.pk, kind=kind, actor=run.officer, created_at=at)
            for cycle in run.cycles
            for kind, at in (
                (CycleEvent.Kind.CREATED, cycle.created_at),
                (CycleEvent.Kind.OPENED, cycle.opened_at),
                (CycleEvent.Kind.CLOSED, cycle.closed_at),
            )
            if at is not None
        ),
    )


def _generate_questions(run: _Run) -> None:
    """The questions each agreement's cycles ask, made once per agreement and copied."""
    questions_of: dict[int, list[Question]] = {}
    for agreement in run.agreements:
        template = Cycle(version=run.versions[agreement.pk])
        questions_of[agreement.pk] = questions_from_agreement(template)
    _bulk(
        Question,
        (
            _copy_question(question, cycle.pk)
            for cycle in run.cycles
            for question in questions_of[cycle.agreement_id]
        ),
    )


def _generate_reports(run: _Run) -> None:
    """One report per active signatory and cycle: the closed cycles' mostly submitted, the open
    one's in every state."""
    reports = []
    for cycle in run.cycles:
        for i, pk in enumerate(run.active_by_agreement[cycle.agreement_id]):
            if cycle.status == Cycle.Status.OPEN:
                status = [Report.Status.SUBMITTED, Report.Status.DRAFT][i % 3 // 2]
                status = Report.Status.NOT_STARTED if i % 5 == 4 else status
            else:
                status = Report.Status.SUBMITTED if i % 10 else Report.Status.NOT_STARTED
            saved = None if status == Report.Status.NOT_STARTED else cycle.opens_on
            reports.append(
                Report(
                    cycle_id=cycle.pk,
                    group=RespondentGroup.ORGANISATIONS,
                    organisation_id=pk,
                    status=status,
                    invited_at=cycle.opened_at,  # each organisation was invited when it opened
                    revision=0 if saved is None else 1,
                    updated_at=_aware(saved.year, saved.month, saved.day) if saved else None,
                    submitted_at=(
                        _aware(saved.year, saved.month, saved.day)
                        if status == Report.Status.SUBMITTED
                        else None
                    ),
                )
            )
    run.result.reports = _bulk(Report, reports)
    del reports
    run.clock.lap("reports")
    run.progress(f"{run.result.cycles} cycles, {run.result.reports} reports")


def _generate_evaluation(run: _Run) -> None:
    """The published evaluation: every submitted report of that cycle answered."""
    published, texts = run.published, run.texts
    assert published is not None  # _generate_cycles chose it
    questions = [
        q
        for q in Question.objects.filter(cycle=published)
        if RespondentGroup.ORGANISATIONS in q.respondent_groups
    ]
    submitted = Report.objects.filter(cycle=published, status=Report.Status.SUBMITTED).values_list(
        "pk", flat=True
    )
    run.result.answers = _bulk(
        Answer,
        (_answer(run.rng, report, q, texts) for report in submitted for q in questions),
    )
    evaluation = Evaluation.objects.create(
        cycle=published,
        summary=texts.evaluation_summary,
        conclusions=texts.evaluation_conclusions,
        recommendations=texts.evaluation_recommendations,
        revision=1,
        compiled_at=published.closed_at,
        published_at=published.closed_at + datetime.timedelta(days=30),
        published_by=run.officer,
    )
    # Frozen as publishing freezes it (figures, approvals, how the reports were collected).
    evaluation.frozen_data = evaluation_record(cycle=published, evaluation=evaluation)
    evaluation.save(update_fields=["frozen_data"])
    Cycle.objects.filter(pk=published.pk).update(status=Cycle.Status.PUBLISHED)
    run.clock.lap("evaluation")
    public_data_changed()
    run.progress(f"{run.result.answers} answers in the published evaluation")


class _Clock:
    def __init__(self, timings: dict[str, float]):
        import time

        self._time = time.monotonic
        self._last = self._time()
        self.timings = timings

    def lap(self, name: str) -> None:
        now = self._time()
        self.timings[name] = round(now - self._last, 2)
        self._last = now


def _aware(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def _copy_question(question: Question, cycle_id: int) -> Question:
    return Question(
        cycle_id=cycle_id,
        order=question.order,
        source=question.source,
        answer_kind=question.answer_kind,
        respondent_groups=question.respondent_groups,
        section=question.section,
        text=question.text,
        help_text=question.help_text,
        principle_id=question.principle_id,
        commitment_id=question.commitment_id,
        followup_area_id=question.followup_area_id,
    )


def _answer(rng: random.Random, report_id: int, question: Question, texts: NationalTexts) -> Answer:
    answer = Answer(report_id=report_id, question_id=question.pk)
    kind = question.answer_kind
    if kind == Question.AnswerKind.SCALE:
        if rng.random() < 0.1:
            answer.not_applicable = True
        else:
            answer.score = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 4, 4, 2])[0]
        if rng.random() < 0.002:
            answer.comment = rng.choice(texts.comments)
    elif kind == Question.AnswerKind.COUNT:
        answer.number = rng.randint(0, 12)
    elif rng.random() < 0.01:
        answer.text = rng.choice(texts.comments)
    return answer


def _officer(agreement: Agreement, texts: NationalTexts):
    """The largest municipality's officer, with two-factor authentication (for the dashboard)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user = get_user_model().objects.create(
        username="generated-officer",
        email=OFFICER_EMAIL,
        first_name=texts.officer_first_name,
        last_name=texts.officer_last_name,
        password=make_password(None),
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # A secret of this data set only; the account has no usable password.
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "GENERATEDGENERATED"}
    )
    OfficerRole.objects.create(user=user, municipality=agreement.municipality)
    return user
