"""The representatives' history: every write to an organisation's representatives and invitations
records who did it (a RepresentativeEvent) in the transaction of the change, and the organisation's
admins and its municipality's officers see it, newest first."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from organisations import services
from organisations.models import Organisation, Representative, RepresentativeEvent
from tests.factories import (
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    mfa_officer,
    with_mfa,
)

pytestmark = pytest.mark.django_db

Kind = RepresentativeEvent.Kind
ADMIN, REPRESENTATIVE = Representative.Role.ADMIN, Representative.Role.REPRESENTATIVE


@pytest.fixture
def admin():
    """The admin of a Göteborg organisation, with a name, who takes the steps."""
    return RepresentativeFactory(role=ADMIN, user=UserFactory(first_name="Karin", last_name="Berg"))


@pytest.fixture
def organisation(admin) -> Organisation:
    return admin.organisation


def _events(organisation) -> list[RepresentativeEvent]:
    """The organisation's events in the order they were written."""
    return list(RepresentativeEvent.objects.filter(organisation=organisation).order_by("pk"))


def _invite(organisation, actor, email="ny@example.se", role=REPRESENTATIVE):
    return services.invitation_send(organisation=organisation, actor=actor, email=email, role=role)


# --- Each service writes its event ---------------------------------------------------------------


def test_registering_records_the_first_admin():
    user = UserFactory()
    organisation = services.organisation_register(
        actor=user, organisation=OrganisationFactory.build(), activity_areas=[]
    )
    (event,) = _events(organisation)
    assert (event.kind, event.actor, event.person, event.role) == (
        Kind.REGISTERED,
        user,
        user,
        ADMIN,
    )


def test_an_invitation_sent_withdrawn_and_another_accepted_are_recorded(organisation, admin):
    withdrawn = _invite(organisation, admin.user, email="forst@example.se", role=ADMIN)
    services.invitation_revoke(invitation=withdrawn, actor=admin.user)
    services.invitation_revoke(invitation=withdrawn, actor=admin.user)  # already: no event
    accepted = _invite(organisation, admin.user, email="sedan@example.se")
    invited = UserFactory(email="sedan@example.se")
    services.invitation_accept(invitation=accepted, actor=invited)

    sent, revoked, sent_again, joined = _events(organisation)
    assert [e.kind for e in (sent, revoked, sent_again, joined)] == [
        Kind.INVITED,
        Kind.INVITATION_REVOKED,
        Kind.INVITED,
        Kind.INVITATION_ACCEPTED,
    ]
    assert (sent.actor, sent.invitation, sent.role, sent.person) == (
        admin.user,
        withdrawn,
        ADMIN,
        None,
    )
    assert (revoked.actor, revoked.invitation) == (admin.user, withdrawn)
    assert (joined.actor, joined.person, joined.invitation, joined.role) == (
        invited,
        invited,
        accepted,
        REPRESENTATIVE,
    )


def test_access_asked_for_granted_and_declined_is_recorded(organisation, admin):
    asker, other = UserFactory(), UserFactory()
    granted = services.access_request_create(organisation=organisation, actor=asker)
    services.access_request_create(organisation=organisation, actor=asker)  # open: no event
    declined = services.access_request_create(organisation=organisation, actor=other)
    services.access_request_decide(access_request=granted, actor=admin.user, approve=True)
    services.access_request_decide(access_request=declined, actor=admin.user, approve=False)

    kinds = [(e.kind, e.actor, e.person) for e in _events(organisation)]
    assert kinds == [
        (Kind.ACCESS_REQUESTED, asker, asker),
        (Kind.ACCESS_REQUESTED, other, other),
        (Kind.ACCESS_GRANTED, admin.user, asker),
        (Kind.ACCESS_REFUSED, admin.user, other),
    ]
    assert _events(organisation)[2].role == REPRESENTATIVE


def test_removing_someone_and_leaving_are_told_apart(organisation, admin):
    member = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    leaver = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    services.representative_remove(representative=member, actor=admin.user)
    services.representative_remove(representative=member, actor=admin.user)  # already: no event
    services.representative_remove(representative=leaver, actor=leaver.user)

    removed, left = _events(organisation)
    assert (removed.kind, removed.actor, removed.person) == (Kind.REMOVED, admin.user, member.user)
    assert (left.kind, left.actor, left.person) == (Kind.LEFT, leaver.user, leaver.user)


