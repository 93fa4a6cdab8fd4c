"""Writes to the follow-up app: cycles, questionnaires, reports, the evaluation and its review.

Every function is keyword-only, checks the state it needs and writes inside one transaction.
The person acting is always ``actor``; each step of a cycle's life (created, changed, opened,
deadline moved, closed, the evaluation edited, reviewed, published...) is recorded as a
CycleEvent in the transaction of the change, so a change that fails leaves no event and an event
never describes a change that did not happen.
Reports are saved with an optimistic lock (``revision``): a save based on an older revision is
refused with the changes the other person made, so that two representatives editing one draft
never lose each other's work. Every save is kept as a ReportVersion.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, FollowUpRule, Party
from core.errors import ActionRefused
from core.mail import send_templated_mail, site_url
from core.pagecache import public_data_changed
from core.types import Actor
from organisations.models import (
    Accession,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Representative,
)

from .models import (
    Answer,
    Cycle,
    CycleEvent,
    Evaluation,
    EvaluationApproval,
    EvaluationComment,
    Question,
    Report,
    ReportVersion,
    RespondentGroup,
)

logger = logging.getLogger(__name__)
security_log = logging.getLogger("portal.security")

# Error messages, reused by the tests.
CYCLE_NOT_DRAFT = _("The cycle can only be changed while it is a draft.")
CYCLE_NOT_OPEN = _("The cycle is not open for reports.")
DEADLINE_PASSED = _("The deadline for this cycle has passed.")
REPORT_LOCKED = _("The report has been submitted and is locked.")
REPORT_NOT_SUBMITTED = _("Only a submitted report can be reopened.")
REASON_REQUIRED = _("Give a reason.")
STALE_REPORT = _(
    "Someone else saved this report after you opened it. Your changes were not saved: "
    "compare them with the changes below, then save again."
)
SCORE_OUT_OF_SCALE = _("Choose a value from 1 to 5, or “don't know / not applicable”.")
NOT_A_NUMBER = _("Give a whole number, 0 or more.")
EVALUATION_PUBLISHED = _("The evaluation has been published and can no longer be changed.")
EVALUATION_NOT_IN_REVIEW = _("The evaluation is not in review.")
EVALUATION_NOT_STARTED = _("The evaluation can be written once the cycle has closed.")
NOT_A_COUNCIL_MEMBER = _("Only members of the agreement's council can do this.")
NOT_APPROVED = _("The council has not approved the evaluation yet.")
NO_CADENCE = _("The agreement says nothing about how often it is followed up.")
CYCLE_EXISTS = _("There is already a cycle of this kind for this period.")

PARTY_GROUPS = {
    Party.MUNICIPALITY: [RespondentGroup.UNITS],
    Party.CIVIL_SOCIETY: [RespondentGroup.ORGANISATIONS],
    Party.BOTH: [RespondentGroup.UNITS, RespondentGroup.ORGANISATIONS],
}
AREA_GROUPS = {
    "units": RespondentGroup.UNITS,
    "signatories": RespondentGroup.ORGANISATIONS,
    "civil_society": RespondentGroup.ORGANISATIONS,
    "council": RespondentGroup.COUNCIL,
}
RULE_KINDS = {
    FollowUpRule.Kind.FOLLOWUP: Cycle.Kind.FOLLOWUP,
    FollowUpRule.Kind.EVALUATION: Cycle.Kind.EVALUATION,
    FollowUpRule.Kind.EXTERNAL_EVALUATION: Cycle.Kind.EXTERNAL_EVALUATION,
    FollowUpRule.Kind.PLAN_EVALUATION: Cycle.Kind.PLAN_EVALUATION,
}


@dataclass
class StaleReport(Exception):
    """The report changed since the user loaded it; nothing was saved."""

    report: Report
    changes: list[dict] = field(default_factory=list)

    @property
    def message(self):
        return STALE_REPORT


# --- E-mail -----------------------------------------------------------------------------------


def report_recipients(report: Report) -> list[str]:
    """Who is asked to file a report: the organisation's representatives, the unit's officers."""
    if report.organisation_id:
        return list(
            Representative.objects.filter(
                organisation_id=report.organisation_id, removed_at__isnull=True
            ).values_list("user__email", flat=True)
        )
    if report.unit_id:
        return list(
            OfficerRole.objects.filter(unit_id=report.unit_id).values_list("user__email", flat=True)
        )
    return [report.council_member.email] if report.council_member_id else []


# --- The cycle's history ------------------------------------------------------------------------


def _record(
    cycle: Cycle,
    kind: str,
    actor: Actor | None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    **details,
) -> CycleEvent:
    """Write one CycleEvent; called inside the transaction of the change it records."""
    if before:
        details["before"] = before
    if after:
        details["after"] = after
    return CycleEvent.objects.create(cycle_id=cycle.pk, kind=kind, actor=actor, details=details)


def _json_value(value: object) -> object:
    """A field's value as the event's details store it (dates as ISO text)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


