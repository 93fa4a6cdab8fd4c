"""Invitations: limited per organisation and per address per day, and never sent twice."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import OutgoingMail
from organisations import services
from organisations.models import Invitation, Representative
from tests.factories import OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return RepresentativeFactory(role=Representative.Role.ADMIN)


def invite(client, organisation, email: str):
    return client.post(
        reverse("organisations:representative-invite", kwargs={"pk": organisation.pk}),
        {"email": email, "role": "representative"},
    )


def sent(organisation, email: str, *, hours_ago: float = 0, revoked: bool = False):
    """An invitation stored earlier, as invitation_send stores it."""
    created = timezone.now() - datetime.timedelta(hours=hours_ago)
    return Invitation.objects.create(
        organisation=organisation,
        email=email,
        invited_by=organisation.representatives.first().user,
        created_at=created,
        expires_at=created + datetime.timedelta(days=services.INVITATION_VALID_DAYS),
        revoked_at=timezone.now() if revoked else None,
    )


def test_an_open_invitation_to_the_same_address_is_not_sent_again(client, admin):
    client.force_login(admin.user)
    assert invite(client, admin.organisation, "ny@example.se").status_code == 302
    mails = OutgoingMail.objects.count()

    response = invite(client, admin.organisation, "NY@example.se ")

    assert response.status_code == 409
    assert response.context["invite_form"].errors["email"] == [str(services.ALREADY_INVITED)]
    assert Invitation.objects.count() == 1
    assert OutgoingMail.objects.count() == mails


def test_the_refusal_is_in_swedish(client, admin):
    sent(admin.organisation, "ny@example.se")
    client.force_login(admin.user)
    page = invite(client, admin.organisation, "ny@example.se").content.decode()
    assert "redan bjudits in" in page


def test_the_refusal_is_in_english(english, admin):
    sent(admin.organisation, "ny@example.se")
    english.force_login(admin.user)
    page = invite(english, admin.organisation, "ny@example.se").content.decode()
    assert "already been invited" in page


def test_a_withdrawn_invitation_can_be_sent_again(client, admin):
    sent(admin.organisation, "ny@example.se", revoked=True)
    client.force_login(admin.user)
    assert invite(client, admin.organisation, "ny@example.se").status_code == 302
    assert Invitation.objects.filter(email="ny@example.se").count() == 2


def test_an_organisation_sends_at_most_its_daily_number_of_invitations(client, admin, settings):
    settings.PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY = 3
    sent(admin.organisation, "a@example.se", hours_ago=23)
    sent(admin.organisation, "b@example.se", revoked=True)  # withdrawn ones were sent too
    sent(admin.organisation, "old@example.se", hours_ago=25)  # more than a day ago
    client.force_login(admin.user)
    assert invite(client, admin.organisation, "c@example.se").status_code == 302
    mails = OutgoingMail.objects.count()

    response = invite(client, admin.organisation, "d@example.se")

    assert response.status_code == 429
    assert response.context["invite_form"].errors["email"] == [str(services.TOO_MANY_INVITATIONS)]
    assert not Invitation.objects.filter(email="d@example.se").exists()
    assert OutgoingMail.objects.count() == mails


def test_an_address_gets_at_most_its_daily_number_of_invitations_from_all_organisations(
    client, admin, settings
):
    settings.PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY = 2
    for _ in range(2):
        sent(RepresentativeFactory().organisation, "offer@example.se", hours_ago=1)
    client.force_login(admin.user)

    response = invite(client, admin.organisation, "Offer@Example.se")

    assert response.status_code == 429
    assert response.context["invite_form"].errors["email"] == [
        str(services.TOO_MANY_INVITATIONS_TO_ADDRESS)
    ]
    assert not Invitation.objects.filter(organisation=admin.organisation).exists()


def test_the_default_limits_are_twenty_per_organisation_and_three_per_address():
    from django.conf import settings

    assert settings.PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY == 20
    assert settings.PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY == 3


def test_the_service_refuses_the_same_way_without_the_form(admin):
    for _n in range(3):
        services.invitation_send(
            organisation=OrganisationFactory(),
            actor=admin.user,
            email="x@example.se",
            role="representative",
        )
    with pytest.raises(services.InvitationLimitReached):
        services.invitation_send(
            organisation=admin.organisation,
            actor=admin.user,
            email=" X@example.se",
            role="representative",
        )
    assert Invitation.objects.filter(email="x@example.se").count() == 3
