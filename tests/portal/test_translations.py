"""Every user-facing string exists in Swedish, and the compiled catalogue matches the source."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def test_every_string_is_translated_to_swedish():
    catalogue = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_is_up_to_date():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(PO)).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(PO.with_suffix(".mo")))
        if e.msgid
    }
    assert compiled == source, "Run `make messages` to compile locale/sv/LC_MESSAGES/django.mo"


@pytest.mark.django_db
def test_one_spelling_of_e_post_in_swedish(client, django_user_model):
    """allauth's Swedish writes "Epost" and "epost-adress"; the portal writes "e-post" and
    "e-postadress" (core/translation_overrides.py), on its own pages as on allauth's."""
    with translation.override("sv"):
        for message in (
            "Email address",
            "Email (again)",
            "The email address and/or password you specified are not correct.",
            "Email Changed",
            "Add Email Address",
        ):
            swedish = translation.gettext(message)
            assert not re.search(r"[Ee]post", swedish), swedish
            assert "-post" in swedish, swedish
    pages = [
        reverse(name) for name in ("account_login", "account_signup", "account_reset_password")
    ]
    user = django_user_model.objects.create_user("e", "e@example.se", "x" * 12)
    for url in pages:
        page = client.get(url).content.decode()
        assert not re.search(r"\b[Ee]post", page), url
    client.force_login(user)
    page = client.get(reverse("account_email")).content.decode()
    assert not re.search(r"\b[Ee]post", page)
    assert "E-postadress" in page or "e-postadress" in page
    # The catalogue itself: no allauth spelling left in our entries.
    assert not [
        e.msgid
        for e in polib.pofile(str(PO))
        if re.search(r"\b[Ee]post", e.msgstr) and not e.obsolete
    ]
