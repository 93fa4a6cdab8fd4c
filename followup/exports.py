"""The officers' exports of a cycle: every answer, and the dashboard's lists of reports (all of
them, and those not submitted yet), each as CSV and as Excel (XLSX).

This module says what each export holds, as a ``core.exports.Table``: its columns with headers
and labels in the officer's language (Swedish unless they chose English), never codes, and its
rows in the dashboard's order; ``core.exports`` writes the files (and keeps every cell from
running as a formula). They are not open data (``organisations.opendata``): only the cycle's
officers download them (the views check), and the responses are never cached. Each is a fixed
number of queries, however many reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from core.exports import Column, Kind, Table, Value, choice_labels

from .dashboard import ROW_FIELDS, reports_in_order
from .models import Answer, Cycle, Question, Report, ReportQuerySet, RespondentGroup


def _filename(cycle: Cycle, what: str) -> str:
    # "2024–2025" as "2024-2025": slugify drops the en dash, and the years would run together.
    title = cycle.title.replace("–", "-").replace("—", "-")
    return f"{slugify(title) or 'cycle'}-{cycle.pk}-{what}"


# --- Every answer -------------------------------------------------------------------------------


def answers_columns() -> list[Column]:
    """The columns, in the current language."""
    return [
        Column(_("Cycle")),
        Column(_("Respondent group")),
        Column(_("Respondent")),
        Column(_("Report status")),
        Column(_("Submitted"), Kind.DATETIME),
        Column(_("Section")),
        Column(_("Question")),
        Column(_("Kind of answer")),
        Column(_("Self-assessment (1–5)"), Kind.NUMBER),
        Column(_("Don't know / not applicable")),
        Column(_("Number"), Kind.NUMBER),
        Column(_("Answer")),
        Column(_("Comment")),
        Column(_("Examples")),
    ]


def answers_rows(cycle: Cycle) -> Iterator[list[Value]]:
    """One row per report and question asked (or answered), in the dashboard's order (by
    respondent group, then respondent's name); three queries."""
    groups, statuses = choice_labels(RespondentGroup), choice_labels(Report.Status)
    kinds = choice_labels(Question.AnswerKind)
    yes, no = capfirst(_("yes")), capfirst(_("no"))
    reports = reports_in_order(cycle).select_related("organisation", "unit", "council_member")
    questions = list(cycle.questions.all())
    answers = {(a.report_id, a.question_id): a for a in Answer.objects.filter(report__cycle=cycle)}
    for report in reports:
        for question in questions:
            answer = answers.get((report.pk, question.pk))
            if answer is None and not question.asks(report.group):
                continue
            values: list[Value]
            if answer is None:
                values = [None] * 6
            else:
                values = [
                    answer.score,
                    yes if answer.not_applicable else no,
                    answer.number,
                    answer.text,
                    answer.comment,
                    answer.examples,
                ]
            yield [
                cycle.title,
                groups.get(report.group, report.group),
                report.respondent_name,
                statuses.get(report.status, report.status),
                report.submitted_at,
                question.section,
                question.text,
                kinds.get(question.answer_kind, question.answer_kind),
                *values,
            ]


def answers_table(cycle: Cycle) -> Table:
    """Every answer of every report of the cycle."""
    return Table(
        title=_("All answers: %(cycle)s") % {"cycle": cycle.title},
        sheet=_("Answers"),
        filename=_filename(cycle, "svar"),
        columns=answers_columns(),
        rows=answers_rows(cycle),
    )


# --- The dashboard's lists of reports -----------------------------------------------------------


def reports_columns() -> list[Column]:
    """The columns of the dashboard's tables of reports, in the current language."""
    return [
        Column(_("Respondent")),
        Column(_("Respondent group")),
        Column(_("Status")),
        Column(_("Last saved"), Kind.DATETIME),
        Column(_("Submitted"), Kind.DATETIME),
        Column(_("Last reminded"), Kind.DATETIME),
    ]


def reports_rows(cycle: Cycle, *, not_submitted: bool) -> Iterator[list[Value]]:
    """Every report of the cycle (or those not submitted yet) in the dashboard's order, with
    what the dashboard's rows show (one query)."""
    groups, statuses = choice_labels(RespondentGroup), choice_labels(Report.Status)
    reports = (
        reports_in_order(cycle)
        .select_related("organisation", "unit", "council_member")
        # The cycle's key too: the related manager (cycle.reports) sets each report's cycle.
        .only("cycle", *ROW_FIELDS)
    )
    if not_submitted:
        # The rule of who has not submitted, written once (the reminders' too).
        reports = cast(ReportQuerySet, reports).not_submitted()
    for report in reports:
        yield [
            report.respondent_name,
            groups.get(report.group, report.group),
            statuses.get(report.status, report.status),
            report.updated_at,
            report.submitted_at,
            report.last_reminded_at,
        ]


def reports_table(cycle: Cycle, *, not_submitted: bool = False) -> Table:
    """The cycle's reports, or (``not_submitted``) the respondents who have not submitted yet:
    the dashboard's two lists, whole (the page shows a page of them)."""
    if not_submitted:
        title = _("Not submitted yet: %(cycle)s") % {"cycle": cycle.title}
        sheet, what = _("Not submitted yet"), "ej-inskickade"
    else:
        title = _("Reports: %(cycle)s") % {"cycle": cycle.title}
        sheet, what = _("Reports"), "rapporter"
    return Table(
        title=title,
        sheet=sheet,
        filename=_filename(cycle, what),
        columns=reports_columns(),
        rows=reports_rows(cycle, not_submitted=not_submitted),
    )