# --- Cycles -------------------------------------------------------------------------------------


def cycle_proposal(*, agreement: Agreement, rule: FollowUpRule, today: datetime.date | None = None):
    """What the agreement's cadence says the next cycle of a rule's kind should be."""
    today = today or timezone.localdate()
    kind = RULE_KINDS.get(rule.kind)
    if kind is None:
        raise ActionRefused(NO_CADENCE)
    previous = Cycle.objects.filter(agreement=agreement, kind=kind).order_by("-period_end").first()
    if previous:
        start = previous.period_end + datetime.timedelta(days=1)
    else:
        start = datetime.date(today.year - rule.interval_years, 1, 1)
    end = datetime.date(start.year + rule.interval_years - 1, 12, 31)
    opens_on = max(today, end + datetime.timedelta(days=1))
    deadline = opens_on + datetime.timedelta(days=42)
    years = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    with translation.override(settings.LANGUAGE_CODE):  # the title is data, in Swedish
        title = f"{str(Cycle.Kind(kind).label).capitalize()} {years}"
    return {
        "kind": kind,
        "title": title,
        "period_start": start,
        "period_end": end,
        "opens_on": opens_on,
        "deadline": deadline,
    }


def _question(cycle, order, **values) -> Question:
    return Question(cycle=cycle, order=order, **values)


def questions_from_agreement(cycle: Cycle) -> list[Question]:
    """The questionnaire the agreement implies: principles, commitments, its own questions."""
    version = cycle.version
    questions: list[Question] = []
    term = version.agreement.principle_singular
    principles = list(version.principles.all())
    # Each commitment is asked once, under the principle the document lists it under, or else
    # the first principle it serves.
    home: dict[int, list] = {p.pk: [] for p in principles}
    commitments = version.commitments.prefetch_related("principles").order_by("order")
    for commitment in commitments:
        served = sorted(commitment.principles.all(), key=lambda p: p.order)
        principle_id = commitment.listed_under_id or (served[0].pk if served else None)
        if principle_id in home:
            home[principle_id].append(commitment)
    for principle in principles:
        questions.append(
            _question(
                cycle,
                len(questions),
                source=Question.Source.PRINCIPLE,
                answer_kind=Question.AnswerKind.SCALE,
                respondent_groups=[str(RespondentGroup.ORGANISATIONS), str(RespondentGroup.UNITS)],
                section=principle.title,
                text=str(
                    _("How well did the collaboration live up to the %(term)s “%(title)s”?")
                    % {"term": term, "title": principle.title}
                ),
                principle=principle,
            )
        )
        for commitment in home[principle.pk]:
            groups = PARTY_GROUPS[commitment.party]
            questions.append(
                _question(
                    cycle,
                    len(questions),
                    source=Question.Source.COMMITMENT,
                    answer_kind=Question.AnswerKind.SCALE,
                    respondent_groups=[str(g) for g in groups],
                    section=principle.title,
                    text=str(
                        _("How well have you kept this commitment: “%(commitment)s”?")
                        % {"commitment": commitment.title or commitment.body}
                    ),
                    principle=principle,
                    commitment=commitment,
                )
            )
    for area in version.followup_areas.prefetch_related("questions"):
        groups = sorted({str(AREA_GROUPS[g]) for g in area.respondent_groups if g in AREA_GROUPS})
        sub_questions = list(area.questions.all())
        if sub_questions:
            for sub in sub_questions:
                questions.append(
                    _question(
                        cycle,
                        len(questions),
                        source=Question.Source.AGREEMENT,
                        answer_kind=area.answer_kind,
                        respondent_groups=groups,
                        section=area.topic,
                        text=sub.text,
                        followup_area=area,
                    )
                )
        else:
            questions.append(
                _question(
                    cycle,
                    len(questions),
                    source=Question.Source.AGREEMENT,
                    answer_kind=area.answer_kind,
                    respondent_groups=groups,
                    section=str(_("The agreement's own follow-up questions")),
                    text=area.topic,
                    followup_area=area,
                )
            )
    return questions


