"""The evaluation of a closed cycle: written by the officers, reviewed and approved by the
agreement's council, published (its figures frozen), and its PDF made by a background task.

Each step is recorded in the cycle's history (``history.record``) in the step's transaction.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import ActionRefused
from core.pagecache import public_data_changed
from core.types import Actor
from organisations.models import CouncilMembership

from .. import permissions
from ..models import Cycle, CycleEvent, Evaluation, EvaluationApproval, EvaluationComment
from ..selectors import approvals_of_the_text, collection_of
from . import history, review_mail
from .messages import (
    EVALUATION_NOT_IN_REVIEW,
    EVALUATION_NOT_STARTED,
    EVALUATION_PUBLISHED,
    NOT_A_COUNCIL_MEMBER,
    NOT_APPROVED,
)

logger = logging.getLogger(__name__)
security_log = logging.getLogger("portal.security")

PDF_STUCK_ERROR = "not finished within %s minutes of being asked for: its worker stopped"


def _evaluation_for_change(cycle: Cycle) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().filter(cycle=cycle).first()
    if evaluation is None:
        raise ActionRefused(EVALUATION_NOT_STARTED)
    if evaluation.is_published:
        raise ActionRefused(EVALUATION_PUBLISHED)
    return evaluation


# --- Written by the officers ---------------------------------------------------------------------


@transaction.atomic
def evaluation_update(
    *,
    cycle: Cycle,
    actor: Actor,
    summary: str,
    conclusions: str,
    recommendations: str,
    anonymise_free_text: bool | None = None,
    decision_reference: str | None = None,
) -> Evaluation:
    """The officers' narrative. A change after the council approved asks for approval again."""
    evaluation = _evaluation_for_change(cycle)
    changed = (summary, conclusions, recommendations) != (
        evaluation.summary,
        evaluation.conclusions,
        evaluation.recommendations,
    )
    sections = ("summary", "conclusions", "recommendations")
    before: dict[str, object] = {name: getattr(evaluation, name) for name in sections}
    evaluation.summary = summary.strip()
    evaluation.conclusions = conclusions.strip()
    evaluation.recommendations = recommendations.strip()
    if changed:
        evaluation.revision += 1
    # The decision's reference number is not part of the text the council approves.
    if decision_reference is not None and decision_reference.strip() != (
        evaluation.decision_reference
    ):
        before["decision_reference"] = evaluation.decision_reference
        evaluation.decision_reference = decision_reference.strip()
    evaluation.compiled_at = timezone.now()
    evaluation.save()
    edited = [name for name in sections if before[name] != getattr(evaluation, name)]
    if "decision_reference" in before:
        edited.append("decision_reference")
    before_anonymise = Cycle.objects.values_list("anonymise_free_text", flat=True).get(pk=cycle.pk)
    if anonymise_free_text is not None and anonymise_free_text != before_anonymise:
        Cycle.objects.filter(pk=cycle.pk).update(anonymise_free_text=anonymise_free_text)
        before["anonymise_free_text"] = before_anonymise
        edited.append("anonymise_free_text")
    if edited:  # saving the narrative unchanged (to compile the figures again) is no edit
        after: dict[str, object] = {
            name: getattr(evaluation, name)
            for name in edited
            if name in (*sections, "decision_reference")
        }
        if "anonymise_free_text" in edited:
            after["anonymise_free_text"] = anonymise_free_text
        history.record(
            cycle,
            CycleEvent.Kind.EVALUATION_EDITED,
            actor,
            before={name: before[name] for name in edited},
            after=after,
            revision=evaluation.revision,
        )
    if changed and cycle.status == Cycle.Status.IN_REVIEW:
        review_mail.members_asked_again(cycle=cycle, evaluation=evaluation)
    return evaluation


