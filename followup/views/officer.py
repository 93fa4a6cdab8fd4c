"""The officers' follow-up pages: the cycles of their agreements, creating the next cycle from the
agreement's cadence, a cycle's settings and questions while it is a draft, opening, reminding,
closing, reopening a submitted report, and the CSV export of all answers.

Every view needs a logged-in user with two-factor authentication (``mfa_required``) who is an
officer of the agreement's municipality (``followup.permissions``); anyone else gets 403. Writes
go through ``followup.services``; a domain refusal (``services.ActionRefused``) changes nothing
and is explained with status 409.
"""

from __future__ import annotations

import csv
import hashlib
from array import array
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Agreement, AgreementVersion, FollowUpRule
from core.exports import csv_cell
from core.forms import add_service_errors
from core.pagecache import release
from core.types import AuthenticatedHttpRequest
from organisations.decorators import mfa_required, officer_required
from organisations.models import MunicipalUnit, Organisation
from organisations.permissions import officer_municipality_ids

from .. import dashboard, permissions, services, tasks
from ..forms import (
    CycleCreateForm,
    CycleForm,
    DeadlineForm,
    QuestionForm,
    ReopenForm,
    cycle_initial,
    proposal_initial,
    with_defaults,
)
from ..models import Answer, Cycle, Question, Report, RespondentGroup

User = get_user_model()

NO_SUCH_RULE = gettext_lazy("Choose one of the agreement's follow-up rules.")
# --- Helpers ------------------------------------------------------------------------------------


def _cycle_for(request: HttpRequest, pk: int) -> Cycle:
    """The cycle, if the user is an officer of its agreement's municipality (else 403)."""
    cycle = get_object_or_404(
        Cycle.objects.select_related("agreement__municipality", "version"), pk=pk
    )
    if not permissions.can_manage_cycle(request.user, cycle):
        raise PermissionDenied
    return cycle


def _refused(request: HttpRequest, message, cycle: Cycle, status: int = 409) -> HttpResponse:
    """A domain refusal: explain it, change nothing."""
    return render(
        request,
        "followup/officer/refused.html",
        {"message": message, "cycle": cycle},
        status=status,
    )


def _rules(agreement: Agreement) -> list[FollowUpRule]:
    """The follow-up rules of the agreement's current version that a cycle can be made from."""
    version = agreement.current_version
    if version is None:
        return []
    return list(version.followup_rules.filter(kind__in=list(services.RULE_KINDS)))


# --- The list of cycles -------------------------------------------------------------------------


@require_safe
@officer_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    """The agreements of the officer's municipalities with their cycles and response rates, and
    a link per follow-up rule to create the next cycle. A fixed number of queries."""
    ids = officer_municipality_ids(request.user)
    cycles = (
        Cycle.objects.annotate(
            asked=Count("reports"),
            submitted=Count("reports", filter=Q(reports__status=Report.Status.SUBMITTED)),
        )
        .select_related("agreement")
        .order_by("-period_start", "-pk")
    )
    versions = AgreementVersion.objects.filter(
        status=AgreementVersion.Status.CURRENT
    ).prefetch_related(
        Prefetch(
            "followup_rules",
            queryset=FollowUpRule.objects.filter(kind__in=list(services.RULE_KINDS)),
            to_attr="cycle_rules",
        )
    )
    agreements = (
        Agreement.objects.filter(municipality_id__in=ids)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("versions", queryset=versions, to_attr="current_versions"),
            Prefetch("cycles", queryset=cycles, to_attr="cycle_list"),
        )
        .order_by("order", "slug")
    )
    rows = []
    for agreement in agreements:
        version = agreement.current_version
        rules = version.cycle_rules if version else []
        rows.append(
            {
                "agreement": agreement,
                "cycles": agreement.cycle_list,
                "rules": [
                    (rule, Cycle.Kind(services.RULE_KINDS[rule.kind]).label) for rule in rules
                ],
            }
        )
    return render(request, "followup/officer/cycle_list.html", {"rows": rows})


