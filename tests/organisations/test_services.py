"""The accession life cycle and the register's rules, at the service level."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import Agreement, AgreementVersion
from organisations import services
from organisations.models import Accession, AccessionEvent, Organisation, Representative
from organisations.validators import luhn_valid, normalise_organisation_number
from tests.factories import (
    AccessionFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)

pytestmark = pytest.mark.django_db


def signature(**overrides):
    values = {
        "basis": Accession.Basis.SIGNATORY,
        "signer_name": "Anna Andersson",
        "signer_title": "Ordförande",
        "declaration_confirmed": True,
    }
    values.update(overrides)
    return services.Signature(**values)


def goteborg_version():
    return Agreement.objects.get(slug="goteborg").current_version


@pytest.fixture
def rep():
    return RepresentativeFactory()


@pytest.fixture
def officer():
    return OfficerRoleFactory().user


def sign(rep, **overrides):
    return services.accession_sign(
        organisation=rep.organisation,
        version=goteborg_version(),
        actor=rep.user,
        signature=signature(**overrides),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("802000-0017", "802000-0017"),
        ("8020000017", "802000-0017"),
        (" 802000-0017 ", "802000-0017"),
    ],
)
def test_organisation_number_is_normalised(raw, expected):
    assert normalise_organisation_number(raw) == expected


@pytest.mark.parametrize("raw", ["802000-0018", "12345-6789", "abcdef-ghij", "", "802000-00170"])
def test_wrong_organisation_number_is_refused(raw):
    with pytest.raises(ValidationError):
        normalise_organisation_number(raw)


def test_luhn_matches_a_known_organisation_number():
    # Skatteverket's own organisation number.
    assert luhn_valid("2021005448")
    assert not luhn_valid("2021005449")


def test_register_makes_the_user_admin():
    user = UserFactory()
    organisation = OrganisationFactory.build(municipality=goteborg_version().agreement.municipality)
    services.organisation_register(actor=user, organisation=organisation, activity_areas=[])
    assert Representative.objects.get(organisation=organisation).role == "admin"


def test_same_number_in_same_municipality_is_refused():
    existing = OrganisationFactory()
    duplicate = OrganisationFactory.build(
        organisation_number=existing.organisation_number, municipality=existing.municipality
    )
    with pytest.raises(services.DuplicateOrganisation) as excinfo:
        services.organisation_register(
            actor=UserFactory(), organisation=duplicate, activity_areas=[]
        )
    assert excinfo.value.existing == existing
    assert (
        Organisation.objects.filter(organisation_number=existing.organisation_number).count() == 1
    )


def test_same_number_in_another_municipality_is_allowed():
    existing = OrganisationFactory()
    other = OrganisationFactory.build(
        organisation_number=existing.organisation_number,
        municipality=Agreement.objects.get(slug="boras").municipality,
    )
    services.organisation_register(actor=UserFactory(), organisation=other, activity_areas=[])


def test_database_refuses_a_duplicate_number_too():
    existing = OrganisationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(
            organisation_number=existing.organisation_number, municipality=existing.municipality
        )


def test_sign_verify_withdraw_life_cycle(rep, officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accession = sign(rep)
    assert accession.status == Accession.Status.PENDING
    assert accession.signed_by == rep.user
    assert accession.signed_by_email == rep.user.email
    assert accession.version == goteborg_version()
    assert rep.organisation.name in accession.declaration_text
    assert len(mail.outbox) == 2  # the organisation's receipt, and the officer's notice
    assert mail.outbox[1].to == [officer.email]

    with django_capture_on_commit_callbacks(execute=True):
        services.accession_verify(accession=accession, actor=officer)
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert accession.decided_by == officer
    assert len(mail.outbox) == 3

    with django_capture_on_commit_callbacks(execute=True):
        services.accession_withdraw(accession=accession, actor=rep.user, reason="Vi lägger ned.")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.WITHDRAWN
    assert len(mail.outbox) == 5  # the organisation is told, and so is the officer

    events = list(accession.events.values_list("action", "actor", "before", "after"))
    assert [e[0] for e in events] == ["signed", "verified", "withdrawn"]
    assert events[1][1] == officer.pk
    assert events[1][2]["status"] == "pending" and events[1][3]["status"] == "active"
    assert events[2][2]["status"] == "active" and events[2][3]["status"] == "withdrawn"


def test_reject_needs_a_reason_and_records_it(rep, officer):
    accession = sign(rep)
    with pytest.raises(ValidationError):
        services.accession_reject(accession=accession, actor=officer, reason="  ")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    services.accession_reject(accession=accession, actor=officer, reason="Fel firmatecknare")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.REJECTED
    assert accession.rejection_reason == "Fel firmatecknare"
    assert accession.events.last().note == "Fel firmatecknare"


def test_second_signature_is_refused(rep):
    sign(rep)
    with pytest.raises(services.ActionRefused) as excinfo:
        sign(rep)
    assert excinfo.value.message == services.ALREADY_JOINED
    assert Accession.objects.filter(organisation=rep.organisation).count() == 1


def test_a_decided_accession_cannot_be_decided_again(rep, officer):
    accession = sign(rep)
    services.accession_verify(accession=accession, actor=officer)
    with pytest.raises(services.ActionRefused):
        services.accession_verify(accession=accession, actor=officer)
    with pytest.raises(services.ActionRefused):
        services.accession_reject(accession=accession, actor=officer, reason="x")
    assert accession.events.filter(action="verified").count() == 1


def test_missing_declaration_and_board_date_are_refused(rep):
    with pytest.raises(ValidationError) as excinfo:
        sign(rep, declaration_confirmed=False)
    assert "declaration_confirmed" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        sign(rep, basis=Accession.Basis.BOARD_DECISION)
    assert "board_decision_date" in excinfo.value.message_dict
    assert not Accession.objects.filter(organisation=rep.organisation).exists()


def test_only_the_own_municipality_and_the_current_version_can_be_signed(rep):
    boras = Agreement.objects.get(slug="boras")
    with pytest.raises(services.ActionRefused, match=str(services.WRONG_MUNICIPALITY)):
        services.accession_sign(
            organisation=rep.organisation,
            version=boras.current_version,
            actor=rep.user,
            signature=signature(),
        )
    old = AgreementVersion.objects.get(agreement=boras, key="2016")
    rep.organisation.municipality = boras.municipality
    with pytest.raises(services.ActionRefused, match=str(services.NOT_CURRENT_VERSION)):
        services.accession_sign(
            organisation=rep.organisation, version=old, actor=rep.user, signature=signature()
        )


def test_officer_records_a_paper_accession(officer):
    organisation = OrganisationFactory()
    accession = services.accession_record(
        organisation=organisation,
        version=goteborg_version(),
        actor=officer,
        source=Accession.Source.PAPER,
        signature=signature(),
        signed_on=datetime.date(2026, 3, 1),
    )
    assert accession.status == Accession.Status.ACTIVE
    assert accession.source == "paper"
    assert accession.recorded_by == officer
    assert accession.signed_by is None
    assert accession.events.get().action == "recorded"


def test_reconfirmation_of_a_new_version(officer):
    boras = Agreement.objects.get(slug="boras")
    rep = RepresentativeFactory(organisation__municipality=boras.municipality)
    old = AccessionFactory(
        organisation=rep.organisation,
        agreement=boras,
        version=AgreementVersion.objects.get(agreement=boras, key="2016"),
    )
    new = services.accession_reconfirm(accession=old, actor=rep.user, signature=signature())
    assert new.status == Accession.Status.PENDING and new.replaces == old
    old.refresh_from_db()
    assert old.status == Accession.Status.ACTIVE  # still a signatory until the new one is verified
    services.accession_verify(accession=new, actor=officer)
    old.refresh_from_db()
    assert old.status == Accession.Status.SUPERSEDED
    assert old.events.get().action == "superseded"
    with pytest.raises(services.ActionRefused):
        services.accession_reconfirm(accession=new, actor=rep.user, signature=signature())


def test_invitation_is_single_use_and_for_its_address(rep, django_capture_on_commit_callbacks):
    invited = UserFactory(email="ny@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(
            organisation=rep.organisation,
            actor=rep.user,
            email="NY@example.se",
            role="representative",
        )
    assert mail.outbox[-1].to == ["ny@example.se"]
    assert str(invitation.token) in mail.outbox[-1].body
    with pytest.raises(services.ActionRefused, match=str(services.INVITATION_OTHER_EMAIL)):
        services.invitation_accept(invitation=invitation, actor=UserFactory())
    services.invitation_accept(invitation=invitation, actor=invited)
    assert Representative.objects.filter(user=invited, organisation=rep.organisation).exists()
    with pytest.raises(services.ActionRefused, match=str(services.INVITATION_USED)):
        services.invitation_accept(invitation=invitation, actor=invited)


def test_last_admin_cannot_be_removed(rep):
    with pytest.raises(services.ActionRefused, match=str(services.LAST_ADMIN)):
        services.representative_remove(representative=rep, actor=rep.user)
    other = RepresentativeFactory(organisation=rep.organisation)
    services.representative_remove(representative=rep, actor=other.user)
    rep.refresh_from_db()
    assert rep.removed_at is not None  # kept, marked removed


def test_access_request_reaches_the_admins(rep, django_capture_on_commit_callbacks):
    asker = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.access_request_create(
            organisation=rep.organisation, actor=asker, message="Jag är ny kassör."
        )
    assert mail.outbox[-1].to == [rep.user.email]
    services.access_request_decide(access_request=request, actor=rep.user, approve=True)
    assert Representative.objects.filter(user=asker, organisation=rep.organisation).exists()


def test_deleting_an_account_keeps_the_accession(rep, officer):
    accession = sign(rep)
    services.accession_verify(accession=accession, actor=officer)
    services.user_delete(user=rep.user)
    rep.user.refresh_from_db()
    assert not rep.user.is_active
    assert rep.user.email.endswith("@invalid")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert accession.signer_name == "Anna Andersson"
    assert accession.signed_by_email == ""
    assert AccessionEvent.objects.filter(accession=accession).count() == 2


def test_accessions_cannot_be_deleted_in_the_admin(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.se", "x" * 12)
    with_mfa(admin)
    client.force_login(admin)
    accession = AccessionFactory()
    assert client.get(f"/admin/organisations/accession/{accession.pk}/delete/").status_code == 403
    assert (
        client.get(
            f"/admin/organisations/organisation/{accession.organisation.pk}/delete/"
        ).status_code
        == 403
    )


def test_withdrawing_also_withdraws_a_pending_reconfirmation():
    boras = Agreement.objects.get(slug="boras")
    rep = RepresentativeFactory(organisation__municipality=boras.municipality)
    old = AccessionFactory(
        organisation=rep.organisation,
        agreement=boras,
        version=AgreementVersion.objects.get(agreement=boras, key="2016"),
    )
    new = services.accession_reconfirm(accession=old, actor=rep.user, signature=signature())
    services.accession_withdraw(accession=old, actor=rep.user, reason="Vi slutar")
    new.refresh_from_db()
    assert new.status == Accession.Status.WITHDRAWN
    assert new.events.last().action == "withdrawn"


def test_the_asker_hears_the_answer(rep, django_capture_on_commit_callbacks):
    asker = UserFactory()
    request = services.access_request_create(organisation=rep.organisation, actor=asker)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_decide(access_request=request, actor=rep.user, approve=False)
    assert mail.outbox[-1].to == [asker.email]


def test_signatories_of_an_earlier_version_are_invited_to_reconfirm(
    client, django_capture_on_commit_callbacks
):

    boras = Agreement.objects.get(slug="boras")
    rep = RepresentativeFactory(organisation__municipality=boras.municipality)
    old = AccessionFactory(
        organisation=rep.organisation,
        agreement=boras,
        version=AgreementVersion.objects.get(agreement=boras, key="2016"),
    )
    AccessionFactory(organisation__municipality=boras.municipality)  # on the current version
    officer = OfficerRoleFactory(municipality=boras.municipality).user
    with_mfa(officer)
    client.force_login(officer)
    assert "Ask them to re-confirm" in client.get("/handlaggare/").content.decode() or (
        "Be dem bekräfta" in client.get("/handlaggare/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/handlaggare/bekraftelser/boras/")
    assert response.status_code == 302
    assert old.events.get().action == "reconfirm_invited"
    assert f"/anslutningar/{old.pk}/bekrafta/" in mail.outbox[-1].body
    assert len(mail.outbox) == 1
    # An officer of another municipality may not.
    other = OfficerRoleFactory().user
    with_mfa(other)
    client.force_login(other)
    assert client.post("/handlaggare/bekraftelser/boras/").status_code == 403
