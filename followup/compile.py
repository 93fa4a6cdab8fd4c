"""Compiling an evaluation from a cycle's submitted reports.

Every question of the cycle is compiled, whatever its source (a principle, a commitment, the
agreement's own follow-up table, or a question an officer added):

- a 1–5 question gives its distribution, mean and number of answers, for all respondents and
  for each group asked (the organisations, the municipality's units, the council), the
  difference between the agreement's two parties (organisations and units) with a marker where
  it reaches the threshold (``settings.PORTAL_SCORE_GAP``), and the change since the previous
  published cycle of the same kind of the same agreement;
- a count question gives its sum and its base: how many of the respondents asked answered it;
- a free-text question, and every comment and example written beside a score or a count, is
  kept under its own question, with who wrote it unless the cycle anonymises free text;
- a list question's items (one a line) are merged across reports, case and spacing ignored,
  each with how many named it.

The result is a typed structure (``CompiledEvaluation``), built once by ``compile_evaluation``
and rendered by the page and the PDF alike. It is plain data (``as_json``) so that a published
evaluation can be frozen as it was: the page and the PDF of a published evaluation are drawn
from the frozen data (``evaluation_from_json``), never recompiled. Labels that are the portal's
own words (group names, bases, the marker) are not frozen: they are properties, said in the
reader's language when shown; what respondents and the agreement wrote is data and frozen.

Frozen data has a ``schema`` number. Data frozen before it existed (schema 1: principle and
commitment scores only, free text by principle, counts as a plain mapping) is read into the
same structure, with what it never held left empty.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean

from django.conf import settings
from django.db.models import Prefetch
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.models import Accession

from .models import Answer, Cycle, Question, Report, RespondentGroup
from .selectors import previous_cycle

SCALE = ["1", "2", "3", "4", "5", "na"]
SCHEMA = 2
# Marks a question where the parties differ, in the charts and the tables, always with words.
GAP_MARKER = "◆"
# The agreement's two parties, as the respondent groups that speak for them.
SIDES = (RespondentGroup.ORGANISATIONS.value, RespondentGroup.UNITS.value)
GROUPS = tuple(RespondentGroup.values)  # organisations, units, council: the order shown


def group_label(group: str) -> str:
    """The group's name in the active language ("" for a group not known)."""
    labels = dict(RespondentGroup.choices)
    return str(labels[group]) if group in labels else ""


def anonymous_respondent(group: str) -> str:
    """Who wrote an anonymised answer: one of the group, in the active language."""
    if group == RespondentGroup.ORGANISATIONS:
        return _("a signatory organisation")
    if group == RespondentGroup.UNITS:
        return _("a board, administration or company")
    if group == RespondentGroup.COUNCIL:
        return _("a council member")
    return _("a respondent")


def _group_base(group: str, answered: int, asked: int) -> str:
    values = {"answered": answered, "asked": asked}
    if group == RespondentGroup.ORGANISATIONS:
        text = ngettext(
            "%(answered)s of %(asked)s organisation asked",
            "%(answered)s of %(asked)s organisations asked",
            asked,
        )
    elif group == RespondentGroup.UNITS:
        text = ngettext(
            "%(answered)s of %(asked)s board, administration or company asked",
            "%(answered)s of %(asked)s boards, administrations and companies asked",
            asked,
        )
    else:
        text = ngettext(
            "%(answered)s of %(asked)s council member asked",
            "%(answered)s of %(asked)s council members asked",
            asked,
        )
    return text % values


def mean_and_count(value: float | None, n: int) -> str:
    """ "3,4 (5 answers)", or "no answers"."""
    if value is None:
        return _("no answers")
    return ngettext("%(mean)s (%(n)s answer)", "%(mean)s (%(n)s answers)", n) % {
        "mean": one_decimal(value),
        "n": n,
    }


def one_decimal(value: float) -> str:
    """A mean or a difference as the tables show it: 3,4 in Swedish, 3.4 in English."""
    return number_format(_round1(value), 1)


def _round1(value: float) -> Decimal:
    # As the templates' floatformat rounds (half up), so that what is compared is what is shown.
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class _OfAGroup:
    """A figure or a respondent of one respondent group, named by the group."""

    group: str

    @property
    def label(self) -> str:
        return group_label(self.group)


def _groups_asked(question: Question) -> list[str]:
    """The respondent groups the question asks, in GROUPS order."""
    return [group for group in GROUPS if question.asks(group)]


