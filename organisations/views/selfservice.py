"""The organisations' own pages: register, sign, withdraw, re-confirm, receipts, representatives.

Every view asks organisations.permissions who may act and writes only through
organisations.services. Anonymous visitors are sent to log in; a logged-in user without the right
gets 403, or 404 for the private files (receipt, minutes). Officers and council members need
two-factor authentication here too (``mfa_required``): they see others' signed records.
Bad input re-renders the form with status 400; a refusal that conflicts with the current state
is shown with status 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from agreements.models import Agreement, AgreementVersion
from core.forms import add_service_errors
from core.pdf import render_pdf

from .. import permissions, services
from ..decorators import mfa_required
from ..forms import (
    AccessRequestForm,
    InvitationForm,
    OrganisationForm,
    SignatureForm,
    WithdrawForm,
)
from ..models import (
    Accession,
    AccessRequest,
    Invitation,
    Organisation,
    Representative,
)

OPEN_STATUSES = (Accession.Status.PENDING, Accession.Status.ACTIVE)
HISTORY_LIMIT = 20
FORM_TEMPLATE = "organisations/organisation_form.html"

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


def _posted_data(request):
    """The submitted data, or None to show an unbound form (an empty POST is still a POST)."""
    return request.POST if request.method == "POST" else None


def _posted_files(request):
    return request.FILES if request.method == "POST" else None


def _user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


# --- My pages -----------------------------------------------------------------------------------


@dataclass
class AgreementState:
    """Where an organisation stands with one agreement, and what it can do next."""

    agreement: Agreement
    accession: Accession | None
    reconfirmation: Accession | None = None

    @property
    def current_version(self) -> AgreementVersion | None:
        return self.agreement.current_version

    @property
    def can_sign(self) -> bool:
        return self.current_version is not None and (
            self.accession is None or self.accession.status not in OPEN_STATUSES
        )

    @property
    def can_withdraw(self) -> bool:
        return self.accession is not None and self.accession.status in OPEN_STATUSES

    @property
    def can_reconfirm(self) -> bool:
        return _needs_reconfirmation(self.accession, self.current_version) and (
            self.reconfirmation is None
        )


def _needs_reconfirmation(accession: Accession | None, current: AgreementVersion | None) -> bool:
    return (
        accession is not None
        and accession.status == Accession.Status.ACTIVE
        and current is not None
        and accession.version_id != current.pk
    )


def _agreement_states(organisation: Organisation) -> list[AgreementState]:
    """Uses the prefetched ``accession_list`` and ``municipality.agreements``."""
    states = []
    for agreement in organisation.municipality.agreements.all():
        mine = [a for a in organisation.accession_list if a.agreement_id == agreement.pk]
        active = next((a for a in mine if a.status == Accession.Status.ACTIVE), None)
        pending = [a for a in mine if a.status == Accession.Status.PENDING]
        reconfirmation = next(
            (a for a in pending if active is not None and a.replaces_id == active.pk), None
        )
        shown = active or next(iter(pending), None) or next(iter(mine), None)
        states.append(AgreementState(agreement, shown, reconfirmation))
    return states


@mfa_required
@require_safe
def dashboard(request):
    """The user's organisations, where each stands with its agreement, and what to do next."""
    representations = list(
        Representative.objects.filter(user=request.user, removed_at__isnull=True)
        .select_related("organisation__municipality")
        .order_by("organisation__name", "organisation__pk")
    )
    organisations = [rep.organisation for rep in representations]
    prefetch_related_objects(
        organisations,
        Prefetch(
            "accessions",
            queryset=Accession.objects.select_related("version").order_by("-signed_at", "-pk"),
            to_attr="accession_list",
        ),
        Prefetch("municipality__agreements", queryset=Agreement.objects.with_current_version()),
    )
    cards = [
        {
            "organisation": rep.organisation,
            "representative": rep,
            "is_admin": rep.role == Representative.Role.ADMIN,
            "states": _agreement_states(rep.organisation),
        }
        for rep in representations
    ]
    access_requests = AccessRequest.objects.filter(
        user=request.user, status=AccessRequest.Status.PENDING
    ).select_related("organisation")
    return render(
        request,
        "organisations/dashboard.html",
        {
            "cards": cards,
            "access_requests": access_requests,
            "is_officer": permissions.is_officer(request.user),
        },
    )


