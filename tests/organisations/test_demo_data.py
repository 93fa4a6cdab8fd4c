"""`manage.py load_demo`: demo data for `make run`, never in production."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agreements.models import Municipality
from demo.management.commands.load_demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    RECOVERY_CODES,
    current_totp_code,
)
from organisations.models import (
    Accession,
    AccessionEvent,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
)
from organisations.validators import normalise_organisation_number

pytestmark = pytest.mark.django_db

SLUGS = ["boras", "sodertalje", "goteborg", "botkyrka"]
MODELS = [
    Organisation,
    Accession,
    AccessionEvent,
    Representative,
    MunicipalUnit,
    OfficerRole,
    CouncilMembership,
    EmailAddress,
    Authenticator,
    get_user_model(),
]


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo():
    load("--force")


def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="must never exist in production"):
        load()
    assert counts() == before


def test_runs_when_debug_is_on(settings):
    settings.DEBUG = True
    load()
    assert get_user_model().objects.filter(email="representant@demo.example").exists()


def test_a_second_run_changes_nothing(demo):
    first = counts()
    assert first["Organisation"] >= 16
    output = load("--force")
    assert "No changes" in output
    assert counts() == first


def test_sends_no_email(demo):
    assert mail.outbox == []


@pytest.mark.parametrize("slug", SLUGS)
def test_every_state_in_every_municipality(demo, slug):
    municipality = Municipality.objects.get(slug=slug)
    organisations = Organisation.objects.filter(municipality=municipality)
    assert organisations.count() >= 4
    accessions = Accession.objects.filter(organisation__municipality=municipality)
    assert accessions.filter(status=Accession.Status.PENDING, source="online").exists()
    assert accessions.filter(status=Accession.Status.ACTIVE, source="online").exists()
    assert accessions.filter(status=Accession.Status.ACTIVE, source="paper").exists()
    assert accessions.filter(status=Accession.Status.ACTIVE, source="dialogue_forum").exists()
    withdrawn = accessions.get(status=Accession.Status.WITHDRAWN)
    assert withdrawn.withdrawal_reason
    assert organisations.filter(accessions__isnull=True).exists()  # registered, not signed
    assert MunicipalUnit.objects.filter(municipality=municipality).count() >= 3
    assert OfficerRole.objects.filter(municipality=municipality).exists()


def test_organisation_numbers_are_valid_or_explained(demo):
    for organisation in Organisation.objects.all():
        if organisation.organisation_number:
            number = organisation.organisation_number
            assert normalise_organisation_number(number) == number
        else:
            assert organisation.no_number_reason
        assert "(demo)" in organisation.name


def test_every_accession_has_its_history(demo):
    for accession in Accession.objects.prefetch_related("events"):
        actions = [event.action for event in accession.events.all()]
        assert actions, accession
        if accession.status == Accession.Status.WITHDRAWN:
            assert actions == ["signed", "verified", "withdrawn"]
        if accession.source == "paper" and accession.version.is_current:
            assert actions == ["recorded"]


def test_boras_has_a_signatory_of_the_earlier_version(demo):
    earlier = Accession.objects.get(agreement__slug="boras", version__key="2016")
    assert earlier.status == Accession.Status.ACTIVE
    assert not earlier.version.is_current
    assert earlier.events.get().action == AccessionEvent.Action.RECORDED


def test_goteborg_has_a_rejected_accession_with_a_reason(demo):
    rejected = Accession.objects.get(agreement__slug="goteborg", status=Accession.Status.REJECTED)
    assert rejected.rejection_reason


def test_boras_has_the_fritids_och_folkhalsonamnden(demo):
    assert MunicipalUnit.objects.filter(
        municipality__slug="boras", name="Fritids- och folkhälsonämnden"
    ).exists()


def test_demo_accounts_have_their_roles(demo):
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith="@demo.example")}
    assert set(users) == {email for email, *_ in ACCOUNTS}
    for user in users.values():
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.get(user=user).verified
    assert Representative.objects.filter(
        user=users["representant@demo.example"], role=Representative.Role.REPRESENTATIVE
    ).exists()
    assert Representative.objects.filter(
        user=users["orgadmin@demo.example"],
        role=Representative.Role.ADMIN,
        organisation__municipality__slug="goteborg",
    ).exists()
    assert OfficerRole.objects.get(user=users["handlaggare@demo.example"]).municipality.slug == (
        "goteborg"
    )
    assert OfficerRole.objects.get(
        user=users["handlaggare-boras@demo.example"]
    ).municipality.slug == ("boras")
    membership = CouncilMembership.objects.get(user=users["samrad@demo.example"])
    assert membership.agreement.slug == "goteborg"
    assert membership.body is not None and membership.body.is_council
    staff = users["personal@demo.example"]
    assert staff.is_staff and staff.is_superuser


def test_accounts_that_need_two_factors_have_them(demo):
    for email, *_rest, needs_mfa in ACCOUNTS:
        types = set(Authenticator.objects.filter(user__email=email).values_list("type", flat=True))
        if needs_mfa:
            assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
        else:
            assert types == set()


def test_officer_logs_in_with_the_password_and_the_published_totp_secret(demo, client):
    response = client.post(
        reverse("account_login"),
        {"login": "handlaggare@demo.example", "password": DEMO_PASSWORD},
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code()})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_officer_can_log_in_with_a_documented_recovery_code(demo, client):
    client.post(
        reverse("account_login"),
        {"login": "handlaggare-boras@demo.example", "password": DEMO_PASSWORD},
    )
    client.post(reverse("mfa_authenticate"), {"code": RECOVERY_CODES[0]})
    assert "_auth_user_id" in client.session


def test_code_option_prints_the_current_code(settings):
    settings.DEBUG = False
    assert re.fullmatch(r"\d{6}\n", load("--code"))
