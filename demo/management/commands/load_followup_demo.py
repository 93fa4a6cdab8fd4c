"""Demo data for follow-up: past published evaluations and one open cycle for each agreement.

Runs after ``manage.py load_demo``, which makes the organisations, their accessions, the municipal
units and the demo accounts; this command refuses with a clear message when that data is missing.
Like load_demo it creates accounts with the published demo password (council members for Borås,
Södertälje and Botkyrka, one per side, so that a council can approve), so it refuses to run unless
settings.DEBUG is True or ``--force`` is given. Every comment, example and narrative is made up;
they are data, in demo/data/followup.toml (docs/demo-data.md), read by demo/texts.py.

For each agreement, on the agreement's own cadence (Borås every second year, the others yearly):
two past cycles, reported, closed, compiled, reviewed by the council and published with a PDF,
the second compared with the first; and the current cycle, open, with a deadline four weeks ahead
and a mix of reports: submitted, draft, reopened by an officer, not started.

Everything is built through followup.services, as officers' and respondents' clicks would build
it, so the versions, comments, approvals, the cycles' histories (CycleEvents) and frozen figures
look as real ones do. One step needs a
detour: a past cycle's deadline has passed, and ``report_save`` rightly refuses a report after the
deadline (DEADLINE_PASSED). So a past cycle is created with its real opening date but with a
deadline a week from today; its reports are filed, the cycle is closed, the evaluation written,
reviewed and published; and only then are the deadline and the timestamps (created, opened,
closed, saved, submitted, reminded, commented, approved, published, and the history's events)
moved back to the cycle's real calendar with queryset updates. The PDF is rendered after that,
so it carries the real date.

Background work: while loading, the task backend is the dummy one and e-mail goes nowhere, so
demo cycles send no invitations and publishing queues no render task. The command renders each
new PDF itself, synchronously, once the data is committed, by calling the task's function
(``render_evaluation_pdf.call(pk)``), so the PDFs exist without a worker. The invitations count as
sent (``Report.invited_at``) to every respondent that has somebody to receive them, as they would
have been; the others show as "no recipient". The open cycle's reminders are sent by the daily
schedule (``manage.py run_followup_schedule``) on their days, as for any cycle.

Idempotent: a cycle is identified by agreement, kind and period start; one that exists is left
alone, so a second run changes nothing. A published evaluation of a demo period whose PDF is not
ready (an interrupted run) is rendered again.

Time: on the two-core development machine about 18 s when it is otherwise idle (3 s of data,
15 s for the eight PDFs, which WeasyPrint makes slow) and about 60 s when other work
keeps both cores busy. The command prints how long it took.
"""

from __future__ import annotations

import datetime
import random
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from agreements.models import Agreement, AgreementVersion, Body, FollowUpRule
from demo.management.commands.load_demo import DEMO_PASSWORD, RECOVERY_CODES, TOTP_SECRET
from demo.texts import DemoDataError, DemoFollowup, Member, demo_texts, followup_texts
from followup import recipients, services
from followup.compile import CompiledEvaluation, compile_evaluation
from followup.models import (
    Cycle,
    CycleEvent,
    CycleReminder,
    Evaluation,
    EvaluationApproval,
    EvaluationComment,
    Question,
    Report,
    ReportVersion,
    RespondentGroup,
)
from followup.tasks import render_evaluation_pdf
from organisations.models import (
    Accession,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Representative,
)

REFUSED = (
    "load_followup_demo creates council accounts with a published password and two-factor "
    "secret. It only runs when settings.DEBUG is True (development); on a throwaway test server, "
    "run it with --force."
)
NOT_LOADED = "Run `manage.py load_demo` first. Missing: "

DEMO_REPRESENTATIVE = "representant@demo.example"
GOTEBORG_COUNCIL_MEMBER = "samrad@demo.example"


@dataclass(frozen=True)
class _CycleContext:
    """What every step of making one cycle needs."""

    plan: DemoFollowup
    agreement: Agreement
    rule: FollowUpRule
    kind: str
    stage: int  # 0 and 1: the past cycles, 2: the open one
    officer: Any
    members: list[CouncilMembership]
    start: datetime.date  # the period followed up
    end: datetime.date


@dataclass(frozen=True)
class _Narrative:
    summary: str
    conclusions: str
    recommendations: str