# --- The organisation's details ------------------------------------------------------------------


@mfa_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    """Register an organisation; the user becomes its admin. A duplicate offers to ask access."""
    form = OrganisationForm(_posted_data(request), submit_label=_("Register the organisation"))
    if request.method == "POST":
        if not form.is_valid():
            return render(request, FORM_TEMPLATE, {"form": form}, status=400)
        try:
            organisation = services.organisation_register(
                user=request.user,
                organisation=form.save(commit=False),
                activity_areas=list(form.cleaned_data["activity_areas"]),
            )
        except services.DuplicateOrganisation as exc:
            existing = exc.existing
            return render(
                request,
                "organisations/duplicate_organisation.html",
                {
                    "existing": existing,
                    "already_representative": permissions.is_representative(request.user, existing),
                    "form": AccessRequestForm(
                        initial={"organisation_number": existing.organisation_number},
                        form_action=reverse(
                            "organisations:request-access", kwargs={"pk": existing.pk}
                        ),
                    ),
                },
                status=409,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, FORM_TEMPLATE, {"form": form}, status=400)
        messages.success(
            request,
            _("%(name)s is registered, and you are its admin.") % {"name": organisation.name},
        )
        return redirect("organisations:dashboard")
    return render(request, FORM_TEMPLATE, {"form": form})


def _history_entries(organisation: Organisation) -> list[dict]:
    """The latest changes of the organisation's details: who, when, and which fields."""
    records = list(
        organisation.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )[: HISTORY_LIMIT + 1]
    )
    labels = {
        f.name: str(f.verbose_name)
        for f in Organisation._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    # The areas of activity of every record, in one query (diff_against would ask per record).
    areas: dict[int, set[int]] = {record.history_id: set() for record in records}
    if records:
        rows = records[0].activity_areas.model.objects.filter(history__in=records)
        for history_id, area_id in rows.values_list("history_id", "activityarea_id"):
            areas[history_id].add(area_id)
    entries = []
    for index, record in enumerate(records[:HISTORY_LIMIT]):
        previous = records[index + 1] if index + 1 < len(records) else None
        fields: list[str] = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["activity_areas"])
            fields = [labels.get(name, name) for name in delta.changed_fields]
            if areas[record.history_id] != areas[previous.history_id]:
                fields.append(labels["activity_areas"])
        entries.append(
            {
                "when": record.history_date,
                "who": _user_label(record.history_user),
                "created": record.history_type == "+",
                "fields": fields,
            }
        )
    return entries


