"""Compiling an evaluation from a cycle's submitted reports.

The result is plain data (``as_json``) so that a published evaluation can be frozen as it was: the
page and the PDF of a published evaluation are drawn from the frozen data, never recompiled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from statistics import mean

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from organisations.models import Accession

from .models import Answer, Cycle, Question, Report, RespondentGroup

SCALE = ["1", "2", "3", "4", "5", "na"]


@dataclass
class GroupRate:
    group: str
    label: str
    invited: int
    submitted: int

    @property
    def rate(self) -> float:
        return round(100 * self.submitted / self.invited, 1) if self.invited else 0.0


@dataclass
class ScoreSummary:
    key: str  # principle key, or principle key + commitment key
    kind: str  # "principle" or "commitment"
    title: str
    principle: str
    distribution: dict[str, int]
    n: int
    mean: float | None
    previous_mean: float | None = None

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return round(self.mean - self.previous_mean, 2)


@dataclass
class FreeText:
    principle: str
    question: str
    respondent: str
    kind: str  # comment / examples / text
    text: str


@dataclass
class CompiledEvaluation:
    cycle_id: int
    title: str
    agreement: str
    period: str
    rates: list[GroupRate]
    scores: list[ScoreSummary]
    free_texts: list[FreeText]
    counts: dict[str, int]
    listed_answers: list[FreeText] = field(default_factory=list)
    previous_title: str | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        for rate, source in zip(data["rates"], self.rates, strict=True):
            rate["rate"] = source.rate
        for score, source in zip(data["scores"], self.scores, strict=True):
            score["change"] = source.change
        return data

    @property
    def principle_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.kind == "principle"]

    @property
    def commitment_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.kind == "commitment"]


def _question_key(question: Question) -> tuple[str, str] | None:
    if question.answer_kind != Question.AnswerKind.SCALE:
        return None
    if question.commitment_id:
        return ("commitment", f"{question.principle.key}/{question.commitment.key}")
    if question.principle_id:
        return ("principle", question.principle.key)
    return ("agreement", f"q{question.order}")


def previous_cycle(cycle: Cycle) -> Cycle | None:
    return (
        Cycle.objects.filter(
            agreement=cycle.agreement,
            kind=cycle.kind,
            status=Cycle.Status.PUBLISHED,
            period_end__lt=cycle.period_start,
        )
        .select_related("evaluation")
        .order_by("-period_end")
        .first()
    )


def compile_evaluation(cycle: Cycle) -> CompiledEvaluation:
    """Figures from the submitted reports, compared with the previous published cycle."""
    reports = list(
        cycle.reports.select_related("organisation", "unit", "council_member").prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question"))
        )
    )
    questions = list(
        cycle.questions.select_related("principle", "commitment").order_by("order", "pk")
    )
    group_labels = dict(RespondentGroup.choices)
    rates = []
    for group in RespondentGroup.values:
        in_group = [r for r in reports if r.group == group]
        if in_group:
            rates.append(
                GroupRate(
                    group=group,
                    label=str(group_labels[group]),
                    invited=len(in_group),
                    submitted=sum(r.status == Report.Status.SUBMITTED for r in in_group),
                )
            )

    submitted = [r for r in reports if r.status == Report.Status.SUBMITTED]
    by_question: dict[int, list[tuple[Report, Answer]]] = defaultdict(list)
    for report in submitted:
        for answer in report.answers.all():
            by_question[answer.question_id].append((report, answer))

    previous = previous_cycle(cycle)
    previous_means: dict[str, float] = {}
    if previous and getattr(previous, "evaluation", None) and previous.evaluation.frozen_data:
        for score in previous.evaluation.frozen_data.get("scores", []):
            if score.get("mean") is not None:
                previous_means[score["key"]] = score["mean"]

    scores: list[ScoreSummary] = []
    free_texts: list[FreeText] = []
    listed: list[FreeText] = []
    counts: dict[str, int] = {}
    for question in questions:
        answers = by_question.get(question.pk, [])
        key = _question_key(question)
        principle_title = question.principle.title if question.principle_id else question.section
        if key and key[0] in ("principle", "commitment"):
            distribution = dict.fromkeys(SCALE, 0)
            values = []
            for _report, answer in answers:
                if answer.not_applicable:
                    distribution["na"] += 1
                elif answer.score:
                    distribution[str(answer.score)] += 1
                    values.append(answer.score)
            scores.append(
                ScoreSummary(
                    key=key[1],
                    kind=key[0],
                    title=(
                        question.commitment.title or question.commitment.body
                        if question.commitment_id
                        else question.principle.title
                    ),
                    principle=principle_title,
                    distribution=distribution,
                    n=len(values),
                    mean=round(mean(values), 2) if values else None,
                    previous_mean=previous_means.get(key[1]),
                )
            )
        if question.answer_kind == Question.AnswerKind.COUNT:
            counts[question.text] = sum(a.number or 0 for _r, a in answers)
        for report, answer in answers:
            respondent = (
                str(group_labels[report.group])
                if cycle.anonymise_free_text
                else report.respondent_name
            )
            for kind in ("text", "comment", "examples"):
                text = getattr(answer, kind)
                if not text:
                    continue
                item = FreeText(
                    principle=principle_title,
                    question=question.text,
                    respondent=respondent,
                    kind=kind,
                    text=text,
                )
                if question.answer_kind == Question.AnswerKind.LIST and kind == "text":
                    listed.append(item)
                else:
                    free_texts.append(item)

    accessions = Accession.objects.filter(agreement=cycle.agreement)
    counts[_("New signatory organisations in the period")] = accessions.filter(
        decided_at__date__gte=cycle.period_start,
        decided_at__date__lte=cycle.period_end,
        status__in=[
            Accession.Status.ACTIVE,
            Accession.Status.WITHDRAWN,
            Accession.Status.SUPERSEDED,
        ],
        replaces__isnull=True,
    ).count()
    counts[_("Organisations that withdrew in the period")] = accessions.filter(
        withdrawn_at__date__gte=cycle.period_start, withdrawn_at__date__lte=cycle.period_end
    ).count()

    period = (
        str(cycle.period_start.year)
        if cycle.period_start.year == cycle.period_end.year
        else f"{cycle.period_start.year}–{cycle.period_end.year}"
    )
    return CompiledEvaluation(
        cycle_id=cycle.pk,
        title=cycle.title,
        agreement=cycle.agreement.title,
        period=period,
        rates=rates,
        scores=scores,
        free_texts=free_texts,
        listed_answers=listed,
        counts=counts,
        previous_title=previous.title if previous else None,
    )


def evaluation_from_json(data: dict) -> CompiledEvaluation:
    """Rebuild a frozen evaluation, so that templates use one shape for draft and published."""
    return CompiledEvaluation(
        cycle_id=data["cycle_id"],
        title=data["title"],
        agreement=data["agreement"],
        period=data["period"],
        rates=[GroupRate(**{k: v for k, v in r.items() if k != "rate"}) for r in data["rates"]],
        scores=[
            ScoreSummary(**{k: v for k, v in s.items() if k != "change"}) for s in data["scores"]
        ],
        free_texts=[FreeText(**f) for f in data["free_texts"]],
        listed_answers=[FreeText(**f) for f in data.get("listed_answers", [])],
        counts=data["counts"],
        previous_title=data.get("previous_title"),
    )