@transaction.atomic
def cycle_create(*, agreement: Agreement, rule: FollowUpRule, actor: Actor, **overrides) -> Cycle:
    """Create the next cycle from the agreement's cadence, with its questions, as a draft."""
    version = agreement.current_version
    values = {**cycle_proposal(agreement=agreement, rule=rule), **overrides}
    if Cycle.objects.filter(
        agreement=agreement, kind=values["kind"], period_start=values["period_start"]
    ).exists():
        raise ActionRefused(CYCLE_EXISTS)
    cycle = Cycle(agreement=agreement, version=version, created_by=actor, **values)
    cycle.full_clean()
    cycle.save()
    # The questions are data of the cycle, asked in Swedish whatever language the officer uses.
    with translation.override(settings.LANGUAGE_CODE):
        questions = Question.objects.bulk_create(questions_from_agreement(cycle))
    _record(
        cycle,
        CycleEvent.Kind.CREATED,
        actor,
        after={name: _json_value(getattr(cycle, name)) for name in CYCLE_SETTINGS},
        questions=len(questions),
    )
    return cycle


# The settings an officer edits while the cycle is a draft (CycleForm), recorded before and after.
CYCLE_SETTINGS = (
    "title",
    "period_start",
    "period_end",
    "opens_on",
    "deadline",
    "reminder_days_before",
    "anonymise_free_text",
)


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor: Actor, **values) -> Cycle:
    """Change a draft cycle's settings; the fields that changed are recorded, before and after."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_editable:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    before = {name: _json_value(getattr(cycle, name)) for name in values}
    for name, value in values.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    after = {name: _json_value(getattr(cycle, name)) for name in values}
    changed = [name for name in values if before[name] != after[name]]
    if changed:  # saving the form unchanged is no step in the cycle's life
        _record(
            cycle,
            CycleEvent.Kind.UPDATED,
            actor,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return cycle


def _require_draft(cycle: Cycle) -> None:
    if Cycle.objects.filter(pk=cycle.pk).values_list("status", flat=True).get() != "draft":
        raise ActionRefused(CYCLE_NOT_DRAFT)


@transaction.atomic
def question_save(*, question: Question, actor: Actor) -> Question:
    """Add or edit a question while its cycle is a draft."""
    _require_draft(question.cycle)
    question.full_clean()
    old = Question.objects.filter(pk=question.pk).first() if question.pk else None
    question.save()
    after = _question_state(question)
    if old is None:
        _record(
            question.cycle,
            CycleEvent.Kind.QUESTION_ADDED,
            actor,
            after=after,
            question=question.pk,
        )
        return question
    before = _question_state(old)
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        _record(
            question.cycle,
            CycleEvent.Kind.QUESTION_CHANGED,
            actor,
            # The text always, so that the history can name the question.
            before={name: before[name] for name in {"text", *changed}},
            after={name: after[name] for name in {"text", *changed}},
            question=question.pk,
        )
    return question


@transaction.atomic
def question_delete(*, question: Question, actor: Actor) -> None:
    """Remove a question from a draft cycle; its text and settings are kept in the history."""
    _require_draft(question.cycle)
    _record(
        question.cycle,
        CycleEvent.Kind.QUESTION_DELETED,
        actor,
        before=_question_state(question),
        question=question.pk,
    )
    question.delete()


def _question_state(question: Question) -> dict:
    return {
        "order": question.order,
        "section": question.section,
        "text": question.text,
        "help_text": question.help_text,
        "answer_kind": question.answer_kind,
        "respondent_groups": sorted(question.respondent_groups),
    }


def _respondents(cycle: Cycle) -> list[Report]:
    groups = set()
    for question in cycle.questions.all():
        groups.update(question.respondent_groups)
    reports = []
    if RespondentGroup.ORGANISATIONS in groups:
        organisation_ids = (
            Accession.objects.filter(agreement=cycle.agreement, status=Accession.Status.ACTIVE)
            .values_list("organisation_id", flat=True)
            .distinct()
        )
        reports += [
            Report(cycle=cycle, group=RespondentGroup.ORGANISATIONS, organisation_id=pk)
            for pk in organisation_ids
        ]
    if RespondentGroup.UNITS in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.UNITS, unit=unit)
            for unit in MunicipalUnit.objects.filter(municipality=cycle.agreement.municipality)
        ]
    if RespondentGroup.COUNCIL in groups:
        reports += [
            Report(cycle=cycle, group=RespondentGroup.COUNCIL, council_member_id=user_id)
            for user_id in CouncilMembership.objects.filter(agreement=cycle.agreement).values_list(
                "user_id", flat=True
            )
        ]
    return reports


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Open the cycle: one report per respondent, invitations by e-mail, reminders scheduled."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise ActionRefused(CYCLE_NOT_DRAFT)
    if not cycle.questions.exists():
        raise ActionRefused(_("Add at least one question before opening the cycle."))
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    reports = Report.objects.bulk_create(_respondents(cycle))
    _record(
        cycle,
        CycleEvent.Kind.OPENED,
        actor,
        before={"status": Cycle.Status.DRAFT},
        after={"status": cycle.status},
        reports=len(reports),
    )
    transaction.on_commit(lambda: _after_open(cycle.pk))
    return cycle


def _after_open(cycle_id: int) -> None:
    from . import tasks

    tasks.send_invitations.enqueue(cycle_id)
    schedule_reminders(Cycle.objects.get(pk=cycle_id))


def schedule_reminders(cycle: Cycle) -> None:
    """Queue the reminder run for the day the cycle's settings say, at 08:00.

    A backend that cannot defer work (the immediate backend used in development tests) gets no
    scheduled run: it would send the reminders at once.
    """
    from . import tasks

    remind_on = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
    run_after = timezone.make_aware(datetime.datetime.combine(remind_on, datetime.time(8)))
    task = tasks.send_reminders
    if not task.get_backend().supports_defer:
        return
    task.using(run_after=max(run_after, timezone.now())).enqueue(cycle.pk, remind_on.isoformat())


def cycle_send_invitations(*, cycle: Cycle) -> int:
    sent = 0
    for report in cycle.reports.select_related("organisation", "unit", "council_member"):
        send_templated_mail(
            to=report_recipients(report),
            template="followup/email/invitation",
            context={"report": report, "cycle": cycle, "url": site_url(report.get_absolute_url())},
        )
        sent += 1
    return sent


def _not_submitted(cycle: Cycle):
    return cycle.reports.not_submitted().select_related("organisation", "unit", "council_member")


def _mail_about_report(report: Report, cycle: Cycle, template: str, **context) -> None:
    """A message to the report's respondents, with a link to the report."""
    send_templated_mail(
        to=report_recipients(report),
        template=template,
        context={
            "report": report,
            "cycle": cycle,
            "url": site_url(report.get_absolute_url()),
            **context,
        },
    )


