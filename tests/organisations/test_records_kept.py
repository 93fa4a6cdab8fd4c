"""Signed, submitted and published records keep who did them: people are never deleted.

Every foreign key from a record to the user PROTECTs it; accounts are anonymised (by the person or
by staff in the admin), never deleted; representatives, officer roles and council memberships
are ended and kept; the admin deletes none of them, nor the text of a signed agreement version.
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from agreements.models import Agreement
from followup import services as followup_services
from followup.models import Report, ReportVersion
from organisations import permissions, services
from organisations.models import (
    Accession,
    AccessionEvent,
    CouncilMembership,
    OfficerRole,
    Representative,
)
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    OfficerRoleFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)
from tests.followup.worlds import answers_for
from tests.organisations.test_privacy import signed_accession

pytestmark = pytest.mark.django_db

OUR_APPS = ("agreements", "organisations", "followup", "portal")


@pytest.fixture
def staff(client):
    user = with_mfa(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(user)
    return user


@pytest.fixture
def signer():
    """A representative who signed an accession that an officer verified."""
    user = UserFactory(first_name="Åsa", last_name="Öberg")
    accession = signed_accession(user, verify=True)
    return user, accession


# --- The foreign keys ---------------------------------------------------------------------------


def test_every_foreign_key_from_our_records_to_a_person_protects_them():
    """django-simple-history's ``history_user`` is the one exception: the library fixes it to
    SET_NULL. Accounts are never deleted (the admin cannot, the services anonymise), so it is
    not reached; see docs/security.md, "Known limits"."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    loose = [
        f"{model._meta.label}.{field.name}: {field.remote_field.on_delete.__name__}"
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey)
        and field.related_model is user_model
        and field.remote_field.on_delete is not models.PROTECT
        and field.name != "history_user"
    ]
    assert not loose, loose


def test_deleting_a_signer_in_the_database_is_refused(signer):
    user, accession = signer
    with pytest.raises(models.ProtectedError), transaction.atomic():
        user.delete()
    accession.refresh_from_db()
    assert accession.signed_by == user
    assert AccessionEvent.objects.filter(accession=accession, actor=user).exists()


def test_deleting_the_officer_who_verified_is_refused(signer):
    _user, accession = signer
    accession.refresh_from_db()
    officer = accession.decided_by
    assert officer is not None
    with pytest.raises(models.ProtectedError), transaction.atomic():
        officer.delete()
    assert get_user_model().objects.filter(pk=officer.pk).exists()


def test_deleting_whoever_submitted_a_report_is_refused(django_capture_on_commit_callbacks):
    agreement = Agreement.objects.get(slug="goteborg")
    rule = agreement.current_version.followup_rules.get(kind="followup")
    officer = OfficerRoleFactory(municipality=agreement.municipality).user
    cycle = followup_services.cycle_create(agreement=agreement, rule=rule, actor=officer)
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        followup_services.cycle_open(cycle=cycle, actor=officer)
    report = cycle.reports.get(group="organisations")
    followup_services.report_save(
        report=report,
        actor=rep.user,
        answers=answers_for(report),
        based_on_revision=0,
        submit=True,
    )
    with pytest.raises(models.ProtectedError), transaction.atomic():
        rep.user.delete()
    report = Report.objects.get(pk=report.pk)
    assert report.submitted_by == rep.user
    assert ReportVersion.objects.get(report=report, action="submitted").actor == rep.user


# --- Anonymising instead of deleting ------------------------------------------------------------


def test_the_persons_own_deletion_ends_roles_and_keeps_the_user_row(signer):
    user, accession = signer
    officer = OfficerRoleFactory(user=user)
    member = CouncilMembershipFactory(user=user)

    services.user_delete(user=user)

    user = get_user_model().objects.get(pk=user.pk)
    assert user.email == f"deleted-{user.pk}@invalid" and not user.is_active
    for model, pk in ((OfficerRole, officer.pk), (CouncilMembership, member.pk)):
        row = model.all_objects.get(pk=pk)
        assert row.removed_at is not None and row.removed_by == user
        assert not model.objects.filter(pk=pk).exists()
    rep = Representative.objects.get(user=user)
    assert rep.removed_at is not None and rep.removed_by == user
    assert Accession.objects.get(pk=accession.pk).signed_by == user


