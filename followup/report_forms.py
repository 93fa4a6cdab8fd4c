"""Forms of the respondents' reports and of the evaluation's narrative and review.

The report form only carries the answers: whether a score is on the scale, a number a whole
number, or every self-assessment answered before submission is checked by
``services.report_save``, which names the field it refuses (``q<pk>-score``, ``q<pk>-number``);
the view puts those errors next to the fields. So the same message is shown however the value
was sent, and the rules live in one place.

The questionnaire's layout (sections, a fieldset per question) is data-driven, so its template
lays the fields out itself with ``as_crispy_field``; the small fixed forms use a FormHelper.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Answer, Evaluation, Question, Report

NOT_APPLICABLE = "na"
TEXT_LIMIT = 10000

# The sections of the evaluation (followup.pdf.SECTIONS) a council member can comment on, named
# as in templates/followup/includes/evaluation_content.html.
SECTION_LABELS = {
    "summary": _("Summary"),
    "rates": _("Response rates"),
    "scores": _("Self-assessments (1–5)"),
    "free_texts": _("What the respondents wrote"),
    "counts": _("Figures for the period"),
    "conclusions": _("Conclusions"),
    "recommendations": _("Recommendations"),
}

# What the fields of an answer are called, for the list of someone else's changes.
ANSWER_FIELD_LABELS = {
    "score": _("Self-assessment"),
    "not_applicable": capfirst(Answer._meta.get_field("not_applicable").verbose_name),
    "number": _("Number"),
    "text": _("Answer"),
    "comment": _("Comment"),
    "examples": _("Examples"),
}


def score_choices() -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in Answer.Scale.choices] + [
        (NOT_APPLICABLE, capfirst(Answer._meta.get_field("not_applicable").verbose_name))
    ]


class ScaleField(forms.ChoiceField):
    """Radio buttons 1–5 and "don't know". Any value passes here; the service checks the scale."""

    def valid_value(self, value) -> bool:
        return True


@dataclass
class QuestionFields:
    """One question of the questionnaire with its bound fields, in the order they are shown."""

    question: Question
    fields: list = field(default_factory=list)
    answer: Answer | None = None

    @property
    def anchor(self) -> str:
        return f"fraga-{self.question.pk}"


@dataclass
class Section:
    title: str
    questions: list[QuestionFields] = field(default_factory=list)


def sections_of(items) -> list[Section]:
    """QuestionFields grouped by their question's section (the principle, or a topic)."""
    sections: dict[str, Section] = {}
    for item in items:
        title = item.question.section or str(_("Other questions"))
        sections.setdefault(title, Section(title)).questions.append(item)
    return list(sections.values())


def _field_names(question: Question) -> list[str]:
    prefix = f"q{question.pk}"
    if question.answer_kind == Question.AnswerKind.SCALE:
        return [f"{prefix}-score", f"{prefix}-comment", f"{prefix}-examples"]
    if question.answer_kind == Question.AnswerKind.COUNT:
        return [f"{prefix}-number", f"{prefix}-comment"]
    return [f"{prefix}-text"]


