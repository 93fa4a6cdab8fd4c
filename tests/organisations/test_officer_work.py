"""Work that comes to the officer (issue 17, item 4) and authority and continuity (item 5).

Officers are e-mailed (through the queued mail) or get one daily digest; the menu counts what
waits; verifying takes a note, and "ask for more information" sends the accession back to the
organisation; withdrawing needs an admin; officers invite an admin to an organisation left
without one; a deleted account reads "raderat konto".
"""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import OutgoingMail
from organisations import services
from organisations.models import (
    Accession,
    AccessionEvent,
    AccessRequest,
    Invitation,
    OfficerNotice,
    OfficerPreference,
    Representative,
    RepresentativeEvent,
)
from organisations.notifications import officer_digest_send
from organisations.selectors import officer_work
from tests.factories import (
    AccessionFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIGNATURE = {
    "declaration_confirmed": "on",
    "basis": Accession.Basis.SIGNATORY,
    "board_decision_date": "",
    "signer_name": "Anna Andersson",
    "signer_title": "Ordförande",
}


def _accession_url(accession) -> str:
    return reverse("organisations:accession", kwargs={"pk": accession.pk})


def _sign(client, rep, capture) -> Accession:
    client.force_login(rep.user)
    with capture(execute=True):
        response = client.post(
            reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}), SIGNATURE
        )
    assert response.status_code == 302
    return Accession.objects.get(organisation=rep.organisation)


def _mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# --- E-mail to the officers ------------------------------------------------------------------