def cycle_send_reminders(*, cycle: Cycle, only_due_on: datetime.date | None = None) -> int:
    """E-mail everyone who has not submitted. Used by the scheduled task and the officer's button.

    A scheduled run carries the date it was planned for; if the officer moved the deadline since,
    that run does nothing (the new date has its own run).
    """
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    if only_due_on is not None:
        due = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
        if due != only_due_on:
            return 0
    sent = 0
    now = timezone.now()
    for report in _not_submitted(cycle):
        with transaction.atomic():  # the stored message and the reminder's date go together
            _mail_about_report(report, cycle, "followup/email/reminder")
            report.last_reminded_at = now
            report.save(update_fields=["last_reminded_at"])
        sent += 1
    return sent


# How far a deadline can be moved, counted from the current deadline (or today, if it has
# passed): a typed year like 2207 is refused.
DEADLINE_MOVE_MAX_DAYS = 366


@transaction.atomic
def cycle_move_deadline(*, cycle: Cycle, actor: Actor, deadline: datetime.date) -> Cycle:
    """Give the respondents more time: a later deadline for an open cycle.

    Only later: respondents plan by the deadline they were given. The respondents who have not
    submitted are told by e-mail, and the reminder is planned anew for the new date (the run
    planned for the old one then does nothing, see cycle_send_reminders). A deadline that has
    passed can be moved too, which lets late respondents submit again.
    """
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    today = timezone.localdate()
    if deadline <= cycle.deadline:
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("The new deadline must be later than the current one, %(date)s."),
                    params={"date": date_format(cycle.deadline, "j F Y")},
                )
            }
        )
    if deadline < today:
        raise ValidationError({"deadline": _("The new deadline cannot be in the past.")})
    start = max(cycle.deadline, today)
    if deadline > start + datetime.timedelta(days=DEADLINE_MOVE_MAX_DAYS):
        raise ValidationError(
            {
                "deadline": ValidationError(
                    _("The new deadline can be at most a year after %(date)s."),
                    params={"date": date_format(start, "j F Y")},
                )
            }
        )
    previous = cycle.deadline
    cycle.deadline = deadline
    cycle.save(update_fields=["deadline"])
    _record(
        cycle,
        CycleEvent.Kind.DEADLINE_MOVED,
        actor,
        before={"deadline": previous.isoformat()},
        after={"deadline": deadline.isoformat()},
    )
    transaction.on_commit(partial(_after_deadline_moved, cycle.pk, previous.isoformat()))
    return cycle