def test_adding_and_changing_a_role_are_recorded_with_the_roles(organisation, admin):
    staff = UserFactory(is_staff=True)
    person = UserFactory()
    added = services.representative_add(
        organisation=organisation, user=person, role=REPRESENTATIVE, actor=staff
    )
    services.representative_add(  # already a representative: nothing changes
        organisation=organisation, user=person, role=ADMIN, actor=staff
    )
    services.representative_change_role(representative=added, role=ADMIN, actor=staff)
    services.representative_change_role(representative=added, role=ADMIN, actor=staff)  # same

    add, change = _events(organisation)
    assert (add.kind, add.actor, add.person, add.role) == (
        Kind.ADDED,
        staff,
        person,
        REPRESENTATIVE,
    )
    assert (change.kind, change.previous_role, change.role) == (
        Kind.ROLE_CHANGED,
        REPRESENTATIVE,
        ADMIN,
    )


def test_deleting_an_account_records_the_end_of_each_representation(organisation, admin):
    other = RepresentativeFactory(user=admin.user, role=REPRESENTATIVE)
    RepresentativeFactory(organisation=organisation)  # a second admin, so A keeps one
    services.user_delete(user=admin.user)
    for org in (organisation, other.organisation):
        (event,) = _events(org)
        assert (event.kind, event.actor, event.person) == (
            Kind.ACCOUNT_DELETED,
            admin.user,
            admin.user,
        )


# --- In the same transaction ---------------------------------------------------------------------


def test_a_refused_change_writes_no_event(organisation, admin):
    with pytest.raises(services.ActionRefused):
        services.representative_remove(representative=admin, actor=admin.user)  # the last admin
    with pytest.raises(services.ActionRefused):
        services.representative_change_role(
            representative=admin, role=REPRESENTATIVE, actor=admin.user
        )
    _invite(organisation, admin.user)
    with pytest.raises(services.ActionRefused):
        _invite(organisation, admin.user)  # still open
    request = services.access_request_create(organisation=organisation, actor=UserFactory())
    services.access_request_decide(access_request=request, actor=admin.user, approve=False)
    with pytest.raises(services.ActionRefused):
        services.access_request_decide(access_request=request, actor=admin.user, approve=True)
    assert [e.kind for e in _events(organisation)] == [
        Kind.INVITED,
        Kind.ACCESS_REQUESTED,
        Kind.ACCESS_REFUSED,
    ]


def test_a_change_whose_event_cannot_be_written_is_undone(organisation, admin):
    member = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    invitation = _invite(organisation, admin.user)
    asker = UserFactory()
    request = services.access_request_create(organisation=organisation, actor=asker)
    written = len(_events(organisation))

    def fail(*args, **kwargs):
        raise IntegrityError("the history could not be written")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_record_representatives", fail)
        with pytest.raises(IntegrityError):
            services.representative_remove(representative=member, actor=admin.user)
        with pytest.raises(IntegrityError):
            services.invitation_revoke(invitation=invitation, actor=admin.user)
        with pytest.raises(IntegrityError):
            services.access_request_decide(access_request=request, actor=admin.user, approve=True)
        with pytest.raises(IntegrityError):
            _invite(organisation, admin.user, email="annan@example.se")

    member.refresh_from_db()
    invitation.refresh_from_db()
    request.refresh_from_db()
    assert member.removed_at is None and member.removed_by is None
    assert invitation.revoked_at is None
    assert request.status == request.Status.PENDING
    assert not Representative.objects.filter(user=asker).exists()
    assert not organisation.invitations.filter(email="annan@example.se").exists()
    assert len(_events(organisation)) == written


def test_an_event_always_has_an_actor(organisation):
    with pytest.raises(IntegrityError), transaction.atomic():
        RepresentativeEvent.objects.create(organisation=organisation, kind=Kind.REMOVED)


# --- In the admin --------------------------------------------------------------------------------