def _textarea(label, rows=3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReportForm(forms.Form):
    """The questions a report's group is asked, filled in with the saved answers.

    ``questions`` are the cycle's questions asked of the report's group, in order;
    ``answers`` the report's saved answers by question id.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, report: Report, questions: list[Question], answers=None, **kwargs):
        answers = answers or {}
        initial = {"revision": report.revision}
        for question in questions:
            answer = answers.get(question.pk)
            if answer is None:
                continue
            prefix = f"q{question.pk}"
            if answer.not_applicable:
                initial[f"{prefix}-score"] = NOT_APPLICABLE
            elif answer.score is not None:
                initial[f"{prefix}-score"] = str(answer.score)
            if answer.number is not None:
                initial[f"{prefix}-number"] = answer.number
            for name in ("text", "comment", "examples"):
                initial[f"{prefix}-{name}"] = getattr(answer, name)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            prefix = f"q{question.pk}"
            kind = question.answer_kind
            if kind == Question.AnswerKind.SCALE:
                self.fields[f"{prefix}-score"] = ScaleField(
                    label=_("Your assessment"),
                    required=False,
                    choices=score_choices(),
                    widget=forms.RadioSelect,
                )
                self.fields[f"{prefix}-comment"] = _textarea(_("Comment"))
                self.fields[f"{prefix}-examples"] = _textarea(_("Examples"))
            elif kind == Question.AnswerKind.COUNT:
                # A text field with a number keyboard: the service names a bad value.
                self.fields[f"{prefix}-number"] = forms.CharField(
                    label=_("Number"),
                    required=False,
                    widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
                )
                self.fields[f"{prefix}-comment"] = _textarea(_("Comment"), rows=2)
            elif kind == Question.AnswerKind.LIST:
                self.fields[f"{prefix}-text"] = _textarea(_("Your answer, one item a line"), 5)
            else:
                self.fields[f"{prefix}-text"] = _textarea(_("Your answer"), 5)

    @property
    def sections(self) -> list[Section]:
        return sections_of(
            QuestionFields(question, [self[name] for name in _field_names(question)])
            for question in self.questions
        )

    def answer_inputs(self) -> list[services.AnswerInput]:
        """The posted answers, as the service takes them (call after ``is_valid``)."""
        data = self.cleaned_data
        inputs = []
        for question in self.questions:
            prefix = f"q{question.pk}"
            score = (data.get(f"{prefix}-score") or "").strip()
            number = (data.get(f"{prefix}-number") or "").strip()
            inputs.append(
                services.AnswerInput(
                    question_id=question.pk,
                    score=None if score in ("", NOT_APPLICABLE) else score,
                    not_applicable=score == NOT_APPLICABLE,
                    number=number or None,
                    text=data.get(f"{prefix}-text") or "",
                    comment=data.get(f"{prefix}-comment") or "",
                    examples=data.get(f"{prefix}-examples") or "",
                )
            )
        return inputs

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor, question text, message) for the error summary above the form."""
        links = []
        by_name = {}
        for question in self.questions:
            for name in _field_names(question):
                by_name[name] = question
        for name, errors in self.errors.items():
            if name == NON_FIELD_ERRORS or name not in by_name:
                links.extend(("", "", str(error)) for error in errors)
                continue
            bound = self[name]
            anchor = f"{bound.auto_id}_0" if name.endswith("-score") else bound.auto_id
            links.extend((anchor, by_name[name].text, str(error)) for error in errors)
        return links

    def add_service_errors(self, errors: dict) -> None:
        """Put a service's ValidationError (keys ``q<pk>-score`` …) next to the fields."""
        for name, messages in errors.items():
            self.add_error(name if name in self.fields else None, messages)


# --- The evaluation ------------------------------------------------------------------------------


def _submit(label, **attrs) -> StrictButton:
    return StrictButton(label, type="submit", css_class="btn btn-primary", **attrs)


class EvaluationForm(forms.ModelForm):
    """The officers' narrative of the evaluation, and whether free text is shown anonymised."""

    anonymise_free_text = forms.BooleanField(
        label=_("Anonymise the free-text answers in the evaluation"),
        required=False,
        help_text=_("Show the group of respondents instead of the organisation's or unit's name."),
    )

    class Meta:
        model = Evaluation
        fields = ["summary", "conclusions", "recommendations", "decision_reference"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 6})
            for name in ("summary", "conclusions", "recommendations")
        }

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cycle is not None and not self.is_bound:
            self.initial["anonymise_free_text"] = cycle.anonymise_free_text
        self.fields["summary"].help_text = _(
            "Blank lines separate paragraphs; lines starting with “- ” become a list."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "summary",
            "conclusions",
            "recommendations",
            "anonymise_free_text",
            "decision_reference",
            _submit(_("Save the text")),
        )


class CommentForm(forms.Form):
    """A council member's comment on one section of the draft."""

    section = forms.ChoiceField(label=_("Section"), choices=list(SECTION_LABELS.items()))
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("section", "text", _submit(_("Add the comment")))
