"""Registering an organisation, editing it, the duplicate check, and the user's own pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agreements.models import Municipality
from organisations import forms, services, validators
from organisations.models import (
    Accession,
    AccessRequest,
    ActivityArea,
    LegalForm,
    Organisation,
    Representative,
)
from organisations.validators import ORGANISATION_NUMBER_CHECK_DIGIT, ORGANISATION_NUMBER_FORMAT
from tests.factories import (
    AccessionFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    mfa_officer,
    valid_organisation_number,
)

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("organisations:create")
DASHBOARD_URL = reverse("organisations:dashboard")


def organisation_data(**overrides) -> dict:
    data = {
        "name": "Föreningen Solrosen",
        "organisation_number": valid_organisation_number(900001).replace("-", ""),
        "no_number_reason": "",
        "legal_form": "association",
        "municipality": Municipality.objects.get(slug="goteborg").pk,
        "activity_areas": [ActivityArea.objects.first().pk],
        "street_address": "Storgatan 1",
        "postal_code": "411 01",
        "city": "Göteborg",
        "website": "https://solrosen.example.se",
        "email": "info@solrosen.example.se",
        "phone": "031-123 45 67",
        "description": "Vi odlar solrosor tillsammans.",
        "contact_name": "Sara Solros",
        "contact_email": "sara@solrosen.example.se",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


def test_register_requires_login(client):
    for url in (CREATE_URL, DASHBOARD_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    response = client.post(CREATE_URL, organisation_data())
    assert response.status_code == 302
    assert not Organisation.objects.filter(name="Föreningen Solrosen").exists()


def test_register_form_lists_only_municipalities_with_an_agreement(client):
    Municipality.objects.create(name="Ingenstans kommun", short_name="Ingenstans", slug="ingen")
    client.force_login(UserFactory())
    response = client.get(CREATE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Göteborgs Stad" in html or "Göteborg" in html
    assert "Ingenstans kommun" not in html
    assert html.count("<h1") == 1
    assert 'type="checkbox"' in html  # areas of activity as checkboxes


def test_registering_makes_the_user_admin_and_stores_the_normalised_number(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(CREATE_URL, organisation_data())
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    organisation = Organisation.objects.get(name="Föreningen Solrosen")
    assert organisation.organisation_number == valid_organisation_number(900001)
    assert organisation.activity_areas.count() == 1
    rep = Representative.objects.get(organisation=organisation)
    assert rep.user == user and rep.role == Representative.Role.ADMIN
    assert organisation.history.first().history_user == user
    page = client.get(DASHBOARD_URL).content.decode()
    assert "Föreningen Solrosen" in page
    assert reverse("organisations:sign", kwargs={"pk": organisation.pk}) in page
    assert reverse("organisations:representatives", kwargs={"pk": organisation.pk}) in page


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("80241-23456", ORGANISATION_NUMBER_FORMAT),
        ("abc", ORGANISATION_NUMBER_FORMAT),
        ("802412345", ORGANISATION_NUMBER_FORMAT),
        ("802412-3457", ORGANISATION_NUMBER_CHECK_DIGIT),
    ],
)
def test_a_wrong_organisation_number_is_refused(client, number, message):
    client.force_login(UserFactory())
    response = client.post(CREATE_URL, organisation_data(organisation_number=number))
    assert response.status_code == 400
    assert response.context["form"].errors["organisation_number"] == [str(message)]
    assert not Organisation.objects.filter(name="Föreningen Solrosen").exists()


def test_the_check_digit_is_checked(client):
    valid = valid_organisation_number(900001)
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    client.force_login(UserFactory())
    response = client.post(CREATE_URL, organisation_data(organisation_number=wrong))
    assert response.status_code == 400
    assert str(ORGANISATION_NUMBER_CHECK_DIGIT) in response.content.decode()


def _with_check_digit(nine: str) -> str:
    from organisations.validators import luhn_valid

    check = next(d for d in range(10) if luhn_valid(f"{nine}{d}"))
    return f"{nine[:6]}-{nine[6:]}{check}"


def test_a_number_of_another_group_is_a_warning_to_confirm_not_a_refusal(client):
    """556… is a limited company's number: unusual for a non-profit association, but the register
    has real exceptions, so the person is warned once and may confirm (issue 17)."""
    company = _with_check_digit("556677889")
    client.force_login(UserFactory())
    response = client.post(CREATE_URL, organisation_data(organisation_number=company))
    assert response.status_code == 400
    [warning] = response.context["form"].errors["organisation_number"]
    assert "börjar med 5 hör till aktiebolag" in warning and "ideell förening" in warning
    page = response.content.decode()
    assert 'type="checkbox" name="number_confirmed"' in page  # the box to confirm it with
    with translation.override("en"):
        english = validators.number_warning(company, "association", LegalForm.ASSOCIATION.label)
        assert "starting with 5 belong to limited companies" in english
        assert "non-profit association" in english
    assert not Organisation.objects.filter(name="Föreningen Solrosen").exists()

    response = client.post(
        CREATE_URL, organisation_data(organisation_number=company, number_confirmed="on")
    )
    assert response.status_code == 302
    assert Organisation.objects.get(name="Föreningen Solrosen").organisation_number == company


def test_a_number_that_fits_the_legal_form_gets_no_warning(client):
    client.force_login(UserFactory())
    cooperative = _with_check_digit("769600123")
    response = client.post(
        CREATE_URL, organisation_data(organisation_number=cooperative, legal_form="cooperative")
    )
    assert response.status_code == 302
    # A social enterprise may be a company, an economic or a non-profit association.
    other = organisation_data(
        name="Sociala företaget",
        organisation_number=_with_check_digit("556677889"),
        legal_form="social_enterprise",
    )
    assert client.post(CREATE_URL, other).status_code == 302


def test_a_personal_identity_number_is_warned_of_before_it_is_published(client):
    personal = _with_check_digit("850709980")  # born 9 July 1985: month 07, third digit 0
    client.force_login(UserFactory())
    response = client.post(
        CREATE_URL, organisation_data(organisation_number=personal, legal_form="other")
    )
    assert response.status_code == 400
    [warning] = response.context["form"].errors["organisation_number"]
    assert "ser ut som ett personnummer" in warning and "offentliga registret" in warning
    assert (
        not Organisation.objects.exists()
        or not Organisation.objects.filter(organisation_number=personal).exists()
    )


def test_an_unchanged_unusual_number_is_not_warned_of_again_when_editing(client):
    rep = RepresentativeFactory(
        organisation__organisation_number=_with_check_digit("556677889"),
        organisation__legal_form="association",
    )
    client.force_login(rep.user)
    url = reverse("organisations:edit", kwargs={"pk": rep.organisation.pk})
    data = organisation_data(
        name="Nytt namn",
        organisation_number=rep.organisation.organisation_number,
        municipality=rep.organisation.municipality.pk,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:500]
    rep.organisation.refresh_from_db()
    assert rep.organisation.name == "Nytt namn"


def test_a_number_is_required_unless_a_network_says_why(client):
    client.force_login(UserFactory())
    # An association must give its number, even with a reason.
    response = client.post(
        CREATE_URL,
        organisation_data(organisation_number="", no_number_reason="Vi har inget"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["organisation_number"] == [str(forms.NUMBER_OR_REASON)]
    # A network without a reason is refused too.
    response = client.post(
        CREATE_URL, organisation_data(organisation_number="", legal_form="network")
    )
    assert response.status_code == 400
    assert Organisation.objects.filter(name="Föreningen Solrosen").count() == 0
    # A network that says why is registered without a number.
    response = client.post(
        CREATE_URL,
        organisation_data(
            organisation_number="",
            legal_form="network",
            no_number_reason="Ett informellt nätverk utan organisationsnummer.",
        ),
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Föreningen Solrosen")
    assert organisation.organisation_number == ""


def test_a_duplicate_creates_nothing_and_offers_to_ask_for_access(client):
    existing = OrganisationFactory(name="Befintliga föreningen")
    RepresentativeFactory(organisation=existing)
    user = UserFactory()
    client.force_login(user)
    count = Organisation.objects.count()
    response = client.post(
        CREATE_URL,
        organisation_data(organisation_number=existing.organisation_number.replace("-", "")),
    )
    assert response.status_code == 409
    assert Organisation.objects.count() == count
    assert not Representative.objects.filter(user=user).exists()
    html = response.content.decode()
    assert "Befintliga föreningen" in html
    request_url = reverse("organisations:request-access", kwargs={"pk": existing.pk})
    assert f'action="{request_url}"' in html


def test_the_same_number_may_be_registered_in_another_municipality(client):
    existing = OrganisationFactory()
    client.force_login(UserFactory())
    response = client.post(
        CREATE_URL,
        organisation_data(
            organisation_number=existing.organisation_number,
            municipality=Municipality.objects.get(slug="boras").pk,
        ),
    )
    assert response.status_code == 302
    assert (
        Organisation.objects.filter(organisation_number=existing.organisation_number).count() == 2
    )


def test_asking_for_access_mails_the_admins_and_is_approved(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    existing = OrganisationFactory(name="Befintliga föreningen")
    admin = RepresentativeFactory(organisation=existing).user
    user = UserFactory()
    client.force_login(user)
    url = reverse("organisations:request-access", kwargs={"pk": existing.pk})
    # Not in the public register: the page is reached with the number typed when registering.
    number = existing.organisation_number
    assert client.get(url, {"organisation_number": number}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"organisation_number": number, "message": "Jag är kassör."})
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    access_request = AccessRequest.objects.get(organisation=existing, user=user)
    assert access_request.message == "Jag är kassör."
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [admin.email]
    assert "Befintliga föreningen" in client.get(DASHBOARD_URL).content.decode()


def test_request_access_requires_login(client):
    url = reverse("organisations:request-access", kwargs={"pk": OrganisationFactory().pk})
    response = client.post(url, {"message": ""})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not AccessRequest.objects.exists()


def test_dashboard_shows_each_state_and_the_next_action(client):
    user = UserFactory()
    none = RepresentativeFactory(user=user, organisation__name="Ingen anslutning").organisation
    pending = RepresentativeFactory(user=user, organisation__name="Väntande").organisation
    active = RepresentativeFactory(user=user, organisation__name="Ansluten").organisation
    rejected = RepresentativeFactory(user=user, organisation__name="Avvisad").organisation
    withdrawn = RepresentativeFactory(user=user, organisation__name="Utträdd").organisation
    AccessionFactory(organisation=pending, status=Accession.Status.PENDING)
    active_accession = AccessionFactory(organisation=active)
    AccessionFactory(
        organisation=rejected,
        status=Accession.Status.REJECTED,
        rejection_reason="Fel firmatecknare",
    )
    withdrawn_accession = AccessionFactory(organisation=withdrawn)
    services.accession_withdraw(accession=withdrawn_accession, actor=user, reason="Vi slutar.")
    client.force_login(user)
    html = client.get(DASHBOARD_URL).content.decode()
    assert reverse("organisations:sign", kwargs={"pk": none.pk}) in html
    assert reverse("organisations:sign", kwargs={"pk": rejected.pk}) in html
    assert reverse("organisations:sign", kwargs={"pk": withdrawn.pk}) in html
    assert reverse("organisations:sign", kwargs={"pk": pending.pk}) not in html
    assert reverse("organisations:sign", kwargs={"pk": active.pk}) not in html
    assert reverse("organisations:receipt", kwargs={"pk": active_accession.pk}) in html
    assert reverse("organisations:withdraw", kwargs={"pk": active_accession.pk}) in html
    assert "Fel firmatecknare" in html
    assert reverse("organisations:officer") not in html
    assert html.count("<h1") == 1


def test_dashboard_offers_reconfirmation_when_the_agreement_has_a_new_version(client):
    from agreements.models import AgreementVersion

    rep = RepresentativeFactory()
    accession = AccessionFactory(organisation=rep.organisation)
    old = accession.version
    old.status = AgreementVersion.Status.REPLACED
    old.save()
    AgreementVersion.objects.create(
        agreement=old.agreement,
        key="ny",
        order=old.order + 1,
        status=AgreementVersion.Status.CURRENT,
        title="Ny version",
    )
    client.force_login(rep.user)
    html = client.get(DASHBOARD_URL).content.decode()
    assert reverse("organisations:reconfirm", kwargs={"pk": accession.pk}) in html


def test_dashboard_links_officers_to_their_workspace(client):
    officer = mfa_officer("goteborg")
    client.force_login(officer)
    html = client.get(DASHBOARD_URL).content.decode()
    assert reverse("organisations:officer") in html


def test_an_officer_without_two_factor_authentication_is_sent_to_activate_it(client):
    officer = OfficerRoleFactory().user
    client.force_login(officer)
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_dashboard_does_not_list_removed_representations_or_other_users(client):
    user = UserFactory()
    rep = RepresentativeFactory(user=user, organisation__name="Gammal förening")
    Representative.objects.filter(pk=rep.pk).update(removed_at=rep.created_at)
    RepresentativeFactory(organisation__name="Någon annans förening")
    client.force_login(user)
    html = client.get(DASHBOARD_URL).content.decode()
    assert "Gammal förening" not in html
    assert "Någon annans förening" not in html


def test_dashboard_queries_do_not_grow_with_the_number_of_organisations(client):
    user = UserFactory()
    first = RepresentativeFactory(user=user).organisation
    AccessionFactory(organisation=first)
    client.force_login(user)
    client.get(DASHBOARD_URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD_URL).status_code == 200
    for index in range(4):
        organisation = RepresentativeFactory(user=user).organisation
        if index % 2:
            AccessionFactory(organisation=organisation)
        else:
            boras = RepresentativeFactory(
                user=user, organisation__municipality=Municipality.objects.get(slug="boras")
            ).organisation
            AccessionFactory(organisation=boras, status=Accession.Status.PENDING)
    with CaptureQueriesContext(connection) as many:
        assert client.get(DASHBOARD_URL).status_code == 200
    assert len(many) == len(few)


# --- Editing ---------------------------------------------------------------------------------


def edit_url(organisation) -> str:
    return reverse("organisations:edit", kwargs={"pk": organisation.pk})


def data_of(organisation, **overrides) -> dict:
    values = {
        "name": organisation.name,
        "organisation_number": organisation.organisation_number,
        "municipality": organisation.municipality_id,
        **overrides,
    }
    return organisation_data(**values)


def test_a_representative_edits_and_the_history_records_who(client):
    rep = RepresentativeFactory()
    organisation = rep.organisation
    client.force_login(rep.user)
    response = client.get(edit_url(organisation))
    assert response.status_code == 200
    assert (
        "Last changed" in response.content.decode() or "Senast ändrad" in response.content.decode()
    )
    response = client.post(edit_url(organisation), data_of(organisation, city="Mölndal"))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.city == "Mölndal"
    latest = organisation.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == rep.user
    assert response.url == edit_url(organisation)
    # The change history is for the municipality's officers, not the representative.
    assert client.get(edit_url(organisation)).context["history"] is None


def test_officers_of_the_municipality_see_the_change_history(client):
    rep = RepresentativeFactory()
    organisation = rep.organisation
    client.force_login(rep.user)
    areas = list(ActivityArea.objects.values_list("pk", flat=True)[:2])
    client.post(edit_url(organisation), data_of(organisation, city="Mölndal", activity_areas=areas))
    officer = mfa_officer("goteborg")
    client.force_login(officer)
    response = client.get(edit_url(organisation))
    assert response.status_code == 200
    history = response.context["history"]
    changed = [field for entry in history for field in entry["fields"]]
    assert str(Organisation._meta.get_field("city").verbose_name) in changed
    assert str(Organisation._meta.get_field("activity_areas").verbose_name) in changed
    assert any(entry["who"] == rep.user.get_full_name() for entry in history)


def test_edit_refuses_outsiders(client):
    organisation = RepresentativeFactory().organisation
    url = edit_url(organisation)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    client.force_login(RepresentativeFactory().user)  # a representative of another organisation
    assert client.get(url).status_code == 403
    assert client.post(url, data_of(organisation, city="X")).status_code == 403
    client.force_login(mfa_officer("boras"))  # an officer of another municipality
    assert client.get(url).status_code == 403
    organisation.refresh_from_db()
    assert organisation.city != "X"


def test_the_municipality_is_locked_once_the_organisation_has_an_accession(client):
    rep = RepresentativeFactory()
    organisation = rep.organisation
    AccessionFactory(organisation=organisation, status=Accession.Status.PENDING)
    client.force_login(rep.user)
    response = client.post(
        edit_url(organisation),
        data_of(organisation, municipality=Municipality.objects.get(slug="boras").pk),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.municipality.slug == "goteborg"


def test_editing_to_a_number_already_registered_is_refused(client):
    other = OrganisationFactory()
    rep = RepresentativeFactory()
    client.force_login(rep.user)
    response = client.post(
        edit_url(rep.organisation),
        data_of(rep.organisation, organisation_number=other.organisation_number),
    )
    assert response.status_code == 409
    assert "organisation_number" in response.context["form"].errors
    rep.organisation.refresh_from_db()
    assert rep.organisation.organisation_number != other.organisation_number
