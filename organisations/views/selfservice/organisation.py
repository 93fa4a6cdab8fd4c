"""My pages, registering an organisation and editing its details, with its histories."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from agreements.models import Agreement, AgreementVersion
from core.forms import add_service_errors

from ... import permissions, services
from ...decorators import mfa_required
from ...forms import AccessRequestForm, OrganisationForm
from ...models import Accession, AccessRequest, Organisation, Representative, RepresentativeEvent
from ...officer_forms import InviteAdminForm
from .common import OPEN_STATUSES, needs_reconfirmation, posted_data, user_label

HISTORY_LIMIT = 20
# The representatives' history shows this many events, newest first.
REPRESENTATIVE_HISTORY_LIMIT = 50
FORM_TEMPLATE = "organisations/organisation_form.html"


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
        return needs_reconfirmation(self.accession, self.current_version) and (
            self.reconfirmation is None
        )


def _agreement_states(organisation: Organisation) -> list[AgreementState]:
    """Uses the prefetched ``accessions`` and ``municipality.agreements``."""
    states = []
    for agreement in organisation.municipality.agreements.all():
        mine = [a for a in organisation.accessions.all() if a.agreement_id == agreement.pk]
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
        Representative.objects.current()
        .filter(user=request.user)
        .select_related("organisation__municipality")
        .order_by("organisation__name", "organisation__pk")
    )
    organisations = [rep.organisation for rep in representations]
    prefetch_related_objects(
        organisations,
        Prefetch(
            "accessions",
            queryset=Accession.objects.select_related("version").order_by("-signed_at", "-pk"),
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
            "is_council_member": permissions.is_council_member(request.user),
        },
    )


# --- The organisation's details ------------------------------------------------------------------


@mfa_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    """Register an organisation; the user becomes its admin. A duplicate offers to ask access."""
    form = OrganisationForm(posted_data(request), submit_label=_("Register the organisation"))
    if request.method == "POST":
        if not form.is_valid():
            return render(request, FORM_TEMPLATE, {"form": form}, status=400)
        try:
            organisation = services.organisation_register(
                actor=request.user,
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


def representative_history(organisation: Organisation) -> list[RepresentativeEvent]:
    """The latest changes of who acts for the organisation, newest first, in one query."""
    return list(
        RepresentativeEvent.objects.filter(organisation=organisation).for_history()[
            :REPRESENTATIVE_HISTORY_LIMIT
        ]
    )


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
                "who": user_label(record.history_user),
                "created": record.history_type == "+",
                "fields": fields,
            }
        )
    return entries


def _invite_admin_form(request, organisation: Organisation) -> InviteAdminForm | None:
    """For the municipality's officers, when the organisation has no admin left."""
    if not permissions.can_invite_organisation_admin(request.user, organisation):
        return None
    if organisation.representatives.current().admins().exists():
        return None
    return InviteAdminForm(
        action=reverse("organisations:invite-admin", kwargs={"pk": organisation.pk})
    )


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
        posted_data(request),
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
    invite_admin_form = _invite_admin_form(request, organisation)
    return render(
        request,
        "organisations/organisation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "organisation_name": name,
            "updated_at": updated_at,
            "history": _history_entries(organisation) if show_history else None,
            "representative_history": representative_history(organisation)
            if show_history
            else None,
            "invite_admin_form": invite_admin_form,
            "open_admin_invitations": [
                invitation
                for invitation in organisation.invitations.filter(
                    role=Representative.Role.ADMIN
                ).order_by("-created_at")
                if invitation.is_open
            ]
            if invite_admin_form
            else [],
        },
        status=status,
    )
