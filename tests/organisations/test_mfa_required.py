"""Officers, council members and staff must use two-factor authentication before they reach a
workspace: without an authenticator they are sent to allauth's page to activate one."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agreements.models import Municipality
from organisations.models import Accession
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # UserFactory's password


@pytest.fixture
def officer():
    """An officer of Göteborg who has not activated two-factor authentication."""
    return OfficerRoleFactory(municipality=Municipality.objects.get(slug="goteborg")).user


@pytest.fixture
def pending():
    organisation = OrganisationFactory()
    RepresentativeFactory(organisation=organisation)
    return AccessionFactory(organisation=organisation, status=Accession.Status.PENDING)


def _record_data() -> dict:
    return {
        "source": Accession.Source.PAPER,
        "signed_on": "2024-01-10",
        "signer_name": "Berit Bengtsson",
        "signer_title": "Ordförande",
        "basis": Accession.Basis.SIGNATORY,
        "declaration_confirmed": "on",
    }


def _requests(accession: Accession, free_organisation) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("organisations:officer"), {}),
        ("get", reverse("organisations:officer-organisations"), {}),
        ("get", reverse("organisations:record", args=[free_organisation.pk]), {}),
        ("post", reverse("organisations:record", args=[free_organisation.pk]), _record_data()),
        ("post", reverse("organisations:verify", args=[accession.pk]), {}),
        ("post", reverse("organisations:reject", args=[accession.pk]), {"reason": "Fel."}),
    ]


def test_officer_without_mfa_is_sent_to_activate_it_and_nothing_changes(client, officer, pending):
    free_organisation = OrganisationFactory()
    client.force_login(officer)
    activate = reverse("mfa_activate_totp")

    for method, url, data in _requests(pending, free_organisation):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"] == activate, (method, url)

    pending.refresh_from_db()
    assert pending.status == Accession.Status.PENDING
    assert not pending.events.exists()
    assert not free_organisation.accessions.exists()


def test_officer_with_an_authenticator_reaches_the_workspace(client, officer, pending):
    with_mfa(officer)
    free_organisation = OrganisationFactory()
    client.force_login(officer)

    for url in (
        reverse("organisations:officer"),
        reverse("organisations:officer-organisations"),
        reverse("organisations:record", args=[free_organisation.pk]),
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(reverse("organisations:verify", args=[pending.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:officer")


@pytest.mark.parametrize("role", ["council_member", "staff"])
def test_other_roles_that_need_mfa_are_sent_to_activate_it_first(client, role):
    user = (
        CouncilMembershipFactory().user if role == "council_member" else UserFactory(is_staff=True)
    )
    client.force_login(user)

    response = client.get(reverse("organisations:officer"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")

    # With MFA they get through the MFA check, and are refused because they are not officers.
    with_mfa(user)
    assert client.get(reverse("organisations:officer")).status_code == 403


def test_representative_needs_no_mfa_and_is_refused_outright(client):
    client.force_login(RepresentativeFactory().user)
    assert client.get(reverse("organisations:officer")).status_code == 403


def test_officer_can_reach_the_mfa_activation_page(client, officer):
    """allauth asks for the password again (reauthentication) before showing the activation page,
    even straight after logging in: only a recent *re*authentication counts
    (``MFA_REAUTHENTICATION_REQUIRED`` defaults to True). Its other condition, a verified e-mail
    address, is met by every account that can log in (``ACCOUNT_EMAIL_VERIFICATION =
    "mandatory"``). So the officer's way there is: workspace → activation page → password → the
    activation page with the QR code."""
    response = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    assert response.status_code == 302

    response = client.get(reverse("organisations:officer"))
    activate = reverse("mfa_activate_totp")
    assert response["Location"] == activate

    response = client.get(activate)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))

    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == activate

    response = client.get(activate)
    assert response.status_code == 200
    assert "totp_url" in response.context


def test_officer_who_activated_mfa_is_asked_for_a_code_at_login(client, officer):
    with_mfa(officer)
    response = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    # Not logged in until the code is given.
    response = client.get(reverse("organisations:officer"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your role requires two-factor authentication."),
        ("sv", "Din roll kräver tvåfaktorsautentisering."),
    ],
)
def test_the_mfa_message_is_in_the_users_language(client, settings, officer, language, expected):
    """The message was translated once, at import, so English users got it in Swedish."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(officer)

    response = client.get(reverse("organisations:officer"))

    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(texts) == 1
    assert texts[0].startswith(expected)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The admin site requires two-factor authentication."),
        ("sv", "Administrationen kräver tvåfaktorsautentisering."),
    ],
)
def test_the_admin_mfa_message_is_in_the_users_language(client, settings, language, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(UserFactory(is_staff=True))

    response = client.get(reverse("admin:login"))

    assert response["Location"] == reverse("mfa_activate_totp")
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert texts == [texts[0]] and texts[0].startswith(expected)