@dataclass
class GroupRate(_OfAGroup):
    group: str
    invited: int
    submitted: int

    @property
    def rate(self) -> float:
        return round(100 * self.submitted / self.invited, 1) if self.invited else 0.0


@dataclass
class GroupScore(_OfAGroup):
    """One respondent group's answers to one 1–5 question."""

    group: str
    distribution: dict[str, int]
    n: int
    mean: float | None

    @property
    def mean_text(self) -> str:
        return mean_and_count(self.mean, self.n)


@dataclass
class ScoreSummary:
    """A 1–5 question: all respondents together, each group asked, the change, the gap."""

    key: str  # stable from cycle to cycle: the change is found by it
    kind: str  # the question's source: principle, commitment, agreement, custom
    title: str  # what the row is called: the principle, the commitment, else the question
    section: str  # the principle or the topic it is asked under
    distribution: dict[str, int]
    n: int
    mean: float | None
    previous_mean: float | None = None
    question: str = ""  # the question as it was asked
    groups: list[GroupScore] = field(default_factory=list)  # each group asked, in GROUPS order
    # The organisations' mean less the units' (one decimal, as shown), where both answered.
    gap: float | None = None
    sides_differ: bool = False  # |gap| reached the evaluation's threshold

    @property
    def change(self) -> float | None:
        if self.mean is None or self.previous_mean is None:
            return None
        return round(self.mean - self.previous_mean, 2)

    @property
    def mean_text(self) -> str:
        return mean_and_count(self.mean, self.n)

    @property
    def is_headline(self) -> bool:
        """Charted on its own: every question but the commitments (many, and in the tables)."""
        return self.kind != Question.Source.COMMITMENT

    def group(self, code: str) -> GroupScore | None:
        return next((g for g in self.groups if g.group == code), None)

    @property
    def gap_text(self) -> str:
        """The difference between the parties in words: "1,2 higher among the units"."""
        if self.gap is None:
            return ""
        if self.gap == 0:
            return _("no difference")
        values = {"difference": one_decimal(abs(self.gap))}
        if self.gap > 0:
            return _("%(difference)s higher among the organisations") % values
        return _("%(difference)s higher among the boards, administrations and companies") % values


@dataclass
class ScoreSection:
    """The 1–5 questions asked under one principle or topic, and the groups asked them."""

    title: str
    scores: list[ScoreSummary]
    groups: list[str]

    @property
    def group_labels(self) -> list[str]:
        return [group_label(g) for g in self.groups]

    @property
    def compares_sides(self) -> bool:
        return all(side in self.groups for side in SIDES)

    @property
    def headline_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.is_headline]

    @property
    def rows(self) -> list[tuple[ScoreSummary, list[tuple[str, GroupScore | None]]]]:
        """Each question with (group's name, its score) in the section's columns, the score
        None where the question was not asked of the group."""
        labels = self.group_labels
        return [
            (s, [(label, s.group(g)) for label, g in zip(labels, self.groups, strict=True)])
            for s in self.scores
        ]


@dataclass
class CountBase:
    group: str
    answered: int
    asked: int


@dataclass
class CountSummary:
    """A count question summed, with how many of those asked answered it."""

    key: str
    question: str
    section: str
    total: int | None  # None when no one answered
    answered: int
    asked: int
    groups: list[CountBase] = field(default_factory=list)

    @property
    def base_text(self) -> str:
        """ "1 of 3 boards, administrations and companies asked" (per group, where several)."""
        if not self.groups:
            return ""
        parts = [_group_base(g.group, g.answered, g.asked) for g in self.groups]
        if len(parts) == 1:
            return parts[0]
        return _("%(answered)s of %(asked)s asked: %(groups)s") % {
            "answered": self.answered,
            "asked": self.asked,
            "groups": "; ".join(parts),
        }

    @property
    def partial(self) -> bool:
        """Counted from a part of those asked: the total is theirs only."""
        return self.answered < self.asked


@dataclass
class RegisterFigure:
    """A figure of the period from the register of signatories, not from the reports."""

    key: str  # "new_signatories" or "withdrawn"
    value: int

    @property
    def label(self) -> str:
        if self.key == "new_signatories":
            return _("New signatory organisations in the period")
        if self.key == "withdrawn":
            return _("Organisations that withdrew in the period")
        return self.key


