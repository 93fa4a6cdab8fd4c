"""The rows of the officer dashboard's two tables of reports, rendered with Jinja2.

Rendered with the Django template language, fifty rows (a page of reports and the first ones
not submitted) took most of the dashboard's time and kept its tail latency over budget at
national scale (docs/performance.md). Jinja2 compiles the same markup to Python and renders it
in a fraction of the time. The rest of the page, its headings and the tables' headers stay in
templates/followup/officer/cycle_detail.html; the row templates are under templates/jinja2/.

The labels are translated here, in Python, so that makemessages finds them; the Jinja2
templates translate nothing themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

from crispy_forms.utils import render_crispy_form
from django.forms import Form
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Report


def _labels() -> dict[str, str]:
    """The rows' fixed texts in the current language."""
    return {
        "respondent": _("Respondent"),
        "group": _("Respondent group"),
        "status": _("Status"),
        "reminded": _("Last reminded"),
        "not_reminded": _("Not reminded"),
        "saved": _("Last saved"),
        "submitted": _("Submitted"),
        "reopen": _("Reopen"),
        "reopen_summary": _("Reopen…"),
        "reason": _("Reason for reopening"),
        "reason_help": _("The respondent receives the reason by e-mail."),
        "reopen_button": _("Reopen the report"),
    }


def _render(request: HttpRequest, template_name: str, context: dict) -> SafeString:
    template = engines["jinja2"].get_template(template_name)
    # One CSRF field for every form of the rows: the backend's own csrf_input masks the token
    # anew each time it is written, which cost more than the rest of a row.
    context = {**context, "labels": _labels(), "csrf_field": csrf_input(request)}
    # Jinja2 escapes every value it writes (autoescape), so the result is safe HTML.
    return mark_safe(template.render(context, request))  # noqa: S308


def pending_rows(request: HttpRequest, reports: Sequence[Report]) -> SafeString:
    """The <tr> rows of the reports not submitted yet (each with group_label and status_label)."""
    return _render(request, "followup/officer/pending_rows.html", {"reports": reports})


def report_rows(
    request: HttpRequest,
    reports: Sequence[Report],
    *,
    reopen_column: bool,
    failed_reopen: tuple[int, Form] | None = None,
) -> SafeString:
    """The <tr> rows of a page of reports (each with group_label and status_label).

    With reopen_column (the cycle is open), every submitted report gets an empty reopen form; a
    form refused with errors (failed_reopen: the report's key and the bound form) is shown open,
    laid out by crispy-forms as usual.
    """
    for report in reports:
        report.can_reopen = reopen_column and report.status == Report.Status.SUBMITTED
        report.reopen_form_html = ""
        if report.can_reopen and failed_reopen and failed_reopen[0] == report.pk:
            report.reopen_form_html = render_crispy_form(
                failed_reopen[1], context={"csrf_token": get_token(request)}
            )
    return _render(
        request,
        "followup/officer/report_rows.html",
        {"reports": reports, "reopen_column": reopen_column},
    )
