"""The evaluation of a cycle: the officers' narrative, the council's review, publishing, the PDF.

Officers of the agreement's municipality and members of its council read the draft
(``permissions.can_read_draft_evaluation``); everyone else gets 403, anonymous visitors are sent
to log in, and both roles need two-factor authentication. Officers write the narrative, send the
draft to the council and publish it once approved; council members comment per section and
approve. Every change goes through ``followup.services``: bad input re-renders the page with
status 400, a refusal with the service's status (409 for the wrong state, 403 for a non-member)
and its message. A published evaluation is read-only; its PDF is made by a background task whose
progress the page shows (static/js/pdf-status.js polls ``pdf_status``).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core.forms import add_service_errors
from organisations import permissions as organisation_permissions
from organisations.decorators import mfa_required

from .. import permissions, services
from ..models import Cycle, Evaluation
from ..pdf import evaluation_context
from ..report_forms import SECTION_LABELS, CommentForm, EvaluationForm
from ..word import CONTENT_TYPE, evaluation_docx, evaluation_docx_filename
from .public import pdf_state


def _cycle(pk) -> Cycle:
    return get_object_or_404(
        Cycle.objects.select_related("agreement__municipality", "version", "evaluation"), pk=pk
    )


def _evaluation(cycle: Cycle) -> Evaluation | None:
    return getattr(cycle, "evaluation", None)


def _require_reader(request, cycle: Cycle) -> None:
    if not permissions.can_read_draft_evaluation(request.user, cycle):
        raise PermissionDenied


def _require_officer(request, cycle: Cycle) -> None:
    if not permissions.can_manage_cycle(request.user, cycle):
        raise PermissionDenied


def _back(cycle: Cycle):
    return redirect("followup:evaluation", pk=cycle.pk)


def _page(request, pk, *, cycle=None, status=200, edit_form=None, comment_form=None, refusal=None):
    """The evaluation page as it is in the database now, with any forms the request brought
    (``cycle``: the cycle as the request has just read it, where nothing has changed it)."""
    cycle = cycle or _cycle(pk)
    evaluation = _evaluation(cycle)
    user = request.user
    is_officer = permissions.can_manage_cycle(user, cycle)
    is_member = permissions.can_review_evaluation(user, cycle)
    published = evaluation is not None and evaluation.is_published
    in_review = cycle.status == Cycle.Status.IN_REVIEW and not published
    can_edit = is_officer and evaluation is not None and not published
    comments, approvals, approved, my_approval = [], [], False, None
    waiting_sides: list[str] = []
    if evaluation is not None:
        by_section = defaultdict(list)
        for comment in evaluation.comments.select_related("author"):
            by_section[comment.section].append(comment)
        comments = [
            {"key": key, "label": label, "comments": by_section[key]}
            for key, label in SECTION_LABELS.items()
            if by_section[key]
        ]
        approvals = list(
            evaluation.approvals.select_related("member").order_by("approved_at", "pk")
        )
        for approval in approvals:
            approval.is_current = approval.evaluation_revision == evaluation.revision
            if approval.member_id == user.pk and approval.is_current:
                my_approval = approval
        if in_review:
            waiting_sides = [
                str(side.label) for side in services.evaluation_sides_waiting(evaluation)
            ]
            # A side still to approve is not approved: asked only when no side is waiting.
            approved = not waiting_sides and services.evaluation_is_approved(evaluation)
    if can_edit and edit_form is None:
        edit_form = EvaluationForm(instance=evaluation, cycle=cycle)
    if is_member and in_review and comment_form is None:
        comment_form = CommentForm()
    context = evaluation_context(cycle, approvals=approvals)
    context.update(
        {
            "is_officer": is_officer,
            "is_member": is_member,
            "published": published,
            "in_review": in_review,
            "can_edit": can_edit,
            "can_send": is_officer and cycle.status == Cycle.Status.CLOSED and not published,
            "can_publish": is_officer and approved,
            "approved": approved,
            "waiting_sides": waiting_sides,
            "edit_form": edit_form if can_edit else None,
            "comment_form": comment_form if is_member and in_review else None,
            "comments": comments,
            "approvals": approvals,
            "my_approval": my_approval,
            "refusal": refusal,
            "pdf": pdf_state(evaluation) if published else None,
        }
    )
    return render(request, "followup/evaluation.html", context, status=status)


@mfa_required
@require_safe
def evaluation(request, pk):
    """The draft (or published) evaluation, with what the user's role can do next."""
    cycle = _cycle(pk)
    _require_reader(request, cycle)
    return _page(request, pk, cycle=cycle)


