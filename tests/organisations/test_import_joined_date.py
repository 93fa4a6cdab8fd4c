"""The public register's "joined" date is the day the organisation signed, not the day an officer
verified or recorded it: a register back-filled from paper keeps its history (issue 17, item 2)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from tests.factories import AccessionFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

SIGNED = timezone.make_aware(datetime.datetime(2016, 3, 14, 12))
RECORDED = timezone.make_aware(datetime.datetime(2026, 11, 2, 9))


@pytest.fixture
def signed_long_ago():
    organisation = OrganisationFactory(name="Föreningen Gamla Papper")
    AccessionFactory(
        organisation=organisation, status="active", signed_at=SIGNED, decided_at=RECORDED
    )
    return organisation


def test_register_and_organisation_page_show_the_signing_date(client, signed_long_ago):
    register = client.get(reverse("organisations:register")).content.decode()
    page = client.get(signed_long_ago.get_absolute_url()).content.decode()
    for html in (register, page):
        assert '<time datetime="2016-03-14">' in html
        assert "2026-11-02" not in html


def test_joined_in_year_is_the_year_of_signing(signed_long_ago):
    assert signed_long_ago in Organisation.objects.joined_in_year(2016)
    assert signed_long_ago not in Organisation.objects.joined_in_year(2026)


def test_year_filter_offers_and_finds_the_year_of_signing(client, signed_long_ago):
    response = client.get(reverse("organisations:register"), {"year": "2016"})
    assert response.status_code == 200
    assert "Föreningen Gamla Papper" in response.content.decode()
