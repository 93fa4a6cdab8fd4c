"""The person's own data: the export (GDPR art. 15, 20) and deleting the account (art. 17)."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from agreements.models import Agreement
from organisations import services
from organisations.models import Accession, AccessionEvent, Organisation, Representative
from organisations.views.account import ACCOUNT_DELETED, WRONG_PASSWORD
from tests.factories import (
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
MY_DATA = reverse("organisations:my-data")
MY_DATA_JSON = reverse("organisations:my-data-json")
DELETE = reverse("organisations:delete-account")


def signed_accession(user, organisation=None, *, verify=False):
    """An accession signed online by the user, through the service (so its events exist)."""
    organisation = organisation or RepresentativeFactory(user=user).organisation
    version = Agreement.objects.get(municipality=organisation.municipality).current_version
    accession = services.accession_sign(
        organisation=organisation,
        version=version,
        actor=user,
        signature=services.Signature(
            basis=Accession.Basis.SIGNATORY,
            signer_name="Åsa Öberg",
            signer_title="Ordförande",
            declaration_confirmed=True,
        ),
    )
    if verify:
        services.accession_verify(accession=accession, actor=OfficerRoleFactory().user)
    return accession


@pytest.fixture
def member(client):
    """A logged-in admin of an organisation who signed its accession."""
    user = UserFactory(first_name="Åsa", last_name="Öberg")
    organisation = OrganisationFactory(name="Föreningen Ängen")
    RepresentativeFactory(user=user, organisation=organisation)
    accession = signed_accession(user, organisation, verify=True)
    client.force_login(user)
    return user, organisation, accession


# --- Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [MY_DATA, MY_DATA_JSON, DELETE])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_post_to_delete_deletes_nothing(client):
    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [MY_DATA, MY_DATA_JSON])
def test_export_pages_only_answer_get(client, url):
    client.force_login(UserFactory())
    assert client.post(url).status_code == 405


def test_delete_page_refuses_other_methods(client):
    client.force_login(UserFactory())
    assert client.put(DELETE).status_code == 405


# --- The page and the export ---------------------------------------------------------------------


def test_my_data_page_summarises_what_the_portal_holds(client, member):
    user, organisation, _accession = member
    response = client.get(MY_DATA)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert user.email in html
    assert organisation.name in html
    assert "Åsa Öberg, Ordförande" in html
    assert f'href="{MY_DATA_JSON}"' in html
    assert f'href="{DELETE}"' in html
    assert "<caption>" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_export_is_a_json_attachment_with_the_users_data(client, member):
    user, organisation, _accession = member
    response = client.get(MY_DATA_JSON)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mina-uppgifter.json"'
    body = response.content.decode("utf-8")
    assert "Föreningen Ängen" in body  # ensure_ascii=False: readable, not \u escapes
    data = json.loads(body)
    assert data["account"]["email"] == user.email
    assert data["account"]["email_addresses"][0]["email"] == user.email
    assert data["representations"][0]["organisation"] == organisation.name
    assert data["representations"][0]["role"] == Representative.Role.ADMIN
    [signed] = data["signed_accessions"]
    assert signed["organisation"] == organisation.name
    assert signed["signer_name"] == "Åsa Öberg"
    assert signed["status"] == Accession.Status.ACTIVE
    assert "exported_at" in data


def test_export_holds_nobody_elses_data(client, member):
    other = UserFactory()
    other_organisation = OrganisationFactory(name="Andra föreningen")
    RepresentativeFactory(user=other, organisation=other_organisation)
    signed_accession(other, other_organisation)
    body = client.get(MY_DATA_JSON).content.decode()
    assert other.email not in body
    assert "Andra föreningen" not in body


def test_my_data_page_needs_no_more_queries_for_more_organisations(client):
    user = UserFactory()
    client.force_login(user)
    signed_accession(user)
    with CaptureQueriesContext(connection) as one:
        client.get(MY_DATA)
    for _ in range(4):
        signed_accession(user)
    with CaptureQueriesContext(connection) as five:
        response = client.get(MY_DATA)
    assert response.content.decode().count("Åsa Öberg, Ordförande") == 5
    assert len(five) == len(one)


# --- Deleting the account ------------------------------------------------------------------------


def test_delete_page_explains_what_happens(client, member):
    _user, organisation, _accession = member
    response = client.get(DELETE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert 'type="password"' in html
    assert 'autocomplete="current-password"' in html
    # the only admin is told that the organisation keeps existing
    assert organisation.name in html
    assert reverse("organisations:representatives", kwargs={"pk": organisation.pk}) in html


def test_delete_page_does_not_warn_when_there_is_another_admin(client, member):
    _user, organisation, _accession = member
    RepresentativeFactory(organisation=organisation, role=Representative.Role.ADMIN)
    html = client.get(DELETE).content.decode()
    assert reverse("organisations:representatives", kwargs={"pk": organisation.pk}) not in html


@pytest.mark.parametrize("password", ["wrong password", ""])
def test_wrong_password_changes_nothing(client, member, password):
    user, organisation, _accession = member
    response = client.post(DELETE, {"password": password})
    assert response.status_code == 400
    if password:
        with translation.override("sv"):
            assert escape(str(WRONG_PASSWORD)) in response.content.decode()
    user.refresh_from_db()
    assert user.is_active
    assert user.email.endswith("@example.se")
    assert EmailAddress.objects.filter(user=user).exists()
    assert Representative.objects.get(user=user, organisation=organisation).removed_at is None
    assert "_auth_user_id" in client.session


def test_wrong_password_message_is_shown_in_english(english):
    user = UserFactory()
    english.force_login(user)
    response = english.post(DELETE, {"password": "nope"})
    assert response.status_code == 400
    assert "The password is not correct. Nothing was deleted." in response.content.decode()


def test_deleting_anonymises_the_person_and_keeps_the_accession(client, member):
    user, organisation, accession = member
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "X"})
    events_before = list(
        AccessionEvent.objects.filter(accession=accession).values_list("action", flat=True)
    )

    response = client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "_auth_user_id" not in client.session
    assert ACCOUNT_DELETED in [m.message for m in response.context["messages"]]
    user = get_user_model().objects.get(pk=user.pk)
    assert not user.is_active
    assert user.email == f"deleted-{user.pk}@invalid"
    assert user.first_name == user.last_name == ""
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert Representative.objects.get(user=user, organisation=organisation).removed_at
    # The organisation's record stays: the accession, its signer and its history.
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert accession.signer_name == "Åsa Öberg"
    assert accession.signer_title == "Ordförande"
    assert accession.signed_by_email == ""
    assert (
        list(AccessionEvent.objects.filter(accession=accession).values_list("action", flat=True))
        == events_before
    )
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_deleted_person_cannot_log_in_again(client, member):
    user, _organisation, _accession = member
    email = user.email
    client.post(DELETE, {"password": PASSWORD})
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_are_rate_limited(client, member):
    user, _organisation, _accession = member
    for _attempt in range(10):
        assert client.post(DELETE, {"password": "guess"}).status_code == 400
    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.is_active
