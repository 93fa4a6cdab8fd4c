"""Forms of the officers' follow-up pages: a cycle's settings, its questions, reopening a report.

The forms check the input; the writes happen in ``followup.services``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.layout import Field
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import post_helper

from . import services
from .models import Cycle, Question, RespondentGroup

DEADLINE_BEFORE_OPENING = _("The deadline cannot be before the cycle opens.")
PERIOD_END_BEFORE_START = _("The end of the period cannot be before its start.")
NO_RESPONDENT_GROUP = _("Choose at least one group to ask.")
BLANK_TEXT = _("Write the question.")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def reminder_days_text(days) -> str:
    """A reminder schedule as the field shows it: "14, 3"."""
    return ", ".join(str(d) for d in sorted(days, reverse=True))


class ReminderDaysField(forms.CharField):
    """The reminder schedule, as days before the deadline separated by commas ("14, 3"), read
    as a list of whole numbers (latest reminder last). Empty: no reminders. The dates are
    checked by the service (``services.check_reminders``), which knows the cycle."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reminders, in days before the deadline"))
        kwargs.setdefault(
            "help_text",
            _(
                "For example 14, 3: a reminder two weeks and one three days before the "
                "deadline, to those who have not submitted. Leave empty for no reminders."
            ),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return reminder_days_text(value)
        return value

    def to_python(self, value) -> list[int]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [p for p in re.split(r"[,;\s]+", text) if p]
        try:
            days = [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(services.REMINDERS_NOT_NUMBERS) from None
        return sorted(set(days), reverse=True)


class CycleForm(forms.Form):
    """A cycle's title, period, dates and settings: proposed from the cadence, set by an officer."""

    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("Period from"), widget=DateInput())
    period_end = forms.DateField(label=_("Period to"), widget=DateInput())
    opens_on = forms.DateField(
        label=_("Opens"),
        widget=DateInput(),
        help_text=_("The day the respondents are invited to report."),
    )
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    reminder_days = ReminderDaysField()
    anonymise_free_text = forms.BooleanField(
        label=_("Anonymise free-text answers in the evaluation"),
        required=False,
        help_text=_("Comments and examples are then shown without the respondent's name."),
    )

    FIELDS = (
        "title",
        "period_start",
        "period_end",
        "opens_on",
        "deadline",
        "reminder_days",
        "anonymise_free_text",
    )

    def __init__(self, *args, button=None, action: str = "", form_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            *self.layout_fields(),
            button=button
            or StrictButton(_("Save the cycle"), type="submit", css_class="btn-primary"),
            action=action,
            form_id=form_id,
        )
        self.helper.attrs = {"novalidate": ""}

    def layout_fields(self) -> list:
        return list(self.FIELDS)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", PERIOD_END_BEFORE_START)
        opens_on, deadline = cleaned.get("opens_on"), cleaned.get("deadline")
        if opens_on and deadline and deadline < opens_on:
            self.add_error("deadline", DEADLINE_BEFORE_OPENING)
        return cleaned

    def cycle_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CycleCreateForm(CycleForm):
    """The proposal for the next cycle of one follow-up rule, which the officer may adjust.

    The rule travels in a hidden field. Field ids carry the rule, so that several proposals can
    stand on one page; the field names do not, so that the form posts the same data whichever
    proposal it belongs to.
    """

    rule = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, rule_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_rule{rule_id}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {**kwargs["initial"], "rule": rule_id}
        super().__init__(
            *args,
            button=StrictButton(
                _("Create the cycle as a draft"), type="submit", css_class="btn-primary"
            ),
            form_id=f"create-rule-{rule_id}",
            **kwargs,
        )

    def layout_fields(self) -> list:
        return ["rule", *self.FIELDS]


def proposal_initial(proposal: Mapping[str, Any]) -> dict:
    """The form's initial data from ``services.cycle_proposal``."""
    return {
        name: proposal[name]
        for name in ("title", "period_start", "period_end", "opens_on", "deadline")
    } | {
        "reminder_days": list(services.DEFAULT_REMINDER_DAYS),
        "anonymise_free_text": False,
    }


def with_defaults(data, initial: dict):
    """POST data where every field the request left out takes the proposed value.

    Posting only the rule therefore creates the proposed cycle in one step; a field sent empty
    stays empty and is reported as missing.
    """
    merged = data.copy()
    for name, value in initial.items():
        if name not in merged:
            if isinstance(value, bool):
                if value:
                    merged[name] = "on"
                continue
            if isinstance(value, list | tuple):
                merged[name] = reminder_days_text(value)
            else:
                merged[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return merged


def cycle_initial(cycle: Cycle) -> dict:
    values = {name: getattr(cycle, name) for name in CycleForm.FIELDS if name != "reminder_days"}
    return {**values, "reminder_days": services.cycle_reminder_days(cycle)}


class QuestionForm(forms.Form):
    """A question of a draft cycle: added by an officer, or one generated from the agreement.

    The answer kind of a self-assessment generated from a principle or commitment stays a scale:
    the evaluation compiles those answers into distributions and means.
    """

    text = forms.CharField(
        label=_("Question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": BLANK_TEXT},
    )
    section = forms.CharField(
        label=_("Section"),
        max_length=300,
        required=False,
        help_text=_("Questions with the same section are shown together."),
    )
    answer_kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.AnswerKind.choices)
    respondent_groups = forms.MultipleChoiceField(
        label=_("Asked of"),
        choices=RespondentGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NO_RESPONDENT_GROUP},
    )
    help_text = forms.CharField(
        label=_("Explanation (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown under the question in the report form."),
    )

    def __init__(self, *args, question: Question | None = None, action: str = "", **kwargs):
        self.question = question
        if question is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "text": question.text,
                "section": question.section,
                "answer_kind": question.answer_kind,
                "respondent_groups": list(question.respondent_groups),
                "help_text": question.help_text,
            }
        super().__init__(*args, **kwargs)
        if question is not None and question.source in (
            Question.Source.PRINCIPLE,
            Question.Source.COMMITMENT,
        ):
            self.fields["answer_kind"].disabled = True
            self.fields["answer_kind"].help_text = _(
                "A self-assessment of a principle or commitment is always answered on the scale."
            )
        if question is None:
            button = StrictButton(_("Add the question"), type="submit", css_class="btn-primary")
        else:
            button = StrictButton(_("Save the question"), type="submit", css_class="btn-primary")
        self.helper = post_helper(
            "text",
            Field("section", list="question-sections"),
            "answer_kind",
            "respondent_groups",
            "help_text",
            button=button,
            action=action,
        )
        self.helper.attrs = {"novalidate": ""}

    def clean_respondent_groups(self):
        chosen = set(self.cleaned_data["respondent_groups"])
        # In the order of the choices, so that the stored list does not depend on the browser.
        return [value for value, _label in RespondentGroup.choices if value in chosen]

    def apply_to(self, question: Question) -> Question:
        for name in ("text", "section", "answer_kind", "respondent_groups", "help_text"):
            setattr(question, name, self.cleaned_data[name])
        return question