def test_staff_adding_changing_and_ending_in_the_admin_is_recorded(client, organisation, admin):
    staff = with_mfa(UserFactory(is_staff=True, is_superuser=True))
    client.force_login(staff)
    member = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    newcomer = UserFactory()
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    response = client.get(url)
    formset = response.context["inline_admin_formsets"][0].formset
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
            f"{prefix}-TOTAL_FORMS": "3",
            f"{prefix}-INITIAL_FORMS": "2",
            f"{prefix}-0-id": admin.pk,
            f"{prefix}-0-organisation": organisation.pk,
            f"{prefix}-0-role": ADMIN,
            f"{prefix}-1-id": member.pk,
            f"{prefix}-1-organisation": organisation.pk,
            f"{prefix}-1-role": ADMIN,  # made an admin, then ended
            f"{prefix}-1-end": "on",
            f"{prefix}-2-organisation": organisation.pk,
            f"{prefix}-2-user": newcomer.pk,
            f"{prefix}-2-role": REPRESENTATIVE,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    events = [(e.kind, e.actor, e.person) for e in _events(organisation)]
    assert events == [
        (Kind.ROLE_CHANGED, staff, member.user),
        (Kind.REMOVED, staff, member.user),
        (Kind.ADDED, staff, newcomer),
    ]
    assert Representative.objects.current().filter(user=newcomer, organisation=organisation)
    # The history is in the admin, read-only.
    changelist = reverse("admin:organisations_representativeevent_changelist")
    assert client.get(changelist).context["cl"].result_count == 3
    event = _events(organisation)[0]
    change = client.get(reverse("admin:organisations_representativeevent_change", args=[event.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert not change.context["has_delete_permission"]


# --- On the organisation's pages -----------------------------------------------------------------


@pytest.fixture
def history(organisation, admin):
    """An invitation sent and accepted, and a representative removed, by the admin."""
    invitation = _invite(organisation, admin.user, email="inbjuden@example.se")
    invited = UserFactory(first_name="Nils", last_name="Ek", email="inbjuden@example.se")
    representative = services.invitation_accept(invitation=invitation, actor=invited)
    services.representative_remove(representative=representative, actor=admin.user)
    return invited


WORDS = {
    "sv": {
        "heading": "Historik över företrädare",
        "invited": "Bjöd in inbjuden@example.se som företrädare",
        "accepted": "Tog emot inbjudan som företrädare",
        "removed": "Tog bort Nils Ek som företrädare",
    },
    "en": {
        "heading": "History of representatives",
        "invited": "Invited inbjuden@example.se as representative",
        "accepted": "Accepted the invitation as representative",
        "removed": "Removed Nils Ek as a representative",
    },
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_officers_see_the_history_on_the_organisation_page(client, organisation, history, language):
    officer = mfa_officer("goteborg")
    client.force_login(officer)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.get(reverse("organisations:edit", args=[organisation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    words = WORDS[language]
    section = html[html.index(f">{words['heading']}</h2>") :]
    # Newest first, each with who did it, dated in the page's language.
    positions = [section.index(words[key]) for key in ("removed", "accepted", "invited")]
    assert positions == sorted(positions)
    assert section.count("Karin Berg") == 2 and section.count("Nils Ek") == 2
    with translation.override(language):
        assert date_format(timezone.localtime(), "j F Y") in section


def test_the_admins_see_the_history_on_the_representatives_page(client, organisation, history):
    member = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    url = reverse("organisations:representatives", args=[organisation.pk])
    client.force_login(organisation.representatives.current().get(role=ADMIN).user)
    html = client.get(url).content.decode()
    assert WORDS["sv"]["heading"] in html and WORDS["sv"]["removed"] in html
    # A representative who is not an admin sees the list, not the history.
    client.force_login(member.user)
    html = client.get(url).content.decode()
    assert WORDS["sv"]["heading"] not in html and "Nils Ek" not in html


def test_the_history_is_not_for_others(client, organisation, history):
    edit = reverse("organisations:edit", args=[organisation.pk])
    member = RepresentativeFactory(organisation=organisation, role=REPRESENTATIVE)
    client.force_login(member.user)  # may edit the details, but is not an admin or officer
    assert WORDS["sv"]["heading"] not in client.get(edit).content.decode()
    client.force_login(mfa_officer("boras"))
    assert client.get(edit).status_code == 403
    client.logout()
    html = client.get(organisation.get_absolute_url()).content.decode()
    assert WORDS["sv"]["removed"] not in html


@pytest.mark.parametrize(
    ("language", "label"), [("sv", "raderat konto"), ("en", "deleted account")]
)
def test_a_deleted_account_reads_deleted_account(
    client, organisation, admin, history, language, label
):
    RepresentativeFactory(organisation=organisation)  # another admin stays
    services.user_delete(user=admin.user)
    client.force_login(mfa_officer("goteborg"))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client.get(reverse("organisations:edit", args=[organisation.pk])).content.decode()
    assert "Karin Berg" not in html
    assert html.count(label) >= 3  # invited, removed, and the account's own end


def test_hostile_names_in_the_history_are_escaped(client, organisation, admin):
    hostile = UserFactory(first_name="<script>alert(1)</script>", last_name="")
    services.access_request_create(organisation=organisation, actor=hostile)
    client.force_login(admin.user)
    html = client.get(reverse("organisations:representatives", args=[organisation.pk]))
    html = html.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_query_count_does_not_grow_with_the_history(client, organisation, admin):
    client.force_login(admin.user)
    url = reverse("organisations:representatives", args=[organisation.pk])
    client.get(url)  # warm

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for index in range(6):
        invitation = _invite(organisation, admin.user, email=f"person{index}@example.se")
        services.invitation_revoke(invitation=invitation, actor=admin.user)
        asker = UserFactory()
        request = services.access_request_create(organisation=organisation, actor=asker)
        services.access_request_decide(access_request=request, actor=admin.user, approve=False)
    assert len(_events(organisation)) == 24
    assert count() == few