@mfa_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    """Change the organisation's details; every change is kept in its history."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    name = organisation.name
    updated_at = organisation.updated_at
    form = OrganisationForm(
        _posted_data(request),
        instance=organisation,
        lock_municipality=organisation.accessions.exists(),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organisation_update(
                    organisation=form.instance,
                    actor=request.user,
                    activity_areas=list(form.cleaned_data["activity_areas"]),
                )
            except services.DuplicateOrganisation as exc:
                form.add_error(
                    "organisation_number",
                    _(
                        "Another organisation in the municipality is registered with this "
                        "number: %(name)s."
                    )
                    % {"name": exc.existing.name},
                )
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("The organisation's details have been saved."))
                return redirect("organisations:edit", pk=organisation.pk)
        else:
            status = 400
    show_history = permissions.is_officer_of(request.user, organisation.municipality_id)
    return render(
        request,
        "organisations/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "organisation_name": name,
            "updated_at": updated_at,
            "history": _history_entries(organisation) if show_history else None,
        },
        status=status,
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
        form = SignatureForm(_posted_data(request), _posted_files(request))
    context = {
        "organisation": organisation,
        "agreement": agreement,
        "version": version,
        "principles": version.principles.all(),
        "declaration": services.declaration_text(organisation=organisation, version=version),
        "open_accession": open_accession,
        "needs_reconfirmation": _needs_reconfirmation(open_accession, version),
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
                user=request.user,
                signature=_signature(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(request, "organisations/sign.html", context, status=400)
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            return render(request, "organisations/sign.html", context, status=409)
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
    return render(
        request,
        "organisations/accession_detail.html",
        {
            "accession": accession,
            "organisation": accession.organisation,
            "events": _events(accession),
            "current_version": current,
            "replaced_by": replaced_by,
            "is_representative": is_representative,
            "can_withdraw": permissions.can_withdraw_accession(request.user, accession)
            and accession.status in OPEN_STATUSES,
            "can_reconfirm": is_representative
            and _needs_reconfirmation(accession, current)
            and not reconfirmation_open,
            "can_sign_again": is_representative
            and accession.status in (Accession.Status.REJECTED, Accession.Status.WITHDRAWN),
            "show_decision": permissions.can_decide_accession(request.user, accession)
            and accession.status == Accession.Status.PENDING,
        },
    )


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
    if not accession.minutes or not permissions.can_view_accession(request.user, accession):
        raise Http404
    try:
        handle = accession.minutes.storage.open(accession.minutes.name, "rb")
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
        raise PermissionDenied
    form = WithdrawForm(_posted_data(request))
    context = {
        "accession": accession,
        "organisation": accession.organisation,
        "form": form,
        "refusal": None if accession.status in OPEN_STATUSES else services.NOT_OPEN,
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "organisations/withdraw.html", context, status=400)
        try:
            services.accession_withdraw(
                accession=accession, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            return render(request, "organisations/withdraw.html", context, status=409)
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
    if not _needs_reconfirmation(accession, current):
        refusal = services.NOTHING_TO_RECONFIRM
    elif (
        Accession.objects.open()
        .filter(organisation=accession.organisation, agreement=accession.agreement)
        .exclude(pk=accession.pk)
        .exists()
    ):
        refusal = services.ALREADY_JOINED
    form = SignatureForm(
        _posted_data(request),
        _posted_files(request),
        submit_label=_("Sign the new version"),
    )
    context = {
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
                accession=accession, user=request.user, signature=_signature(form)
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


# --- Representatives ------------------------------------------------------------------------------


def _posted(model, request, name: str, **filters):
    """The object whose id was posted in ``name``, limited by ``filters``; 404 otherwise."""
    try:
        pk = int(request.POST.get(name, ""))
    except ValueError as exc:
        raise Http404 from exc
    return get_object_or_404(model, pk=pk, **filters)


@mfa_required
@require_http_methods(["GET", "POST"])
def representatives(request, pk: int):
    """Every representative may see the list; the organisation's admins invite and remove."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.is_representative(request.user, organisation):
        raise PermissionDenied
    can_manage = permissions.can_manage_representatives(request.user, organisation)
    invite_form = InvitationForm(organisation=organisation) if can_manage else None
    status = 200
    refusal = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InvitationForm(request.POST, organisation=organisation)
            if not invite_form.is_valid():
                status = 400
            else:
                try:
                    invitation = services.invitation_send(
                        organisation=organisation,
                        inviter=request.user,
                        email=invite_form.cleaned_data["email"],
                        role=invite_form.cleaned_data["role"],
                    )
                except services.ActionRefused as exc:
                    # Shown on the form, with what was typed: already invited (409) or a limit
                    # of the day reached (429).
                    invite_form.add_error("email", str(exc.message))
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("An invitation has been sent to %(email)s.")
                        % {"email": invitation.email},
                    )
                    return redirect("organisations:representatives", pk=organisation.pk)
        elif action == "remove":
            representative = _posted(
                Representative.objects.select_related("user"),
                request,
                "representative",
                organisation=organisation,
                removed_at__isnull=True,
            )
            try:
                services.representative_remove(representative=representative, actor=request.user)
            except services.ActionRefused as exc:
                refusal = exc.message
                status = 409
            else:
                messages.success(
                    request,
                    _("%(person)s is no longer a representative of the organisation.")
                    % {"person": _user_label(representative.user)},
                )
                if representative.user_id == request.user.pk:
                    return redirect("organisations:dashboard")
                return redirect("organisations:representatives", pk=organisation.pk)
        elif action in ("approve", "decline"):
            access_request = _posted(
                AccessRequest.objects.select_related("user"),
                request,
                "access_request",
                organisation=organisation,
            )
            try:
                services.access_request_decide(
                    access_request=access_request, actor=request.user, approve=action == "approve"
                )
            except services.ActionRefused as exc:
                refusal = exc.message
                status = 409
            else:
                if action == "approve":
                    text = _("%(person)s is now a representative of the organisation.")
                else:
                    text = _("The request from %(person)s has been declined.")
                messages.success(request, text % {"person": _user_label(access_request.user)})
                return redirect("organisations:representatives", pk=organisation.pk)
        elif action == "revoke":
            invitation = _posted(Invitation, request, "invitation", organisation=organisation)
            services.invitation_revoke(invitation=invitation, actor=request.user)
            messages.success(
                request,
                _("The invitation to %(email)s has been withdrawn.") % {"email": invitation.email},
            )
            return redirect("organisations:representatives", pk=organisation.pk)
        else:
            refusal = _("Choose what to do.")
            status = 400
    current = list(
        organisation.representatives.filter(removed_at__isnull=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    context = {
        "organisation": organisation,
        "can_manage": can_manage,
        "invite_form": invite_form,
        "refusal": refusal,
        "representatives": current,
        # The last admin cannot be removed, so no button is offered for them.
        "admin_count": sum(rep.role == Representative.Role.ADMIN for rep in current),
    }
    if can_manage:
        context["access_requests"] = organisation.access_requests.filter(
            status=AccessRequest.Status.PENDING
        ).select_related("user")
        context["invitations"] = organisation.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by")
    return render(request, "organisations/representatives.html", context, status=status)


@mfa_required
@require_http_methods(["GET", "POST"])
def request_access(request, pk: int):
    """Ask an organisation's admins to become one of its representatives."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if permissions.is_representative(request.user, organisation):
        messages.info(request, _("You already represent %(name)s.") % {"name": organisation.name})
        return redirect("organisations:dashboard")
    # An organisation outside the public register is private: only someone who knows its
    # organisation number (from the duplicate-registration page) may ask for access.
    known_number = (request.POST if request.method == "POST" else request.GET).get(
        "organisation_number", ""
    )
    is_public = Organisation.objects.public_register().filter(pk=organisation.pk).exists()
    knows_it = bool(organisation.organisation_number) and (
        known_number.strip() == organisation.organisation_number
    )
    if not (is_public or knows_it or permissions.can_edit_organisation(request.user, organisation)):
        raise Http404
    form = AccessRequestForm(
        _posted_data(request), initial={"organisation_number": known_number.strip()}
    )
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request,
                "organisations/request_access.html",
                {"organisation": organisation, "form": form},
                status=400,
            )
        services.access_request_create(
            organisation=organisation, user=request.user, message=form.cleaned_data["message"]
        )
        messages.success(
            request,
            _(
                "We have asked the admins of %(name)s to give you access. When they approve, "
                "the organisation appears on your pages."
            )
            % {"name": organisation.name},
        )
        return redirect("organisations:dashboard")
    return render(
        request, "organisations/request_access.html", {"organisation": organisation, "form": form}
    )


def _invitation_status(message) -> int:
    """The HTTP status for a refused invitation: gone, someone else's, or a conflict."""
    if message is services.INVITATION_USED or message is services.INVITATION_EXPIRED:
        return 410
    if message is services.INVITATION_OTHER_EMAIL:
        return 403
    return 409


def _invitation_problem(invitation: Invitation, user):
    """Why the user cannot accept the invitation now (the service's own order), or None."""
    if invitation.accepted_at is not None:
        return services.INVITATION_USED
    if not invitation.is_open:
        return services.INVITATION_EXPIRED
    if user.is_authenticated and invitation.email.lower() != (user.email or "").lower():
        return services.INVITATION_OTHER_EMAIL
    return None


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """An invitation link: log in (or sign up) with the invited address, then accept it."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by"), token=token
    )
    next_query = urlencode({"next": request.path})
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "inviter": _user_label(invitation.invited_by),
        "login_url": f"{reverse('account_login')}?{next_query}",
        "signup_url": f"{reverse('account_signup')}?{next_query}",
        "refusal": _invitation_problem(invitation, request.user),
    }
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except services.ActionRefused as exc:
            context["refusal"] = exc.message
            return render(
                request,
                "organisations/invitation.html",
                context,
                status=_invitation_status(exc.message),
            )
        messages.success(
            request,
            _("You now represent %(name)s.") % {"name": invitation.organisation.name},
        )
        return redirect("organisations:dashboard")
    status = _invitation_status(context["refusal"]) if context["refusal"] else 200
    return render(request, "organisations/invitation.html", context, status=status)
