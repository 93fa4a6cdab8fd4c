"""The admin shows the register and accessions; accessions and their events cannot be deleted."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import URL_FIELD_OVERRIDES

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
)


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityArea)
class ActivityAreaAdmin(admin.ModelAdmin):
    list_display = ["key", "name_sv", "name_en", "order"]


class RepresentativeInline(admin.TabularInline):
    model = Representative
    fk_name = "organisation"
    extra = 0
    raw_id_fields = ["user", "removed_by"]


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["name", "organisation_number", "municipality", "legal_form"]
    list_filter = ["municipality", "legal_form"]
    search_fields = ["name", "organisation_number"]
    filter_horizontal = ["activity_areas"]
    inlines = [RepresentativeInline]


class AccessionEventInline(admin.TabularInline):
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


@admin.register(OfficerRole)
class OfficerRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "unit"]
    list_filter = ["municipality"]
    raw_id_fields = ["user"]


@admin.register(CouncilMembership)
class CouncilMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agreement", "body", "side"]
    list_filter = ["agreement", "side"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "created_at", "accepted_at", "revoked_at"]


@admin.register(AccessRequest)
class AccessRequestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "status", "created_at"]
