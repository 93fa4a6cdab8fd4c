"""Accounts carry a first and last name and a language (issue 17, item 7).

Asked at sign-up (also from an invitation), changed on the account's "Name and language" page,
part of the data export, and used wherever people are shown. Accounts made before keep working:
shown by their address, asked to add a name.
"""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.accounts import NAME_REQUIRED, language_preference_set, user_language
from core.models import LanguagePreference, OutgoingMail
from organisations import services
from organisations.models import Representative, RepresentativeEvent
from tests.factories import RepresentativeFactory, UserFactory
from tests.organisations.test_accounts import assert_accessible_page

pytestmark = pytest.mark.django_db

PASSWORD = "ett långt lösenord 2026"


def _signup(client, **overrides):
    data = {
        "first_name": "Nora",
        "last_name": "Lindqvist",
        "email": "nora@forening.example.se",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def _nameless(**kwargs):
    return UserFactory(first_name="", last_name="", **kwargs)


# --- Sign-up -------------------------------------------------------------------------------------


def test_the_sign_up_page_asks_for_first_and_last_name_before_the_address(client):
    html = assert_accessible_page(client.get(reverse("account_signup")))
    assert 'name="first_name"' in html and 'autocomplete="given-name"' in html
    assert 'name="last_name"' in html and 'autocomplete="family-name"' in html
    assert (
        html.index('name="first_name"')
        < html.index('name="last_name"')
        < html.index('name="email"')
    )
    assert "Förnamn" in html and "Efternamn" in html


def test_signing_up_stores_the_name_and_the_pages_language(client):
    response = _signup(client)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nora@forening.example.se")
    assert (user.first_name, user.last_name) == ("Nora", "Lindqvist")
    assert user_language(user) == "sv"
    assert LanguagePreference.objects.get(user=user).language == "sv"


def test_signing_up_in_english_stores_english_and_confirms_the_address_in_english(
    english, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(english)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nora@forening.example.se")
    assert LanguagePreference.objects.get(user=user).language == "en"
    confirmation = OutgoingMail.objects.get(template="account/email/email_confirmation_signup")
    assert confirmation.language == "en"
    assert "Please Confirm Your Email Address" in confirmation.subject


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", ""), ("last_name", ""), ("first_name", "   "), ("last_name", "x" * 151)],
)
def test_a_sign_up_without_a_whole_name_is_refused_and_creates_nothing(client, field, value):
    response = _signup(client, **{field: value})
    assert response.status_code == 200  # allauth shows the form again
    html = response.content.decode()
    assert 'class="invalid-feedback' in html
    assert not get_user_model().objects.filter(email="nora@forening.example.se").exists()
    assert not OutgoingMail.objects.exists()


def test_a_name_of_150_characters_is_accepted_as_djangos_user_allows(client):
    response = _signup(client, first_name="Å" * 150, last_name="Ö" * 150)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nora@forening.example.se")
    assert user.first_name == "Å" * 150


def test_an_invited_representative_gives_their_name_at_sign_up_and_is_listed_by_it(client):
    admin = RepresentativeFactory(role=Representative.Role.ADMIN)
    invitation = services.invitation_send(
        organisation=admin.organisation,
        actor=admin.user,
        email="inbjuden@example.se",
        role=Representative.Role.REPRESENTATIVE,
    )
    link = reverse("organisations:invitation", kwargs={"token": invitation.token})
    client.get(link)
    page = client.get(f"{reverse('account_signup')}?next={link}").content.decode()
    assert 'name="first_name"' in page and 'value="inbjuden@example.se"' in page
    refused = _signup(client, email="inbjuden@example.se", first_name="", next=link)
    assert refused.status_code == 200
    response = _signup(
        client, email="inbjuden@example.se", first_name="Nils", last_name="Ek", next=link
    )
    assert response.status_code == 302
    assert client.post(link).status_code == 302
    client.force_login(admin.user)
    html = client.get(
        reverse("organisations:representatives", args=[admin.organisation.pk])
    ).content.decode()
    assert '<td data-label="Namn">Nils Ek</td>' in html
    accepted = RepresentativeEvent.objects.get(kind=RepresentativeEvent.Kind.INVITATION_ACCEPTED)
    assert accepted.actor_name == "Nils Ek"


# --- The account's "Name and language" page ----------------------------------------------------


def test_the_profile_page_is_in_the_account_menu_and_the_header(client):
    user = UserFactory(first_name="Karin", last_name="Berg")
    client.force_login(user)
    response = client.get(reverse("organisations:profile"))
    html = assert_accessible_page(response)
    assert 'class="account-menu' in html
    assert 'aria-current="page">Namn och språk</a>' in html
    assert 'value="Karin"' in html and 'value="Berg"' in html
    assert re.search(r'value="sv"[^>]*\bchecked', html)  # never chose: Swedish
    assert not re.search(r'value="en"[^>]*\bchecked', html)
    assert f'href="{reverse("organisations:profile")}" aria-current="page">Konto</a>' in html


def test_saving_the_profile_changes_name_and_language_and_switches_the_site(client):
    user = _nameless()
    client.force_login(user)
    response = client.post(
        reverse("organisations:profile"),
        {"first_name": " Karin ", "last_name": "Berg", "language": "en"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:profile")
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Karin", "Berg")
    assert user_language(user) == "en"
    page = client.get(reverse("organisations:profile")).content.decode()
    assert "Your name and language have been saved." in page
    assert '<html lang="en">' in page


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "", "last_name": "Berg", "language": "sv"},
        {"first_name": "Karin", "last_name": " ", "language": "sv"},
        {"first_name": "K" * 151, "last_name": "Berg", "language": "sv"},
        {"first_name": "Karin", "last_name": "Berg", "language": "de"},
        {"first_name": "Karin", "last_name": "Berg"},
    ],
)
def test_a_refused_profile_says_why_in_swedish_and_changes_nothing(client, body):
    user = UserFactory(first_name="Eva", last_name="Ek")
    language_preference_set(user=user, language="en")
    client.force_login(user)
    response = client.post(reverse("organisations:profile"), body)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="invalid-feedback' in html
    assert "Ensure" not in html and "This field" not in html  # the messages are Swedish
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Eva", "Ek")
    assert user_language(user) == "en"
    assert "django_language" not in response.cookies