@dataclass
class TextAnswer:
    text: str
    kind: str  # text, comment or examples
    group: str
    respondent: str  # the respondent's name; "" when the cycle anonymises free text

    @property
    def by(self) -> str:
        return self.respondent or anonymous_respondent(self.group)

    @property
    def kind_label(self) -> str:
        if self.kind == "comment":
            return _("Comment")
        if self.kind == "examples":
            return _("Examples")
        return ""


@dataclass
class ListEntry:
    """One item of a list question, merged across reports: "Stormötet (4)"."""

    text: str
    count: int
    respondents: list[str] = field(default_factory=list)  # empty when anonymised


@dataclass
class QuestionAnswers:
    """What respondents wrote to one question: free text, comments and examples, list items."""

    key: str
    question: str
    section: str
    answer_kind: str
    answers: list[TextAnswer] = field(default_factory=list)
    entries: list[ListEntry] = field(default_factory=list)
    answered: int = 0  # respondents who answered a free-text or list question
    asked: int = 0  # respondents asked it

    @property
    def shows_base(self) -> bool:
        return self.answer_kind in (Question.AnswerKind.TEXT, Question.AnswerKind.LIST)


@dataclass
class TextSection:
    title: str
    questions: list[QuestionAnswers]


@dataclass
class RespondentEntry(_OfAGroup):
    """One organisation or municipal unit asked to report, and whether it did: the method
    section names them (council members are counted, not named)."""

    group: str
    name: str
    submitted: bool


@dataclass
class CompiledEvaluation:
    cycle_id: int
    title: str
    agreement: str
    period: str
    rates: list[GroupRate]
    scores: list[ScoreSummary]
    counts: list[CountSummary]
    register: list[RegisterFigure] = field(default_factory=list)
    texts: list[QuestionAnswers] = field(default_factory=list)
    previous_title: str | None = None
    anonymised: bool = False
    gap_threshold: float = 1.0
    respondents: list[RespondentEntry] = field(default_factory=list)
    schema: int = SCHEMA

    def as_json(self) -> dict:
        data = asdict(self)
        for rate, group_rate in zip(data["rates"], self.rates, strict=True):
            rate["rate"] = group_rate.rate
        for score, summary in zip(data["scores"], self.scores, strict=True):
            score["change"] = summary.change
        return data

    @property
    def principle_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.kind == Question.Source.PRINCIPLE]

    @property
    def commitment_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.kind == Question.Source.COMMITMENT]

    @property
    def headline_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.is_headline]

    @property
    def score_sections(self) -> list[ScoreSection]:
        sections: dict[str, ScoreSection] = {}
        for score in self.scores:
            title = _heading(score.section)
            section = sections.setdefault(title, ScoreSection(title, [], []))
            section.scores.append(score)
        for section in sections.values():
            asked = {g.group for s in section.scores for g in s.groups}
            section.groups = [g for g in GROUPS if g in asked]
        return list(sections.values())

    @property
    def text_sections(self) -> list[TextSection]:
        sections: dict[str, TextSection] = {}
        for item in self.texts:
            title = _heading(item.section)
            sections.setdefault(title, TextSection(title, [])).questions.append(item)
        return list(sections.values())

    @property
    def respondent_groups(
        self,
    ) -> list[tuple[str, list[RespondentEntry], list[RespondentEntry], int]]:
        """Per group named in the method section: its label, who reported, who did not, and
        how many were asked."""
        result = []
        for group in GROUPS:
            entries = [r for r in self.respondents if r.group == group]
            if entries:
                result.append(
                    (
                        group_label(group),
                        [r for r in entries if r.submitted],
                        [r for r in entries if not r.submitted],
                        len(entries),
                    )
                )
        return result

    @property
    def differing_scores(self) -> list[ScoreSummary]:
        return [s for s in self.scores if s.sides_differ]

    @property
    def marker(self) -> str:
        return GAP_MARKER

    @property
    def partial_counts(self) -> bool:
        return any(c.partial for c in self.counts)

    @property
    def gap_threshold_text(self) -> str:
        return one_decimal(self.gap_threshold)


def _heading(section: str) -> str:
    """A section's name as a heading: Borås's "Upplevelsen … kring:" without its colon."""
    return section.strip().rstrip(":").strip() or _("Other questions")


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _question_key(question: Question) -> str:
    """A key that finds the same question in the previous cycle (its frozen figures)."""
    principle, commitment, area = question.principle, question.commitment, question.followup_area
    if principle is not None and commitment is not None:
        return f"{principle.key}/{commitment.key}"
    if principle is not None:
        return principle.key
    if area is not None:
        return f"{area.key}:{_normalised(question.text)}"
    return f"custom:{_normalised(question.text)}"


