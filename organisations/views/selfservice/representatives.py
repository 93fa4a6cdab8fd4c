"""The representatives' page and its actions, asking for access, and the invitation link.

Every representative sees the list; the organisation's admins invite, remove, answer requests
for access and withdraw invitations, each with a POST view of its own that names the object by
its id in the form (404 for an id that names nothing of this organisation). A success redirects to
the page; a refusal shows the page again with the reason and its status (400 bad input, 409 a
conflict with the current state, 429 a limit of the day) and changes nothing.
"""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.types import AuthenticatedHttpRequest

from ... import permissions, services
from ...decorators import mfa_required
from ...forms import AccessRequestForm, InvitationForm
from ...models import AccessRequest, Invitation, Organisation, Representative
from .common import posted_data, user_label
from .organisation import representative_history

M = TypeVar("M", bound=models.Model)


def _organisation(request: HttpRequest, pk: int, *, manage: bool) -> Organisation:
    """The organisation, if the user represents it (and, to ``manage``, is one of its admins)."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.is_representative(request.user, organisation):
        raise PermissionDenied
    if manage and not permissions.can_manage_representatives(request.user, organisation):
        raise PermissionDenied
    return organisation


def _posted(queryset: models.QuerySet[M], request: HttpRequest, name: str, **filters) -> M:
    """The object whose id was posted in ``name``, limited by ``filters``; 404 otherwise."""
    try:
        pk = int(request.POST.get(name, ""))
    except ValueError as exc:
        raise Http404 from exc
    return get_object_or_404(queryset, pk=pk, **filters)


def _page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    invite_form: InvitationForm | None = None,
    refusal: str | Promise | None = None,
    status: int = 200,
) -> HttpResponse:
    """The representatives' page: for an admin with the invitation form, requests, invitations
    and the history of who did what."""
    can_manage = permissions.can_manage_representatives(request.user, organisation)
    current = list(
        organisation.representatives.current().select_related("user").order_by("created_at", "pk")
    )
    context = {
        "organisation": organisation,
        "can_manage": can_manage,
        "invite_form": None,
        "refusal": refusal,
        "representatives": current,
        # The last admin cannot be removed, so no button is offered for them.
        "admin_count": sum(rep.role == Representative.Role.ADMIN for rep in current),
    }
    if can_manage:
        context["invite_form"] = invite_form or InvitationForm(
            organisation=organisation, form_action=_url("representative-invite", organisation)
        )
        context["access_requests"] = organisation.access_requests.filter(
            status=AccessRequest.Status.PENDING
        ).select_related("user")
        context["invitations"] = organisation.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by")
        context["history"] = representative_history(organisation)
    return render(request, "organisations/representatives.html", context, status=status)


def _url(name: str, organisation: Organisation) -> str:
    return reverse(f"organisations:{name}", kwargs={"pk": organisation.pk})


def _back(organisation: Organisation) -> HttpResponse:
    return redirect("organisations:representatives", pk=organisation.pk)


@mfa_required
@require_safe
def representatives(request: HttpRequest, pk: int) -> HttpResponse:
    """Every representative may see the list; the organisation's admins also see what they
    manage. The actions post to views of their own (below)."""
    return _page(request, _organisation(request, pk, manage=False))


@require_POST
@mfa_required
def representative_invite(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An admin invites someone by e-mail to represent the organisation."""
    organisation = _organisation(request, pk, manage=True)
    form = InvitationForm(
        request.POST,
        organisation=organisation,
        form_action=_url("representative-invite", organisation),
    )
    if not form.is_valid():
        return _page(request, organisation, invite_form=form, status=400)
    try:
        invitation = services.invitation_send(
            organisation=organisation,
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except services.ActionRefused as exc:
        # Shown on the form, with what was typed: already invited (409) or a limit of the day
        # reached (429).
        form.add_error("email", str(exc.message))
        return _page(request, organisation, invite_form=form, status=exc.status)
    messages.success(
        request, _("An invitation has been sent to %(email)s.") % {"email": invitation.email}
    )
    return _back(organisation)


@require_POST
@mfa_required
def representative_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An admin removes a representative (the last admin stays); the record is kept."""
    organisation = _organisation(request, pk, manage=True)
    representative = _posted(
        Representative.objects.current().select_related("user"),
        request,
        "representative",
        organisation=organisation,
    )
    try:
        services.representative_remove(representative=representative, actor=request.user)
    except services.ActionRefused as exc:
        return _page(request, organisation, refusal=exc.message, status=exc.status)
    messages.success(
        request,
        _("%(person)s is no longer a representative of the organisation.")
        % {"person": user_label(representative.user)},
    )
    if representative.user_id == request.user.pk:
        return redirect("organisations:dashboard")
    return _back(organisation)


def _decide(request: AuthenticatedHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    organisation = _organisation(request, pk, manage=True)
    access_request = _posted(
        AccessRequest.objects.select_related("user"),
        request,
        "access_request",
        organisation=organisation,
    )
    try:
        services.access_request_decide(
            access_request=access_request, actor=request.user, approve=approve
        )
    except services.ActionRefused as exc:
        return _page(request, organisation, refusal=exc.message, status=exc.status)
    if approve:
        text = _("%(person)s is now a representative of the organisation.")
    else:
        text = _("The request from %(person)s has been declined.")
    messages.success(request, text % {"person": user_label(access_request.user)})
    return _back(organisation)


@require_POST
@mfa_required
def access_request_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An admin lets the person who asked become a representative."""
    return _decide(request, pk, approve=True)


@require_POST
@mfa_required
def access_request_decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An admin declines a request for access."""
    return _decide(request, pk, approve=False)


@require_POST
@mfa_required
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An admin withdraws an invitation; its link then no longer works."""
    organisation = _organisation(request, pk, manage=True)
    invitation = _posted(Invitation.objects.all(), request, "invitation", organisation=organisation)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(
        request,
        _("The invitation to %(email)s has been withdrawn.") % {"email": invitation.email},
    )
    return _back(organisation)


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
        posted_data(request), initial={"organisation_number": known_number.strip()}
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
            organisation=organisation, actor=request.user, message=form.cleaned_data["message"]
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
        "inviter": user_label(invitation.invited_by),
        "login_url": f"{reverse('account_login')}?{next_query}",
        "signup_url": f"{reverse('account_signup')}?{next_query}",
        "refusal": _invitation_problem(invitation, request.user),
    }
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        try:
            services.invitation_accept(invitation=invitation, actor=request.user)
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
    if context["refusal"]:
        status = _invitation_status(context["refusal"])
    else:
        status = 200
        if not request.user.is_authenticated:
            # The link reached the invited address, so whoever follows it reads that mailbox:
            # allauth's sign-up fills the address in and needs no confirmation of it.
            get_account_adapter(request).stash_verified_email(request, invitation.email)
    return render(request, "organisations/invitation.html", context, status=status)
