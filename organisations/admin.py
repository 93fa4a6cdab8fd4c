"""The admin shows the register and accessions; nothing here can be deleted.

Accessions and their events are the signed record. Representatives, officer roles and council
memberships are the record of who could act for whom, and when: they are ended (kept, with when
and by whom) through the services, never deleted.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import URL_FIELD_OVERRIDES, HistoryAdmin, LabelledTabularInline

from . import services
from .models import (
    Accession,
    AccessionEvent,
    AccessRequest,
    ActivityArea,
    CouncilMembership,
    Invitation,
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
    RepresentativeEvent,
)


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityArea)
class ActivityAreaAdmin(admin.ModelAdmin):
    list_display = ["key", "name_sv", "name_en", "order"]


class RepresentativeInlineForm(forms.ModelForm):
    end = forms.BooleanField(
        label=_("End"),
        required=False,
        help_text=_("The person no longer represents the organisation; the row is kept."),
    )

    class Meta:
        model = Representative
        fields = ["user", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A representation is one person's record: another person gets a row of their own.
            self.fields["user"].disabled = True


class RepresentativeInline(LabelledTabularInline):
    """Representatives are added here and ended with "End", never deleted."""

    model = Representative
    form = RepresentativeInlineForm
    fk_name = "organisation"
    extra = 0
    can_delete = False
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at", "removed_at", "removed_by", "end"]
    readonly_fields = ["created_at", "removed_at", "removed_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RepresentativeEvent)
class RepresentativeEventAdmin(admin.ModelAdmin):
    """Who did what with organisations' representatives and invitations: read-only, the record
    the services write. (Not an inline of the organisation: its page's form stays as it was.)"""

    list_display = ["created_at", "organisation", "kind", "actor", "person", "role"]
    list_filter = ["kind"]
    search_fields = ["organisation__name", "person__email", "actor__email", "invitation__email"]
    list_select_related = ["organisation", "actor", "person"]
    readonly_fields = [
        "created_at",
        "organisation",
        "kind",
        "actor",
        "person",
        "invitation",
        "role",
        "previous_role",
        "note",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, HistoryAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["name", "organisation_number", "municipality", "legal_form"]
    list_filter = ["municipality", "legal_form"]
    search_fields = ["name", "organisation_number"]
    filter_horizontal = ["activity_areas"]
    inlines = [RepresentativeInline]

    def save_formset(self, request, form, formset, change):
        """Representatives are added, given another role and ended through the services, which
        record each change as a RepresentativeEvent with the staff member as its actor."""
        if formset.model is not Representative:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            if not row.has_changed():
                continue
            data = row.cleaned_data
            try:
                if row.instance.pk is None:
                    formset.new_objects.append(
                        services.representative_add(
                            organisation=form.instance,
                            user=data["user"],
                            role=data["role"],
                            actor=request.user,
                        )
                    )
                    continue
                if "role" in row.changed_data:
                    representative = services.representative_change_role(
                        representative=row.instance, role=data["role"], actor=request.user
                    )
                    formset.changed_objects.append((representative, ["role"]))
                if data.get("end"):
                    services.representative_remove(representative=row.instance, actor=request.user)
            except services.ActionRefused as exc:
                self.message_user(request, exc.message, messages.ERROR)


class AccessionEventInline(LabelledTabularInline):
    model = AccessionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "actor_label", "at", "before", "after", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Accession)
class AccessionAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Read-only: accessions change only through the portal's own pages, which record events."""

    list_display = ["organisation", "agreement", "version", "status", "source", "signed_at"]
    list_filter = ["status", "source", "agreement"]
    search_fields = ["organisation__name", "signer_name"]
    inlines = [AccessionEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(MunicipalUnit)
class MunicipalUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality"]
    list_filter = ["municipality", "kind"]


class RoleAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Officer roles and council memberships: ended with the action, never deleted.

    Shows ended roles too (``all_objects``); the default manager holds only current ones.
    """

    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "removed_at", "removed_by"]
    actions = ["end_selected"]

    def get_queryset(self, request):
        return self.model.all_objects.select_related("user", "removed_by")

    @admin.display(boolean=True, description=_("current"))
    def is_current(self, obj) -> bool:
        return obj.removed_at is None

    @admin.action(description=_("End the selected roles (they are kept as a record)"))
    def end_selected(self, request, queryset):
        ended = sum(services.role_end(role=role, actor=request.user) for role in queryset)
        self.message_user(
            request,
            ngettext("%(count)d role ended.", "%(count)d roles ended.", ended) % {"count": ended},
            messages.SUCCESS,
        )


class CurrentFilter(admin.SimpleListFilter):
    title = _("current")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Current")), ("no", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.current()
        if self.value() == "no":
            return queryset.ended()
        return queryset


@admin.register(OfficerRole)
class OfficerRoleAdmin(RoleAdmin):
    list_display = ["user", "municipality", "unit", "created_at", "is_current"]
    list_filter = [CurrentFilter, "municipality"]


@admin.register(CouncilMembership)
class CouncilMembershipAdmin(RoleAdmin):
    list_display = ["user", "agreement", "body", "side", "created_at", "is_current"]
    list_filter = [CurrentFilter, "agreement", "side"]


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "created_at", "accepted_at", "revoked_at"]


@admin.register(AccessRequest)
class AccessRequestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "status", "created_at"]


# --- Accounts: anonymised, never deleted ----------------------------------------------------------

User = get_user_model()

ANONYMISED_LOG = _(
    "Anonymised the account: name, e-mail addresses, password and two-factor "
    "authentication removed; representations and roles ended."
)
CANNOT_ANONYMISE_SELF = _(
    "You cannot anonymise your own account here. Use “Delete account” on your own pages."
)


def is_anonymised(user) -> bool:
    return user.username == f"deleted-{user.pk}" and not user.is_active


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """Django's user admin without deletion: staff anonymise an account instead.

    Anonymising is what the person's own "Delete account" does (``services.user_delete``): the
    user row stays, so the accessions, reports, versions, approvals and roles that name it keep
    who did what (they PROTECT it). It is confirmed on a page of its own and recorded in the
    admin's log (who, whom, when) and the ``portal.security`` log.
    """

    change_form_template = "admin/auth/user/portal_change_form.html"
    actions = ["anonymise_selected"]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        own = [
            path(
                "<id>/anonymise/",
                self.admin_site.admin_view(self.anonymise_view),
                name="auth_user_anonymise",
            ),
        ]
        return own + super().get_urls()

    @admin.action(
        description=_("Anonymise the selected accounts (instead of deleting)"),
        permissions=["change"],
    )
    def anonymise_selected(self, request, queryset):
        users = list(queryset.order_by("pk"))
        if request.POST.get("post") == "yes":
            self._anonymise(request, users)
            return None
        return self._confirmation(request, users, bulk=True)

    def anonymise_view(self, request, id):
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("post") == "yes":
            self._anonymise(request, [user])
            return redirect("admin:auth_user_change", user.pk)
        return self._confirmation(request, [user], bulk=False)

    def _confirmation(self, request, users, *, bulk: bool):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Anonymise accounts?"),
            "users": [u for u in users if u.pk != request.user.pk and not is_anonymised(u)],
            "refused_self": any(u.pk == request.user.pk for u in users),
            "already": [u for u in users if is_anonymised(u)],
            "bulk": bulk,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/auth/user/anonymise_confirmation.html", context)

    def _anonymise(self, request, users) -> None:
        done = 0
        for user in users:
            if user.pk == request.user.pk:
                self.message_user(request, CANNOT_ANONYMISE_SELF, messages.ERROR)
                continue
            if is_anonymised(user):
                continue
            with transaction.atomic():
                services.user_delete(user=user, actor=request.user)
                self.log_change(request, user, str(ANONYMISED_LOG))
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d account anonymised.", "%(count)d accounts anonymised.", done)
                % {"count": done},
                messages.SUCCESS,
            )