class DeadlineForm(forms.Form):
    """A later deadline for an open cycle (services.cycle_move_deadline checks it)."""

    deadline = forms.DateField(
        label=_("New deadline"),
        widget=DateInput(),
        help_text=_("Only later. Respondents who have not submitted are told by e-mail."),
    )

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "deadline",
            button=StrictButton(
                _("Move the deadline"), type="submit", css_class="btn-outline-primary"
            ),
            action=action,
            form_id="deadline-form",
            css_class="officer-form",
        )


class ReopenForm(forms.Form):
    """Why a submitted report is reopened; e-mailed to the respondent."""

    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": services.REASON_REQUIRED},
        help_text=_("The respondent receives the reason by e-mail."),
    )

    def __init__(self, *args, report_id: int, action: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_reopen{report_id}_%s")
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "reason",
            button=StrictButton(
                _("Reopen the report"), type="submit", css_class="btn-outline-primary btn-sm"
            ),
            action=action,
            form_id=f"reopen-{report_id}",
            css_class="followup-reopen",
        )


class RemindersForm(forms.Form):
    """The reminder schedule of a scheduled or open cycle (services.cycle_set_reminders)."""

    reminder_days = ReminderDaysField()

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "reminder_days",
            button=StrictButton(_("Save the reminders"), type="submit", css_class="btn-primary"),
            action=action,
            form_id="reminders-form",
            css_class="officer-form",
        )


class UnitRecipientForm(forms.Form):
    """Somebody to receive a unit's follow-up mail (services.unit_recipient_add)."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    def __init__(self, *args, action: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = post_helper(
            "email",
            "first_name",
            "last_name",
            button=StrictButton(_("Add the recipient"), type="submit", css_class="btn-primary"),
            action=action,
            form_id="recipient-form",
            css_class="officer-form",
        )
