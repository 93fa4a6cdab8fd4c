"""The choice of agreements on the comparison page (a GET form).

One installation can carry every Swedish municipality's agreement; side by side, more than a
handful cannot be read (nor sent: 290 columns made a 500 KB page). The visitor chooses up to
MAX_COMPARED; without a choice, every agreement is compared when there are no more than that, and
otherwise the first DEFAULT_COMPARED in the agreements' order. As in the register's search form,
an unknown agreement in the address (an old bookmark, a hand-edited link) is dropped with a
notice; choosing too many is an error in the form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MAX_COMPARED = 6
DEFAULT_COMPARED = 4

TOO_MANY = ngettext_lazy(
    "Choose at most %(max)d agreement to compare.",
    "Choose at most %(max)d agreements to compare.",
    "max",
)
CHOOSE_UP_TO = ngettext_lazy(
    "Choose up to %(max)d agreement.", "Choose up to %(max)d agreements.", "max"
)
UNKNOWN_IGNORED = _("An agreement in the address does not exist. It was ignored.")


class ComparisonForm(forms.Form):
    agreement = forms.MultipleChoiceField(
        label=_("Agreements to compare"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, data, *, agreements: list[tuple[str, str]]):
        """``agreements``: (slug, municipality's name) of every agreement, in their order."""
        self.slugs = [slug for slug, _name in agreements]
        self.ignored: list[str] = []
        # Unknown agreements are dropped before validation, with a notice (see the module).
        data = data.copy()
        chosen = data.getlist("agreement")
        known = set(self.slugs)
        kept = [slug for slug in dict.fromkeys(chosen) if slug in known]
        if set(chosen) - known:
            self.ignored.append(UNKNOWN_IGNORED)
        data.setlist("agreement", kept)
        super().__init__(data)
        self.fields["agreement"].help_text = CHOOSE_UP_TO % {"max": MAX_COMPARED}
        self.fields["agreement"].choices = agreements

    def clean_agreement(self) -> list[str]:
        chosen = self.cleaned_data["agreement"]
        if len(chosen) > MAX_COMPARED:
            raise forms.ValidationError(TOO_MANY % {"max": MAX_COMPARED}, code="too_many")
        return chosen

    def compared(self) -> list[str]:
        """The slugs of the agreements to set side by side, in the agreements' own order."""
        chosen = set(self.cleaned_data["agreement"])
        if chosen:
            return [slug for slug in self.slugs if slug in chosen]
        if len(self.slugs) <= MAX_COMPARED:
            return list(self.slugs)
        return self.slugs[:DEFAULT_COMPARED]
