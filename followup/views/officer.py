"""The officers' follow-up pages: the cycles of their agreements, creating the next cycle from the
agreement's cadence, a cycle's settings, reminders and questions while it is a draft, who will
be asked and who has nobody to receive the mail (with a form to add a unit's recipient),
scheduling or opening (after a confirmation page), reminding, closing (after a confirmation),
deleting a draft (after a confirmation), reopening a submitted report, and the exports (every
answer, the lists of reports) as CSV and Excel.

Every view needs a logged-in user with two-factor authentication (``mfa_required``) who is an
officer of the agreement's municipality (``followup.permissions``); anyone else gets 403. Writes
go through ``followup.services``; a domain refusal (``services.ActionRefused``) changes nothing
and is explained with its status (409 unless the service says otherwise); bad input re-renders
the form with 400.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Agreement, AgreementVersion, FollowUpRule
from core.exports import Table, export_response
from core.forms import add_service_errors
from core.types import AuthenticatedHttpRequest
from organisations.decorators import mfa_required, officer_required
from organisations.models import MunicipalUnit
from organisations.permissions import officer_municipality_ids

from .. import dashboard, exports, permissions, recipients, services, tasks
from ..forms import (
    CycleCreateForm,
    CycleForm,
    DeadlineForm,
    QuestionForm,
    RemindersForm,
    ReopenForm,
    UnitRecipientForm,
    cycle_initial,
    proposal_initial,
    with_defaults,
)
from ..models import Cycle, Question, Report, RespondentGroup

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
            Prefetch(
                "cycles",
                queryset=cycles.exclude(status=Cycle.Status.DELETED),
                to_attr="cycle_list",
            ),
            Prefetch(
                "cycles",
                queryset=Cycle.objects.filter(status=Cycle.Status.DELETED).order_by("-pk"),
                to_attr="deleted_cycles",
            ),
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
                "deleted": agreement.deleted_cycles,
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


def _dashboard(
    request: HttpRequest,
    cycle: Cycle,
    *,
    failed_reopen: tuple[int, ReopenForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The cycle's dashboard, read by ``followup.dashboard`` in a fixed number of queries."""
    board = dashboard.cycle_dashboard(
        cycle,
        page_number=request.GET.get("page"),
        # The page with the form to correct.
        focus=failed_reopen[0] if failed_reopen else None,
    )
    return render(
        request,
        "followup/officer/cycle_detail.html",
        {
            "cycle": cycle,
            "agreement": cycle.agreement,
            "reports": board.reports,
            # The rows of both tables are written by Jinja2 (followup/dashboard.py says why).
            "report_rows": dashboard.report_rows(
                request,
                board.reports,
                reopen_column=cycle.status == Cycle.Status.OPEN,
                failed_reopen=failed_reopen,
            ),
            "reports_page": board.page,
            "page_range": board.page_range,
            "pending": board.pending,
            "pending_rows": dashboard.pending_rows(
                request, board.pending, board.awaiting_invitation
            ),
            "pending_count": board.pending_count,
            # The button names those a reminder reaches, not those nobody can receive it for.
            "remind_count": _mailable(cycle.reports.not_submitted())
            if cycle.status == Cycle.Status.OPEN
            else 0,
            "pending_more": max(0, board.pending_count - len(board.pending)),
            "rates": board.rates,
            "submitted_count": board.submitted_count,
            "question_count": board.question_count,
            "asked_groups": board.asked_groups,
            "has_evaluation": cycle.status
            in (Cycle.Status.CLOSED, Cycle.Status.IN_REVIEW, Cycle.Status.PUBLISHED),
            # Who did what to the cycle, newest first.
            "history": board.history,
            "reminders": _reminder_rows(cycle),
            "reach": _reach(cycle),
            "adding_recipients": cycle.is_unopened or cycle.status == Cycle.Status.OPEN,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _reminder_rows(cycle: Cycle) -> list[dict]:
    """The reminder schedule with each reminder's date (earliest first)."""
    return [
        {"reminder": reminder, "due_on": reminder.due_on(cycle.deadline)}
        for reminder in cycle.reminders.all()
    ]


def _reach(cycle: Cycle) -> recipients.Reach | None:
    """Who is (or would be) asked, and who has nobody to receive the mail."""
    if cycle.is_unopened:
        return recipients.reach_before_opening(cycle)
    if cycle.status == Cycle.Status.DELETED:
        return None
    return recipients.reach_of_reports(cycle)


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


def _confirm(
    request: HttpRequest, template: str, cycle: Cycle, status: int = 200, **context
) -> HttpResponse:
    return render(
        request,
        f"followup/officer/{template}",
        {"cycle": cycle, "agreement": cycle.agreement, "today": timezone.localdate(), **context},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation, naming the opening date and who will be invited (and who has
    nobody to receive the invitation); for a cycle whose opening date is ahead, the choice to
    schedule it for that date or to open it now. POST: open now, a report for every
    respondent, the invitations sent by the worker. Opening twice changes nothing (409)."""
    cycle = _cycle_for(request, pk)
    if request.method != "POST":
        if cycle.status == Cycle.Status.DELETED:
            return _refused(request, services.CYCLE_NOT_DRAFT, cycle)
        if not cycle.is_unopened:
            return _refused(request, services.CYCLE_ALREADY_OPENED, cycle)
        return _confirm(
            request,
            "cycle_open.html",
            cycle,
            reach=recipients.reach_before_opening(cycle),
            reminders=_reminder_rows(cycle),
        )
    try:
        cycle = services.cycle_open(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    reach = recipients.reach_of_reports(cycle)
    count = reach.total - reach.unreached_count
    message = ngettext(
        "The cycle is open. An invitation is being sent to one respondent.",
        "The cycle is open. Invitations are being sent to %(count)s respondents.",
        count,
    ) % {"count": count}
    if reach.unreached_count:
        message += " " + ngettext(
            "One respondent has nobody to receive the invitation: see the list below.",
            "%(count)s respondents have nobody to receive the invitation: see the list below.",
            reach.unreached_count,
        ) % {"count": reach.unreached_count}
    messages.success(request, message)
    return redirect(cycle)


@require_POST
@mfa_required
def cycle_schedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Schedule a draft to be opened by the portal on its opening date."""
    cycle = _cycle_for(request, pk)
    try:
        cycle = services.cycle_schedule(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    messages.success(
        request,
        _(
            "The cycle is scheduled: the portal opens it and invites the respondents on "
            "%(date)s in the morning. Until then nobody is invited."
        )
        % {"date": date_format(cycle.opens_on, "j F Y")},
    )
    return redirect(cycle)


@require_POST
@mfa_required
def cycle_unschedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A scheduled cycle back to a draft."""
    cycle = _cycle_for(request, pk)
    try:
        cycle = services.cycle_unschedule(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    messages.success(
        request, _("The cycle is a draft again: it will not open until you open or schedule it.")
    )
    return redirect(cycle)


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation, saying who has not submitted and will be told. POST: close the
    cycle to reports; the evaluation can then be compiled. A cycle not open: 409."""
    cycle = _cycle_for(request, pk)
    if request.method != "POST":
        if cycle.status != Cycle.Status.OPEN:
            return _refused(request, services.CYCLE_NOT_OPEN_TO_CLOSE, cycle)
        pending = cycle.reports.not_submitted()
        pending_count = pending.count()
        return _confirm(
            request,
            "cycle_close.html",
            cycle,
            pending_count=pending_count,
            unreached_count=pending_count - _mailable(pending),
            submitted_count=cycle.reports.filter(status=Report.Status.SUBMITTED).count(),
            report_count=cycle.reports.count(),
        )
    try:
        cycle = services.cycle_close(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    messages.success(
        request,
        _(
            "The cycle is closed. Those who had not submitted are being told by e-mail. The "
            "evaluation can now be compiled from the reports."
        ),
    )
    return redirect(cycle)


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation. POST: delete a draft or scheduled cycle (kept as a deleted draft
    with its history). An opened cycle is never deleted: 409, nothing changes."""
    cycle = _cycle_for(request, pk)
    if not cycle.is_unopened:
        return _refused(request, services.CYCLE_NOT_DELETABLE, cycle)
    if request.method != "POST":
        return _confirm(request, "cycle_delete.html", cycle)
    try:
        cycle = services.cycle_delete(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _refused(request, exc.message, cycle, status=exc.status)
    messages.success(
        request,
        _("The draft “%(title)s” has been deleted. Its history is kept.") % {"title": cycle.title},
    )
    return redirect("followup:cycles")


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def cycle_reminders(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The reminder schedule of a scheduled or open cycle: each reminder's date and whether it
    was sent, and a form to change it. A date in the past or not before the deadline: 400,
    nothing changes. A draft's reminders are in its settings (409 here)."""
    cycle = _cycle_for(request, pk)
    if cycle.status == Cycle.Status.DRAFT:
        return _refused(request, services.REMINDERS_OF_A_DRAFT, cycle)
    if cycle.status not in (Cycle.Status.SCHEDULED, Cycle.Status.OPEN):
        return _refused(request, services.CYCLE_NOT_OPEN, cycle)
    action = reverse("followup:cycle-reminders", args=[cycle.pk])
    form = RemindersForm(
        request.POST or None,
        action=action,
        initial={"reminder_days": services.cycle_reminder_days(cycle)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.cycle_set_reminders(
                    cycle=cycle, actor=request.user, days=form.cleaned_data["reminder_days"]
                )
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The reminders have been saved."))
                return redirect(f"{cycle.get_absolute_url()}#reminders")
        status = 400
    return _confirm(
        request,
        "reminders_form.html",
        cycle,
        status=status,
        form=form,
        reminders=_reminder_rows(cycle),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@mfa_required
def unit_recipient(request: AuthenticatedHttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    """Add somebody to receive a unit's follow-up mail: they become an officer of the unit.
    While the cycle is open they get the unit's invitation at once. Bad input: 400."""
    cycle = _cycle_for(request, pk)
    unit = get_object_or_404(
        MunicipalUnit, pk=unit_pk, municipality_id=cycle.agreement.municipality_id
    )
    if not (cycle.is_unopened or cycle.status == Cycle.Status.OPEN):
        return _refused(request, services.RECIPIENT_NOT_NOW, cycle)
    action = reverse("followup:unit-recipient", args=[cycle.pk, unit.pk])
    form = UnitRecipientForm(request.POST or None, action=action)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added = services.unit_recipient_add(
                    cycle=cycle, unit=unit, actor=request.user, **form.cleaned_data
                )
            except services.ActionRefused as exc:
                return _refused(request, exc.message, cycle, status=exc.status)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if added.invited:
                    text = _(
                        "%(email)s now receives the mail of %(unit)s and is being sent the "
                        "unit's invitation."
                    )
                else:
                    text = _(
                        "%(email)s now receives the mail of %(unit)s and will be invited when "
                        "the cycle opens."
                    )
                messages.success(request, text % {"email": added.email, "unit": unit.name})
                return redirect(f"{cycle.get_absolute_url()}#reach")
        status = 400
    current = list(
        unit.officers.order_by("user__email").values_list("user__email", "user__is_active")
    )
    return _confirm(
        request,
        "unit_recipient.html",
        cycle,
        status=status,
        form=form,
        unit=unit,
        current=current,
    )


def _mailable(reports) -> int:
    """How many of these reports' respondents were invited and have somebody to mail now."""
    return reports.filter(invited_at__isnull=False).filter(recipients.report_reached()).count()


@require_POST
@mfa_required
def cycle_remind(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a reminder now to every respondent who has not submitted (a background task);
    those with nobody to receive it are not reminded, and the message says how many."""
    cycle = _cycle_for(request, pk)
    if cycle.status != Cycle.Status.OPEN:
        return _refused(request, services.CYCLE_NOT_OPEN, cycle)
    pending = cycle.reports.not_submitted()
    count = pending.count()
    if not count:
        messages.info(request, _("Every respondent has submitted: no reminders were sent."))
        return redirect(cycle)
    unreached = count - _mailable(pending)
    transaction.on_commit(partial(tasks.send_reminders.enqueue, cycle.pk, actor_id=request.user.pk))
    reached = count - unreached
    message = ngettext(
        "A reminder is being sent to one respondent.",
        "Reminders are being sent to %(count)s respondents.",
        reached,
    ) % {"count": reached}
    if unreached:
        message += " " + ngettext(
            "One has nobody to receive it and is not reminded.",
            "%(count)s have nobody to receive it and are not reminded.",
            unreached,
        ) % {"count": unreached}
    messages.success(request, message)
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


# --- Exports ------------------------------------------------------------------------------------

EXPORT_REFUSED = gettext_lazy(
    "You can download answers and lists only from the follow-up cycles you run: those of your "
    "own municipality's agreements. Nothing was downloaded."
)


def _export(
    request: HttpRequest, pk: int, fmt: str, table: Callable[[Cycle], Table]
) -> HttpResponse:
    """The cycle's export as CSV or XLSX (``followup.exports`` builds it, ``core.exports``
    writes it); another municipality's officer, or anyone who does not run the cycle, is told
    why (403), as on every other page of the cycle."""
    cycle = get_object_or_404(
        Cycle.objects.select_related("agreement__municipality", "version"), pk=pk
    )
    if not permissions.can_manage_cycle(request.user, cycle):
        return render(request, "403.html", {"message": EXPORT_REFUSED}, status=403)
    return export_response(table(cycle), fmt)


@require_safe
@mfa_required
def answers_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Every answer of every report (``followup.exports.answers_table``)."""
    return _export(request, pk, fmt, exports.answers_table)


@require_safe
@mfa_required
def reports_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The dashboard's list of every report, whole."""
    return _export(request, pk, fmt, exports.reports_table)


@require_safe
@mfa_required
def pending_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The dashboard's list of the respondents who have not submitted yet, whole."""
    return _export(request, pk, fmt, partial(exports.reports_table, not_submitted=True))
