"""The account's forms: allauth's sign-up with the person's name, and the "Name and language" page.

The sign-up form is allauth's own (``ACCOUNT_FORMS["signup"]``) with two more fields; allauth's
adapter stores them on the user (``save_user`` reads ``first_name`` and ``last_name``), and the
language the page was in becomes the language of the person's e-mail before the first message
(the address confirmation) is written.
"""

from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .accounts import active_language, language_preference_set, name_max_length
from .types import Actor


def _name_field(name: str, label: Any, autocomplete: str) -> forms.CharField:
    """A name field as long as Django's user model allows, named for the browser's autofill
    (WCAG 1.3.5)."""
    return forms.CharField(
        label=label,
        max_length=name_max_length(name),
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


def first_name_field() -> forms.CharField:
    return _name_field("first_name", _("First name"), "given-name")


def last_name_field() -> forms.CharField:
    return _name_field("last_name", _("Last name"), "family-name")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the person's first and last name, both required: an organisation's
    list of representatives and its history name the people who act for it."""

    first_name = first_name_field()
    last_name = last_name_field()
    field_order = ["first_name", "last_name", "email", "password1", "password2"]

    def save(self, request: HttpRequest) -> Actor:
        user = super().save(request)
        language_preference_set(user=user, language=active_language())
        return user


class ProfileForm(forms.Form):
    """The person's name and the language of the portal's e-mail to them."""

    first_name = first_name_field()
    last_name = last_name_field()
    language = forms.ChoiceField(
        label=_("Language of e-mail from the portal"),
        widget=forms.RadioSelect,
        help_text=_(
            "Messages from the portal to you are written in this language, whoever causes them. "
            "The website switches to it too."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = [(code, capfirst(name)) for code, name in settings.LANGUAGES]
