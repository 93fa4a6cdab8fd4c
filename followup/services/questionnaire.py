"""A cycle's questionnaire: generated from the agreement when the cycle is created, then edited
by the officers question by question while the cycle is a draft.

The questions are copied, not referred to: later edits of the agreement never change what an
earlier cycle asked.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from agreements.models import Commitment, Party
from core.errors import ActionRefused
from core.types import Actor

from ..models import Cycle, CycleEvent, Question, RespondentGroup
from . import history
from .messages import CYCLE_NOT_DRAFT

# Keyed by the values of Party and of FollowUpArea.respondent_groups as stored.
PARTY_GROUPS: dict[str, list[RespondentGroup]] = {
    Party.MUNICIPALITY: [RespondentGroup.UNITS],
    Party.CIVIL_SOCIETY: [RespondentGroup.ORGANISATIONS],
    Party.BOTH: [RespondentGroup.UNITS, RespondentGroup.ORGANISATIONS],
}
AREA_GROUPS: dict[str, RespondentGroup] = {
    "units": RespondentGroup.UNITS,
    "signatories": RespondentGroup.ORGANISATIONS,
    "civil_society": RespondentGroup.ORGANISATIONS,
    "council": RespondentGroup.COUNCIL,
}


# --- Generated from the agreement ---------------------------------------------------------------


def _question(cycle: Cycle, order: int, **values: Any) -> Question:
    return Question(cycle=cycle, order=order, **values)


def questions_from_agreement(cycle: Cycle) -> list[Question]:
    """The questionnaire the agreement implies: principles, commitments, its own questions."""
    version = cycle.version
    questions: list[Question] = []
    term = version.agreement.principle_singular
    principles = list(version.principles.all())
    # Each commitment is asked once, under the principle the document lists it under, or else
    # the first principle it serves.
    home: dict[int, list[Commitment]] = {p.pk: [] for p in principles}
    commitments = version.commitments.prefetch_related("principles").order_by("order")
    for commitment in commitments:
        served = sorted(commitment.principles.all(), key=lambda p: p.order)
        principle_id = commitment.listed_under_id or (served[0].pk if served else None)
        if principle_id is not None and principle_id in home:
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
        area_groups = sorted(
            {str(AREA_GROUPS[g]) for g in area.respondent_groups if g in AREA_GROUPS}
        )
        sub_questions = list(area.questions.all())
        if sub_questions:
            for sub in sub_questions:
                questions.append(
                    _question(
                        cycle,
                        len(questions),
                        source=Question.Source.AGREEMENT,
                        answer_kind=area.answer_kind,
                        respondent_groups=area_groups,
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
                    respondent_groups=area_groups,
                    section=str(_("The agreement's own follow-up questions")),
                    text=area.topic,
                    followup_area=area,
                )
            )
    return questions


# --- Edited by the officers ---------------------------------------------------------------------


def _require_draft(cycle: Cycle) -> None:
    if Cycle.objects.filter(pk=cycle.pk).values_list("status", flat=True).get() != "draft":
        raise ActionRefused(CYCLE_NOT_DRAFT)


def _question_state(question: Question) -> dict[str, object]:
    return {
        "order": question.order,
        "section": question.section,
        "text": question.text,
        "help_text": question.help_text,
        "answer_kind": question.answer_kind,
        "respondent_groups": sorted(question.respondent_groups),
    }


@transaction.atomic
def question_save(*, question: Question, actor: Actor) -> Question:
    """Add or edit a question while its cycle is a draft."""
    _require_draft(question.cycle)
    question.full_clean()
    old = Question.objects.filter(pk=question.pk).first() if question.pk else None
    question.save()
    after = _question_state(question)
    if old is None:
        history.record(
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
        history.record(
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
    history.record(
        question.cycle,
        CycleEvent.Kind.QUESTION_DELETED,
        actor,
        before=_question_state(question),
        question=question.pk,
    )
    question.delete()