@transaction.atomic
def evaluation_send_to_council(*, cycle: Cycle, actor: Actor) -> Cycle:
    """Put the draft before the agreement's council, whose members are told by e-mail."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.CLOSED:
        raise ActionRefused(_("Close the cycle before sending the evaluation to the council."))
    evaluation = _evaluation_for_change(cycle)
    cycle.status = Cycle.Status.IN_REVIEW
    cycle.save(update_fields=["status"])
    history.record(
        cycle,
        CycleEvent.Kind.SENT_TO_COUNCIL,
        actor,
        before={"status": Cycle.Status.CLOSED},
        after={"status": cycle.status},
        revision=evaluation.revision,
    )
    review_mail.council_asked_to_review(cycle=cycle)
    return cycle


# --- Reviewed by the council --------------------------------------------------------------------


def _require_member(actor: Actor, cycle: Cycle) -> Cycle:
    """Refuse non-members (403); return the cycle as it is in the database now."""
    if not permissions.is_council_member_of(actor, cycle.agreement):
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
    history.record(
        cycle,
        CycleEvent.Kind.COMMENTED,
        actor,
        comment=comment.pk,
        section=section,
        revision=evaluation.revision,
    )
    review_mail.officers_told_of_comment(cycle=cycle, comment=comment)
    return comment


@transaction.atomic
def evaluation_approve(*, cycle: Cycle, actor: Actor) -> EvaluationApproval:
    """A council member approves the current revision of the draft."""
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
    history.record(
        cycle,
        CycleEvent.Kind.APPROVED,
        actor,
        before={"revision": previous} if previous is not None else None,
        after={"revision": evaluation.revision},
    )
    waiting = evaluation_sides_waiting(evaluation)
    review_mail.officers_told_of_approval(cycle=cycle, member=actor, waiting=waiting)
    return approval


def evaluation_sides_waiting(evaluation: Evaluation) -> list[CouncilMembership.Side]:
    """The council's sides of which no member has approved the current revision yet, in the
    order of ``CouncilMembership.Side`` (name them by ``.label``)."""
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
    return [
        side
        for side in CouncilMembership.Side
        if side.value in sides and side.value not in approved_sides
    ]


def evaluation_is_approved(evaluation: Evaluation) -> bool:
    """At least one member from each side of the council approved the current revision.

    Where the council has members from only one side, approval by one member is enough; a
    council without members cannot approve.
    """
    has_members = CouncilMembership.objects.filter(agreement_id=evaluation.cycle.agreement_id)
    return has_members.exists() and not evaluation_sides_waiting(evaluation)


# --- Published, and its PDF ---------------------------------------------------------------------


@transaction.atomic
def evaluation_publish(*, cycle: Cycle, actor: Actor) -> Evaluation:
    """Freeze the evaluation (figures, narrative) and queue its PDF. Nothing changes afterwards."""

    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.IN_REVIEW:
        raise ActionRefused(EVALUATION_NOT_IN_REVIEW)
    evaluation = _evaluation_for_change(cycle)
    if not evaluation_is_approved(evaluation):
        raise ActionRefused(NOT_APPROVED)
    evaluation.frozen_data = evaluation_record(cycle=cycle, evaluation=evaluation)
    evaluation.published_at = timezone.now()
    evaluation.published_by = actor
    evaluation.pdf_status = Evaluation.PdfStatus.QUEUED
    evaluation.pdf_requested_at = timezone.now()
    evaluation.save()
    cycle.status = Cycle.Status.PUBLISHED
    cycle.save(update_fields=["status"])
    history.record(
        cycle,
        CycleEvent.Kind.PUBLISHED,
        actor,
        before={"status": Cycle.Status.IN_REVIEW},
        after={"status": cycle.status},
        revision=evaluation.revision,
    )
    public_data_changed()
    review_mail.publication_announced(cycle=cycle)
    security_log.info("evaluation of cycle %s published by user %s", cycle.pk, actor.pk)
    transaction.on_commit(lambda: evaluation_queue_pdf_task(evaluation.pk))
    return evaluation


def evaluation_record(*, cycle: Cycle, evaluation: Evaluation) -> dict:
    """What a published evaluation keeps, as it stands at publication: its figures, the
    council's approvals and how the reports were collected (the record the board reads; the
    page, the PDF and the Word file are rendered from it, never from later data)."""
    from ..compile import compile_evaluation

    return {
        **compile_evaluation(cycle).as_json(),
        "approvals": [approval.as_json() for approval in approvals_of_the_text(evaluation)],
        "collection": collection_of(cycle).as_json(),
    }


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
                history.record(
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
    from .. import tasks

    tasks.render_evaluation_pdf.enqueue(evaluation_id)


@transaction.atomic
def evaluation_retry_pdf(*, evaluation: Evaluation, actor: Actor) -> Evaluation:
    """Queue the PDF of a published evaluation again after it failed (or is stuck)."""
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
    history.record(
        Cycle(pk=evaluation.cycle_id),
        CycleEvent.Kind.PDF_RETRIED,
        actor,
        before={"pdf_status": before},
        after={"pdf_status": evaluation.pdf_status},
    )
    public_data_changed()
    transaction.on_commit(lambda: evaluation_queue_pdf_task(evaluation.pk))
    return evaluation