def _title(question: Question) -> str:
    if question.commitment is not None:
        return question.commitment.title or question.commitment.body
    if question.principle is not None:
        return question.principle.title
    return question.text


def _section(question: Question) -> str:
    if question.principle is not None:
        return question.principle.title
    return question.section


# A list item as typed: a leading bullet or number and trailing punctuation are not part of it.
_BULLET = re.compile(r"^\s*(?:[-–—•*·]+|\d+[.)])\s*")
_TRAILING = re.compile(r"[\s.,;:]+$")


def list_items(text: str) -> list[str]:
    """The items of a list answer, one a line, cleaned of bullets, spacing and end punctuation."""
    items = []
    for line in text.splitlines():
        item = _TRAILING.sub("", _BULLET.sub("", line))
        item = " ".join(item.split())
        if item:
            items.append(item)
    return items


def merge_list_answers(answers: list[tuple[str, str]]) -> list[ListEntry]:
    """(respondent, text) pairs merged into entries: each item once, with how many named it.

    Items are the same whatever their case and spacing ("Stormötet", "stormötet "); each
    respondent counts once per item. An entry is written as most respondents wrote it (of
    equals, capitalised rather than not, then the first), with a capital first letter, and
    entries come most-named first, then alphabetically.
    """
    spellings: dict[str, dict[str, int]] = defaultdict(dict)
    named_by: dict[str, list[str]] = defaultdict(list)
    for respondent, text in answers:
        seen = set()
        for item in list_items(text):
            key = _normalised(item)
            if key in seen:
                continue
            seen.add(key)
            spellings[key][item] = spellings[key].get(item, 0) + 1
            named_by[key].append(respondent)
    entries = []
    for key, variants in spellings.items():
        # The most usual spelling; of equals, a capitalised one, then the first written.
        text = max(variants, key=lambda variant: (variants[variant], variant[:1].isupper()))
        text = text[:1].upper() + text[1:]  # an item of a list, as a list is written
        respondents = [r for r in named_by[key] if r]
        entries.append(ListEntry(text=text, count=len(named_by[key]), respondents=respondents))
    entries.sort(key=lambda e: (-e.count, e.text.casefold()))
    return entries


def _distribution(answers: list[Answer]) -> tuple[dict[str, int], list[int]]:
    distribution = dict.fromkeys(SCALE, 0)
    values = []
    for answer in answers:
        if answer.not_applicable:
            distribution["na"] += 1
        elif answer.score:
            distribution[str(answer.score)] += 1
            values.append(answer.score)
    return distribution, values


def _mean(values: list[int]) -> float | None:
    return round(mean(values), 2) if values else None


def _score(
    question: Question,
    key: str,
    answers: list[tuple[Report, Answer]],
    previous_means: dict[str, float],
    threshold: float,
) -> ScoreSummary:
    distribution, values = _distribution([a for _r, a in answers])
    groups = []
    for group in _groups_asked(question):
        group_distribution, group_values = _distribution(
            [a for r, a in answers if r.group == group]
        )
        groups.append(
            GroupScore(
                group=group,
                distribution=group_distribution,
                n=len(group_values),
                mean=_mean(group_values),
            )
        )
    means = {g.group: g.mean for g in groups}
    organisations, units = (means.get(side) for side in SIDES)
    gap = None
    if organisations is not None and units is not None:
        gap = float(_round1(organisations - units))
    return ScoreSummary(
        key=key,
        kind=question.source,
        title=_title(question),
        section=_section(question),
        question=question.text,
        distribution=distribution,
        n=len(values),
        mean=_mean(values),
        previous_mean=previous_means.get(key),
        groups=groups,
        gap=gap,
        sides_differ=gap is not None and abs(gap) >= threshold,
    )


def _count(
    question: Question, key: str, answers: list[tuple[Report, Answer]], reports: list[Report]
) -> CountSummary:
    numbers = [(r, a.number) for r, a in answers if a.number is not None]
    groups = []
    for group in _groups_asked(question):
        asked = sum(r.group == group for r in reports)
        if asked:
            answered = sum(r.group == group for r, _n in numbers)
            groups.append(CountBase(group=group, answered=answered, asked=asked))
    return CountSummary(
        key=key,
        question=question.text,
        section=question.section,
        total=sum(n for _r, n in numbers) if numbers else None,
        answered=len(numbers),
        asked=sum(g.asked for g in groups),
        groups=groups,
    )