@dataclass(frozen=True)
class _PastCalendar:
    """A past cycle's real days: opened, deadline, closed, sent to the council, published."""

    opens_on: datetime.date
    deadline: datetime.date
    closed: datetime.date
    to_council: datetime.date
    published: datetime.date


def _seed(*parts) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def _fill(text: str, plan: DemoFollowup) -> str:
    """A text of the data file with the plan's {forum} and {council} written in."""
    return text.format(forum=plan.forum, council=plan.council)


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _officer_emails() -> dict[str, str]:
    """Each agreement's demo officer (load_demo's), by the agreement's slug."""
    return {m.slug: m.officer_email for m in demo_texts().municipalities}


def _theme(question: Question, theme_words: Iterable[tuple[str, Iterable[str]]]) -> str:
    """The first theme with a word in the question's principle or text, else "general"."""
    words = f"{question.principle.title if question.principle_id else ''} {question.text}".lower()
    for theme, keys in theme_words:
        if any(key in words for key in keys):
            return theme
    return "general"


class Command(BaseCommand):
    help = (
        "Load follow-up demo data: for each agreement two published cycles with PDFs and one "
        "open cycle. Run after load_demo. Development only: refuses unless DEBUG is True or "
        "--force is given. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is False (a throwaway test server, never production).",
        )

    def handle(self, *args, force: bool, **options):
        if not (settings.DEBUG or force):
            raise CommandError(REFUSED)
        started = time.monotonic()
        # The data files are read (and checked) before anything is written.
        try:
            self.texts = followup_texts()
            self.officer_emails = _officer_emails()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.created: list[str] = []
        self.past_cycles: list[int] = []  # the demo periods' published cycles, new or not
        self.password_hash = ""
        self.today = timezone.localdate()
        self._load()
        loaded = time.monotonic()
        rendered = self._render_pdfs()
        finished = time.monotonic()
        self._print_summary(rendered, data=loaded - started, pdfs=finished - loaded)

    def _load(self) -> None:
        """Every plan's cycles, in one transaction, sending nothing."""
        # No invitations, reminders or render tasks for demo data while it is built: the PDFs
        # are rendered after the commit, the open cycles' reminders scheduled then too.
        quiet = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        )
        with quiet, translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            self._check_prerequisites()
            for plan in self.texts.plans:
                self._agreement(plan)

    def _print_summary(self, rendered: int, *, data: float, pdfs: float) -> None:
        for line in self.created:
            self.stdout.write(f"  {line}")
        if self.created or rendered:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Follow-up demo data loaded ({len(self.created)} new, {rendered} PDFs "
                    f"rendered) in {data + pdfs:.1f} s (data {data:.1f} s, PDFs {pdfs:.1f} s)."
                )
            )
        else:
            self.stdout.write("No changes: the follow-up demo data is already loaded.")
        accounts = [member.email for plan in self.texts.plans for member in plan.members]
        self.stdout.write(
            f"Council accounts (password {DEMO_PASSWORD}, two-factor as in load_demo): "
            + ", ".join([GOTEBORG_COUNCIL_MEMBER, *accounts])
        )

    # --- What load_demo must have made ----------------------------------------------------------

    def _check_prerequisites(self) -> None:
        missing = []
        self.officers = {}
        for plan in self.texts.plans:
            agreement = (
                Agreement.objects.select_related("municipality").filter(slug=plan.slug).first()
            )
            if agreement is None or agreement.current_version is None:
                missing.append(f"the agreement '{plan.slug}' (run manage.py load_agreements)")
                continue
            place = agreement.municipality.short_name
            if not MunicipalUnit.objects.filter(municipality=agreement.municipality).exists():
                missing.append(f"municipal units of {place}")
            if not Accession.objects.filter(
                agreement=agreement, status=Accession.Status.ACTIVE
            ).exists():
                missing.append(f"an active accession to the agreement of {place}")
            role = (
                OfficerRole.objects.filter(
                    user__email=self.officer_emails[plan.slug], municipality=agreement.municipality
                )
                .select_related("user")
                .first()
            )
            if role is None:
                missing.append(f"the demo officer {self.officer_emails[plan.slug]}")
            else:
                self.officers[plan.slug] = role.user
        if not CouncilMembership.objects.filter(
            user__email=GOTEBORG_COUNCIL_MEMBER, agreement__slug="goteborg"
        ).exists():
            missing.append(f"the demo council member {GOTEBORG_COUNCIL_MEMBER}")
        if missing:
            raise CommandError(NOT_LOADED + "; ".join(missing) + ".")

    # --- Council members ------------------------------------------------------------------------

    def _council(self, plan: DemoFollowup, agreement: Agreement) -> list[CouncilMembership]:
        body = Body.objects.filter(
            version__agreement=agreement,
            version__status=AgreementVersion.Status.CURRENT,
            is_council=True,
        ).first()
        for member in plan.members:
            user = self._account(member)
            _membership, created = CouncilMembership.objects.get_or_create(
                user=user, agreement=agreement, defaults={"body": body, "side": member.side}
            )
            if created:
                self.created.append(f"council member {user.email} ({agreement.title})")
        return list(
            CouncilMembership.objects.filter(agreement=agreement)
            .select_related("user")
            .order_by("side", "pk")
        )

    def _account(self, member: Member):
        user, created = get_user_model().objects.get_or_create(
            username=member.email,
            defaults={
                "email": member.email,
                "first_name": member.first_name,
                "last_name": member.last_name,
            },
        )
        if created:
            # Hashing is slow on purpose: hash the shared demo password once per run.
            if not self.password_hash:
                self.password_hash = make_password(DEMO_PASSWORD)
            user.password = self.password_hash
            user.save(update_fields=["password"])
            self.created.append(f"account {member.email}")
        EmailAddress.objects.get_or_create(
            user=user, email=member.email, defaults={"verified": True, "primary": True}
        )
        # Council pages ask for two-factor authentication, as load_demo's accounts have it.
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": encrypt(TOTP_SECRET)}},
        )
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            defaults={
                "data": {"migrated_codes": [encrypt(c) for c in RECOVERY_CODES], "used_mask": 0}
            },
        )
        return user

    # --- Cycles ---------------------------------------------------------------------------------

    def _agreement(self, plan: DemoFollowup) -> None:
        """The plan's three cycles that do not exist yet: two past ones and the open one."""
        agreement = Agreement.objects.select_related("municipality").get(slug=plan.slug)
        rule = agreement.current_version.followup_rules.get(kind=plan.rule_kind)
        kind = services.RULE_KINDS[rule.kind]
        members = self._council(plan, agreement)
        years = rule.interval_years
        year = self.today.year
        # Two past periods and the one just ended, e.g. 2023, 2024 and 2025 (2026) or
        # 2020–2021, 2022–2023 and 2024–2025 (Borås, every second year).
        for stage, back in enumerate((3, 2, 1)):
            start = datetime.date(year - years * back, 1, 1)
            end = datetime.date(year - years * (back - 1) - 1, 12, 31)
            existing = Cycle.objects.filter(agreement=agreement, kind=kind, period_start=start)
            if existing.exists():
                if back > 1:
                    self.past_cycles.extend(existing.values_list("pk", flat=True))
                continue
            context = _CycleContext(
                plan=plan,
                agreement=agreement,
                rule=rule,
                kind=kind,
                stage=stage,
                officer=self.officers[plan.slug],
                members=members,
                start=start,
                end=end,
            )
            if back > 1:
                self.past_cycles.append(self._past_cycle(context).cycle_id)
            else:
                self._open_cycle(context)

    def _title(self, kind: str, start: datetime.date, end: datetime.date) -> str:
        years = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
        return f"{str(Cycle.Kind(kind).label).capitalize()} {years}"

    def _create_and_open(
        self,
        context: _CycleContext,
        *,
        opens_on: datetime.date,
        deadline: datetime.date,
        reminder_days: tuple[int, ...] = services.DEFAULT_REMINDER_DAYS,
    ) -> Cycle:
        cycle = services.cycle_create(
            agreement=context.agreement,
            rule=context.rule,
            actor=context.officer,
            kind=context.kind,
            title=self._title(context.kind, context.start, context.end),
            period_start=context.start,
            period_end=context.end,
            opens_on=opens_on,
            deadline=deadline,
            reminder_days=reminder_days,
            anonymise_free_text=context.plan.anonymise,
        )
        # The officer's own 1–5 questions, added to the questionnaire the agreement gave.
        order = cycle.questions.count()
        for number, question in enumerate(context.plan.questions):
            services.question_save(
                question=Question(
                    cycle=cycle,
                    order=order + number,
                    source=Question.Source.CUSTOM,
                    answer_kind=Question.AnswerKind.SCALE,
                    respondent_groups=list(question.groups),
                    section=question.section,
                    text=question.text,
                ),
                actor=context.officer,
            )
        return services.cycle_open(cycle=cycle, actor=context.officer)

    def _past_cycle(self, context: _CycleContext) -> Evaluation:
        """Reported, closed, written, reviewed and published; then moved back to its calendar."""
        officer = context.officer
        opens_on = datetime.date(context.end.year + 1, 1, 20)
        deadline = datetime.date(context.end.year + 1, 3, 1)
        # report_save refuses after the deadline: moved back to the real one when published.
        # One reminder, a week before the real deadline (on the detour's, today).
        cycle = self._create_and_open(
            context,
            opens_on=opens_on,
            deadline=self.today + datetime.timedelta(days=7),
            reminder_days=(7,),
        )
        self._file_reports(cycle, context.plan, context.stage, officer)
        cycle = services.cycle_close(cycle=cycle, actor=officer)
        narrative = self._write_evaluation(cycle, context)
        services.evaluation_send_to_council(cycle=cycle, actor=officer)
        self._review(cycle, context.plan, context.members, officer, narrative)
        evaluation = services.evaluation_publish(cycle=cycle, actor=officer)
        self._backdate_past_cycle(cycle, opens_on, deadline)
        self.created.append(
            f"published cycle {context.agreement.municipality.short_name}: {cycle.title}"
        )
        return evaluation

    def _open_cycle(self, context: _CycleContext) -> None:
        """Open for four more weeks, with reports in every state."""
        opens_on = self.today - datetime.timedelta(days=14)
        cycle = self._create_and_open(
            context, opens_on=opens_on, deadline=self.today + datetime.timedelta(days=28)
        )
        self._file_reports(cycle, context.plan, context.stage, context.officer)
        self._backdate_open_cycle(cycle, opens_on)
        self.created.append(
            f"open cycle {context.agreement.municipality.short_name}: {cycle.title}"
        )

    # --- Reports --------------------------------------------------------------------------------

    def _held(self, report: Report) -> bool:
        """A report that a demo account files: left for the visitor in the open cycle."""
        if report.organisation_id:
            return (
                Representative.objects.current()
                .filter(organisation_id=report.organisation_id, user__email=DEMO_REPRESENTATIVE)
                .exists()
            )
        if report.unit_id:
            return OfficerRole.objects.filter(
                unit_id=report.unit_id, user__email__in=self.officer_emails.values()
            ).exists()
        return report.council_member.email == GOTEBORG_COUNCIL_MEMBER

    def _fate(self, stage: int, group: str, index: int, count: int, held: bool) -> str:
        """What happens to a report: submitted, draft, reopened, resubmitted or not started.

        In the open cycle, ``index`` counts only the reports no demo account holds.
        """
        if stage == 0:  # the first cycle: a few did not make it
            if group == RespondentGroup.ORGANISATIONS:
                return "draft" if index == count - 1 and count > 1 else "submitted"
            if group == RespondentGroup.UNITS:
                return "submitted" if index < 2 else "not_started"
            return "submitted" if index == 0 else "not_started"
        if stage == 1:  # a better response rate, and one report corrected after reopening
            if group == RespondentGroup.ORGANISATIONS:
                return "resubmitted" if index == 0 else "submitted"
            if group == RespondentGroup.UNITS:
                return "draft" if index == count - 1 and count > 1 else "submitted"
            return "submitted"
        # The open cycle: the representative's draft waits to be finished and submitted, the
        # officer's own unit has not started; the others show every state an officer follows.
        if group == RespondentGroup.ORGANISATIONS:
            return "draft" if held else ("submitted", "reopened", "not_started")[index % 3]
        if group == RespondentGroup.UNITS:
            return "not_started" if held else ("submitted", "draft")[index % 2]
        return "submitted" if index == 0 and not held else "not_started"

    def _respondent(self, report: Report, officer):
        """Who files it: a representative, an officer of the unit, or the council member.

        Units without an officer account in the demo data are filed by the municipality's demo
        officer: the services do not check who files (the views do).
        """
        if report.organisation_id:
            representative = (
                Representative.objects.current()
                .filter(organisation_id=report.organisation_id)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            return representative.user if representative else officer
        if report.unit_id:
            role = (
                OfficerRole.objects.filter(unit_id=report.unit_id)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            return role.user if role else officer
        return report.council_member

    def _file_reports(self, cycle: Cycle, plan: DemoFollowup, stage: int, officer) -> None:
        reports = list(cycle.reports.select_related("organisation", "unit", "council_member"))
        questions = list(cycle.questions.select_related("principle").order_by("order", "pk"))
        used: set[str] = set()  # sentences already used in this cycle
        for group in RespondentGroup.values:
            in_group = sorted(
                (r for r in reports if r.group == group), key=lambda r: r.respondent_name
            )
            free = 0  # reports no demo account holds, so far
            for index, report in enumerate(in_group):
                held = stage == 2 and self._held(report)
                fate = self._fate(stage, group, free if stage == 2 else index, len(in_group), held)
                free += not held
                if fate == "not_started":
                    continue
                # Made-up answers, the same on every machine: no secrecy needed.
                seed = _seed(plan.slug, cycle.period_start, report.respondent_name)
                rng = random.Random(seed)  # noqa: S311
                answers = self._answers(plan, stage, report, index, questions, rng, used)
                self._file(report, fate, answers, self._respondent(report, officer), officer)

    def _file(self, report, fate, answers, user, officer) -> None:
        save = services.report_save
        if fate == "draft":
            half = answers[: len(answers) // 2]
            save(report=report, actor=user, answers=half, based_on_revision=0)
            return
        revision = 0
        if report.pk % 2 == 0 or fate != "submitted":  # some save a draft first
            save(report=report, actor=user, answers=answers[:3], based_on_revision=0)
            revision = 1
        report = save(
            report=report, actor=user, answers=answers, based_on_revision=revision, submit=True
        )
        if fate in ("reopened", "resubmitted"):
            reasons = self.texts.reopen_reasons
            reason = reasons[report.pk % len(reasons)]
            report = services.report_reopen(report=report, actor=officer, reason=reason)
        if fate == "resubmitted":
            for answer in answers:
                if answer.examples == "" and answer.score is not None:
                    answer.examples = self.texts.resubmitted_example
                    break
            save(
                report=report,
                actor=user,
                answers=answers,
                based_on_revision=report.revision,
                submit=True,
            )

    def _answers(self, plan, stage, report, index, questions, rng, used) -> list:
        """A report's answers to the questions its group is asked, by the kind of answer."""
        answers = []
        for question in questions:
            if not question.asks(report.group):
                continue
            answer = services.AnswerInput(question_id=question.pk)
            if question.answer_kind == Question.AnswerKind.SCALE:
                self._scale_answer(answer, plan, stage, report, index, question, rng, used)
            elif question.answer_kind == Question.AnswerKind.COUNT:
                # Not every unit knows its number: the evaluation says from how many it is.
                if rng.random() < 0.7:
                    answer.number = rng.randint(1, 3) + stage
            else:
                text = question.text.lower()
                answers_by_word = self.texts.agreement_answers
                pool = next((p for word, p in answers_by_word if word in text), ())
                if question.answer_kind == Question.AnswerKind.LIST:
                    answer.text = self._list_answer(pool, rng, plan)
                else:
                    answer.text = self._pick(pool, index + stage, used, plan)
            answers.append(answer)
        return answers

    def _list_answer(self, pool: Sequence[str], rng: random.Random, plan: DemoFollowup) -> str:
        """A few of the pool's items, one a line, the first one more often than the others; as
        people type lists: some respondents with dashes, some all in lower case."""
        if not pool:
            return ""
        items = [_fill(item, plan) for item in pool]
        chosen = [items[0]] if rng.random() < 0.8 else []
        others = items[1:]
        chosen += rng.sample(others, min(len(others), rng.randint(1, 2)))
        dash = "- " if rng.random() < 0.3 else ""
        lower = rng.random() < 0.2
        return "\n".join(dash + (item[0].lower() + item[1:] if lower else item) for item in chosen)

    def _scale_answer(self, answer, plan, stage, report, index, question, rng, used) -> None:
        """A score (or not applicable), sometimes a comment, sometimes examples."""
        group = report.group
        is_commitment = question.source == Question.Source.COMMITMENT
        if rng.random() < (0.15 if is_commitment else 0.08):
            answer.not_applicable = True
        else:
            # A level per question, a respondent's own leaning that stays from cycle
            # to cycle, and a little higher each cycle: means rise, unevenly.
            base = 2.5 + (_seed(plan.slug, question.order) % 100) / 90
            leaning = ((_seed(report.respondent_name, question.order) % 5) - 2) / 2
            # On some questions the two parties see things differently, as they do in life:
            # the units a step more content than the organisations, or the other way round.
            sides = _seed(plan.slug, question.order, "sides") % 4
            if sides == 0:
                leaning += {"units": 0.8, "organisations": -0.5}.get(group, 0)
            elif sides == 1:
                leaning += {"organisations": 0.6, "units": -0.4}.get(group, 0)
            value = base + leaning + 0.45 * stage + rng.choice((-0.3, 0, 0, 0.3))
            answer.score = min(5, max(1, round(value)))
        pool = self.texts.comments.get((_theme(question, self.texts.theme_words), group), ())
        if pool and rng.random() < (0.12 if is_commitment else 0.55):
            answer.comment = self._pick(pool, index, used, plan)
        examples = self.texts.examples
        if group in examples and not is_commitment and rng.random() < 0.3:
            answer.examples = self._pick(examples[group], index + stage, used, plan)

    def _pick(self, pool: Sequence[str], start: int, used: set[str], plan: DemoFollowup) -> str:
        for offset in range(len(pool)):
            text = _fill(pool[(start + offset) % len(pool)], plan)
            if text not in used:
                used.add(text)
                return text
        return ""

    # --- The evaluation -------------------------------------------------------------------------

    def _write_evaluation(self, cycle: Cycle, context: _CycleContext) -> _Narrative:
        """The officer's draft of the evaluation, from the compiled figures."""
        narrative = self._narrative(
            context.plan, context.agreement, compile_evaluation(cycle), context.stage
        )
        services.evaluation_update(
            cycle=cycle,
            actor=context.officer,
            summary=narrative.summary,
            conclusions=narrative.conclusions,
            recommendations=narrative.recommendations,
        )
        return narrative

    def _narrative(
        self, plan: DemoFollowup, agreement: Agreement, compiled: CompiledEvaluation, stage: int
    ) -> _Narrative:
        texts = self.texts.evaluation.stages[stage]
        conclusions = [_fill(text, plan) for text in texts.conclusions]
        recommendations = [_fill(text, plan) for text in texts.recommendations]
        return _Narrative(
            summary="\n\n".join(self._summary(plan, agreement, compiled, stage)),
            conclusions="\n\n".join(conclusions),
            recommendations="\n".join(recommendations),
        )

    def _summary(
        self, plan: DemoFollowup, agreement: Agreement, compiled: CompiledEvaluation, stage: int
    ) -> list[str]:
        """The summary's paragraphs: who answered, the best and worst, the change, a finding."""
        texts = self.texts.evaluation
        submitted = sum(rate.submitted for rate in compiled.rates)
        rates = ", ".join(
            texts.rate.format(submitted=rate.submitted, invited=rate.invited, group=rate.label)
            for rate in compiled.rates
        )
        summary = [
            texts.submitted.format(
                title=compiled.title, agreement=agreement.title, submitted=submitted, rates=rates
            )
        ]
        # The principles that have a mean, with it (max and min keep the first of equals).
        means = [(s, s.mean) for s in compiled.principle_scores if s.mean is not None]
        if means:
            best, best_mean = max(means, key=lambda pair: pair[1])
            worst, worst_mean = min(means, key=lambda pair: pair[1])
            summary.append(
                texts.best_and_worst.format(
                    best=best.title,
                    best_mean=_decimal(best_mean),
                    worst=worst.title,
                    worst_mean=_decimal(worst_mean),
                )
            )
        changes = [s.change for s, _mean in means if s.change is not None]
        if changes:
            summary.append(
                texts.compared.format(
                    previous=compiled.previous_title,
                    up=sum(change > 0 for change in changes),
                    count=len(changes),
                    principles=agreement.principle_plural,
                )
            )
        else:
            summary.append(texts.first)
        summary.append(plan.findings[stage])
        return summary

    def _review(self, cycle, plan, members, officer, narrative: _Narrative) -> None:
        """The council comments, the officer answers in the text, then every member approves."""
        review = self.texts.review
        for membership in members:
            section, text = review.comments[membership.side]
            services.evaluation_comment(
                cycle=cycle, actor=membership.user, section=section, text=text
            )
        if members:
            services.evaluation_comment(
                cycle=cycle,
                actor=members[-1].user,
                section="summary",
                text=review.summary_comment,
            )
        answer = _fill(review.answer, plan)
        services.evaluation_update(
            cycle=cycle,
            actor=officer,
            summary=narrative.summary,
            conclusions=narrative.conclusions,
            recommendations=f"{narrative.recommendations}\n{answer}",
        )
        for membership in members:
            services.evaluation_approve(cycle=cycle, actor=membership.user)

    # --- Moving a past cycle back to its own calendar -------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _invited(self, cycle: Cycle, at: datetime.datetime) -> None:
        """The invitations, as if sent: to each respondent with somebody to receive them."""
        reports = list(cycle.reports.all())
        found = recipients.addresses(cycle, reports)
        reached = [r.pk for r in reports if found.get(recipients.respondent_key(r))]
        Report.objects.filter(pk__in=reached).update(invited_at=at)

    def _backdate_reports(self, cycle: Cycle, first: datetime.date, last: datetime.date) -> None:
        """Spread the saves between two days, in the order they were made."""
        reports = list(cycle.reports.prefetch_related("versions").order_by("pk"))
        span = max((last - first).days, 1)
        for index, report in enumerate(reports):
            versions = list(report.versions.all())
            if not versions:
                continue
            day = first + datetime.timedelta(days=(span * (index + 1)) // (len(reports) + 1))
            times = []
            for step, version in enumerate(versions):
                at = self._at(min(day + datetime.timedelta(days=step), last), 9 + index % 8, 17)
                ReportVersion.objects.filter(pk=version.pk).update(at=at)
                times.append((version.action, at))
            submitted = [at for action, at in times if action == ReportVersion.Action.SUBMITTED]
            Report.objects.filter(pk=report.pk).update(
                updated_at=times[-1][1],
                submitted_at=submitted[-1] if report.status == Report.Status.SUBMITTED else None,
            )

    def _backdate_open_cycle(self, cycle: Cycle, opens_on: datetime.date) -> None:
        created_at = self._at(opens_on - datetime.timedelta(days=10), 14)
        Cycle.objects.filter(pk=cycle.pk).update(
            created_at=created_at, opened_at=self._at(opens_on, 9)
        )
        self._invited(cycle, self._at(opens_on, 9, 5))
        self._backdate_reports(cycle, opens_on, self.today - datetime.timedelta(days=1))
        self._backdate_events(
            cycle,
            {
                CycleEvent.Kind.CREATED: [created_at],
                CycleEvent.Kind.QUESTION_ADDED: self._questions_added_at(cycle, created_at),
                CycleEvent.Kind.OPENED: [self._at(opens_on, 9)],
                CycleEvent.Kind.REPORT_REOPENED: self._reopened_at(cycle),
            },
        )

    def _backdate_past_cycle(self, cycle, opens_on: datetime.date, deadline: datetime.date):
        """The cycle, its reports, the review and the history, on the cycle's real calendar."""
        calendar = _PastCalendar(
            opens_on=opens_on,
            deadline=deadline,
            closed=deadline + datetime.timedelta(days=2),
            to_council=deadline + datetime.timedelta(days=21),
            published=deadline + datetime.timedelta(days=52),
        )
        Cycle.objects.filter(pk=cycle.pk).update(
            deadline=deadline,
            created_at=self._at(opens_on - datetime.timedelta(days=14), 13),
            opened_at=self._at(opens_on, 9),
            closed_at=self._at(calendar.closed, 10),
        )
        self._invited(cycle, self._at(opens_on, 9, 5))
        self._backdate_reports(cycle, opens_on + datetime.timedelta(days=2), deadline)
        reminder = cycle.reminders.get()
        reminded_at = self._at(reminder.due_on(deadline), 7, 5)
        waiting = cycle.reports.not_submitted()
        count = waiting.filter(invited_at__isnull=False).update(last_reminded_at=reminded_at)
        CycleReminder.objects.filter(pk=reminder.pk).update(
            status=CycleReminder.Status.SENT if count else CycleReminder.Status.SKIPPED,
            skipped_because="" if count else CycleReminder.Skipped.NOBODY,
            done_at=reminded_at,
            reminded=count,
            unreached=waiting.filter(invited_at__isnull=True).count(),
        )
        evaluation = Evaluation.objects.get(cycle=cycle)
        self._backdate_evaluation(evaluation, calendar)
        self._backdate_past_history(cycle, evaluation, calendar)

    def _backdate_evaluation(self, evaluation: Evaluation, calendar: _PastCalendar) -> None:
        """The council's comments and approvals, the compiling and the publishing."""
        to_council, published = calendar.to_council, calendar.published
        for step, comment in enumerate(evaluation.comments.order_by("pk")):
            day = to_council + datetime.timedelta(days=6 + 2 * step)
            EvaluationComment.objects.filter(pk=comment.pk).update(created_at=self._at(day, 15))
        for step, approval in enumerate(evaluation.approvals.order_by("pk")):
            day = published - datetime.timedelta(days=8 - step)
            EvaluationApproval.objects.filter(pk=approval.pk).update(approved_at=self._at(day, 11))
        Evaluation.objects.filter(pk=evaluation.pk).update(
            compiled_at=self._at(to_council - datetime.timedelta(days=1), 16),
            published_at=self._at(published, 10),
            pdf_requested_at=self._at(published, 10),
        )

    def _backdate_past_history(
        self, cycle: Cycle, evaluation: Evaluation, calendar: _PastCalendar
    ) -> None:
        """The history tells the real calendar too (after the comments and approvals moved)."""
        opens_on, to_council, published = calendar.opens_on, calendar.to_council, calendar.published
        # The detour's deadline never happened, so the cycle was created with its real one.
        created = cycle.events.get(kind=CycleEvent.Kind.CREATED)
        created.details["after"]["deadline"] = calendar.deadline.isoformat()
        CycleEvent.objects.filter(pk=created.pk).update(details=created.details)
        self._backdate_events(
            cycle,
            {
                CycleEvent.Kind.CREATED: [self._at(opens_on - datetime.timedelta(days=14), 13)],
                CycleEvent.Kind.QUESTION_ADDED: self._questions_added_at(
                    cycle, self._at(opens_on - datetime.timedelta(days=14), 13)
                ),
                CycleEvent.Kind.OPENED: [self._at(opens_on, 9)],
                CycleEvent.Kind.REPORT_REOPENED: self._reopened_at(cycle),
                CycleEvent.Kind.CLOSED: [self._at(calendar.closed, 10)],
                # The draft, then the answer to the council's comments (after the comments,
                # before the approvals).
                CycleEvent.Kind.EVALUATION_EDITED: [
                    self._at(to_council - datetime.timedelta(days=1), 16),
                    self._at(published - datetime.timedelta(days=10), 14),
                ],
                CycleEvent.Kind.SENT_TO_COUNCIL: [self._at(to_council, 10)],
                CycleEvent.Kind.COMMENTED: list(
                    evaluation.comments.order_by("pk").values_list("created_at", flat=True)
                ),
                CycleEvent.Kind.APPROVED: list(
                    evaluation.approvals.order_by("pk").values_list("approved_at", flat=True)
                ),
                CycleEvent.Kind.PUBLISHED: [self._at(published, 10)],
            },
        )

    def _questions_added_at(
        self, cycle: Cycle, created_at: datetime.datetime
    ) -> list[datetime.datetime]:
        """The officer adds the cycle's own questions a few minutes after creating it."""
        added = cycle.events.filter(kind=CycleEvent.Kind.QUESTION_ADDED).count()
        return [created_at + datetime.timedelta(minutes=5 * (n + 1)) for n in range(added)]

    def _reopened_at(self, cycle: Cycle) -> list[datetime.datetime]:
        """When the officer reopened each report, from the reports' (backdated) versions."""
        return list(
            ReportVersion.objects.filter(report__cycle=cycle, action=ReportVersion.Action.REOPENED)
            .order_by("pk")
            .values_list("at", flat=True)
        )

    def _backdate_events(self, cycle: Cycle, times: dict[str, list[datetime.datetime]]) -> None:
        """Move the cycle's events of each kind, in the order they were written, to the times
        of the steps they record."""
        for kind, kind_times in times.items():
            events = cycle.events.filter(kind=kind).order_by("pk").values_list("pk", flat=True)
            for pk, at in zip(events, kind_times, strict=True):
                CycleEvent.objects.filter(pk=pk).update(created_at=at)

    # --- PDFs -----------------------------------------------------------------------------------

    def _render_pdfs(self) -> int:
        """Render each demo period's published PDF that is not ready, by calling the task."""
        rendered = 0
        pending = Evaluation.objects.filter(
            cycle__in=self.past_cycles, published_at__isnull=False
        ).exclude(pdf_status=Evaluation.PdfStatus.READY)
        for evaluation_id in pending.order_by("pk").values_list("pk", flat=True):
            status = render_evaluation_pdf.call(evaluation_id)
            if status != Evaluation.PdfStatus.READY:
                raise CommandError(f"The PDF of evaluation {evaluation_id} could not be rendered.")
            rendered += 1
        return rendered