def test_staff_cannot_delete_an_account_in_the_admin(client, staff, signer):
    user, _accession = signer
    url = reverse("admin:auth_user_delete", args=[user.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:auth_user_changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "anonymise_selected" in actions
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"},
    )
    assert response.status_code == 302  # back to the list: there is no such action
    assert get_user_model().objects.get(pk=user.pk).is_active


def test_staff_anonymise_an_account_after_confirming_and_it_is_recorded(client, staff, signer):
    user, accession = signer
    role = OfficerRoleFactory(user=user)
    url = reverse("admin:auth_user_anonymise", args=[user.pk])
    change_page = client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert url in change_page

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Åsa Öberg" in confirm.content.decode()
    assert client.post(url, {}).status_code == 200  # without the confirmation: asked again
    assert get_user_model().objects.get(pk=user.pk).is_active

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    user = get_user_model().objects.get(pk=user.pk)
    assert user.username == f"deleted-{user.pk}" and not user.is_active
    assert not user.has_usable_password()
    role = OfficerRole.all_objects.get(pk=role.pk)
    assert role.removed_by == staff and role.removed_at is not None
    assert Representative.objects.get(user=user).removed_by == staff
    assert Accession.objects.get(pk=accession.pk).signer_name == "Åsa Öberg"
    entry = LogEntry.objects.get(object_id=str(user.pk), action_flag=CHANGE)
    assert entry.user == staff
    assert entry.get_change_message().startswith("Kontot avidentifierades")


def test_the_admin_action_anonymises_several_after_an_intermediate_page(client, staff):
    people = [RepresentativeFactory().user for _ in range(2)]
    data = {"action": "anonymise_selected", "_selected_action": [p.pk for p in people]}
    changelist = reverse("admin:auth_user_changelist")

    confirm = client.post(changelist, data)

    assert confirm.status_code == 200
    assert confirm.templates[0].name == "admin/auth/user/anonymise_confirmation.html"
    assert all(get_user_model().objects.get(pk=p.pk).is_active for p in people)
    response = client.post(changelist, {**data, "post": "yes"})
    assert response.status_code == 302
    for person in people:
        assert get_user_model().objects.get(pk=person.pk).email == f"deleted-{person.pk}@invalid"
    assert LogEntry.objects.filter(user=staff, action_flag=CHANGE).count() == 2


def test_staff_cannot_anonymise_themselves_in_the_admin(client, staff):
    url = reverse("admin:auth_user_anonymise", args=[staff.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    assert get_user_model().objects.get(pk=staff.pk).is_active
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()
    assert response.status_code == 200


def test_only_staff_reach_the_anonymise_page(client, signer):
    user, _accession = signer
    url = reverse("admin:auth_user_anonymise", args=[user.pk])
    client.force_login(RepresentativeFactory().user)
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert get_user_model().objects.get(pk=user.pk).is_active


# --- Roles are ended, never deleted -------------------------------------------------------------


def test_an_ended_officer_role_grants_nothing_and_is_kept():
    role = OfficerRoleFactory()
    user = role.user
    assert permissions.is_officer(user)
    assert services.role_end(role=role, actor=UserFactory())
    assert not permissions.is_officer(user)
    assert permissions.officer_municipality_ids(user) == set()
    assert not user.officer_roles.exists()
    assert OfficerRole.all_objects.filter(pk=role.pk, removed_at__isnull=False).exists()
    assert not services.role_end(role=role, actor=UserFactory())  # already ended
    # The same role can be given again; the ended one stays beside it.
    services.officer_add(email=user.email, municipality=role.municipality)
    assert permissions.is_officer(user)
    assert OfficerRole.all_objects.filter(user=user).count() == 2


def test_an_ended_council_membership_grants_nothing():
    membership = CouncilMembershipFactory()
    assert permissions.is_council_member(membership.user, membership.agreement_id)
    services.role_end(role=membership, actor=UserFactory())
    assert not permissions.is_council_member(membership.user, membership.agreement_id)
    assert not permissions.needs_mfa(membership.user)


def test_two_current_roles_of_the_same_kind_are_refused_by_the_database():
    membership = CouncilMembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CouncilMembership.objects.create(
            user=membership.user, agreement=membership.agreement, side=membership.side
        )


def test_the_admin_ends_officer_roles_and_council_memberships_but_deletes_none(client, staff):
    role = OfficerRoleFactory()
    membership = CouncilMembershipFactory()
    for model, obj in (("officerrole", role), ("councilmembership", membership)):
        delete = reverse(f"admin:organisations_{model}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        changelist = reverse(f"admin:organisations_{model}_changelist")
        response = client.post(changelist, {"action": "end_selected", "_selected_action": [obj.pk]})
        assert response.status_code == 302
        ended = type(obj).all_objects.get(pk=obj.pk)
        assert ended.removed_at is not None and ended.removed_by == staff
        # The ended role is still listed in the admin.
        assert client.get(changelist).context["cl"].result_count == 1


def test_the_organisation_admin_ends_representatives_and_cannot_delete_them(client, staff):
    first = RepresentativeFactory()
    second = RepresentativeFactory(organisation=first.organisation)
    organisation = first.organisation
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    response = client.get(url)
    formset = response.context["inline_admin_formsets"][0].formset
    assert not formset.can_delete
    data = {
        name: value
        for name, value in (
            (bound.html_name, bound.value()) for bound in response.context["adminform"].form
        )
        if value is not None
    }
    data["activity_areas"] = []
    prefix = formset.prefix
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "2",
            f"{prefix}-INITIAL_FORMS": "2",
            f"{prefix}-0-id": first.pk,
            f"{prefix}-0-organisation": organisation.pk,
            f"{prefix}-0-user": first.user_id,
            f"{prefix}-0-role": first.role,
            f"{prefix}-1-id": second.pk,
            f"{prefix}-1-organisation": organisation.pk,
            f"{prefix}-1-user": second.user_id,
            f"{prefix}-1-role": second.role,
            f"{prefix}-1-end": "on",
            f"{prefix}-0-DELETE": "on",  # ignored: there is no deleting
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Representative.objects.filter(organisation=organisation).count() == 2
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.removed_at is not None and second.removed_by == staff
    assert first.removed_at is None
