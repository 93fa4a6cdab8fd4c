"""Signing, one accession's page, its receipt and minutes, withdrawing and re-confirming."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Agreement, AgreementVersion
from core.forms import add_service_errors
from core.pdf import render_pdf

from ... import permissions, services
from ...decorators import mfa_required
from ...forms import AnswerForm, SignatureForm, WithdrawForm
from ...models import Accession, AccessionEvent, Organisation, Representative
from ...officer_forms import QuestionForm, RejectForm, VerifyForm
from ...selectors import open_question
from .common import OPEN_STATUSES, needs_reconfirmation, posted_data, posted_files

# Everything an accession page, receipt or form shows of the accession, in one query.
ACCESSION_RELATED = (
    "organisation__municipality",
    "agreement__municipality",
    "version",
    "replaces__version",
    "signed_by",
    "decided_by",
    "recorded_by",
)


# --- Signing ------------------------------------------------------------------------------------


def _agreement_for(organisation: Organisation) -> tuple[Agreement, AgreementVersion]:
    """The agreement of the organisation's municipality and its version in force."""
    agreement = (
        Agreement.objects.with_current_version()
        .filter(
            municipality_id=organisation.municipality_id,
            versions__status=AgreementVersion.Status.CURRENT,
        )
        .first()
    )
    if agreement is None or agreement.current_version is None:
        raise Http404("The municipality has no agreement in force.")
    return agreement, agreement.current_version


def _signature(form: SignatureForm) -> services.Signature:
    data = form.cleaned_data
    board_decision = data["basis"] == Accession.Basis.BOARD_DECISION
    return services.Signature(
        basis=data["basis"],
        signer_name=data["signer_name"],
        signer_title=data["signer_title"],
        declaration_confirmed=data["declaration_confirmed"],
        board_decision_date=data["board_decision_date"] if board_decision else None,
        minutes=data["minutes"],
    )