def _after_deadline_moved(cycle_id: int, previous: str) -> None:
    from . import tasks

    tasks.send_deadline_moved.enqueue(cycle_id, previous)
    cycle = Cycle.objects.get(pk=cycle_id)
    remind_on = cycle.deadline - datetime.timedelta(days=cycle.reminder_days_before)
    # If the reminder's day has come already, the message about the new deadline is the
    # reminder: a second message the same hour would only be noise.
    if remind_on > timezone.localdate():
        schedule_reminders(cycle)


def cycle_send_deadline_moved(*, cycle: Cycle, previous: datetime.date) -> int:
    """Tell everyone who has not submitted that the deadline has moved."""
    cycle = Cycle.objects.get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        return 0
    sent = 0
    for report in _not_submitted(cycle):
        _mail_about_report(report, cycle, "followup/email/deadline_moved", previous=previous)
        sent += 1
    return sent


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: Actor) -> Cycle:
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    Evaluation.objects.get_or_create(cycle=cycle)
    _record(
        cycle,
        CycleEvent.Kind.CLOSED,
        actor,
        before={"status": Cycle.Status.OPEN},
        after={"status": cycle.status},
        submitted=cycle.reports.filter(status=Report.Status.SUBMITTED).count(),
        reports=cycle.reports.count(),
    )
    return cycle


# --- Reports ------------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    """One answer as a form delivers it; checked by ``_clean_answer``."""

    question_id: int
    score: int | None = None
    not_applicable: bool = False
    number: int | None = None
    text: str = ""
    comment: str = ""
    examples: str = ""


def _clean_answer(question: Question, data: AnswerInput) -> dict:
    errors = {}
    values = {
        "score": None,
        "not_applicable": bool(data.not_applicable),
        "number": None,
        "text": (data.text or "").strip(),
        "comment": (data.comment or "").strip(),
        "examples": (data.examples or "").strip(),
    }
    if question.answer_kind == Question.AnswerKind.SCALE:
        if data.score not in (None, ""):
            try:
                score = int(data.score)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 5:
                errors[f"q{question.pk}-score"] = SCORE_OUT_OF_SCALE
            else:
                values["score"] = score
        if values["not_applicable"]:
            values["score"] = None
    elif question.answer_kind == Question.AnswerKind.COUNT and data.number not in (None, ""):
        try:
            number = int(data.number)
        except (TypeError, ValueError):
            number = -1
        if number < 0:
            errors[f"q{question.pk}-number"] = NOT_A_NUMBER
        else:
            values["number"] = number
    for name in ("text", "comment", "examples"):
        if "\x00" in values[name]:
            values[name] = values[name].replace("\x00", "")
    if errors:
        raise ValidationError(errors)
    return values


def report_snapshot(report: Report) -> dict:
    return {str(a.question_id): a.as_data() for a in report.answers.all()}


def _diff(before: dict, after: dict, questions: dict[int, Question]) -> list[dict]:
    changes = []
    for key in sorted(set(before) | set(after), key=int):
        old, new = before.get(key, {}), after.get(key, {})
        for name in sorted(set(old) | set(new)):
            # A blank field of an answer that did not exist before is not a change.
            if (old.get(name) or None) != (new.get(name) or None):
                question = questions.get(int(key))
                changes.append(
                    {
                        "question": question.text if question else key,
                        "field": name,
                        "theirs": new.get(name),
                        "before": old.get(name),
                    }
                )
    return changes


def _check_can_write(report: Report) -> None:
    if report.is_locked:
        raise ActionRefused(REPORT_LOCKED)
    cycle = report.cycle
    if cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    if timezone.localdate() > cycle.deadline:
        raise ActionRefused(DEADLINE_PASSED)


