"""A person's own account settings that no domain app owns: their name and their language.

The name (``User.first_name``, ``last_name``) is asked at sign-up (core/account_forms.py) and
shown wherever the portal names people; the language (``LanguagePreference``) decides the language
of every e-mail the portal writes to them (core/mail.py, core/adapter.py). Accounts made before
either was asked keep working: a person without a name is named by their e-mail address, one
without a language gets Swedish, the site's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.http import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import LanguagePreference
from .types import Actor

SameSite = Literal["Lax", "Strict", "None", False] | None

# Messages, reused by the tests.
UNKNOWN_LANGUAGE = _("Choose one of the languages in the list.")
NAME_REQUIRED = _("Write your first name and your last name.")


def supported_language(code: str | None) -> str | None:
    """``code`` as one of settings.LANGUAGES ("en-gb" → "en"), or None if it is not one."""
    if not code:
        return None
    try:
        variant = translation.get_supported_language_variant(code.lower())
    except LookupError:
        return None
    return variant if variant in dict(settings.LANGUAGES) else None


def active_language() -> str:
    """The language of the request (or command) that is running: the sender's."""
    return supported_language(translation.get_language()) or settings.LANGUAGE_CODE


def stored_language(user: Actor | None) -> str | None:
    """The language stored with the account, or None if the person never chose one."""
    if user is None or user.pk is None:
        return None
    language = (
        LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()
    )
    return supported_language(language)


def user_language(user: Actor | None) -> str:
    """The language the person reads the portal's e-mail in; Swedish if they never chose."""
    return stored_language(user) or settings.LANGUAGE_CODE


def name_max_length(field: str) -> int:
    """How long a first or last name may be: as long as Django's user model allows."""
    model_field = get_user_model()._meta.get_field(field)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


def set_language_cookie(response: HttpResponseBase, language: str) -> None:
    """Switch the visitor's browser to ``language``: the cookie of Django's language switch."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(SameSite, settings.LANGUAGE_COOKIE_SAMESITE),
    )


def language_preference_set(*, user: Actor, language: str) -> LanguagePreference:
    """Store the language of the person's e-mail (the language switch, sign-up, the profile)."""
    chosen = supported_language(language)
    if chosen is None or chosen != language:
        raise ValidationError({"language": UNKNOWN_LANGUAGE})
    preference, _created = LanguagePreference.objects.update_or_create(
        user=user, defaults={"language": chosen}
    )
    return preference


@transaction.atomic
def account_profile_update(*, user: Actor, first_name: str, last_name: str, language: str) -> None:
    """The person changes their own name and language (the account's "Name and language" page).

    Both names are required (a representative list names its people); each is at most as long as
    Django's user model allows. Nothing is saved unless everything is valid.
    """
    first_name, last_name = first_name.strip(), last_name.strip()
    errors: dict[str, list] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if not value:
            errors[field] = [NAME_REQUIRED]
        else:
            try:
                MaxLengthValidator(name_max_length(field))(
                    value
                )  # Django's own message, in the active language
            except ValidationError as exc:
                errors[field] = exc.error_list
    if supported_language(language) != language:
        errors["language"] = [UNKNOWN_LANGUAGE]
    if errors:
        raise ValidationError(errors)
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    language_preference_set(user=user, language=language)


def mail_languages(addresses: Iterable[str]) -> dict[str, str]:
    """The language to write to each address in: its account's choice (Swedish for an account
    that never chose); for an address that belongs to no account (an invitation, an
    organisation's contact address), the sender's active language.

    An address belongs to an account when it is the account's address or one of its addresses
    in allauth's list (a new address that waits for its confirmation); letter case is ignored.
    Two queries, whatever the number of addresses.
    """
    from allauth.account.models import EmailAddress

    wanted = {address.lower(): address for address in addresses if address}
    if not wanted:
        return {}
    known: dict[str, str | None] = {}
    rows = (
        EmailAddress.objects.annotate(address=Lower("email"))
        .filter(address__in=list(wanted))
        .values_list("address", "user__language_preference__language")
    )
    known.update(rows)
    rows = (
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in=list(wanted))
        .values_list("address", "language_preference__language")
    )
    known.update(rows)
    stranger = active_language()
    return {
        original: (
            (supported_language(known[address]) or settings.LANGUAGE_CODE)
            if address in known
            else stranger
        )
        for address, original in wanted.items()
    }
