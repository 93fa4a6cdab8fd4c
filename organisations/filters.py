"""The search form of the public register of organisations (a GET form).

Unknown values in the choice fields (an old bookmark, a municipality that left the portal, a
hand-edited address) are dropped with a notice rather than refused: the visitor still gets a
useful list. A year that is not a number is a real input error and is shown as such.
"""

from __future__ import annotations

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agreements.models import Municipality
from core.pagecache import versioned

from .models import Accession, ActivityArea, LegalForm, Organisation

PAGE_SIZE = 25

SORT_NAME = "name"
SORT_NEWEST = "newest"
SORT_MUNICIPALITY = "municipality"
SORT_CHOICES = [
    (SORT_NAME, _("Name")),
    (SORT_NEWEST, _("Newest accession first")),
    (SORT_MUNICIPALITY, _("Municipality")),
]
ORDERINGS = {
    SORT_NAME: ("name", "pk"),
    SORT_NEWEST: ("-latest_accession_at", "name", "pk"),
    SORT_MUNICIPALITY: ("municipality__name", "name", "pk"),
}

YEAR_INVALID = _("Choose a year from the list.")
VALUE_IGNORED = _("The filter “%(field)s” had a value that does not exist. It was ignored.")


def active_accession_years() -> list[int]:
    return [
        moment.year
        for moment in Accession.objects.filter(status=Accession.Status.ACTIVE).datetimes(
            "signed_at", "year", order="DESC"
        )
    ]


class RegisterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or organisation number"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(agreements__isnull=False).distinct(),
        to_field_name="slug",
        required=False,
        empty_label=_("All municipalities"),
    )
    legal_form = forms.ChoiceField(
        label=_("Legal form"),
        choices=[("", _("All legal forms"))]
        + [(value, capfirst(label)) for value, label in LegalForm.choices],
        required=False,
    )
    area = forms.ModelChoiceField(
        label=_("Area of activity"),
        queryset=ActivityArea.objects.all(),
        to_field_name="key",
        required=False,
        empty_label=_("All areas"),
    )
    year = forms.IntegerField(
        label=_("Year of accession"),
        required=False,
        min_value=1900,
        max_value=2999,
        widget=forms.Select,
        error_messages={
            "invalid": YEAR_INVALID,
            "min_value": YEAR_INVALID,
            "max_value": YEAR_INVALID,
        },
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    # Fields whose unknown values are ignored with a notice instead of being an error.
    LENIENT_FIELDS = ("municipality", "legal_form", "area", "sort")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ignored: list[str] = []
        years = list(versioned("register-years", active_accession_years))
        # A year typed into the address is kept selectable, so the form shows what is filtered.
        typed = str(self.data.get("year", "")).strip() if self.is_bound else ""
        if typed.isdigit() and int(typed) not in years:
            years = sorted([*years, int(typed)], reverse=True)
        self.fields["year"].widget.choices = [("", _("All years"))] + [(y, y) for y in years]

        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse("organisations:register")
        self.helper.form_class = "register-filter"
        self.helper.attrs = {"role": "search", "aria-label": _("Search the register")}
        self.helper.layout = Layout(
            Row(Column("q", css_class="col-md-6"), Column("sort", css_class="col-md-6")),
            Row(
                Column("municipality", css_class="col-sm-6 col-lg-3"),
                Column("legal_form", css_class="col-sm-6 col-lg-3"),
                Column("area", css_class="col-sm-6 col-lg-3"),
                Column("year", css_class="col-sm-6 col-lg-3"),
            ),
            StrictButton(_("Show organisations"), type="submit", css_class="btn-primary"),
        )

    def clean(self):
        cleaned = super().clean()
        for name in self.LENIENT_FIELDS:
            if name in self.errors:
                del self.errors[name]
                cleaned[name] = self.fields[name].to_python("")
                self.ignored.append(VALUE_IGNORED % {"field": self.fields[name].label})
                # Show the field as "all" again rather than as the unknown value.
                self.data = self.data.copy()
                self.data[name] = ""
        return cleaned

    def filter(self, organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
        """The register filtered and sorted by the valid values of the form."""
        data = self.cleaned_data
        organisations = organisations.search(data.get("q") or "")
        if data.get("municipality"):
            organisations = organisations.in_municipality(data["municipality"])
        if data.get("legal_form"):
            organisations = organisations.with_legal_form(data["legal_form"])
        if data.get("area"):
            organisations = organisations.in_activity_area(data["area"])
        if data.get("year"):
            organisations = organisations.joined_in_year(data["year"])
        return organisations.order_by(*ORDERINGS[data.get("sort") or SORT_NAME])

    def query_string(self) -> str:
        """The valid filters as a query string, for links that keep them (pagination)."""
        data = self.cleaned_data
        values = {
            "q": (data.get("q") or "").strip(),
            "municipality": data["municipality"].slug if data.get("municipality") else "",
            "legal_form": data.get("legal_form") or "",
            "area": data["area"].key if data.get("area") else "",
            "year": data.get("year") or "",
            "sort": data.get("sort") if data.get("sort") not in ("", SORT_NAME) else "",
        }
        return urlencode({key: value for key, value in values.items() if value})

    @property
    def is_filtered(self) -> bool:
        """Whether any filter narrows the list (sorting does not)."""
        data = self.cleaned_data if self.is_valid() else {}
        return any(data.get(name) for name in ("q", "municipality", "legal_form", "area", "year"))