# --- Creating a cycle ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The next cycle proposed by each follow-up rule of the agreement (kind, title, period, dates),
    in a form the officer may adjust. Posting a proposal unchanged creates it in one step."""
    agreement = get_object_or_404(Agreement.objects.select_related("municipality"), slug=slug)
    if not permissions.is_officer_for(request.user, agreement):
        raise PermissionDenied
    rules = _rules(agreement)
    action = reverse("followup:cycle-create", kwargs={"slug": slug})
    status = 200
    chosen = request.POST.get("rule") if request.method == "POST" else request.GET.get("rule")
    if chosen is not None and any(str(rule.pk) == chosen for rule in rules):
        rules = [rule for rule in rules if str(rule.pk) == chosen]
    elif request.method == "POST":
        messages.error(request, NO_SUCH_RULE)
        status = 400
    proposals = []
    for rule in rules:
        proposal = services.cycle_proposal(agreement=agreement, rule=rule)
        initial = proposal_initial(proposal)
        if request.method == "POST" and status == 200:
            form = CycleCreateForm(
                with_defaults(request.POST, {"rule": rule.pk, **initial}),
                rule_id=rule.pk,
                action=action,
            )
            if form.is_valid():
                try:
                    # The questions are data in the agreement's language, whatever language
                    # the officer reads the portal in.
                    with translation.override(settings.LANGUAGE_CODE):
                        cycle = services.cycle_create(
                            agreement=agreement,
                            rule=rule,
                            actor=request.user,
                            **form.cycle_values(),
                        )
                except services.ActionRefused as exc:
                    form.add_error(None, exc.message)
                    status = exc.status
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    status = 400
                else:
                    messages.success(
                        request,
                        _(
                            "The cycle “%(title)s” has been created as a draft with %(count)s "
                            "questions from the agreement. Check them, then open the cycle."
                        )
                        % {"title": cycle.title, "count": cycle.questions.count()},
                    )
                    return redirect(cycle)
            else:
                status = 400
        else:
            form = CycleCreateForm(initial=initial, rule_id=rule.pk, action=action)
        proposals.append(
            {
                "rule": rule,
                "proposal": proposal,
                "kind_label": Cycle.Kind(proposal["kind"]).label,
                "form": form,
            }
        )
    return render(
        request,
        "followup/officer/cycle_create.html",
        {"agreement": agreement, "proposals": proposals},
        status=status,
    )


# --- The cycle's dashboard ----------------------------------------------------------------------


# The dashboard lists the reports a page at a time and the first of those not submitted: a
# cycle of a large municipality has thousands of reports (docs/performance.md).
REPORTS_PAGE_SIZE = 25
PENDING_SHOWN = 25


def _group_counts(cycle: Cycle) -> dict[str, dict]:
    """Per respondent group: asked, submitted, drafts, and the sum of the reports' revisions
    (which grows with every save, submission and reopening), counted by the database."""
    return {
        row["group"]: row
        for row in cycle.reports.order_by()
        .values("group")
        .annotate(
            asked=Count("pk"),
            submitted=Count("pk", filter=Q(status=Report.Status.SUBMITTED)),
            drafts=Count("pk", filter=Q(status=Report.Status.DRAFT)),
            revisions=Sum("revision"),
        )
    }


@dataclass(frozen=True)
class _Order:
    """The cycle's reports in the dashboard's order: every key (a compact array, cheap to keep
    in the cache and to read back), the first PENDING_SHOWN keys of reports not submitted, and
    how many are not submitted."""

    keys: array
    pending: list[int]
    pending_count: int


def _order(cycle: Cycle) -> _Order:
    keys, pending = array("q"), []
    for pk, status in _reports_in_order(cycle).values_list("pk", "status"):
        keys.append(pk)
        if status != Report.Status.SUBMITTED:
            pending.append(pk)
    return _Order(keys=keys, pending=pending[:PENDING_SHOWN], pending_count=len(pending))


def _ordered_reports(cycle: Cycle, counted: dict[str, dict]) -> _Order:
    """Every report of the cycle in the dashboard's order (see _Order).

    Sorting thousands of reports by respondent's name is the page's most expensive query, so
    the order is kept in the cache under the cycle's counts and revisions: any report created,
    saved, submitted or reopened changes them and so the key. A renamed organisation moves to
    its new place within PORTAL_DASHBOARD_ORDER_SECONDS (its new name is shown at once).
    """
    if not settings.PORTAL_DASHBOARD_ORDER_SECONDS:
        return _order(cycle)
    state = sorted((group, tuple(sorted(row.items()))) for group, row in counted.items())
    digest = hashlib.sha256(repr(state).encode()).hexdigest()[:32]
    return cache.get_or_set(
        # The release too: another release may keep the order in another shape.
        f"portal:{release()}:dashboard-order:{cycle.pk}:{digest}",
        partial(_order, cycle),
        timeout=settings.PORTAL_DASHBOARD_ORDER_SECONDS,
    )


def _group_rates(counted: dict[str, dict]) -> list[dict]:
    """Asked, submitted and drafts per respondent group (from _group_counts)."""
    rates = []
    for value, label in RespondentGroup.choices:
        row = counted.get(value)
        if not row:
            continue
        rates.append(
            {
                "label": label,
                "asked": row["asked"],
                "submitted": row["submitted"],
                "drafts": row["drafts"],
                "percent": round(100 * row["submitted"] / row["asked"]),
            }
        )
    return rates


def _reports_in_order(cycle: Cycle):
    """The cycle's reports by respondent group, then respondent's name (ignoring case)."""
    group_rank = Case(
        *[
            When(group=value, then=Value(i))
            for i, (value, _l) in enumerate(RespondentGroup.choices)
        ],
        default=Value(99),
    )
    # The respondent's name by a subquery per report rather than a join: joined, PostgreSQL
    # reads every organisation of the installation (50,000 at national scale) to sort the
    # cycle's reports; a subquery reads one row per report by its primary key.
    member = User.objects.filter(pk=OuterRef("council_member_id")).order_by()
    member_name = NullIf(
        Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField())),
        Value(""),
    )
    respondent = Coalesce(
        Subquery(
            Organisation.objects.filter(pk=OuterRef("organisation_id")).order_by().values("name")
        ),
        Subquery(MunicipalUnit.objects.filter(pk=OuterRef("unit_id")).order_by().values("name")),
        Subquery(member.annotate(full_name=member_name).values("full_name")),
        Subquery(member.values("email")),
        output_field=CharField(),
    )
    return cycle.reports.annotate(
        group_rank=group_rank, respondent_sort=Lower(respondent)
    ).order_by("group_rank", "respondent_sort", "pk")


# What a row of the dashboard shows (templates/jinja2/followup/officer/*_rows.html): a report's
# other fields and its respondent's are not read.
_ROW_FIELDS = (
    "group",
    "status",
    "updated_at",
    "submitted_at",
    "last_reminded_at",
    "organisation__name",
    "unit__name",
    "council_member__first_name",
    "council_member__last_name",
    "council_member__email",
)


def _reports_by_pk(pks: list[int]) -> list[Report]:
    """The reports with these primary keys, in this order, with what a row shows (one query).

    Fetched after sorting and slicing: joined before, the respondents' tables would be read
    whole to sort a page of fifty.
    """
    found = (
        Report.objects.select_related("organisation", "unit", "council_member")
        .order_by()  # the model's ordering joins the cycle and the agreement, for nothing here
        .only(*_ROW_FIELDS)
        .in_bulk(pks)
    )
    reports = [found[pk] for pk in pks]
    # The labels of group and status, looked up and capitalised once (get_FOO_display rebuilds
    # its table of choices on every call: a tenth of the dashboard's time).
    groups = {value: capfirst(str(label)) for value, label in RespondentGroup.choices}
    statuses = {value: capfirst(str(label)) for value, label in Report.Status.choices}
    for report in reports:
        report.group_label = groups.get(report.group, report.group)
        report.status_label = statuses.get(report.status, report.status)
    return reports


def _dashboard(
    request: HttpRequest,
    cycle: Cycle,
    *,
    failed_reopen: tuple[int, ReopenForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The cycle's dashboard in a fixed number of queries, whatever the number of reports."""
    # Every report's key in the dashboard's order, from one query (the sort is the expensive
    # part); the page of reports and the first ones not submitted are cut from it.
    counted = _group_counts(cycle)
    order = _ordered_reports(cycle, counted)
    paginator = Paginator(order.keys, REPORTS_PAGE_SIZE)
    page_number = request.GET.get("page")
    if failed_reopen and failed_reopen[0] in order.keys:  # the page with the form to correct
        page_number = order.keys.index(failed_reopen[0]) // REPORTS_PAGE_SIZE + 1
    page = paginator.get_page(page_number)
    page_pks = list(page.object_list)
    shown = {r.pk: r for r in _reports_by_pk(page_pks + order.pending)}
    reports = [shown[pk] for pk in page_pks]
    asked_groups = set()
    question_count = 0
    for groups in cycle.questions.values_list("respondent_groups", flat=True):
        question_count += 1
        asked_groups.update(groups)
    rates = _group_rates(counted)
    submitted = sum(rate["submitted"] for rate in rates)
    pending_count = order.pending_count
    pending = [shown[pk] for pk in order.pending]
    return render(
        request,
        "followup/officer/cycle_detail.html",
        {
            "cycle": cycle,
            "agreement": cycle.agreement,
            "reports": reports,
            # The rows of both tables are written by Jinja2 (followup/dashboard.py says why).
            "report_rows": dashboard.report_rows(
                request,
                reports,
                reopen_column=cycle.status == Cycle.Status.OPEN,
                failed_reopen=failed_reopen,
            ),
            "reports_page": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "pending": pending,
            "pending_rows": dashboard.pending_rows(request, pending),
            "pending_count": pending_count,
            "pending_more": max(0, pending_count - len(pending)),
            "rates": rates,
            "submitted_count": submitted,
            "question_count": question_count,
            "asked_groups": [
                label for value, label in RespondentGroup.choices if value in asked_groups
            ],
            "has_evaluation": cycle.status
            in (Cycle.Status.CLOSED, Cycle.Status.IN_REVIEW, Cycle.Status.PUBLISHED),
            # Who did what to the cycle, newest first: one query, the actors joined.
            "history": cycle.events.select_related("actor"),
        },
        status=status,
    )