def compile_evaluation(cycle: Cycle) -> CompiledEvaluation:
    """Every question's figures and texts from the submitted reports, compared with the
    previous published cycle. A fixed number of queries, however many questions and reports."""
    reports = list(
        cycle.reports.select_related("organisation", "unit", "council_member").prefetch_related(
            Prefetch("answers", queryset=Answer.objects.order_by("pk"))
        )
    )
    questions = list(
        cycle.questions.select_related("principle", "commitment", "followup_area").order_by(
            "order", "pk"
        )
    )
    rates = []
    for group in GROUPS:
        in_group = [r for r in reports if r.group == group]
        if in_group:
            rates.append(
                GroupRate(
                    group=group,
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
    frozen = previous.evaluation.frozen_data if previous else None
    if frozen:
        for score in frozen.get("scores", []):
            if score.get("mean") is not None:
                previous_means[score["key"]] = score["mean"]

    threshold = float(settings.PORTAL_SCORE_GAP)
    scores: list[ScoreSummary] = []
    counts: list[CountSummary] = []
    texts: list[QuestionAnswers] = []
    keys: set[str] = set()
    anonymise = cycle.anonymise_free_text
    for question in questions:
        answers = by_question.get(question.pk, [])
        key = _question_key(question)
        while key in keys:  # the same question asked twice in one cycle: each keeps its row
            key += "+"
        keys.add(key)
        asked_reports = [r for r in reports if question.asks(r.group)]
        if question.answer_kind == Question.AnswerKind.SCALE:
            scores.append(_score(question, key, answers, previous_means, threshold))
        elif question.answer_kind == Question.AnswerKind.COUNT:
            counts.append(_count(question, key, answers, asked_reports))
        item = QuestionAnswers(
            key=key,
            question=question.text,
            section=_section(question),
            answer_kind=question.answer_kind,
            asked=len(asked_reports),
        )
        for report, answer in answers:
            respondent = "" if anonymise else report.respondent_name
            if question.answer_kind == Question.AnswerKind.LIST:
                if list_items(answer.text):
                    item.answered += 1
                continue
            if question.answer_kind == Question.AnswerKind.TEXT and answer.text.strip():
                item.answered += 1
            for kind in ("text", "comment", "examples"):
                text = getattr(answer, kind).strip()
                if text:
                    item.answers.append(
                        TextAnswer(text=text, kind=kind, group=report.group, respondent=respondent)
                    )
        if question.answer_kind == Question.AnswerKind.LIST:
            item.entries = merge_list_answers(
                [("" if anonymise else r.respondent_name, a.text) for r, a in answers]
            )
        if item.answers or item.entries or item.shows_base:
            texts.append(item)

    accessions = Accession.objects.filter(agreement=cycle.agreement)
    register = [
        RegisterFigure(
            key="new_signatories",
            value=accessions.filter(
                decided_at__date__gte=cycle.period_start,
                decided_at__date__lte=cycle.period_end,
                status__in=[
                    Accession.Status.ACTIVE,
                    Accession.Status.WITHDRAWN,
                    Accession.Status.SUPERSEDED,
                ],
                replaces__isnull=True,
            ).count(),
        ),
        RegisterFigure(
            key="withdrawn",
            value=accessions.filter(
                withdrawn_at__date__gte=cycle.period_start,
                withdrawn_at__date__lte=cycle.period_end,
            ).count(),
        ),
    ]

    named = (RespondentGroup.ORGANISATIONS, RespondentGroup.UNITS)
    respondents = sorted(
        (
            RespondentEntry(
                group=r.group,
                name=r.respondent_name,
                submitted=r.status == Report.Status.SUBMITTED,
            )
            for r in reports
            if r.group in named
        ),
        key=lambda r: (GROUPS.index(r.group), r.name.casefold()),
    )

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
        counts=counts,
        register=register,
        texts=texts,
        previous_title=previous.title if previous else None,
        anonymised=anonymise,
        gap_threshold=threshold,
        respondents=respondents,
    )


# --- Frozen data read back ----------------------------------------------------------------------


def _fields(cls, data: dict) -> dict:
    names = cls.__dataclass_fields__
    return {k: v for k, v in data.items() if k in names}


def evaluation_from_json(data: dict) -> CompiledEvaluation:
    """Rebuild a frozen evaluation, so that templates use one shape for draft and published."""
    if data.get("schema", 1) < 2:
        return _from_schema_1(data)
    return CompiledEvaluation(
        cycle_id=data["cycle_id"],
        title=data["title"],
        agreement=data["agreement"],
        period=data["period"],
        rates=[GroupRate(**_fields(GroupRate, r)) for r in data["rates"]],
        scores=[
            ScoreSummary(
                **{
                    **_fields(ScoreSummary, s),
                    "groups": [GroupScore(**_fields(GroupScore, g)) for g in s["groups"]],
                }
            )
            for s in data["scores"]
        ],
        counts=[
            CountSummary(
                **{
                    **_fields(CountSummary, c),
                    "groups": [CountBase(**_fields(CountBase, g)) for g in c["groups"]],
                }
            )
            for c in data["counts"]
        ],
        register=[RegisterFigure(**_fields(RegisterFigure, f)) for f in data["register"]],
        texts=[
            QuestionAnswers(
                **{
                    **_fields(QuestionAnswers, t),
                    "answers": [TextAnswer(**_fields(TextAnswer, a)) for a in t["answers"]],
                    "entries": [ListEntry(**_fields(ListEntry, e)) for e in t["entries"]],
                }
            )
            for t in data["texts"]
        ],
        previous_title=data.get("previous_title"),
        respondents=[
            RespondentEntry(**_fields(RespondentEntry, r)) for r in data.get("respondents", [])
        ],
        anonymised=data.get("anonymised", False),
        gap_threshold=data.get("gap_threshold", 1.0),
        schema=data["schema"],
    )


def _from_schema_1(data: dict) -> CompiledEvaluation:
    """Figures frozen before every question was compiled: principle and commitment scores with
    no groups, free text grouped by principle, list answers as written, counts as a mapping
    (the register's figures among them, under their Swedish or English labels)."""
    group_codes = {str(label): code for code, label in RespondentGroup.choices}
    scores = [
        ScoreSummary(
            key=s["key"],
            kind=s["kind"],
            title=s["title"],
            section=s.get("principle", ""),
            question=s["title"],
            distribution=s["distribution"],
            n=s["n"],
            mean=s["mean"],
            previous_mean=s.get("previous_mean"),
        )
        for s in data["scores"]
    ]
    texts: dict[tuple[str, str], QuestionAnswers] = {}
    for item in data.get("free_texts", []):
        entry = texts.setdefault(
            (item["principle"], item["question"]),
            QuestionAnswers(
                key=item["question"],
                question=item["question"],
                section=item["principle"],
                answer_kind="",
            ),
        )
        # Then the respondent was frozen as a name or, anonymised, as the group's name.
        entry.answers.append(
            TextAnswer(
                text=item["text"],
                kind=item["kind"],
                group=group_codes.get(item["respondent"], ""),
                respondent=item["respondent"],
            )
        )
    listed: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item in data.get("listed_answers", []):
        listed[item["question"]].append((item["respondent"], item["text"]))
        texts.setdefault(
            (item["principle"], item["question"]),
            QuestionAnswers(
                key=item["question"],
                question=item["question"],
                section=item["principle"],
                answer_kind=Question.AnswerKind.LIST,
            ),
        )
    for (_section_title, question), entry in texts.items():
        if question in listed:
            entry.entries = merge_list_answers(listed[question])
    register_labels = {
        "Nya anslutna organisationer under perioden": "new_signatories",
        "New signatory organisations in the period": "new_signatories",
        "Organisationer som har utträtt under perioden": "withdrawn",
        "Organisations that withdrew in the period": "withdrawn",
    }
    counts, register = [], []
    for label, value in data.get("counts", {}).items():
        if label in register_labels:
            register.append(RegisterFigure(key=register_labels[label], value=value))
        else:
            counts.append(
                CountSummary(
                    key=label, question=label, section="", total=value, answered=0, asked=0
                )
            )
    return CompiledEvaluation(
        cycle_id=data["cycle_id"],
        title=data["title"],
        agreement=data["agreement"],
        period=data["period"],
        rates=[
            GroupRate(group=r["group"], invited=r["invited"], submitted=r["submitted"])
            for r in data["rates"]
        ],
        scores=scores,
        counts=counts,
        register=register,
        texts=list(texts.values()),
        previous_title=data.get("previous_title"),
        schema=1,
    )
