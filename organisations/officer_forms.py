"""Forms of the municipal officers' workspace: filtering organisations, recording and rejecting
accessions. The forms check the input; the writes happen in ``organisations.services``.
"""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementVersion
from core.forms import post_helper

from . import services
from .models import Accession, LegalForm, OfficerPreference
from .validators import AttachAgainMixin, validate_pdf_upload

PDF_MAGIC = b"%PDF-"

SIGNED_ON_IN_FUTURE = _("The date of signing cannot be in the future.")
MINUTES_NOT_PDF = _("The minutes must be a PDF file.")
MINUTES_TOO_LARGE = _("The file is too large: at most %(limit)s.")
DECLARATION_NOT_RECEIVED = _(
    "Confirm that the organisation's signed declaration has been received. Without it the "
    "accession cannot be recorded."
)
MINUTES_EMPTY = _("The file is empty.")
MINUTES_UNREADABLE = _(
    "The PDF file could not be opened. Save the minutes as a PDF again and upload that file."
)


class OrganisationStatus:
    """The status filter of the officers' organisation list (a partition of the organisations)."""

    ALL = ""
    ACTIVE = "active"
    PENDING = "pending"
    WITHDRAWN = "withdrawn"
    NOT_SIGNED = "not_signed"

    CHOICES = [
        (ALL, _("All")),
        (ACTIVE, _("Active signatory")),
        (PENDING, _("Waiting for verification")),
        (WITHDRAWN, _("Withdrawn")),
        (NOT_SIGNED, _("Not signed")),
    ]


