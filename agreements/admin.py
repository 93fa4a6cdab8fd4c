"""Editing agreement content in the admin. Every change is kept by django-simple-history."""

from operator import attrgetter

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin import URL_FIELD_OVERRIDES

from . import services
from .models import (
    ActionPlan,
    Agreement,
    AgreementVersion,
    Body,
    BodyTask,
    Commitment,
    DevelopmentArea,
    DevelopmentAreaItem,
    FollowUpArea,
    FollowUpQuestion,
    FollowUpRule,
    Municipality,
    PlanArea,
    PlanItem,
    Principle,
    Section,
    Theme,
)

SIGNED_CONTENT = _(
    "This text has been signed by organisations or followed up, so no part of it can be "
    "deleted. Correct it here (every change is kept in its history) or add a new version."
)


def _versions_of(obj) -> list[AgreementVersion]:
    if isinstance(obj, Agreement):
        return list(obj.versions.all())
    if isinstance(obj, AgreementVersion):
        return [obj]
    if isinstance(obj, PlanArea):
        return _versions_of(obj.plan)
    version = getattr(obj, "version", None)  # a version's content, or an action plan's version
    return [version] if version is not None else []


def is_on_record(obj) -> bool:
    """Whether the object is (part of) a version that was signed or followed up."""
    return obj is not None and any(version.is_on_record() for version in _versions_of(obj))


class OnRecordMixin:
    """No deleting what was signed: for admins, their object; for inlines, the parent's rows."""

    def has_delete_permission(self, request, obj=None):
        return not is_on_record(obj) and super().has_delete_permission(request, obj)  # type: ignore[misc]


class ContentAdmin(OnRecordMixin, SimpleHistoryAdmin):
    """Marks the agreement as changed after every edit, so its cached PDF is rendered anew.

    Nothing of a version that was signed or followed up can be deleted (``OnRecordMixin``), and
    its pages say so.
    """

    agreement_path = "version.agreement"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and is_on_record(self.get_object(request, unquote(object_id))):
            self.message_user(request, SIGNED_CONTENT, messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if is_on_record(obj):
            self.message_user(request, SIGNED_CONTENT, messages.ERROR)
            return redirect(
                reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[quote(obj.pk)],
                )
            )
        return super().delete_view(request, object_id, extra_context)

    def _mark_changed(self, obj) -> None:
        agreement = obj if isinstance(obj, Agreement) else attrgetter(self.agreement_path)(obj)
        services.agreement_mark_changed(agreement=agreement)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._mark_changed(form.instance)

    def delete_model(self, request, obj):
        agreement = obj if isinstance(obj, Agreement) else attrgetter(self.agreement_path)(obj)
        super().delete_model(request, obj)
        if not isinstance(obj, Agreement):
            services.agreement_mark_changed(agreement=agreement)


@admin.register(Municipality)
class MunicipalityAdmin(SimpleHistoryAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["key", "name_sv", "name_en", "order"]
    list_editable = ["order"]


class VersionInline(OnRecordMixin, admin.TabularInline):
    model = AgreementVersion
    fields = ["key", "status", "title", "adopted_on", "valid_until"]
    extra = 0
    show_change_link = True


@admin.register(Agreement)
class AgreementAdmin(ContentAdmin):
    list_display = ["title", "municipality", "slug", "content_updated_at"]
    list_select_related = ["municipality"]
    search_fields = ["title", "municipality__name"]
    readonly_fields = ["content_updated_at"]
    inlines = [VersionInline]


class SectionInline(OnRecordMixin, admin.StackedInline):
    model = Section
    extra = 0
    fields = ["order", "key", "kind", "part", "title", "body"]


class FollowUpRuleInline(OnRecordMixin, admin.TabularInline):
    model = FollowUpRule
    extra = 0


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ContentAdmin):
    agreement_path = "agreement"
    list_display = ["title", "agreement", "key", "status", "adopted_on"]
    list_filter = ["status", "agreement"]
    list_select_related = ["agreement"]
    inlines = [SectionInline, FollowUpRuleInline]


class VersionContentAdmin(ContentAdmin):
    list_filter = ["version__agreement"]
    list_select_related = ["version__agreement"]


@admin.register(Principle)
class PrincipleAdmin(VersionContentAdmin):
    list_display = ["title", "version", "order"]
    filter_horizontal = ["themes"]
    search_fields = ["title", "body"]


@admin.register(Commitment)
class CommitmentAdmin(VersionContentAdmin):
    list_display = ["__str__", "party", "version", "order"]
    list_filter = ["version__agreement", "party"]
    search_fields = ["title", "body"]
    filter_horizontal = ["principles"]
    raw_id_fields = ["listed_under"]


class DevelopmentAreaItemInline(OnRecordMixin, admin.TabularInline):
    model = DevelopmentAreaItem
    extra = 0


@admin.register(DevelopmentArea)
class DevelopmentAreaAdmin(VersionContentAdmin):
    list_display = ["title", "version", "order"]
    inlines = [DevelopmentAreaItemInline]


class BodyTaskInline(OnRecordMixin, admin.TabularInline):
    model = BodyTask
    extra = 0


@admin.register(Body)
class BodyAdmin(VersionContentAdmin):
    list_display = ["name", "kind", "is_council", "version"]
    inlines = [BodyTaskInline]


class FollowUpQuestionInline(OnRecordMixin, admin.TabularInline):
    model = FollowUpQuestion
    extra = 0


@admin.register(FollowUpArea)
class FollowUpAreaAdmin(VersionContentAdmin):
    list_display = ["__str__", "responsible", "respondents", "version"]
    inlines = [FollowUpQuestionInline]


class PlanAreaInline(OnRecordMixin, admin.StackedInline):
    model = PlanArea
    extra = 0
    show_change_link = True
    fields = ["order", "key", "title", "development_area", "body"]


@admin.register(ActionPlan)
class ActionPlanAdmin(ContentAdmin):
    agreement_path = "agreement"
    list_display = ["title", "agreement", "period_start", "period_end", "kind"]
    list_filter = ["agreement"]
    inlines = [PlanAreaInline]


class PlanItemInline(OnRecordMixin, admin.TabularInline):
    model = PlanItem
    extra = 0


@admin.register(PlanArea)
class PlanAreaAdmin(ContentAdmin):
    agreement_path = "plan.agreement"
    list_display = ["title", "plan", "order"]
    list_filter = ["plan__agreement"]
    inlines = [PlanItemInline]
