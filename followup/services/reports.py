"""Reports: saved as drafts and submitted by their respondents, reopened by an officer.

Reports are saved with an optimistic lock (``revision``): a save based on an older revision is
refused with the changes the other person made, so that two representatives editing one draft
never lose each other's work. Every save is kept as a ReportVersion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ActionRefused
from core.mail import send_templated_mail, site_url
from core.types import Actor

from ..models import Answer, Cycle, CycleEvent, Question, Report, ReportVersion
from . import history
from .messages import (
    CYCLE_NOT_OPEN,
    DEADLINE_PASSED,
    NOT_A_NUMBER,
    REASON_REQUIRED,
    REPORT_LOCKED,
    REPORT_NOT_SUBMITTED,
    SCORE_OUT_OF_SCALE,
    STALE_REPORT,
)
from .notifications import report_recipients

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)


class AnswerChange(TypedDict):
    """One field of one answer that another person changed (``StaleReport.changes``)."""

    question: str
    field: str
    theirs: object
    before: object


@dataclass
class StaleReport(Exception):
    """The report changed since the user loaded it; nothing was saved."""

    report: Report
    changes: list[AnswerChange] = field(default_factory=list)

    @property
    def message(self) -> StrOrPromise:
        return STALE_REPORT


@dataclass
class AnswerInput:
    """One answer as a form delivers it (numbers as the text posted); checked by
    ``_clean_answer``."""

    question_id: int
    score: int | str | None = None
    not_applicable: bool = False
    number: int | str | None = None
    text: str = ""
    comment: str = ""
    examples: str = ""


class AnswerValues(TypedDict):
    """An answer's fields as they are stored (``_clean_answer``)."""

    score: int | None
    not_applicable: bool
    number: int | None
    text: str
    comment: str
    examples: str


def _whole_number(value: int | str, invalid: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return invalid


def _clean_text(value: str | None) -> str:
    # No NUL characters: PostgreSQL cannot store them in text.
    return (value or "").strip().replace("\x00", "")


def _clean_answer(question: Question, data: AnswerInput) -> AnswerValues:
    errors: dict[str, StrOrPromise] = {}
    values: AnswerValues = {
        "score": None,
        "not_applicable": bool(data.not_applicable),
        "number": None,
        "text": _clean_text(data.text),
        "comment": _clean_text(data.comment),
        "examples": _clean_text(data.examples),
    }
    if question.answer_kind == Question.AnswerKind.SCALE:
        if data.score is not None and data.score != "":
            score = _whole_number(data.score, invalid=0)
            if not 1 <= score <= 5:
                errors[f"q{question.pk}-score"] = SCORE_OUT_OF_SCALE
            else:
                values["score"] = score
        if values["not_applicable"]:
            values["score"] = None
    elif (
        question.answer_kind == Question.AnswerKind.COUNT
        and data.number is not None
        and data.number != ""
    ):
        number = _whole_number(data.number, invalid=-1)
        if number < 0:
            errors[f"q{question.pk}-number"] = NOT_A_NUMBER
        else:
            values["number"] = number
    if errors:
        raise ValidationError(errors)
    return values


Snapshot = dict[str, dict[str, Any]]


def report_snapshot(report: Report) -> Snapshot:
    """Every answer of the report by its question's key (as text), as a ReportVersion keeps it."""
    return {str(a.question_id): a.as_data() for a in report.answers.all()}


def _diff(before: Snapshot, after: Snapshot, questions: dict[int, Question]) -> list[AnswerChange]:
    changes: list[AnswerChange] = []
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
    cleaned: dict[int, AnswerValues] = {}
    errors: dict[str, StrOrPromise | list[str]] = {}
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
            values = cleaned.get(question.pk)
            existing = report.answers.filter(question=question).first()
            score = values["score"] if values else (existing.score if existing else None)
            na = (
                values["not_applicable"]
                if values
                else (existing.not_applicable if existing else False)
            )
            if score is None and not na:
                errors[f"q{question.pk}-score"] = _(
                    "Answer every self-assessment before submitting (or choose “don't know”)."
                )
    if errors:
        raise ValidationError(errors)
    for question_id, answer_values in cleaned.items():
        Answer.objects.update_or_create(
            report=report, question_id=question_id, defaults=answer_values
        )
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
    """Let the respondent change a submitted report again, telling them why by e-mail."""
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
    history.record(
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