def test_officers_are_emailed_through_the_queue_for_a_new_pending_accession(
    client, officer, boras_officer, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory(organisation__name="Föreningen Väntan")
    accession = _sign(client, rep, django_capture_on_commit_callbacks)

    stored = OutgoingMail.objects.get(template="organisations/email/officer_accession_pending")
    assert stored.recipients == [officer.email]
    assert stored.status == OutgoingMail.Status.SENT  # the task backend ran after the commit
    [message] = _mails_to(officer.email)
    assert message.subject == "Att verifiera: Föreningen Väntan har undertecknat överenskommelsen"
    assert "Anna Andersson (Ordförande) har undertecknat" in message.body
    assert f"http://testserver{_accession_url(accession)}" in message.body
    assert not _mails_to(boras_officer.email)  # another municipality's officer hears nothing


def test_officers_are_told_of_a_withdrawal_with_its_reason(
    client, officer, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory(organisation__name="Föreningen Slut")
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:withdraw", kwargs={"pk": accession.pk}),
            {"reason": "Föreningen har lagts ned.", "confirmed": "on"},
        )
    assert response.status_code == 302
    [message] = _mails_to(officer.email)
    assert message.subject == "Föreningen Slut har utträtt ur överenskommelsen"
    assert "Skäl: Föreningen har lagts ned." in message.body


def test_officers_are_told_of_an_access_request(officer, django_capture_on_commit_callbacks):
    organisation = RepresentativeFactory(organisation__name="Föreningen Dörr").organisation
    asking = UserFactory(email="kassor@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_create(organisation=organisation, actor=asking)
    [message] = _mails_to(officer.email)
    assert message.subject == "Någon ber om att få företräda Föreningen Dörr"
    assert "kassor@example.se ber om att bli företrädare för Föreningen Dörr." in message.body


# --- The daily digest ------------------------------------------------------------------------


def _choose_digest(client, officer) -> None:
    client.force_login(officer)
    response = client.post(reverse("organisations:officer-work-mail"), {"work_mail": "digest"})
    assert response.status_code == 302
    assert officer.officer_preference.work_mail == OfficerPreference.WorkMail.DIGEST


def test_the_digest_holds_the_work_since_the_last_one_and_is_sent_once(
    client, officer, django_capture_on_commit_callbacks
):
    _choose_digest(client, officer)
    first = RepresentativeFactory(organisation__name="Föreningen Ett")
    second = RepresentativeFactory(organisation__name="Föreningen Två")
    _sign(client, first, django_capture_on_commit_callbacks)
    _sign(client, second, django_capture_on_commit_callbacks)
    assert not _mails_to(officer.email)  # nothing at once: it waits for the digest
    assert OfficerNotice.objects.filter(user=officer, digested_at__isnull=True).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_officer_digest", stdout=io.StringIO())
    [digest] = _mails_to(officer.email)
    assert digest.subject == "2 nya ärenden i portalen"
    assert "Att verifiera: Föreningen Ett har undertecknat överenskommelsen" in digest.body
    assert "Att verifiera: Föreningen Två har undertecknat överenskommelsen" in digest.body

    # A second run sends nothing: each notice is in exactly one digest.
    with django_capture_on_commit_callbacks(execute=True):
        assert officer_digest_send() == 0
    assert len(_mails_to(officer.email)) == 1

    # Only what came after the last digest is in the next one.
    third = RepresentativeFactory(organisation__name="Föreningen Tre")
    _sign(client, third, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert officer_digest_send() == 1
    latest = _mails_to(officer.email)[-1]
    assert latest.subject == "Ett nytt ärende i portalen"
    assert "Föreningen Tre" in latest.body and "Föreningen Ett" not in latest.body


def test_no_digest_when_nothing_happened(client, officer, django_capture_on_commit_callbacks):
    _choose_digest(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert officer_digest_send() == 0
    assert mail.outbox == []
    assert not OutgoingMail.objects.exists()


def test_a_forged_digest_setting_is_refused_and_changes_nothing(client, officer):
    client.force_login(officer)
    response = client.post(reverse("organisations:officer-work-mail"), {"work_mail": "hourly"})
    assert response.status_code == 400
    assert "Välj ett av alternativen som visas." in response.content.decode()
    assert not OfficerPreference.objects.exists()


def test_the_choice_is_in_the_officers_data_export(client, officer):
    _choose_digest(client, officer)
    assert services.user_personal_data(user=officer)["officer_work_mail"] == "digest"


def test_the_workspace_shows_the_choice(client, officer):
    client.force_login(officer)
    page = client.get(reverse("organisations:officer")).content.decode()
    assert "Så får du veta om nya ärenden" in page
    assert 'value="digest"' in page


# --- The menu's counts -----------------------------------------------------------------------


def test_the_menu_counts_what_waits_in_one_query(client, officer, boras_officer):
    AccessionFactory(status=Accession.Status.PENDING)
    AccessionFactory(status=Accession.Status.PENDING)
    AccessionFactory(status=Accession.Status.ACTIVE)
    AccessRequest.objects.create(
        organisation=RepresentativeFactory().organisation, user=UserFactory()
    )
    with CaptureQueriesContext(connection) as queries:
        work = officer_work(officer)
    assert len(queries) == 1
    assert (work.is_officer, work.accessions, work.access_requests) == (True, 2, 1)
    assert officer_work(boras_officer).waiting == 0
    assert officer_work(UserFactory()).is_officer is False

    client.force_login(officer)
    page = client.get(reverse("organisations:dashboard")).content.decode()
    assert "Handläggarens arbetsyta (3 väntar)</a>" in page
    client.force_login(boras_officer)
    page = client.get(reverse("organisations:dashboard")).content.decode()
    assert "Handläggarens arbetsyta</a>" in page


def test_the_menu_costs_a_non_officer_one_query_and_a_visitor_none(client):
    from django.template import Context, Template
    from django.test import RequestFactory

    from portal.context_processors import navigation

    template = Template("{% if nav_is_officer %}X{{ nav_officer_work.waiting }}{% endif %}")
    request = RequestFactory().get("/")
    request.user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        assert template.render(Context(navigation(request))) == ""
    assert len(queries) == 1
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with CaptureQueriesContext(connection) as queries:
        assert template.render(Context(navigation(request))) == ""
    assert len(queries) == 0


# --- Notes, and asking for more information --------------------------------------------------


def test_the_note_on_verifying_is_shown_to_the_organisation_and_emailed(
    client, officer, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory()
    accession = AccessionFactory(organisation=rep.organisation, status=Accession.Status.PENDING)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:verify", kwargs={"pk": accession.pk}),
            {"note": "Välkomna! Vi ses på dialogforumet i maj."},
        )
    assert response.status_code == 302
    event = accession.events.get(action=AccessionEvent.Action.VERIFIED)
    assert event.note == "Välkomna! Vi ses på dialogforumet i maj."
    [message] = _mails_to(rep.user.email)
    assert "Meddelande från kommunen: Välkomna! Vi ses på dialogforumet i maj." in message.body

    client.force_login(rep.user)
    page = client.get(_accession_url(accession)).content.decode()
    assert "Meddelande vid verifieringen" in page
    assert "Välkomna! Vi ses på dialogforumet i maj." in page


def test_the_reason_for_rejecting_is_shown_to_the_organisation(client, officer):
    rep = RepresentativeFactory()
    accession = AccessionFactory(organisation=rep.organisation, status=Accession.Status.PENDING)
    client.force_login(officer)
    client.post(
        reverse("organisations:reject", kwargs={"pk": accession.pk}),
        {"reason": "Undertecknaren är inte firmatecknare."},
    )
    client.force_login(rep.user)
    page = client.get(_accession_url(accession)).content.decode()
    assert "Undertecknaren är inte firmatecknare." in page


def test_a_note_longer_than_the_limit_is_refused_and_changes_nothing(client, officer):
    accession = AccessionFactory(status=Accession.Status.PENDING)
    client.force_login(officer)
    for name, field in [("verify", "note"), ("request-information", "question")]:
        response = client.post(
            reverse(f"organisations:{name}", kwargs={"pk": accession.pk}), {field: "x" * 2001}
        )
        assert response.status_code == 400
        assert "Skriv högst 2 000 tecken." in response.content.decode()
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    assert not accession.events.exists()
    with pytest.raises(services.ValidationError):
        services.accession_verify(accession=accession, actor=officer, note="x" * 2001)


def test_asking_for_more_information_round_trip(
    client, officer, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory(
        organisation__name="Föreningen Fråga", role=Representative.Role.REPRESENTATIVE
    )
    accession = AccessionFactory(organisation=rep.organisation, status=Accession.Status.PENDING)
    question = "Vem i styrelsen är firmatecknare? Skicka gärna protokollet."

    client.force_login(officer)
    page = client.get(_accession_url(accession)).content.decode()
    assert reverse("organisations:request-information", kwargs={"pk": accession.pk}) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:request-information", kwargs={"pk": accession.pk}),
            {"question": question},
        )
    assert response.status_code == 302
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING  # it stays pending
    event = accession.events.get(action=AccessionEvent.Action.INFO_REQUESTED)
    assert (event.actor, event.note) == (officer, question)
    [asked] = _mails_to(rep.user.email)
    assert asked.subject == "Kommunen begär kompletterande uppgifter från Föreningen Fråga"
    assert question in asked.body

    # Any representative sees the question and answers it.
    client.force_login(rep.user)
    page = client.get(_accession_url(accession)).content.decode()
    assert "Kommunen begär kompletterande uppgifter" in page
    assert question in page
    answer_url = reverse("organisations:answer", kwargs={"pk": accession.pk})
    assert answer_url in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(answer_url, {"answer": "Kassören Bo Berg, protokollet bifogat."})
    assert response.status_code == 302
    given = accession.events.get(action=AccessionEvent.Action.INFO_GIVEN)
    assert (given.actor, given.note) == (rep.user, "Kassören Bo Berg, protokollet bifogat.")
    [told] = _mails_to(officer.email)
    assert told.subject == "Föreningen Fråga har svarat på din fråga"
    assert "Svar: Kassören Bo Berg, protokollet bifogat." in told.body

    # Answered: no open question, so a second answer is refused.
    page = client.get(_accession_url(accession)).content.decode()
    assert answer_url not in page
    assert "Svar från organisationen" in page
    response = client.post(answer_url, {"answer": "Igen."})
    assert response.status_code == 409
    assert "Kommunen har ingen fråga som väntar på svar." in response.content.decode()
    assert accession.events.filter(action=AccessionEvent.Action.INFO_GIVEN).count() == 1


def test_asking_about_an_accession_that_is_not_pending_is_refused(client, officer):
    accession = AccessionFactory(status=Accession.Status.ACTIVE)
    client.force_login(officer)
    response = client.post(
        reverse("organisations:request-information", kwargs={"pk": accession.pk}),
        {"question": "Något?"},
    )
    assert response.status_code == 409
    assert "Bara en anslutning som väntar på verifiering" in response.content.decode()
    assert not accession.events.exists()
    assert not OutgoingMail.objects.exists()


def test_an_officer_of_another_municipality_can_neither_ask_nor_verify(client, boras_officer):
    accession = AccessionFactory(status=Accession.Status.PENDING)
    client.force_login(boras_officer)
    for name, body in [
        ("request-information", {"question": "Något?"}),
        ("verify", {"note": ""}),
    ]:
        response = client.post(reverse(f"organisations:{name}", kwargs={"pk": accession.pk}), body)
        assert response.status_code == 403
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    assert not accession.events.exists()


# --- Withdrawing needs an admin --------------------------------------------------------------


def test_a_plain_representative_cannot_withdraw_and_is_told_who_can(client):
    admin = RepresentativeFactory(
        role=Representative.Role.ADMIN, user__first_name="Ada", user__last_name="Admin"
    )
    plain = RepresentativeFactory(
        organisation=admin.organisation, role=Representative.Role.REPRESENTATIVE
    )
    accession = AccessionFactory(organisation=admin.organisation)
    url = reverse("organisations:withdraw", kwargs={"pk": accession.pk})
    client.force_login(plain.user)

    page = client.get(_accession_url(accession)).content.decode()
    assert url not in page
    assert "Bara organisationens administratörer kan anmäla utträde" in page
    assert "Ada Admin" in page

    response = client.get(url)
    assert response.status_code == 403
    assert "Ada Admin" in response.content.decode()
    response = client.post(url, {"reason": "Vi slutar.", "confirmed": "on"})
    assert response.status_code == 403
    assert "Bara organisationens administratörer" in response.content.decode()
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert not accession.events.exists()


def test_withdrawing_needs_the_reason_and_the_confirmation(client):
    admin = RepresentativeFactory(role=Representative.Role.ADMIN)
    accession = AccessionFactory(organisation=admin.organisation)
    url = reverse("organisations:withdraw", kwargs={"pk": accession.pk})
    client.force_login(admin.user)
    response = client.post(url, {"reason": "Vi slutar."})
    assert response.status_code == 400
    assert "Bekräfta att organisationen lämnar överenskommelsen." in response.content.decode()
    response = client.post(url, {"reason": " ", "confirmed": "on"})
    assert response.status_code == 400
    assert "Ange skälet till utträdet" in response.content.decode()
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE


# --- An officer invites an admin to an organisation that has none ----------------------------


def _without_admin():
    admin = RepresentativeFactory(role=Representative.Role.ADMIN)
    RepresentativeFactory(organisation=admin.organisation, role=Representative.Role.REPRESENTATIVE)
    services.user_delete(user=admin.user)
    return admin.organisation


def test_officers_invite_a_new_admin_when_none_is_left(
    client, officer, django_capture_on_commit_callbacks
):
    organisation = _without_admin()
    client.force_login(officer)
    edit = reverse("organisations:edit", kwargs={"pk": organisation.pk})
    page = client.get(edit).content.decode()
    invite_url = reverse("organisations:invite-admin", kwargs={"pk": organisation.pk})
    assert "Organisationen har ingen administratör" in page
    assert invite_url in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url, {"email": "Ny.Ordforande@Example.se"})
    assert response.status_code == 302
    assert response.url == edit
    invitation = Invitation.objects.get(organisation=organisation)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "ny.ordforande@example.se",
        Representative.Role.ADMIN,
        officer,
    )
    event = RepresentativeEvent.objects.get(
        organisation=organisation, kind=RepresentativeEvent.Kind.INVITED
    )
    assert event.actor == officer and event.role == Representative.Role.ADMIN
    assert _mails_to("ny.ordforande@example.se")
    page = client.get(edit).content.decode()
    assert "ny.ordforande@example.se" in page  # the open invitation and the history
    assert "Inbjudan att bli administratör är öppen" in page


def test_an_officer_cannot_invite_an_admin_while_the_organisation_has_one(client, officer):
    organisation = RepresentativeFactory(role=Representative.Role.ADMIN).organisation
    client.force_login(officer)
    edit = client.get(reverse("organisations:edit", kwargs={"pk": organisation.pk}))
    assert "invite-admin" not in str(edit.context.get("invite_admin_form"))
    response = client.post(
        reverse("organisations:invite-admin", kwargs={"pk": organisation.pk}),
        {"email": "ny@example.se"},
    )
    assert response.status_code == 409
    assert "Organisationen har en administratör" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_officer_of_another_municipality_cannot_invite_an_admin(client, boras_officer):
    organisation = _without_admin()
    client.force_login(boras_officer)
    response = client.post(
        reverse("organisations:invite-admin", kwargs={"pk": organisation.pk}),
        {"email": "ny@example.se"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- "raderat konto" -------------------------------------------------------------------------


def test_a_deleted_account_reads_raderat_konto_everywhere(
    client, officer, django_capture_on_commit_callbacks
):
    signer = RepresentativeFactory(role=Representative.Role.ADMIN)
    organisation = signer.organisation
    other = RepresentativeFactory(organisation=organisation, role=Representative.Role.ADMIN)
    accession = _sign(client, signer, django_capture_on_commit_callbacks)
    user_id = signer.user.pk
    services.user_delete(user=signer.user)

    client.force_login(officer)
    for url in (
        _accession_url(accession),
        reverse("organisations:edit", kwargs={"pk": organisation.pk}),
    ):
        page = client.get(url).content.decode()
        assert f"deleted-{user_id}" not in page, url
        assert "raderat konto" in page, url
    client.force_login(other.user)
    page = client.get(
        reverse("organisations:representatives", kwargs={"pk": organisation.pk})
    ).content.decode()
    assert f"deleted-{user_id}" not in page
    assert "raderat konto" in page


def test_display_name_of_a_deleted_account_in_english(english):
    from organisations.models import display_name

    user = UserFactory(first_name="Eva", last_name="Ek")
    assert display_name(user) == "Eva Ek"
    services.user_delete(user=user)
    user.refresh_from_db()
    from django.utils import translation

    with translation.override("en"):
        assert display_name(user) == "deleted account"
    with translation.override("sv"):
        assert display_name(user) == "raderat konto"


def test_an_organisation_with_pending_work_appears_in_the_queue_requests(client, officer):
    organisation = OrganisationFactory(name="Föreningen Utan Svar")
    RepresentativeFactory(organisation=organisation)
    AccessRequest.objects.create(organisation=organisation, user=UserFactory())
    client.force_login(officer)
    page = client.get(reverse("organisations:officer")).content.decode()
    assert "Begäranden om behörighet som väntar" in page
    assert "Föreningen Utan Svar" in page