def test_the_service_refuses_an_empty_name():
    from django.core.exceptions import ValidationError

    from core.accounts import account_profile_update

    user = UserFactory(first_name="Eva", last_name="Ek")
    with pytest.raises(ValidationError) as excinfo:
        account_profile_update(user=user, first_name=" ", last_name="Ek", language="sv")
    assert excinfo.value.message_dict == {"first_name": [str(NAME_REQUIRED)]}
    user.refresh_from_db()
    assert user.first_name == "Eva"


def test_the_profile_page_needs_a_login(client):
    response = client.get(reverse("organisations:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(
        reverse("organisations:profile"), {"first_name": "A", "last_name": "B", "language": "sv"}
    )
    assert response.status_code == 302
    assert not LanguagePreference.objects.exists()


# --- The language switch while signed in ------------------------------------------------------


def test_the_language_switch_stores_the_signed_in_persons_language(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert user_language(user) == "en"
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    assert user_language(user) == "sv"


def test_the_language_switch_stores_nothing_for_an_anonymous_visitor_or_an_unknown_language(
    client,
):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert not LanguagePreference.objects.exists()
    user = UserFactory()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert not LanguagePreference.objects.exists()


def test_a_switch_posted_from_another_site_stores_nothing(client):
    client.force_login(UserFactory())
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert not LanguagePreference.objects.exists()


# --- Accounts without a name ---------------------------------------------------------------------


def test_an_account_without_a_name_is_asked_for_it_and_listed_by_its_address(client):
    user = _nameless(email="utan.namn@example.se")
    rep = RepresentativeFactory(user=user, role=Representative.Role.ADMIN)
    client.force_login(user)
    html = client.get(reverse("organisations:dashboard")).content.decode()
    assert "Ditt konto har inget namn än." in html
    assert f'href="{reverse("organisations:profile")}">Lägg till ditt namn</a>' in html
    listing = client.get(
        reverse("organisations:representatives", args=[rep.organisation.pk])
    ).content.decode()
    assert '<span class="meta">inget namn angivet</span>' in listing
    assert "utan.namn@example.se" in listing
    from organisations.models import display_name

    assert display_name(user) == "utan.namn@example.se"


def test_an_account_with_a_name_is_not_asked(client):
    client.force_login(UserFactory(first_name="Karin", last_name="Berg"))
    html = client.get(reverse("organisations:dashboard")).content.decode()
    assert "Ditt konto har inget namn än." not in html


# --- The data export -----------------------------------------------------------------------------


def test_the_export_holds_first_and_last_name_and_language(client):
    user = UserFactory(first_name="Åsa", last_name="Öberg")
    language_preference_set(user=user, language="en")
    client.force_login(user)
    data = json.loads(client.get(reverse("organisations:my-data-json")).content)
    assert data["account"]["first_name"] == "Åsa"
    assert data["account"]["last_name"] == "Öberg"
    assert data["account"]["name"] == "Åsa Öberg"
    assert data["account"]["language"] == "en"
    page = client.get(reverse("organisations:my-data")).content.decode()
    assert "Engelska" in page


def test_an_export_of_an_account_that_never_chose_says_so():
    data = services.user_personal_data(user=_nameless())
    assert data["account"]["first_name"] == data["account"]["last_name"] == ""
    assert data["account"]["language"] is None


def test_deleting_the_account_removes_its_language_too():
    user = UserFactory(first_name="Åsa", last_name="Öberg")
    language_preference_set(user=user, language="en")
    services.user_delete(user=user)
    assert not LanguagePreference.objects.filter(user=user).exists()


# --- Logging in --------------------------------------------------------------------------------


def test_logging_in_from_a_browser_that_never_chose_takes_the_accounts_language(client):
    user = UserFactory(password="correct horse battery")
    language_preference_set(user=user, language="en")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"


def test_logging_in_leaves_a_language_chosen_in_this_browser_alone(client):
    user = UserFactory(password="correct horse battery")
    language_preference_set(user=user, language="en")
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})  # anonymous: not stored
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert user_language(user) == "en"
