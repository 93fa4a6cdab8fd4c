"""Asking for access to an organisation that is not in the public register."""

import pytest
from django.core import mail

from organisations.models import AccessRequest, Organisation
from tests.factories import OrganisationFactory, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_organisation():
    """Registered, never signed: not in the public register."""
    return RepresentativeFactory().organisation


def test_without_the_number_the_organisation_stays_private(client, private_organisation):
    client.force_login(UserFactory())
    url = f"/organisationer/{private_organisation.pk}/begar-behorighet/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"message": "Hej"}).status_code == 404
    assert not AccessRequest.objects.exists()


def test_someone_who_typed_the_number_may_ask(
    client, private_organisation, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory())
    url = f"/organisationer/{private_organisation.pk}/begar-behorighet/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"organisation_number": private_organisation.organisation_number, "message": "Hej"},
        )
    assert response.status_code == 302
    assert AccessRequest.objects.get().organisation == private_organisation
    assert len(mail.outbox) == 1


def test_the_duplicate_page_carries_the_number(client, private_organisation):
    client.force_login(UserFactory())
    data = {
        "name": "Samma förening",
        "organisation_number": private_organisation.organisation_number,
        "legal_form": "association",
        "municipality": private_organisation.municipality_id,
    }
    response = client.post("/organisationer/ny/", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert f'value="{private_organisation.organisation_number}"' in html
    assert Organisation.objects.filter(name="Samma förening").count() == 0


def test_a_wrong_number_does_not_help(client, private_organisation):
    client.force_login(UserFactory())
    other = OrganisationFactory.build().organisation_number
    url = f"/organisationer/{private_organisation.pk}/begar-behorighet/"
    assert client.post(url, {"organisation_number": other}).status_code == 404
