"""The officers' form for importing an existing register (organisations/register_import.py)."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from agreements.models import Municipality


class RegisterImportForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("The register (CSV or Excel file)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, municipality_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Municipality.objects.filter(pk__in=municipality_ids).order_by("name")
        if len(municipality_ids) == 1:
            self.fields["municipality"].initial = next(iter(municipality_ids))
            self.fields["municipality"].widget = forms.HiddenInput()
        self.fields["file"].help_text = _(
            "At most %(size)s and %(rows)s rows, with the template's header row. Nothing is saved "
            "before you have seen the check of every row and confirmed."
        ) % {
            "size": filesizeformat(settings.REGISTER_IMPORT_MAX_BYTES),
            "rows": settings.REGISTER_IMPORT_MAX_ROWS,
        }
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "officer-form"
        self.helper.attrs = {"novalidate": ""}  # crispy adds the multipart enctype itself
        self.helper.layout = Layout(
            "municipality",
            "file",
            StrictButton(_("Check the file"), type="submit", css_class="btn-primary"),
        )


APPLICATION_NOT_PDF = _("The scanned application must be a PDF file.")
APPLICATION_UNREADABLE = _("The PDF file could not be read. Scan the application again.")
APPLICATION_TOO_LARGE = _("The file is larger than %(limit)s. Scan it at a lower resolution.")


class ApplicationForm(forms.Form):
    """The scanned paper application of an accession, attached by an officer afterwards."""

    application = forms.FileField(
        label=_("The scanned application (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "officer-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            "application",
            StrictButton(_("Attach the application"), type="submit", css_class="btn-primary"),
        )

    def clean_application(self):
        from .validators import validate_pdf_upload

        upload = self.cleaned_data["application"]
        limit = settings.ACCESSION_MINUTES_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(APPLICATION_TOO_LARGE % {"limit": filesizeformat(limit)})
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise forms.ValidationError(APPLICATION_NOT_PDF)
        validate_pdf_upload(upload, unreadable=APPLICATION_UNREADABLE)  # and no active content
        return upload
