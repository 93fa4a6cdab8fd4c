"""Representatives: the list, invitations, removing, access requests, and the invitation link."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations import forms, services
from organisations.models import AccessRequest, Invitation, Representative
from tests.factories import RepresentativeFactory, UserFactory
from tests.factories import mfa_officer as officer_of

pytestmark = pytest.mark.django_db


def reps_url(organisation) -> str:
    return reverse("organisations:representatives", kwargs={"pk": organisation.pk})


# Each action of the representatives' page posts to a view of its own.
ACTION_URLS = {
    "invite": "organisations:representative-invite",
    "remove": "organisations:representative-remove",
    "approve": "organisations:access-request-approve",
    "decline": "organisations:access-request-decline",
    "revoke": "organisations:invitation-revoke",
}


def action_url(action: str, organisation) -> str:
    return reverse(ACTION_URLS[action], kwargs={"pk": organisation.pk})


@pytest.fixture
def admin():
    return RepresentativeFactory(role=Representative.Role.ADMIN)


@pytest.fixture
def member(admin):
    return RepresentativeFactory(
        organisation=admin.organisation, role=Representative.Role.REPRESENTATIVE
    )


def test_every_representative_sees_the_list_but_only_admins_manage(client, admin, member):
    client.force_login(member.user)
    response = client.get(reps_url(admin.organisation))
    assert response.status_code == 200
    page = response.content.decode()
    assert admin.user.email in page and member.user.email in page
    assert response.context["can_manage"] is False
    assert action_url("invite", admin.organisation) not in page
    response = client.post(action_url("invite", admin.organisation), {"email": "ny@example.se"})
    assert response.status_code == 403
    response = client.post(action_url("remove", admin.organisation), {"representative": admin.pk})
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert Representative.objects.get(pk=admin.pk).removed_at is None
    client.force_login(admin.user)
    page = client.get(reps_url(admin.organisation)).content.decode()
    assert f'action="{action_url("invite", admin.organisation)}"' in page
    assert page.count("<h1") == 1


def test_the_list_refuses_outsiders(client, admin):
    url = reps_url(admin.organisation)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    for outsider in (RepresentativeFactory().user, officer_of("boras"), UserFactory()):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert (
            client.post(
                action_url("invite", admin.organisation), {"email": "x@example.se"}
            ).status_code
            == 403
        )
    assert not Invitation.objects.exists()


def test_an_admin_invites_and_the_invitation_is_mailed(
    client, admin, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(admin.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            action_url("invite", admin.organisation),
            {"email": "Ny.Person@Example.se", "role": "representative"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "ny.person@example.se"
    assert invitation.invited_by == admin.user
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ny.person@example.se"]
    assert str(invitation.token) in mailoutbox[0].body
    page = client.get(reps_url(admin.organisation)).content.decode()
    assert "ny.person@example.se" in page


def test_a_bad_invitation_is_refused(client, admin, member):
    client.force_login(admin.user)
    response = client.post(
        action_url("invite", admin.organisation),
        {"email": "inte en adress", "role": "representative"},
    )
    assert response.status_code == 400
    assert "email" in response.context["invite_form"].errors
    response = client.post(
        action_url("invite", admin.organisation),
        {"email": member.user.email, "role": "representative"},
    )
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [str(forms.ALREADY_REPRESENTATIVE)]
    # The page itself takes no POST (each action has its own address), and an action's
    # address takes nothing but a POST.
    response = client.post(reps_url(admin.organisation), {"action": "invite", "email": "a@b.se"})
    assert response.status_code == 405
    for action in ACTION_URLS:
        assert client.get(action_url(action, admin.organisation)).status_code == 405
    assert not Invitation.objects.exists()


def test_an_admin_removes_a_representative_who_keeps_the_record(client, admin, member):
    client.force_login(admin.user)
    response = client.post(action_url("remove", admin.organisation), {"representative": member.pk})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None
    assert member.removed_by == admin.user
    client.force_login(member.user)
    assert client.get(reps_url(admin.organisation)).status_code == 403


def test_the_last_admin_cannot_be_removed(client, admin, member):
    client.force_login(admin.user)
    response = client.post(action_url("remove", admin.organisation), {"representative": admin.pk})
    assert response.status_code == 409
    assert str(services.LAST_ADMIN) in response.content.decode()
    admin.refresh_from_db()
    assert admin.removed_at is None


def test_removing_someone_of_another_organisation_is_not_found(client, admin):
    stranger = RepresentativeFactory()
    client.force_login(admin.user)
    for value in (stranger.pk, "abc", ""):
        response = client.post(action_url("remove", admin.organisation), {"representative": value})
        assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.removed_at is None


def test_an_admin_approves_and_declines_requests_for_access(client, admin):
    asker = UserFactory()
    other = UserFactory()
    approve = services.access_request_create(organisation=admin.organisation, actor=asker)
    decline = services.access_request_create(
        organisation=admin.organisation, actor=other, message="Släpp in mig"
    )
    client.force_login(admin.user)
    page = client.get(reps_url(admin.organisation)).content.decode()
    assert asker.email in page and "Släpp in mig" in page
    response = client.post(
        action_url("approve", admin.organisation), {"access_request": approve.pk}
    )
    assert response.status_code == 302
    assert (
        Representative.objects.current()
        .filter(user=asker, organisation=admin.organisation)
        .exists()
    )
    response = client.post(
        action_url("decline", admin.organisation), {"access_request": decline.pk}
    )
    assert response.status_code == 302
    decline.refresh_from_db()
    assert decline.status == AccessRequest.Status.REJECTED
    assert not Representative.objects.filter(user=other).exists()
    # Answering twice is a conflict.
    response = client.post(
        action_url("approve", admin.organisation), {"access_request": decline.pk}
    )
    assert response.status_code == 409
    assert not Representative.objects.filter(user=other).exists()


def test_an_admin_revokes_an_open_invitation(client, admin):
    invitation = services.invitation_send(
        organisation=admin.organisation, actor=admin.user, email="a@example.se", role="admin"
    )
    client.force_login(admin.user)
    response = client.post(action_url("revoke", admin.organisation), {"invitation": invitation.pk})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert list(client.get(reps_url(admin.organisation)).context["invitations"]) == []


def test_the_list_page_queries_do_not_grow_with_its_rows(client, admin):
    client.force_login(admin.user)
    client.get(reps_url(admin.organisation))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reps_url(admin.organisation)).status_code == 200
    for index in range(4):
        RepresentativeFactory(organisation=admin.organisation, role="representative")
        services.access_request_create(organisation=admin.organisation, actor=UserFactory())
        services.invitation_send(
            organisation=admin.organisation,
            actor=admin.user,
            email=f"inbjuden{index}@example.se",
            role="representative",
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(reps_url(admin.organisation)).status_code == 200
    assert len(many) == len(few)


# --- The invitation link ----------------------------------------------------------------------


def invitation_url(invitation) -> str:
    return reverse("organisations:invitation", kwargs={"token": invitation.token})


@pytest.fixture
def invitation(admin):
    return services.invitation_send(
        organisation=admin.organisation,
        actor=admin.user,
        email="inbjuden@example.se",
        role=Representative.Role.REPRESENTATIVE,
    )


def test_an_anonymous_visitor_is_asked_to_log_in_with_the_invited_address(client, invitation):
    response = client.get(invitation_url(invitation))
    assert response.status_code == 200
    page = response.content.decode()
    assert invitation.organisation.name in page
    assert "inbjuden@example.se" in page
    assert f"{reverse('account_login')}?next=" in page
    assert f"{reverse('account_signup')}?next=" in page
    response = client.post(invitation_url(invitation))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_signing_up_from_an_invitation_fills_in_and_trusts_the_invited_address(
    client, invitation, mailoutbox
):
    """The link reached the invited mailbox: the sign-up form has the address, and the account
    is usable at once (no second confirmation e-mail), then the invitation is accepted."""
    client.get(invitation_url(invitation))
    signup = client.get(reverse("account_signup") + f"?next={invitation_url(invitation)}")
    assert 'value="inbjuden@example.se"' in signup.content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nils",
            "last_name": "Ek",
            "email": "inbjuden@example.se",
            "password1": "ett långt lösenord 2026",
            "password2": "ett långt lösenord 2026",
            "next": invitation_url(invitation),
        },
    )
    assert response.status_code == 302
    assert response.url == invitation_url(invitation)  # signed in, back to accept it
    assert not [m for m in mailoutbox if "bekräfta" in m.subject.lower()]
    assert client.post(invitation_url(invitation)).status_code == 302
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_signing_up_with_another_address_than_the_invited_one_is_confirmed_as_usual(
    client, invitation
):
    client.get(invitation_url(invitation))
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Anna",
            "last_name": "Annan",
            "email": "annan@example.se",
            "password1": "ett långt lösenord 2026",
            "password2": "ett långt lösenord 2026",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")


def test_accepting_makes_the_user_a_representative(client, invitation):
    user = UserFactory(email="inbjuden@example.se")
    client.force_login(user)
    assert client.get(invitation_url(invitation)).status_code == 200
    response = client.post(invitation_url(invitation))
    assert response.status_code == 302
    assert response.url == reverse("organisations:dashboard")
    rep = Representative.objects.get(user=user)
    assert rep.organisation == invitation.organisation
    assert rep.role == Representative.Role.REPRESENTATIVE


def test_a_reused_invitation_link_is_gone_and_changes_nothing(client, invitation):
    first = UserFactory(email="inbjuden@example.se")
    client.force_login(first)
    client.post(invitation_url(invitation))
    count = Representative.objects.count()
    response = client.post(invitation_url(invitation))
    assert response.status_code == 410
    assert str(services.INVITATION_USED) in response.content.decode()
    assert client.get(invitation_url(invitation)).status_code == 410
    client.logout()
    assert client.get(invitation_url(invitation)).status_code == 410
    assert Representative.objects.count() == count


def test_an_expired_or_revoked_invitation_is_gone(client, invitation, admin):
    user = UserFactory(email="inbjuden@example.se")
    client.force_login(user)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(invitation_url(invitation))
    assert response.status_code == 410
    assert str(services.INVITATION_EXPIRED) in response.content.decode()
    revoked = services.invitation_send(
        organisation=admin.organisation, actor=admin.user, email=user.email, role="admin"
    )
    services.invitation_revoke(invitation=revoked, actor=admin.user)
    assert client.post(invitation_url(revoked)).status_code == 410
    assert not Representative.objects.filter(user=user).exists()


def test_an_invitation_for_another_address_is_forbidden(client, invitation):
    user = UserFactory(email="annan@example.se")
    client.force_login(user)
    response = client.get(invitation_url(invitation))
    assert response.status_code == 403
    response = client.post(invitation_url(invitation))
    assert response.status_code == 403
    assert str(services.INVITATION_OTHER_EMAIL) in response.content.decode()
    assert not Representative.objects.filter(user=user).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_unknown_invitation_token_is_not_found(client):
    url = reverse("organisations:invitation", kwargs={"token": uuid.uuid4()})
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.post(url).status_code == 404