class OrganisationFilterForm(forms.Form):
    """The GET form above the officers' list of organisations."""

    q = forms.CharField(
        label=_("Name or organisation number"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),  # one type attribute (Nu Html Checker)
    )
    status = forms.ChoiceField(
        label=_("Accession status"), choices=OrganisationStatus.CHOICES, required=False
    )
    legal_form = forms.ChoiceField(
        label=_("Legal form"),
        choices=[("", _("All legal forms")), *LegalForm.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "officer-filter"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Field("q"),
                "status",
                "legal_form",
                Div(
                    StrictButton(_("Filter"), type="submit", css_class="btn-primary"),
                    css_class="officer-filter__actions",
                ),
                css_class="officer-filter__fields",
            ),
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RecordAccessionForm(AttachAgainMixin, forms.Form):
    """An accession made at a dialogue forum or on a paper application, recorded by an officer.

    The signed paper (or the form filled in at the forum) is the organisation's declaration, so
    the officer confirms having received it instead of the signer ticking a box online.
    """

    version = forms.ModelChoiceField(
        label=_("Agreement"),
        queryset=AgreementVersion.objects.none(),
        empty_label=None,
    )
    source = forms.ChoiceField(
        label=_("Where the accession was made"),
        choices=[
            (Accession.Source.DIALOGUE_FORUM, _("At a dialogue forum")),
            (Accession.Source.PAPER, _("On a paper application")),
        ],
        widget=forms.RadioSelect,
    )
    signed_on = forms.DateField(
        label=_("Date of signing"),
        widget=DateInput(),
        help_text=_("The date on the signed application, or the date of the dialogue forum."),
    )
    signer_name = forms.CharField(label=_("Signer's full name"), max_length=200)
    signer_title = forms.CharField(
        label=_("Signer's title"),
        max_length=200,
        help_text=_("For example chair, secretary or authorised signatory."),
    )
    basis = forms.ChoiceField(
        label=_("Basis for signing"),
        choices=[
            (Accession.Basis.SIGNATORY, _("The signer is an authorised signatory")),
            (Accession.Basis.BOARD_DECISION, _("The organisation's board decided to join")),
        ],
        widget=forms.RadioSelect,
    )
    board_decision_date = forms.DateField(
        label=_("Date of the board decision"),
        required=False,
        widget=DateInput(),
        help_text=_("Required when the board decided to join."),
    )
    minutes = forms.FileField(
        label=_("Minutes of the board decision (PDF, optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    declaration_confirmed = forms.BooleanField(
        label=_("The organisation's signed declaration has been received"),
        error_messages={"required": DECLARATION_NOT_RECEIVED},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the name of the dialogue forum or where the paper is filed."),
    )

    def __init__(self, *args, versions: list[AgreementVersion], **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = versions
        self.fields["version"].queryset = AgreementVersion.objects.filter(
            pk__in=[v.pk for v in versions]
        ).select_related("agreement")
        if len(versions) == 1:
            # The usual case: one agreement per municipality, nothing to choose.
            del self.fields["version"]
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_class = "officer-form"
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            *(["version"] if "version" in self.fields else []),
            "source",
            "signed_on",
            "signer_name",
            "signer_title",
            "basis",
            "board_decision_date",
            "minutes",
            "declaration_confirmed",
            "note",
            StrictButton(_("Record the accession"), type="submit", css_class="btn-primary"),
        )

    def clean_signed_on(self):
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise forms.ValidationError(SIGNED_ON_IN_FUTURE, code="future")
        return signed_on

    def clean_board_decision_date(self):
        decided_on = self.cleaned_data.get("board_decision_date")
        if decided_on and decided_on > timezone.localdate():
            raise forms.ValidationError(services.BOARD_DATE_IN_FUTURE, code="future")
        return decided_on

    def clean_minutes(self):
        minutes = self.cleaned_data.get("minutes")
        if not minutes:
            return None
        limit = settings.ACCESSION_MINUTES_MAX_BYTES
        if minutes.size > limit:
            raise forms.ValidationError(
                MINUTES_TOO_LARGE, code="too_large", params={"limit": filesizeformat(limit)}
            )
        # Judge the file by its content, not by its name or the browser's content type.
        minutes.seek(0)
        head = minutes.read(len(PDF_MAGIC))
        minutes.seek(0)
        if head != PDF_MAGIC:
            raise forms.ValidationError(MINUTES_NOT_PDF, code="not_pdf")
        validate_pdf_upload(minutes, unreadable=MINUTES_UNREADABLE)  # and no active content
        return minutes

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("basis") == Accession.Basis.BOARD_DECISION and not cleaned.get(
            "board_decision_date"
        ):
            self.add_error("board_decision_date", services.BOARD_DATE_REQUIRED)
        return cleaned

    @property
    def chosen_version(self) -> AgreementVersion:
        if "version" in self.fields:
            return self.cleaned_data["version"]
        return self.versions[0]

    def signature(self) -> services.Signature:
        data = self.cleaned_data
        board_decision = data["basis"] == Accession.Basis.BOARD_DECISION
        return services.Signature(
            basis=data["basis"],
            signer_name=data["signer_name"],
            signer_title=data["signer_title"],
            declaration_confirmed=data["declaration_confirmed"],
            board_decision_date=data["board_decision_date"] if board_decision else None,
            minutes=data["minutes"],
        )


class RejectForm(forms.Form):
    """Why the officer could not verify the accession; e-mailed to the organisation."""

    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": services.REASON_REQUIRED, "max_length": services.NOTE_TOO_LONG},
        help_text=_("The organisation receives the reason by e-mail."),
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "reason",
            button=StrictButton(
                _("Reject the accession"), type="submit", css_class="btn-outline-danger"
            ),
            action=action,
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(services.REASON_REQUIRED, code="required")
        return reason


def _note_field(label, help_text, *, required: bool, required_message=None) -> forms.CharField:
    error_messages = {"max_length": services.NOTE_TOO_LONG}
    if required_message is not None:
        error_messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=services.NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=error_messages,
        help_text=help_text,
    )


class VerifyForm(forms.Form):
    """The officer's optional note to the organisation when verifying."""

    note = _note_field(
        _("Note to the organisation (optional)"),
        _("Shown to the organisation on the accession's page and in the e-mail."),
        required=False,
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "note",
            button=StrictButton(_("Verify the accession"), type="submit", css_class="btn-primary"),
            action=action,
        )


class QuestionForm(forms.Form):
    """Ask the organisation for more information; the accession stays pending."""

    question = _note_field(
        _("Your question to the organisation"),
        _(
            "The organisation's representatives receive it by e-mail and answer on the "
            "accession's page. The accession keeps waiting for your decision."
        ),
        required=True,
        required_message=services.QUESTION_REQUIRED,
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "question",
            button=StrictButton(
                _("Ask for more information"), type="submit", css_class="btn-outline-primary"
            ),
            action=action,
        )


class WorkMailForm(forms.Form):
    """How the officer is told of new work."""

    work_mail = forms.ChoiceField(
        label=_("E-mail about new work"),
        choices=[(value, capfirst(label)) for value, label in OfficerPreference.WorkMail.choices],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you want to be told of new work."),
            "invalid_choice": _("Choose one of the options shown."),
        },
        help_text=_(
            "New accessions to verify, withdrawals, requests for access and organisations' "
            "answers to your questions. The digest is sent once a day, with what came since the "
            "last one, and not at all on a day with nothing new."
        ),
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "work_mail",
            button=StrictButton(_("Save"), type="submit", css_class="btn-outline-primary"),
            action=action,
        )


class InviteAdminForm(forms.Form):
    """An officer invites a new admin to an organisation that has none left."""

    email = forms.EmailField(
        label=_("E-mail address of the new admin"),
        max_length=254,
        help_text=_(
            "For example the organisation's chair or secretary. The invitation is valid for 14 "
            "days; the person becomes the organisation's admin when they accept it."
        ),
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "email",
            button=StrictButton(_("Invite as admin"), type="submit", css_class="btn-primary"),
            action=action,
        )