@mfa_required
@require_http_methods(["GET", "POST"])
def sign(request, pk: int):
    """A representative signs the agreement of the organisation's municipality online."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.can_sign_for(request.user, organisation):
        raise PermissionDenied
    agreement, version = _agreement_for(organisation)
    open_accession = (
        Accession.objects.open()
        .filter(organisation=organisation, agreement=agreement)
        .select_related("version")
        .order_by("-signed_at")
        .first()
    )
    form = None
    if open_accession is None:
        form = SignatureForm(posted_data(request), posted_files(request))
    context: dict[str, object] = {
        "organisation": organisation,
        "agreement": agreement,
        "version": version,
        "principles": version.principles.all(),
        "declaration": services.declaration_text(organisation=organisation, version=version),
        "open_accession": open_accession,
        "needs_reconfirmation": needs_reconfirmation(open_accession, version),
        "form": form,
        "refusal": None,
    }
    if request.method == "POST":
        if form is None:
            context["refusal"] = services.ALREADY_JOINED
            return render(request, "organisations/sign.html", context, status=409)
        if not form.is_valid():
            return render(request, "organisations/sign.html", context, status=400)
        try:
            accession = services.accession_sign(
                organisation=organisation,
                version=version,
                actor=request.user,
                signature=_signature(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, "organisations/sign.html", context, status=400)
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            return render(request, "organisations/sign.html", context, status=exc.status)
        messages.success(
            request,
            _(
                "Thank you! The accession has been signed and now waits for the municipality to "
                "verify it. A confirmation has been sent by e-mail to the organisation's "
                "representatives."
            ),
        )
        return redirect(accession)
    return render(request, "organisations/sign.html", context)


# --- One accession ------------------------------------------------------------------------------


def _accession(pk: int) -> Accession:
    return get_object_or_404(Accession.objects.select_related(*ACCESSION_RELATED), pk=pk)


def _events(accession: Accession):
    return accession.events.select_related("actor").order_by("at", "pk")


def _admins(organisation: Organisation) -> list[Representative]:
    """Who may withdraw the organisation: named to a representative who may not."""
    return list(
        organisation.representatives.current().admins().select_related("user").order_by("pk")
    )


def _municipality_notes(events: list[AccessionEvent]) -> list[AccessionEvent]:
    """The officers' words to the organisation: a note on verifying, the reason for rejecting,
    and every question with its answer, oldest first."""
    shown = (
        AccessionEvent.Action.VERIFIED,
        AccessionEvent.Action.REJECTED,
        AccessionEvent.Action.INFO_REQUESTED,
        AccessionEvent.Action.INFO_GIVEN,
    )
    return [event for event in events if event.action in shown and event.note]


@mfa_required
@require_safe
def accession_detail(request, pk: int):
    """The signed record of an accession, its status and its full history."""
    accession = _accession(pk)
    if not permissions.can_view_accession(request.user, accession):
        raise PermissionDenied
    is_representative = permissions.is_representative(request.user, accession.organisation)
    current = accession.agreement.current_version
    replaced_by = Accession.objects.filter(replaces=accession).select_related("version").first()
    reconfirmation_open = replaced_by is not None and replaced_by.status in OPEN_STATUSES
    events = list(_events(accession))
    question = open_question(accession)
    can_withdraw = permissions.can_withdraw_accession(request.user, accession)
    show_decision = (
        permissions.can_decide_accession(request.user, accession)
        and accession.status == Accession.Status.PENDING
    )
    decision_forms = {}
    if show_decision:
        decision_forms = {
            "verify_form": VerifyForm(
                action=reverse("organisations:verify", kwargs={"pk": accession.pk})
            ),
            "question_form": QuestionForm(
                action=reverse("organisations:request-information", kwargs={"pk": accession.pk})
            ),
            "reject_form": RejectForm(
                action=reverse("organisations:reject", kwargs={"pk": accession.pk})
            ),
        }
    return render(
        request,
        "organisations/accession_detail.html",
        {
            "accession": accession,
            "organisation": accession.organisation,
            "events": events,
            # The open question is shown on its own, with the answer form.
            "municipality_notes": [
                event for event in _municipality_notes(events) if event != question
            ],
            "open_question": question,
            "answer_form": AnswerForm(
                action=reverse("organisations:answer", kwargs={"pk": accession.pk})
            )
            if question is not None and permissions.can_answer_accession(request.user, accession)
            else None,
            "current_version": current,
            "replaced_by": replaced_by,
            "is_representative": is_representative,
            "can_withdraw": can_withdraw and accession.status in OPEN_STATUSES,
            "withdraw_admins": _admins(accession.organisation)
            if is_representative and not can_withdraw and accession.status in OPEN_STATUSES
            else None,
            "can_reconfirm": is_representative
            and needs_reconfirmation(accession, current)
            and not reconfirmation_open,
            "can_sign_again": is_representative
            and accession.status in (Accession.Status.REJECTED, Accession.Status.WITHDRAWN),
            "show_decision": show_decision,
            **decision_forms,
        },
    )


@require_POST
@mfa_required
def accession_answer(request, pk: int):
    """A representative answers the municipality's question; the accession stays pending and
    the officers are told."""
    accession = _accession(pk)
    if not permissions.can_answer_accession(request.user, accession):
        raise PermissionDenied
    form = AnswerForm(
        request.POST, action=reverse("organisations:answer", kwargs={"pk": accession.pk})
    )
    question = open_question(accession)
    context: dict[str, object] = {
        "accession": accession,
        "organisation": accession.organisation,
        "question": question,
        "form": form,
        "refusal": None if question is not None else services.NO_OPEN_QUESTION,
    }
    if question is None:
        return render(request, "organisations/accession_answer.html", context, status=409)
    if not form.is_valid():
        return render(request, "organisations/accession_answer.html", context, status=400)
    try:
        services.accession_answer(
            accession=accession, actor=request.user, answer=form.cleaned_data["answer"]
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "organisations/accession_answer.html", context, status=400)
    except services.ActionRefused as exc:
        context["refusal"] = exc.message
        return render(request, "organisations/accession_answer.html", context, status=exc.status)
    messages.success(
        request,
        _(
            "Thank you! Your answer has been sent to the municipality. The accession waits for "
            "its decision."
        ),
    )
    return redirect(accession)


@mfa_required
@require_safe
def accession_receipt(request, pk: int):
    """A tagged PDF receipt of an active accession, in Swedish."""
    accession = _accession(pk)
    if accession.status != Accession.Status.ACTIVE or not permissions.can_view_accession(
        request.user, accession
    ):
        raise Http404
    pdf = render_pdf(
        "organisations/accession_receipt_pdf.html",
        {
            "accession": accession,
            "organisation": accession.organisation,
            "events": list(_events(accession)),
            "generated_at": timezone.now(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"kvitto-{slugify(accession.organisation.name)}-{accession.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@mfa_required
@require_safe
def accession_minutes(request, pk: int):
    """The uploaded minutes, from private storage, to those who may see the accession."""
    accession = _accession(pk)
    name = accession.minutes.name
    if not name or not permissions.can_view_accession(request.user, accession):
        raise Http404
    try:
        handle = accession.minutes.storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"protokoll-{slugify(accession.organisation.name)}-{accession.pk}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@mfa_required
@require_http_methods(["GET", "POST"])
def accession_withdraw(request, pk: int):
    """The organisation leaves the agreement. The accession and its history are kept."""
    accession = _accession(pk)
    if not permissions.can_withdraw_accession(request.user, accession):
        if not permissions.is_representative(request.user, accession.organisation):
            raise PermissionDenied
        # A representative who is not an admin: say why not, and who can (403, nothing done).
        return render(
            request,
            "organisations/withdraw.html",
            {
                "accession": accession,
                "organisation": accession.organisation,
                "form": None,
                "refusal": services.WITHDRAW_NEEDS_ADMIN,
                "admins": _admins(accession.organisation),
            },
            status=403,
        )
    form = WithdrawForm(posted_data(request))
    context: dict[str, object] = {
        "accession": accession,
        "organisation": accession.organisation,
        "form": form,
        "refusal": None if accession.status in OPEN_STATUSES else services.NOT_OPEN,
    }
    if request.method == "POST":
        if context["refusal"] is not None:
            return render(request, "organisations/withdraw.html", context, status=409)
        if not form.is_valid():
            return render(request, "organisations/withdraw.html", context, status=400)
        try:
            services.accession_withdraw(
                accession=accession, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, "organisations/withdraw.html", context, status=400)
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            return render(request, "organisations/withdraw.html", context, status=exc.status)
        messages.success(
            request,
            _(
                "%(name)s has withdrawn from the agreement and is no longer listed among its "
                "signatories. The accession's history is kept."
            )
            % {"name": accession.organisation.name},
        )
        return redirect(accession)
    return render(request, "organisations/withdraw.html", context)


@mfa_required
@require_http_methods(["GET", "POST"])
def accession_reconfirm(request, pk: int):
    """Sign the agreement's new version, for an organisation that joined an earlier one."""
    accession = _accession(pk)
    if not permissions.can_sign_for(request.user, accession.organisation):
        raise PermissionDenied
    current = accession.agreement.current_version
    refusal = None
    if not needs_reconfirmation(accession, current):
        refusal = services.NOTHING_TO_RECONFIRM
    elif (
        Accession.objects.open()
        .filter(organisation=accession.organisation, agreement=accession.agreement)
        .exclude(pk=accession.pk)
        .exists()
    ):
        refusal = services.ALREADY_JOINED
    form = SignatureForm(
        posted_data(request),
        posted_files(request),
        submit_label=_("Sign the new version"),
    )
    context: dict[str, object] = {
        "accession": accession,
        "organisation": accession.organisation,
        "agreement": accession.agreement,
        "version": current,
        "principles": current.principles.all() if current else [],
        "declaration": services.declaration_text(
            organisation=accession.organisation, version=current
        )
        if current
        else "",
        "form": form if refusal is None else None,
        "refusal": refusal,
    }
    if request.method == "POST":
        if refusal is not None:
            return render(request, "organisations/reconfirm.html", context, status=409)
        if not form.is_valid():
            return render(request, "organisations/reconfirm.html", context, status=400)
        try:
            new = services.accession_reconfirm(
                accession=accession, actor=request.user, signature=_signature(form)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, "organisations/reconfirm.html", context, status=400)
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            context["form"] = None
            return render(request, "organisations/reconfirm.html", context, status=409)
        messages.success(
            request,
            _(
                "The new version has been signed and waits for the municipality to verify it. "
                "Until then, the accession to the earlier version stays active."
            ),
        )
        return redirect(new)
    return render(request, "organisations/reconfirm.html", context)
