"""The officers' export of a cycle's answers, as CSV.

Beside the open data (``organisations.opendata``: the public register and the agreements'
content), but not open: only the cycle's officers download it (the view checks), and the
response is never cached. Every cell goes through ``core.exports.csv_cell``, so that no answer
runs as a formula in a spreadsheet. A fixed number of queries, however many reports.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.exports import csv_cell

from .models import Answer, Cycle, RespondentGroup


def answers_header() -> list[str]:
    """The columns, in the current language."""
    return [
        _("Cycle"),
        _("Respondent group"),
        _("Respondent"),
        _("Report status"),
        _("Submitted"),
        _("Section"),
        _("Question"),
        _("Kind of answer"),
        _("Self-assessment (1–5)"),
        _("Don't know / not applicable"),
        _("Number"),
        _("Answer"),
        _("Comment"),
        _("Examples"),
    ]


def answers_rows(cycle: Cycle) -> Iterator[list[str]]:
    """One row per report and question asked (or answered), reports by respondent group, then
    respondent's name; every cell spreadsheet-safe (three queries)."""
    group_order = {value: i for i, (value, _label) in enumerate(RespondentGroup.choices)}
    reports = sorted(
        cycle.reports.select_related("organisation", "unit", "council_member"),
        key=lambda r: (group_order.get(r.group, 99), r.respondent_name.casefold(), r.pk),
    )
    questions = list(cycle.questions.all())
    answers = {(a.report_id, a.question_id): a for a in Answer.objects.filter(report__cycle=cycle)}
    for report in reports:
        submitted = (
            timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M")
            if report.submitted_at
            else ""
        )
        for question in questions:
            answer = answers.get((report.pk, question.pk))
            if answer is None and not question.asks(report.group):
                continue
            values: list[object]
            if answer is None:
                values = ["", "", "", "", "", ""]
            else:
                values = [
                    answer.score,
                    _("yes") if answer.not_applicable else _("no"),
                    answer.number,
                    answer.text,
                    answer.comment,
                    answer.examples,
                ]
            yield [
                csv_cell(v)
                for v in [
                    cycle.title,
                    report.get_group_display(),
                    report.respondent_name,
                    report.get_status_display(),
                    submitted,
                    question.section,
                    question.text,
                    question.get_answer_kind_display(),
                    *values,
                ]
            ]


def answers_csv(cycle: Cycle) -> HttpResponse:
    """Every answer of every report as a download: UTF-8 with a BOM so that spreadsheets read
    the Swedish letters, every cell quoted, never stored by a cache."""
    filename = f"{slugify(cycle.title) or 'cycle'}-{cycle.pk}-svar.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(answers_header())
    writer.writerows(answers_rows(cycle))
    return response
