"""Editing agreement content in the admin. Every change is kept by django-simple-history."""

from operator import attrgetter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.admin import URL_FIELD_OVERRIDES, HistoryAdmin, LabelledTabularInline

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

# Boxes to tick rather than filter_horizontal, whose script writes ARIA that axe refuses.
M2M_AS_CHECKBOXES: dict[type[models.Field], dict[str, Any]] = {
    **URL_FIELD_OVERRIDES,
    models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
}

SIGNED_CONTENT = _(
    "This text has been signed by organisations or followed up, so no part of it can be "
    "deleted. Correct it here (every change is kept in its history) or add a new version."
)


SIGNED_TEXT = _(
    "Organisations have signed this version (or it has been followed up), so its text cannot be "
    "changed: what they signed stays as it was. To change the text, open the version and choose "
    "“New version”: it makes an editable draft copy, which you publish when it is ready."
)
SIGNED_TEXT_REFUSED = _(
    "Nothing was changed: this version has been signed, so its text cannot be changed in place. "
    "Make a new version instead."
)
PRINCIPLES_OF_ANOTHER_VERSION = _(
    "Tick only principles of the commitment's own version: %(titles)s belong to another one."
)
DRAFT_MADE = _("A draft of a new version was made. Edit it, then choose “Publish”.")
PUBLISHED = _("The new version is in force.")


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


def is_signed_text(obj) -> bool:
    """Whether the object is a version that was signed or followed up, or part of its text."""
    if obj is None or isinstance(obj, (Agreement, ActionPlan, PlanArea)):
        return False
    return is_on_record(obj)


class SignedTextMixin:
    """The text of a signed version is read only: shown, never changed (a new version is)."""

    def has_change_permission(self, request, obj=None):
        return not is_signed_text(obj) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request, obj=None):
        if obj is not None and is_signed_text(obj):
            return False
        return super().has_add_permission(request, obj)  # type: ignore[misc]


class SignedTextAdminMixin(SignedTextMixin):
    def has_add_permission(self, request):  # type: ignore[override]
        return admin.ModelAdmin.has_add_permission(self, request)  # type: ignore[arg-type]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if is_signed_text(obj) and request.method == "POST":
            return TemplateResponse(
                request,
                "admin/agreements/refused.html",
                {
                    **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                    "title": SIGNED_TEXT_REFUSED,
                    "message": SIGNED_TEXT,
                    "back": request.path,
                    "opts": self.opts,  # type: ignore[attr-defined]
                },
                status=403,
            )
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        if "version" in form.base_fields:
            field = form.base_fields["version"]

            def clean_version(form_self):
                version = form_self.cleaned_data["version"]
                if version is not None and version.is_on_record():
                    raise ValidationError(SIGNED_TEXT_REFUSED)
                return version

            form.clean_version = clean_version
            field.help_text = _("Parts can be added only to a version nobody has signed.")
        return form