@transaction.atomic
def report_save(
    *,
    report: Report,
    actor: Actor,
    answers: list[AnswerInput],
    based_on_revision: int,
    submit: bool = False,
) -> Report:
    """Save a draft (or submit). Refused, with the other person's changes, if the report moved on.

    Everything is checked before anything is written: a bad answer saves nothing.
    """
    report = Report.objects.select_for_update().select_related("cycle").get(pk=report.pk)
    _check_can_write(report)
    questions = {q.pk: q for q in report.cycle.questions.all()}
    if report.revision != based_on_revision:
        since = (
            report.versions.filter(revision__lte=based_on_revision).order_by("-revision").first()
        )
        raise StaleReport(
            report=report,
            changes=_diff(since.answers if since else {}, report_snapshot(report), questions),
        )
    cleaned = {}
    errors = {}
    for data in answers:
        question = questions.get(data.question_id)
        if question is None or not question.asks(report.group):
            errors["__all__"] = _("The report contains an answer to a question it was not asked.")
            continue
        try:
            cleaned[question.pk] = _clean_answer(question, data)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if submit:
        for question in questions.values():
            if not question.asks(report.group) or question.answer_kind != "scale":
                continue
            values = cleaned.get(question.pk) or {}
            existing = report.answers.filter(question=question).first()
            score = values.get("score") if values else (existing.score if existing else None)
            na = (
                values.get("not_applicable")
                if values
                else (existing.not_applicable if existing else False)
            )
            if score is None and not na:
                errors[f"q{question.pk}-score"] = _(
                    "Answer every self-assessment before submitting (or choose “don't know”)."
                )
    if errors:
        raise ValidationError(errors)
    for question_id, values in cleaned.items():
        Answer.objects.update_or_create(report=report, question_id=question_id, defaults=values)
    now = timezone.now()
    report.revision = F("revision") + 1
    report.updated_at = now
    report.updated_by = actor
    report.status = Report.Status.SUBMITTED if submit else Report.Status.DRAFT
    fields = ["revision", "updated_at", "updated_by", "status"]
    if submit:
        report.submitted_at = now
        report.submitted_by = actor
        fields += ["submitted_at", "submitted_by"]
    report.save(update_fields=fields)
    report.refresh_from_db()
    ReportVersion.objects.create(
        report=report,
        revision=report.revision,
        action=ReportVersion.Action.SUBMITTED if submit else ReportVersion.Action.SAVED,
        actor=actor,
        answers=report_snapshot(report),
    )
    if submit:
        logger.info("report %s submitted by user %s", report.pk, actor.pk)
    return report


@transaction.atomic
def report_reopen(*, report: Report, actor: Actor, reason: str) -> Report:
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    report = Report.objects.select_for_update().select_related("cycle").get(pk=report.pk)
    if report.status != Report.Status.SUBMITTED:
        raise ActionRefused(REPORT_NOT_SUBMITTED)
    if report.cycle.status != Cycle.Status.OPEN:
        raise ActionRefused(CYCLE_NOT_OPEN)
    report.status = Report.Status.DRAFT
    report.revision = report.revision + 1
    report.submitted_at = None
    report.save(update_fields=["status", "revision", "submitted_at"])
    ReportVersion.objects.create(
        report=report,
        revision=report.revision,
        action=ReportVersion.Action.REOPENED,
        actor=actor,
        note=reason.strip(),
        answers=report_snapshot(report),
    )
    # An officer's step in the cycle's life too: the respondent may change a submitted report.
    _record(
        report.cycle,
        CycleEvent.Kind.REPORT_REOPENED,
        actor,
        report=report.pk,
        respondent=report.respondent_name,
        reason=reason.strip(),
    )
    send_templated_mail(
        to=report_recipients(report),
        template="followup/email/reopened",
        context={
            "report": report,
            "reason": reason.strip(),
            "url": site_url(report.get_absolute_url()),
        },
    )
    return report


# --- The evaluation -----------------------------------------------------------------------------


def _evaluation_for_change(cycle: Cycle) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().filter(cycle=cycle).first()
    if evaluation is None:
        raise ActionRefused(EVALUATION_NOT_STARTED)
    if evaluation.is_published:
        raise ActionRefused(EVALUATION_PUBLISHED)
    return evaluation


@transaction.atomic
def evaluation_update(
    *,
    cycle: Cycle,
    actor: Actor,
    summary: str,
    conclusions: str,
    recommendations: str,
    anonymise_free_text: bool | None = None,
) -> Evaluation:
    """The officers' narrative. A change after the council approved asks for approval again."""
    evaluation = _evaluation_for_change(cycle)
    changed = (summary, conclusions, recommendations) != (
        evaluation.summary,
        evaluation.conclusions,
        evaluation.recommendations,
    )
    sections = ("summary", "conclusions", "recommendations")
    before = {name: getattr(evaluation, name) for name in sections}
    evaluation.summary = summary.strip()
    evaluation.conclusions = conclusions.strip()
    evaluation.recommendations = recommendations.strip()
    if changed:
        evaluation.revision += 1
    evaluation.compiled_at = timezone.now()
    evaluation.save()
    edited = [name for name in sections if before[name] != getattr(evaluation, name)]
    before_anonymise = Cycle.objects.values_list("anonymise_free_text", flat=True).get(pk=cycle.pk)
    if anonymise_free_text is not None and anonymise_free_text != before_anonymise:
        Cycle.objects.filter(pk=cycle.pk).update(anonymise_free_text=anonymise_free_text)
        before["anonymise_free_text"] = before_anonymise
        edited.append("anonymise_free_text")
    if edited:  # saving the narrative unchanged (to compile the figures again) is no edit
        after = {name: getattr(evaluation, name) for name in edited if name in sections}
        if "anonymise_free_text" in edited:
            after["anonymise_free_text"] = anonymise_free_text
        _record(
            cycle,
            CycleEvent.Kind.EVALUATION_EDITED,
            actor,
            before={name: before[name] for name in edited},
            after=after,
            revision=evaluation.revision,
        )
    return evaluation


