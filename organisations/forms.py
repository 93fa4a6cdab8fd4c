"""Forms of the organisations' own pages. They check the input; organisations.services writes."""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementVersion, Municipality

from . import services
from .models import Accession, LegalForm, Organisation, Representative
from .validators import (
    AttachAgainMixin,
    normalise_organisation_number,
    number_warning,
    validate_pdf_upload,
)

# Error messages, reused by the tests.
NUMBER_OR_REASON = _("Give the organisation number, or, for a network without one, say why.")
MINUTES_NOT_PDF = _("Upload the minutes as a PDF file.")
MINUTES_UNREADABLE = _(
    "The PDF file could not be opened. Save the minutes as a PDF again and upload that file."
)
MINUTES_TOO_LARGE = _("The file is too large: the minutes may be at most %(limit)s.")
ALREADY_REPRESENTATIVE = _("This person is already a representative of the organisation.")
NUMBER_NOT_CARRIED = _(
    "The organisation number sent with the request is not valid. Go back to the organisation's "
    "registration and try again."
)

# Legal forms that may lack an organisation number (a network without one says why).
NUMBERLESS_LEGAL_FORMS = (LegalForm.NETWORK, LegalForm.OTHER)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, but an id beyond what the database can hold is an invalid choice.

    Django sends such an id to the database in an ``IN (…)`` query, where it overflows (an
    OverflowError on SQLite, a DataError on PostgreSQL): a 500 for a hand-made request.
    """

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        model_field = self.queryset.model._meta.get_field(key) if key != "pk" else None
        model_field = model_field or self.queryset.model._meta.pk
        low, high = connection.ops.integer_field_range(model_field.get_internal_type())
        for item in value or ():
            try:
                number = int(str(item).strip())
            except ValueError:
                continue  # Django refuses it as not an id
            if (low is not None and number < low) or (high is not None and number > high):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super()._check_values(value)


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"  # what people mean when they leave it out
    if isinstance(field, models.ManyToManyField):
        kwargs["form_class"] = ModelMultipleChoiceField
    return field.formfield(**kwargs)


def _submit(label, **attrs) -> StrictButton:
    return StrictButton(label, type="submit", css_class="btn btn-primary", **attrs)


class OrganisationForm(forms.ModelForm):
    """Register an organisation, or change its details."""

    # Shown (as a checkbox) only when the number does not fit the legal form: the warning is
    # given once, and a person who knows the number is right confirms it
    # (organisations.validators.number_warning).
    number_confirmed = forms.BooleanField(
        label=_("The organisation number is right, even though it does not fit the legal form."),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Organisation
        formfield_callback = _formfield
        fields = [
            "name",
            "organisation_number",
            "no_number_reason",
            "legal_form",
            "municipality",
            "activity_areas",
            "street_address",
            "postal_code",
            "city",
            "website",
            "email",
            "phone",
            "description",
            "contact_name",
            "contact_email",
            "contact_phone",
            "contact_is_public",
        ]
        widgets = {
            "activity_areas": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 5}),
            "no_number_reason": forms.TextInput,
        }

    def __init__(self, *args, lock_municipality: bool = False, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(
            agreements__versions__status=AgreementVersion.Status.CURRENT
        ).distinct()
        self.fields["municipality"].help_text = _(
            "The municipality whose agreement the organisation can join."
        )
        if lock_municipality:
            self.fields["municipality"].disabled = True
            self.fields["municipality"].help_text = _(
                "The municipality cannot be changed once the organisation has joined or signed "
                "an agreement. Contact the municipality if it is wrong."
            )
        self.fields["no_number_reason"].help_text = _(
            "Only for a network or other organisation without an organisation number."
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("The organisation"),
                "name",
                "organisation_number",
                "number_confirmed",
                "no_number_reason",
                "legal_form",
                "municipality",
                "activity_areas",
                "description",
            ),
            Fieldset(
                _("Public contact details"),
                "street_address",
                "postal_code",
                "city",
                "website",
                "email",
                "phone",
            ),
            Fieldset(
                _("Contact person"),
                "contact_name",
                "contact_email",
                "contact_phone",
                "contact_is_public",
            ),
            _submit(submit_label or _("Save")),
        )

    def clean_organisation_number(self) -> str:
        value = (self.cleaned_data.get("organisation_number") or "").strip()
        if not value:
            return ""
        return normalise_organisation_number(value)

    def clean(self):
        cleaned = super().clean()
        number = cleaned.get("organisation_number")
        reason = (cleaned.get("no_number_reason") or "").strip()
        legal_form = cleaned.get("legal_form")
        numberless_allowed = legal_form in NUMBERLESS_LEGAL_FORMS and reason
        if "organisation_number" not in self.errors and not number and not numberless_allowed:
            self.add_error("organisation_number", NUMBER_OR_REASON)
        if number and legal_form and not self.cleaned_data.get("number_confirmed"):
            self._warn_about_the_number(number, legal_form)
        return cleaned

    def _warn_about_the_number(self, number: str, legal_form: str) -> None:
        unchanged = self.instance.pk and (number, legal_form) == (
            self.instance.organisation_number,
            self.instance.legal_form,
        )
        warning = (
            None if unchanged else number_warning(number, legal_form, LegalForm(legal_form).label)
        )
        if warning:
            self.add_error("organisation_number", ValidationError(warning, code="unusual"))
            self.fields["number_confirmed"].widget = forms.CheckboxInput()

    def _get_validation_exclusions(self):
        # A number already registered in the municipality is not a form error: the service
        # raises DuplicateOrganisation and the view offers to ask the organisation's admins
        # for access. The number's format is checked by clean_organisation_number above.
        exclude = super()._get_validation_exclusions()
        exclude.add("organisation_number")
        return exclude


class SignatureForm(AttachAgainMixin, forms.Form):
    """What the signer states when signing (or re-confirming) an agreement online."""

    declaration_confirmed = forms.BooleanField(
        label=_("We confirm the declaration above on behalf of the organisation."),
        error_messages={"required": services.DECLARATION_REQUIRED},
    )
    basis = forms.ChoiceField(
        label=_("Why may you sign for the organisation?"),
        choices=Accession.Basis.choices,
        widget=forms.RadioSelect,
    )
    board_decision_date = forms.DateField(
        label=_("Date of the board decision"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Required when the board decided to join."),
    )
    minutes = forms.FileField(
        label=_("Minutes of the board decision (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    # autocomplete names the purpose of fields about the signer (WCAG 1.3.5).
    signer_name = forms.CharField(
        label=_("Your full name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    signer_title = forms.CharField(
        label=_("Your title or role in the organisation"),
        max_length=200,
        help_text=_("For example chair, secretary or authorised signatory."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].help_text = _("A PDF file of at most %(limit)s.") % {
            "limit": filesizeformat(settings.ACCESSION_MINUTES_MAX_BYTES)
        }
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "declaration_confirmed",
            "basis",
            "board_decision_date",
            "minutes",
            "signer_name",
            "signer_title",
            _submit(submit_label or _("Sign the agreement")),
        )

    def clean_minutes(self):
        upload = self.cleaned_data.get("minutes")
        if not upload:
            return None
        limit = settings.ACCESSION_MINUTES_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(MINUTES_TOO_LARGE % {"limit": filesizeformat(limit)})
        # The content decides, not the file name or the browser's content type.
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise ValidationError(MINUTES_NOT_PDF)
        validate_pdf_upload(upload, unreadable=MINUTES_UNREADABLE)  # and no active content
        return upload

    def clean_board_decision_date(self):
        decided_on = self.cleaned_data.get("board_decision_date")
        if decided_on and decided_on > timezone.localdate():
            raise ValidationError(services.BOARD_DATE_IN_FUTURE, code="future")
        return decided_on

    def clean(self):
        cleaned = super().clean()
        board_decision = cleaned.get("basis") == Accession.Basis.BOARD_DECISION
        date_missing = not cleaned.get("board_decision_date")
        if board_decision and date_missing and "board_decision_date" not in self.errors:
            self.add_error("board_decision_date", services.BOARD_DATE_REQUIRED)
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": services.WITHDRAWAL_REASON_REQUIRED,
            "max_length": services.NOTE_TOO_LONG,
        },
        help_text=_("The municipality is told, and the reason is kept in the accession's history."),
    )
    confirmed = forms.BooleanField(
        label=_(
            "I confirm, as the organisation's admin, that the organisation leaves the agreement."
        ),
        error_messages={
            "required": _("Confirm that the organisation leaves the agreement."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "reason",
            "confirmed",
            StrictButton(
                _("Withdraw from the agreement"), type="submit", css_class="btn btn-danger"
            ),
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(services.WITHDRAWAL_REASON_REQUIRED, code="required")
        return reason


class AnswerForm(forms.Form):
    """A representative answers the municipality's question about an accession."""

    answer = forms.CharField(
        label=_("Your answer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": services.ANSWER_REQUIRED,
            "max_length": services.NOTE_TOO_LONG,
        },
        help_text=_("The municipality's officers are told of your answer by e-mail."),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.layout = Layout(
            "answer",
            StrictButton(_("Send the answer"), type="submit", css_class="btn btn-primary"),
        )

    def clean_answer(self):
        answer = self.cleaned_data["answer"].strip()
        if not answer:
            raise forms.ValidationError(services.ANSWER_REQUIRED, code="required")
        return answer


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Representative.Role.choices,
        initial=Representative.Role.REPRESENTATIVE,
        widget=forms.RadioSelect,
        help_text=_("Organisation admins can also invite and remove representatives."),
    )

    def __init__(self, *args, organisation: Organisation, form_action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.helper = FormHelper()
        if form_action:
            self.helper.form_action = form_action
        self.helper.layout = Layout("email", "role", _submit(_("Send the invitation")))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if self.organisation.representatives.current().filter(user__email__iexact=email).exists():
            raise ValidationError(ALREADY_REPRESENTATIVE)
        return email


class AccessRequestForm(forms.Form):
    # Carried from the duplicate-registration page: knowing the number is what lets someone ask
    # for access to an organisation that is not in the public register.
    organisation_number = forms.CharField(required=False, max_length=11, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the organisation's admins (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example who you are and what you do in the organisation."),
    )

    def __init__(self, *args, form_action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        if form_action:
            self.helper.form_action = form_action
        self.helper.layout = Layout("organisation_number", "message", _submit(_("Ask for access")))

    def clean(self):
        cleaned = super().clean()
        # The number travels in a hidden field, whose own errors a page does not show: say it
        # above the form instead.
        if self.errors.pop("organisation_number", None):
            self.add_error(None, NUMBER_NOT_CARRIED)
        return cleaned