@require_safe
@mfa_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle's facts, the actions its status allows, response rates per group, who has not
    submitted, every report, and the cycle's history (who did what, newest first)."""
    return _dashboard(request, _cycle_for(request, pk))


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cycle's title, dates, reminders and anonymisation, while it is a draft."""
    cycle = _cycle_for(request, pk)
    if not cycle.is_editable:
        return _refused(request, services.CYCLE_NOT_DRAFT, cycle)
    form = CycleForm(request.POST or None, initial=cycle_initial(cycle))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.cycle_update(cycle=cycle, actor=request.user, **form.cycle_values())
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The cycle has been saved."))
                return redirect(cycle)
        else:
            status = 400
    return render(
        request, "followup/officer/cycle_form.html", {"cycle": cycle, "form": form}, status=status
    )


# --- Questions ----------------------------------------------------------------------------------


def _sections(questions: list[Question]) -> list[dict]:
    """The questions grouped by section, sections in the order of their first question."""
    sections: dict[str, list[Question]] = {}
    for question in questions:
        sections.setdefault(question.section, []).append(question)
    labels = dict(RespondentGroup.choices)
    for question in questions:
        question.group_labels = [labels[g] for g in question.respondent_groups if g in labels]
    return [{"title": title, "questions": items} for title, items in sections.items()]


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def questions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The cycle's questionnaire by section; while it is a draft, a form to add a question."""
    cycle = _cycle_for(request, pk)
    if request.method == "POST" and not cycle.is_editable:
        return _refused(request, services.CYCLE_NOT_DRAFT, cycle)
    form = None
    status = 200
    if cycle.is_editable:
        form = QuestionForm(
            request.POST or None, action=reverse("followup:questions", kwargs={"pk": pk})
        )
    if request.method == "POST":
        if form.is_valid():
            last = cycle.questions.aggregate(last=Max("order"))["last"]
            question = form.apply_to(
                Question(
                    cycle=cycle,
                    source=Question.Source.CUSTOM,
                    order=0 if last is None else last + 1,
                )
            )
            try:
                services.question_save(question=question, actor=request.user)
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The question has been added."))
                return redirect(
                    f"{reverse('followup:questions', kwargs={'pk': pk})}#q{question.pk}"
                )
        else:
            status = 400
    items = list(cycle.questions.all())
    return render(
        request,
        "followup/officer/questions.html",
        {
            "cycle": cycle,
            "sections": _sections(items),
            "question_count": len(items),
            "section_names": sorted({q.section for q in items if q.section}),
            "form": form,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def question_edit(request: AuthenticatedHttpRequest, pk: int, question_pk: int) -> HttpResponse:
    """Edit or delete one question while the cycle is a draft."""
    cycle = _cycle_for(request, pk)
    question = get_object_or_404(Question, pk=question_pk, cycle=cycle)
    question.cycle = cycle
    if not cycle.is_editable:
        return _refused(request, services.CYCLE_NOT_DRAFT, cycle)
    questions_url = reverse("followup:questions", kwargs={"pk": pk})
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.question_delete(question=question, actor=request.user)
        except services.ActionRefused as exc:
            return _refused(request, exc.message, cycle, status=exc.status)
        messages.success(request, _("The question has been deleted."))
        return redirect(questions_url)
    form = QuestionForm(
        request.POST or None,
        question=question,
        action=reverse("followup:question-edit", kwargs={"pk": pk, "question_pk": question_pk}),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.question_save(question=form.apply_to(question), actor=request.user)
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The question has been saved."))
                return redirect(f"{questions_url}#q{question.pk}")
        else:
            status = 400
    sections = cycle.questions.exclude(section="").values_list("section", flat=True).distinct()
    return render(
        request,
        "followup/officer/question_form.html",
        {
            "cycle": cycle,
            "question": question,
            "form": form,
            "section_names": sorted(set(sections)),
        },
        status=status,
    )


# --- Actions ------------------------------------------------------------------------------------


@require_POST
@mfa_required
def cycle_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Open the cycle: a report for every respondent, invitations by e-mail, reminders queued."""
    cycle = _cycle_for(request, pk)
    try:
        cycle = services.cycle_open(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    count = cycle.reports.count()
    messages.success(
        request,
        ngettext(
            "The cycle is open. An invitation is being sent to one respondent.",
            "The cycle is open. Invitations are being sent to %(count)s respondents.",
            count,
        )
        % {"count": count},
    )
    return redirect(cycle)


@require_POST
@mfa_required
def cycle_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Close the cycle to reports; the evaluation can then be compiled."""
    cycle = _cycle_for(request, pk)
    try:
        cycle = services.cycle_close(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    messages.success(
        request, _("The cycle is closed. The evaluation can now be compiled from the reports.")
    )
    return redirect(cycle)


@require_POST
@mfa_required
def cycle_remind(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a reminder now to every respondent who has not submitted (a background task)."""
    cycle = _cycle_for(request, pk)
    if cycle.status != Cycle.Status.OPEN:
        return _refused(request, services.CYCLE_NOT_OPEN, cycle)
    count = cycle.reports.not_submitted().count()
    if not count:
        messages.info(request, _("Every respondent has submitted: no reminders were sent."))
        return redirect(cycle)
    transaction.on_commit(partial(tasks.send_reminders.enqueue, cycle.pk))
    messages.success(
        request,
        ngettext(
            "A reminder is being sent to one respondent.",
            "Reminders are being sent to %(count)s respondents.",
            count,
        )
        % {"count": count},
    )
    return redirect(cycle)


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_move_deadline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A later deadline for an open cycle; respondents who have not submitted are told.
    A date that is not later, in the past or more than a year ahead changes nothing (400)."""
    cycle = _cycle_for(request, pk)
    if cycle.status != Cycle.Status.OPEN:
        return _refused(request, services.CYCLE_NOT_OPEN, cycle)
    action = reverse("followup:cycle-deadline", args=[cycle.pk])
    form = DeadlineForm(request.POST or None, action=action)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                cycle = services.cycle_move_deadline(
                    cycle=cycle, actor=request.user, deadline=form.cleaned_data["deadline"]
                )
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The deadline is now %(date)s. Respondents who have not submitted are "
                        "being told by e-mail."
                    )
                    % {"date": date_format(cycle.deadline, "j F Y")},
                )
                return redirect(cycle)
        status = 400
    pending = cycle.reports.not_submitted().count()
    return render(
        request,
        "followup/officer/deadline_form.html",
        {"cycle": cycle, "form": form, "pending_count": pending},
        status=status,
    )


@require_POST
@mfa_required
def report_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Reopen a submitted report while the cycle is open, with a reason e-mailed to the
    respondent. Without a reason nothing changes and the dashboard says why (400)."""
    report = get_object_or_404(
        Report.objects.select_related(
            "cycle__agreement__municipality",
            "cycle__version",
            "organisation",
            "unit",
            "council_member",
        ),
        pk=pk,
    )
    cycle = report.cycle
    if not permissions.can_manage_cycle(request.user, cycle):
        raise PermissionDenied
    form = ReopenForm(
        request.POST,
        report_id=report.pk,
        action=reverse("followup:report-reopen", kwargs={"pk": report.pk}),
    )
    if form.is_valid():
        try:
            services.report_reopen(
                report=report, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ActionRefused as exc:
            return _refused(request, exc.message, cycle, status=exc.status)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The report of %(name)s has been reopened. The respondent has been told why.")
                % {"name": report.respondent_name},
            )
            return redirect(f"{cycle.get_absolute_url()}#reports")
    messages.error(
        request,
        _("The report of %(name)s was not reopened: %(error)s")
        % {"name": report.respondent_name, "error": " ".join(form.errors.get("reason", []))},
    )
    return _dashboard(request, cycle, failed_reopen=(report.pk, form), status=400)


# --- CSV export ---------------------------------------------------------------------------------


@require_safe
@mfa_required
def answers_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every answer of every report: one row per report and question asked, UTF-8 with a BOM so
    that spreadsheets read the Swedish letters. A fixed number of queries."""
    cycle = _cycle_for(request, pk)
    group_order = {value: i for i, (value, _label) in enumerate(RespondentGroup.choices)}
    reports = sorted(
        cycle.reports.select_related("organisation", "unit", "council_member"),
        key=lambda r: (group_order.get(r.group, 99), r.respondent_name.casefold(), r.pk),
    )
    questions = list(cycle.questions.all())
    answers = {(a.report_id, a.question_id): a for a in Answer.objects.filter(report__cycle=cycle)}
    filename = f"{slugify(cycle.title) or 'cycle'}-{cycle.pk}-svar.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(
        [
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
    )
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
            writer.writerow(
                [
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
            )
    return response