@transaction.atomic
def evaluation_send_to_council(*, cycle: Cycle, actor: Actor) -> Cycle:
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.CLOSED:
        raise ActionRefused(_("Close the cycle before sending the evaluation to the council."))
    evaluation = _evaluation_for_change(cycle)
    cycle.status = Cycle.Status.IN_REVIEW
    cycle.save(update_fields=["status"])
    _record(
        cycle,
        CycleEvent.Kind.SENT_TO_COUNCIL,
        actor,
        before={"status": Cycle.Status.CLOSED},
        after={"status": cycle.status},
        revision=evaluation.revision,
    )
    members = CouncilMembership.objects.filter(agreement=cycle.agreement).select_related("user")
    send_templated_mail(
        to=[m.user.email for m in members],
        template="followup/email/review",
        context={"cycle": cycle, "url": site_url(cycle.evaluation.get_absolute_url())},
    )
    return cycle


def _require_member(user, cycle: Cycle) -> Cycle:
    """Refuse non-members (403); return the cycle as it is in the database now."""
    if not CouncilMembership.objects.filter(user=user, agreement=cycle.agreement).exists():
        raise ActionRefused(NOT_A_COUNCIL_MEMBER, status=403)
    return Cycle.objects.get(pk=cycle.pk)


@transaction.atomic
def evaluation_comment(*, cycle: Cycle, actor: Actor, section: str, text: str) -> EvaluationComment:
    """A council member's comment; the history says who commented where, the text is the
    comment's own (EvaluationComment)."""
    cycle = _require_member(actor, cycle)
    if cycle.status != Cycle.Status.IN_REVIEW:
        raise ActionRefused(EVALUATION_NOT_IN_REVIEW)
    if not text.strip():
        raise ValidationError({"text": _("Write a comment.")})
    evaluation = _evaluation_for_change(cycle)
    comment = EvaluationComment.objects.create(
        evaluation=evaluation, section=section, author=actor, text=text.strip()
    )
    _record(
        cycle,
        CycleEvent.Kind.COMMENTED,
        actor,
        comment=comment.pk,
        section=section,
        revision=evaluation.revision,
    )
    return comment


@transaction.atomic
def evaluation_approve(*, cycle: Cycle, actor: Actor) -> EvaluationApproval:
    cycle = _require_member(actor, cycle)
    if cycle.status != Cycle.Status.IN_REVIEW:
        raise ActionRefused(EVALUATION_NOT_IN_REVIEW)
    evaluation = _evaluation_for_change(cycle)
    previous = (
        EvaluationApproval.objects.filter(evaluation=evaluation, member=actor)
        .values_list("evaluation_revision", flat=True)
        .first()
    )
    approval, _created = EvaluationApproval.objects.update_or_create(
        evaluation=evaluation,
        member=actor,
        defaults={"evaluation_revision": evaluation.revision, "approved_at": timezone.now()},
    )
    _record(
        cycle,
        CycleEvent.Kind.APPROVED,
        actor,
        before={"revision": previous} if previous is not None else None,
        after={"revision": evaluation.revision},
    )
    return approval


def evaluation_is_approved(evaluation: Evaluation) -> bool:
    """At least one member from each side of the council approved the current revision.

    Where the council has members from only one side, approval by one member is enough.
    """
    cycle = evaluation.cycle
    sides = set(
        CouncilMembership.objects.filter(agreement=cycle.agreement).values_list("side", flat=True)
    )
    approved_sides = set(
        CouncilMembership.objects.filter(
            agreement=cycle.agreement,
            user__in=evaluation.approvals.filter(evaluation_revision=evaluation.revision).values(
                "member"
            ),
        ).values_list("side", flat=True)
    )
    return bool(sides) and sides <= approved_sides