class ContentAdmin(OnRecordMixin, HistoryAdmin):
    """Marks the agreement as changed after every edit, so its cached PDF is rendered anew.

    Nothing of a version that was signed or followed up can be deleted (``OnRecordMixin``), and
    its pages say so.
    """

    agreement_path = "version.agreement"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if request.method == "GET" and is_signed_text(obj):
            self.message_user(request, SIGNED_TEXT, messages.WARNING)
        elif request.method == "GET" and is_on_record(obj):
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
class MunicipalityAdmin(HistoryAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["name", "short_name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["key", "name_sv", "name_en", "order"]
    list_editable = ["order"]


class VersionInline(OnRecordMixin, LabelledTabularInline):
    """Versions are listed here and edited on their own page ("New version" makes one)."""

    model = AgreementVersion
    fields = ["key", "status", "title", "adopted_on", "valid_until"]
    readonly_fields = ["key", "status", "title", "adopted_on", "valid_until"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(ContentAdmin):
    list_display = ["title", "municipality", "slug", "content_updated_at"]
    list_select_related = ["municipality"]
    search_fields = ["title", "municipality__name"]
    readonly_fields = ["content_updated_at"]
    inlines = [VersionInline]


class SectionInline(SignedTextMixin, OnRecordMixin, admin.StackedInline):
    model = Section
    extra = 0
    fields = ["order", "key", "kind", "part", "title", "body"]


class FollowUpRuleInline(SignedTextMixin, OnRecordMixin, LabelledTabularInline):
    model = FollowUpRule
    extra = 0


@admin.register(AgreementVersion)
class AgreementVersionAdmin(SignedTextAdminMixin, ContentAdmin):
    """A version's page; a signed one is read only and offers "New version", a draft "Publish"."""

    agreement_path = "agreement"
    list_display = ["title", "agreement", "key", "status", "adopted_on"]
    list_filter = ["status", "agreement"]
    list_select_related = ["agreement"]
    inlines = [SectionInline, FollowUpRuleInline]
    change_form_template = "admin/agreements/agreementversion/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        return ["status"] if obj is not None else []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The version the page already fetched: no second look-up of it.
        if obj is not None:
            context["version_parts"] = self._parts(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _parts(self, version: AgreementVersion) -> list[tuple[str, int, str]]:
        """The version's parts edited on pages of their own (principles, commitments, …): the
        name, how many, and the admin's list of them for this version only."""
        parts: list[tuple[type[models.Model], Any]] = [
            (Principle, version.principles),
            (Commitment, version.commitments),
            (DevelopmentArea, version.development_areas),
            (Body, version.bodies),
            (FollowUpArea, version.followup_areas),
        ]
        return [
            (
                str(model._meta.verbose_name_plural).capitalize(),
                related.count(),
                reverse(f"admin:agreements_{model._meta.model_name}_changelist")
                + f"?version__id__exact={version.pk}",
            )
            for model, related in parts
        ]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="{}_{}_new_version".format(*info),
            ),
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name="{}_{}_publish".format(*info),
            ),
            *super().get_urls(),
        ]

    def _page(self, request, version, template, context, status=200):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": version,
                "version": version,
                **context,
            },
            status=status,
        )

    def new_version_view(self, request, object_id):
        """GET: what "New version" does; POST: make the draft and open it."""
        version = get_object_or_404(AgreementVersion, pk=unquote(object_id))
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        if request.method == "POST":
            try:
                draft = services.version_new_draft(version=version, actor=request.user)
            except services.VersionRefused as exc:
                return self._page(
                    request,
                    version,
                    "admin/agreements/agreementversion/new_version.html",
                    {"title": _("New version"), "problems": exc.problems},
                    status=409,
                )
            self.message_user(request, DRAFT_MADE, messages.SUCCESS)
            return redirect(reverse("admin:agreements_agreementversion_change", args=[draft.pk]))
        return self._page(
            request,
            version,
            "admin/agreements/agreementversion/new_version.html",
            {"title": _("New version")},
        )

    def publish_view(self, request, object_id):
        """GET: what publishing does and what stops it; POST: publish the draft."""
        version = get_object_or_404(AgreementVersion, pk=unquote(object_id))
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        problems = services.version_publish_problems(version=version)
        if request.method == "POST" and not problems:
            try:
                with transaction.atomic():
                    services.version_publish(version=version, actor=request.user)
                    notice = self.version_published(request, version)
            except services.VersionRefused as exc:
                problems = exc.problems
            else:
                self.message_user(request, PUBLISHED, messages.SUCCESS)
                if notice:
                    self.message_user(request, notice, messages.SUCCESS)
                return redirect(
                    reverse("admin:agreements_agreementversion_change", args=[version.pk])
                )
        return self._page(
            request,
            version,
            "admin/agreements/agreementversion/publish.html",
            {"title": _("Publish the new version"), "problems": problems},
            status=409 if request.method == "POST" else 200,
        )

    def version_published(self, request, version) -> str:
        """After publishing, in the same transaction: what higher apps start (portal.admin)."""
        return ""


class VersionContentAdmin(SignedTextAdminMixin, ContentAdmin):
    list_filter = ["version__agreement", "version"]
    list_select_related = ["version__agreement"]


@admin.register(Principle)
class PrincipleAdmin(VersionContentAdmin):
    list_display = ["title", "version", "order"]
    search_fields = ["title", "body"]
    formfield_overrides = M2M_AS_CHECKBOXES


class CommitmentForm(forms.ModelForm):
    def clean(self):
        """A commitment serves principles of its own version only: the add page, which knows
        no version yet, offers the principles of every version."""
        super().clean()
        cleaned = self.cleaned_data
        version = cleaned.get("version")
        version_id = version.pk if version is not None else self.instance.version_id
        others = [p for p in cleaned.get("principles") or () if p.version_id != version_id]
        if version_id is not None and others:
            titles = ", ".join(p.title for p in others)
            self.add_error("principles", PRINCIPLES_OF_ANOTHER_VERSION % {"titles": titles})
        return cleaned


@admin.register(Commitment)
class CommitmentAdmin(VersionContentAdmin):
    form = CommitmentForm
    list_display = ["__str__", "party", "version", "order"]
    list_filter = ["version__agreement", "version", "party"]
    search_fields = ["title", "body"]
    raw_id_fields = ["listed_under"]
    formfield_overrides = M2M_AS_CHECKBOXES

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The principles to tick are those of the commitment's own version."""
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "principles" in form.base_fields:
            field = form.base_fields["principles"]
            field.queryset = field.queryset.filter(version=obj.version)
        return form


class DevelopmentAreaItemInline(SignedTextMixin, OnRecordMixin, LabelledTabularInline):
    model = DevelopmentAreaItem
    extra = 0


@admin.register(DevelopmentArea)
class DevelopmentAreaAdmin(VersionContentAdmin):
    list_display = ["title", "version", "order"]
    inlines = [DevelopmentAreaItemInline]


class BodyTaskInline(SignedTextMixin, OnRecordMixin, LabelledTabularInline):
    model = BodyTask
    extra = 0


@admin.register(Body)
class BodyAdmin(VersionContentAdmin):
    list_display = ["name", "kind", "is_council", "version"]
    inlines = [BodyTaskInline]


class FollowUpQuestionInline(SignedTextMixin, OnRecordMixin, LabelledTabularInline):
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


class PlanItemInline(OnRecordMixin, LabelledTabularInline):
    model = PlanItem
    extra = 0


@admin.register(PlanArea)
class PlanAreaAdmin(ContentAdmin):
    agreement_path = "plan.agreement"
    list_display = ["title", "plan", "order"]
    list_filter = ["plan__agreement"]
    inlines = [PlanItemInline]