@mfa_required
@require_safe
def word(request, pk):
    """The draft (or published) evaluation as a Word document, for those who read the draft."""
    cycle = _cycle(pk)
    _require_reader(request, cycle)
    response = HttpResponse(evaluation_docx(cycle), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{evaluation_docx_filename(cycle)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_safe
def pdf_status(request, pk):
    """JSON {status, label, url} of the evaluation's PDF; public once the evaluation is out."""
    cycle = _cycle(pk)
    evaluation = _evaluation(cycle)
    if evaluation is None or not evaluation.is_published:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if organisation_permissions.needs_mfa(user) and not organisation_permissions.has_mfa(user):
            raise PermissionDenied
        _require_reader(request, cycle)
    state = pdf_state(evaluation)
    return JsonResponse({key: state[key] for key in ("status", "label", "url")})


@mfa_required
@require_POST
def edit(request, pk):
    """Save the officers' narrative (summary, conclusions, recommendations) of the draft."""
    cycle = _cycle(pk)
    _require_officer(request, cycle)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, status=400, edit_form=form)
    if _evaluation(cycle) is None:
        return _page(request, pk, status=409, refusal=services.EVALUATION_NOT_STARTED)
    data = form.cleaned_data
    try:
        services.evaluation_update(
            cycle=cycle,
            actor=request.user,
            summary=data["summary"],
            conclusions=data["conclusions"],
            recommendations=data["recommendations"],
            anonymise_free_text=data["anonymise_free_text"],
            decision_reference=data["decision_reference"],
        )
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(request, _("The evaluation's text has been saved."))
    return _back(cycle)


@mfa_required
@require_POST
def send_to_council(request, pk):
    """Send the closed cycle's draft to the council for review."""
    cycle = _cycle(pk)
    _require_officer(request, cycle)
    try:
        services.evaluation_send_to_council(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(request, _("The draft has been sent to the council for review."))
    return _back(cycle)


@mfa_required
@require_POST
def comment(request, pk):
    """A council member's comment on one section of the draft in review."""
    cycle = _cycle(pk)
    _require_reader(request, cycle)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, status=400, comment_form=form)
    try:
        services.evaluation_comment(
            cycle=cycle,
            actor=request.user,
            section=form.cleaned_data["section"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _page(request, pk, status=400, comment_form=form)
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(request, _("Your comment has been added."))
    return _back(cycle)


@mfa_required
@require_POST
def approve(request, pk):
    """A council member approves the current revision of the draft."""
    cycle = _cycle(pk)
    _require_reader(request, cycle)
    try:
        services.evaluation_approve(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(request, _("You have approved the evaluation."))
    return _back(cycle)


@mfa_required
@require_POST
def publish(request, pk):
    """Publish the approved evaluation: it is frozen and its PDF is queued."""
    cycle = _cycle(pk)
    _require_officer(request, cycle)
    try:
        services.evaluation_publish(cycle=cycle, actor=request.user)
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(
        request,
        _("The evaluation has been published. Its PDF is being made; this page shows when."),
    )
    return _back(cycle)


@mfa_required
@require_POST
def retry_pdf(request, pk):
    """Queue the PDF of a published evaluation again after it failed."""
    cycle = _cycle(pk)
    _require_officer(request, cycle)
    evaluation = _evaluation(cycle)
    if evaluation is None:
        return _page(request, pk, status=409, refusal=services.EVALUATION_NOT_STARTED)
    try:
        services.evaluation_retry_pdf(evaluation=evaluation, actor=request.user)
    except services.ActionRefused as exc:
        return _page(request, pk, status=exc.status, refusal=exc.message)
    messages.success(request, _("The PDF is being made again."))
    return _back(cycle)
