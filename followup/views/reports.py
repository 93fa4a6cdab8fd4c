"""The respondents' pages: the reports a user can file, and one report's questionnaire.

A report is filled in by its organisation's representatives, its unit's officers or its council
member (``permissions.can_file_report``); the municipality's officers may read it. Everyone else
gets 403, anonymous visitors are sent to log in, and officers and council members need two-factor
authentication (``mfa_required``). Answers are written only by ``services.report_save``:
bad answers re-render the form with status 400, a save based on an older revision with 409 and
the other person's changes, and a refusal (locked report, closed cycle, passed deadline) with
the status the service gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from organisations.decorators import mfa_required

from .. import permissions, services
from ..models import Answer, Cycle, Question, Report, ReportVersion
from ..report_forms import ANSWER_FIELD_LABELS, QuestionFields, ReportForm, sections_of

TEMPLATE = "followup/report.html"


@dataclass
class CycleReports:
    cycle: Cycle
    reports: list[Report] = field(default_factory=list)


@mfa_required
@require_safe
def my_reports(request):
    """The user's reports, grouped by cycle: open cycles first (nearest deadline first)."""
    reports = (
        Report.objects.fileable_by(request.user)
        .exclude(cycle__status=Cycle.Status.DRAFT)
        .select_related("cycle__agreement__municipality", "organisation", "unit", "council_member")
        .order_by("cycle__deadline", "cycle_id", "group", "pk")
    )
    groups: dict[int, CycleReports] = {}
    for report in reports:
        groups.setdefault(report.cycle_id, CycleReports(report.cycle)).reports.append(report)
    current = [g for g in groups.values() if g.cycle.status == Cycle.Status.OPEN]
    earlier = sorted(
        (g for g in groups.values() if g.cycle.status != Cycle.Status.OPEN),
        key=lambda g: (g.cycle.deadline, g.cycle.pk),
        reverse=True,
    )
    return render(request, "followup/my_reports.html", {"current": current, "earlier": earlier})


def _questions(report: Report) -> list:
    return [
        question
        for question in report.cycle.questions.select_related("principle", "commitment")
        if question.asks(report.group)
    ]


def _is_empty(value) -> bool:
    return value is None or value == "" or value is False


def _display(name: str, value) -> str:
    if value is None or value == "":
        return "–"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if name == "score" and value in Answer.Scale.values:
        return str(Answer.Scale(value).label)
    return str(value)


def _changes(stale: services.StaleReport) -> list[dict]:
    """The other person's changes per question, leaving out fields that were and are empty."""
    order = list(ANSWER_FIELD_LABELS)
    questions: dict[str, list[dict]] = {}
    for change in stale.changes:
        name = change["field"]
        if _is_empty(change["theirs"]) and _is_empty(change["before"]):
            continue  # a new answer's blank fields are no change
        questions.setdefault(str(change["question"]), []).append(
            {
                "order": order.index(name) if name in order else len(order),
                "field": ANSWER_FIELD_LABELS.get(name, name),
                "theirs": _display(name, change["theirs"]),
                "before": _display(name, change["before"]),
            }
        )
    return [
        {"question": question, "fields": sorted(fields, key=lambda f: f["order"])}
        for question, fields in questions.items()
    ]


def _render(request, report, *, form=None, status=200, refusal=None, changes=None):
    questions = _questions(report)
    answers = {answer.question_id: answer for answer in report.answers.all()}
    read_only = None
    if form is None:
        read_only = sections_of(
            QuestionFields(question, answer=answers.get(question.pk)) for question in questions
        )
    may_file = permissions.can_file_report(request.user, report)
    versions = list(report.versions.select_related("actor").order_by("-revision", "-pk"))
    # A report an officer reopened says why, until it is submitted again.
    reopened = None
    if report.status == Report.Status.DRAFT:
        for version in versions:  # newest first
            if version.action == ReportVersion.Action.SUBMITTED:
                break
            if version.action == ReportVersion.Action.REOPENED:
                reopened = version
                break
    context = {
        "report": report,
        "cycle": report.cycle,
        "form": form,
        "sections": form.sections if form is not None else read_only,
        "read_only": form is None,
        "may_file": may_file,
        "refusal": refusal,
        "changes": changes,
        "versions": versions,
        "reopened": reopened,
        "has_scale": any(q.answer_kind == Question.AnswerKind.SCALE for q in questions),
        "closed_reason": _closed_reason(report) if may_file else None,
    }
    return render(request, TEMPLATE, context, status=status)


def _closed_reason(report: Report):
    """Why the user cannot change the report now, or None if they can."""
    if report.is_locked:
        return None  # the page says it was submitted
    if report.cycle.status != Cycle.Status.OPEN:
        return services.CYCLE_NOT_OPEN
    if not report.cycle.accepts_reports:
        return services.DEADLINE_PASSED
    return None


def _form(report, data=None) -> ReportForm:
    questions = _questions(report)
    answers = {answer.question_id: answer for answer in report.answers.all()}
    return ReportForm(data, report=report, questions=questions, answers=answers)


@mfa_required
@require_http_methods(["GET", "POST"])
def report(request, pk):
    """Fill in, save as a draft, or submit a report; a submitted report is shown read-only."""
    report = get_object_or_404(
        Report.objects.select_related(
            "cycle__agreement__municipality",
            "organisation",
            "unit",
            "council_member",
            "submitted_by",
            "updated_by",
        ),
        pk=pk,
    )
    if not permissions.can_view_report(request.user, report):
        raise PermissionDenied
    may_file = permissions.can_file_report(request.user, report)
    if request.method == "GET":
        editable = may_file and not report.is_locked and report.cycle.accepts_reports
        return _render(request, report, form=_form(report) if editable else None)

    if not may_file:
        raise PermissionDenied
    form = _form(report, request.POST)
    if not form.is_valid():
        return _render(request, report, form=form, status=400)
    submit = request.POST.get("action") == "submit"
    try:
        services.report_save(
            report=report,
            actor=request.user,
            answers=form.answer_inputs(),
            based_on_revision=form.cleaned_data["revision"],
            submit=submit,
        )
    except ValidationError as exc:
        form.add_service_errors(exc.message_dict)
        return _render(request, report, form=form, status=400)
    except services.StaleReport as stale:
        # Keep what the user wrote, and let the next save build on the other person's revision.
        data = request.POST.copy()
        data["revision"] = str(stale.report.revision)
        report.refresh_from_db()
        return _render(
            request,
            report,
            form=_form(report, data),
            status=409,
            refusal=stale.message,
            changes=_changes(stale),
        )
    except services.ActionRefused as exc:
        report.refresh_from_db()
        return _render(request, report, form=form, status=exc.status, refusal=exc.message)
    if submit:
        messages.success(request, _("The report has been submitted. Thank you!"))
    else:
        messages.success(
            request, _("Your draft has been saved. You can come back and continue later.")
        )
    return redirect(report)