@transaction.atomic
def evaluation_publish(*, cycle: Cycle, actor: Actor) -> Evaluation:
    """Freeze the evaluation (figures, narrative) and queue its PDF. Nothing changes afterwards."""
    from .compile import compile_evaluation

    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.IN_REVIEW:
        raise ActionRefused(EVALUATION_NOT_IN_REVIEW)
    evaluation = _evaluation_for_change(cycle)
    if not evaluation_is_approved(evaluation):
        raise ActionRefused(NOT_APPROVED)
    evaluation.frozen_data = compile_evaluation(cycle).as_json()
    evaluation.published_at = timezone.now()
    evaluation.published_by = actor
    evaluation.pdf_status = Evaluation.PdfStatus.QUEUED
    evaluation.pdf_requested_at = timezone.now()
    evaluation.save()
    cycle.status = Cycle.Status.PUBLISHED
    cycle.save(update_fields=["status"])
    _record(
        cycle,
        CycleEvent.Kind.PUBLISHED,
        actor,
        before={"status": Cycle.Status.IN_REVIEW},
        after={"status": cycle.status},
        revision=evaluation.revision,
    )
    public_data_changed()
    security_log.info("evaluation of cycle %s published by user %s", cycle.pk, actor.pk)
    transaction.on_commit(lambda: evaluation_queue_pdf_task(evaluation.pk))
    return evaluation


PDF_STUCK_ERROR = "not finished within %s minutes of being asked for: its worker stopped"


def evaluation_fail_stuck_pdfs() -> list[int]:
    """Mark failed every PDF stuck waiting or "being made" (``EvaluationQuerySet.pdf_stuck``).

    The page already treats such a PDF as failed; this records it, with a reason, for the
    operator's log and the public page. A render that finishes after all still wins: it stores
    its file and sets the status to ready.
    """
    minutes = settings.PORTAL_PDF_RENDER_TIMEOUT // 60
    failed = []
    stuck = Evaluation.objects.pdf_stuck().only("pk", "cycle", "pdf_status", "pdf_requested_at")
    for evaluation in stuck:
        # Only if it is still stuck now: a render that finished meanwhile is left alone.
        with transaction.atomic():  # the status and its event go together
            marked = (
                Evaluation.objects.pdf_stuck()
                .filter(pk=evaluation.pk)
                .update(pdf_status=Evaluation.PdfStatus.FAILED, pdf_error=PDF_STUCK_ERROR % minutes)
            )
            if marked:
                _record(
                    Cycle(pk=evaluation.cycle_id),
                    CycleEvent.Kind.PDF_FAILED,
                    None,  # the scheduled check, no one acting
                    before={"pdf_status": evaluation.pdf_status},
                    after={"pdf_status": Evaluation.PdfStatus.FAILED},
                    error=PDF_STUCK_ERROR % minutes,
                )
        if marked:
            failed.append(evaluation.pk)
            logger.error(
                "the PDF of evaluation %s was %s since %s; marked failed (%s)",
                evaluation.pk,
                evaluation.pdf_status,
                evaluation.pdf_requested_at,
                PDF_STUCK_ERROR % minutes,
            )
    if failed:
        public_data_changed()
    return failed


def evaluation_queue_pdf_task(evaluation_id: int) -> None:
    from . import tasks

    tasks.render_evaluation_pdf.enqueue(evaluation_id)


@transaction.atomic
def evaluation_retry_pdf(*, evaluation: Evaluation, actor: Actor) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    failed = evaluation.pdf_status == Evaluation.PdfStatus.FAILED or evaluation.pdf_is_stuck
    if not evaluation.is_published or not failed:
        raise ActionRefused(_("Only a failed PDF can be rendered again."))
    if evaluation.pdf_is_stuck:
        logger.warning(
            "the PDF of evaluation %s was stuck (%s since %s); rendered again at %s's request",
            evaluation.pk,
            evaluation.pdf_status,
            evaluation.pdf_requested_at,
            actor.pk,
        )
    before = evaluation.pdf_status
    evaluation.pdf_status = Evaluation.PdfStatus.QUEUED
    evaluation.pdf_error = ""
    evaluation.pdf_requested_at = timezone.now()
    evaluation.save(update_fields=["pdf_status", "pdf_error", "pdf_requested_at"])
    _record(
        Cycle(pk=evaluation.cycle_id),
        CycleEvent.Kind.PDF_RETRIED,
        actor,
        before={"pdf_status": before},
        after={"pdf_status": evaluation.pdf_status},
    )
    public_data_changed()
    transaction.on_commit(lambda: evaluation_queue_pdf_task(evaluation.pk))
    return evaluation
