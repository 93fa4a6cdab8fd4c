"""The base app's models in the admin, and the helpers every app's admin uses. The admin site itself
is portal/admin_site.py (the composition: it knows the roles of the domain apps)."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .models import OutgoingMail


class WholeValuesHistoryHelper(HistoricalRecordContextHelper):
    """Each change on an admin history page with its whole old and new value.

    django-simple-history shortens both to about 80 characters around the first difference
    ("Samverkan ska präglas av […] och ömsesidig respekt"), so an editor could not see what a
    principle's text said before: here the values are only escaped, never cut.
    """

    def stringify_delta_change_values(
        self, change: Any, old: Any, new: Any
    ) -> tuple[SafeString, SafeString]:
        def text(value: Any) -> str:
            if isinstance(value, list):
                return ", ".join(str(item) for item in value) or "–"
            return "–" if value in (None, "") else str(value)

        return conditional_escape(text(old)), conditional_escape(text(new))


class LabelledInlineFormSet(BaseInlineFormSet):
    """An inline formset whose "delete" box is named by its label (see LabelledTabularInline)."""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            delete = form.fields["DELETE"]
            delete.widget.attrs.setdefault("aria-label", delete.label)


class LabelledTabularInline(admin.TabularInline):
    """Django's tabular inline names its fields only by the column header, which is not the
    field's label (axe: "Form elements must have labels"): each field, and the "delete" box,
    gets its column's name as its accessible name."""

    formset = LabelledInlineFormSet

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            widget: Any = getattr(formfield.widget, "widget", formfield.widget)  # related wrapper
            widget.attrs.setdefault("aria-label", formfield.label)
        return formfield


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with whole values on the history page (its labels are Swedish
    through the portal's catalogue: core/translation_overrides.py)."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        # A field with a callable default (a list of reference numbers) gets a hidden copy of
        # its initial value, which Django 5.2 renders with the field's aria-describedby: invalid
        # HTML. The copy only tells a blank extra inline form from a changed one; a page's own
        # form needs none.
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.show_hidden_initial = False
        return formfield

    def get_historical_record_context_helper(
        self, request: Any, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return WholeValuesHistoryHelper(self.model, historical_record)


# Web addresses typed without a scheme are taken as https:// (Django 6's default) in admin forms.
URL_FIELD_OVERRIDES: dict[type[models.Field], dict[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """Read-only: the record of what the portal sent to whom. Nothing is added, edited or deleted
    here; an operator queues unsent messages again with ``manage.py send_pending_mail``."""

    list_display = ["created_at", "subject", "recipient_list", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at",
        "recipients",
        "subject",
        "body_shown",
        "template",
        "language",
        "sensitive",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "sent_at",
    ]
    fields = readonly_fields

    @admin.display(description=pgettext_lazy("e-mail", "body"))
    def body_shown(self, obj):
        """The text of the message, unless it carries a sign-in or reset link or a code."""
        if obj.sensitive:
            return gettext_lazy("Not shown: the message holds a link or code that gives access.")
        return linebreaksbr(obj.body)  # escapes the text, as the admin does for a plain field

    @admin.display(description=_lazy("recipients"))
    def recipient_list(self, obj):
        return ", ".join(obj.recipients)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
