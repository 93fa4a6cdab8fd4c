"""The municipal officers' workspace: the queue, the organisation list, recorded accessions and the
decisions on accessions signed online."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Municipality
from organisations import services
from organisations.models import Accession, AccessionEvent, Organisation
from organisations.officer_forms import (
    DECLARATION_NOT_RECEIVED,
    MINUTES_NOT_PDF,
    SIGNED_ON_IN_FUTURE,
)
from tests.factories import (
    AccessionFactory,
    CouncilMembershipFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    minimal_pdf,
    with_mfa,
)

pytestmark = pytest.mark.django_db

PDF = minimal_pdf()  # a real PDF: the form opens it and looks for active content


def _municipality(slug: str) -> Municipality:
    return Municipality.objects.get(slug=slug)


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def private_storage(tmp_path, monkeypatch):
    """Uploaded minutes go to a temporary directory, not the development var/private."""
    field = Accession._meta.get_field("minutes")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=tmp_path))
    return tmp_path


def _pending(municipality: str = "goteborg", **kwargs) -> Accession:
    organisation = OrganisationFactory(municipality=_municipality(municipality))
    RepresentativeFactory(organisation=organisation)  # someone to tell by e-mail
    return AccessionFactory(organisation=organisation, status=Accession.Status.PENDING, **kwargs)


def _record_data(**overrides) -> dict:
    data = {
        "source": Accession.Source.PAPER,
        "signed_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "signer_name": "Berit Bengtsson",
        "signer_title": "Ordförande",
        "basis": Accession.Basis.SIGNATORY,
        "board_decision_date": "",
        "declaration_confirmed": "on",
        "note": "Ansökan inkom med post.",
    }
    data.update(overrides)
    return data


def _workspace_urls(accession: Accession) -> list[tuple[str, str]]:
    return [
        ("get", reverse("organisations:officer")),
        ("get", reverse("organisations:officer-organisations")),
        ("get", reverse("organisations:record", args=[accession.organisation_id])),
        ("post", reverse("organisations:record", args=[accession.organisation_id])),
        ("post", reverse("organisations:verify", args=[accession.pk])),
        ("post", reverse("organisations:reject", args=[accession.pk])),
    ]


# --- the queue ----------------------------------------------------------------------------------


def test_queue_shows_only_the_officers_municipalitys_pending_accessions(client, boras_officer):
    boras_old = _pending("boras", signed_at=timezone.now() - datetime.timedelta(days=5))
    boras_new = _pending("boras", signed_at=timezone.now() - datetime.timedelta(days=1))
    goteborg = _pending("goteborg")
    AccessionFactory(organisation=OrganisationFactory(municipality=_municipality("boras")))

    client.force_login(boras_officer)
    response = client.get(reverse("organisations:officer"))

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [boras_old, boras_new]  # oldest first
    html = response.content.decode()
    assert boras_old.organisation.name in html
    assert goteborg.organisation.name not in html
    assert reverse("organisations:accession", args=[boras_old.pk]) in html
    assert reverse("organisations:officer-organisations") in html


def test_queue_shows_signer_basis_board_date_and_minutes(officer_client):
    accession = _pending(
        basis=Accession.Basis.BOARD_DECISION,
        board_decision_date=datetime.date(2024, 3, 14),
        signer_name="Cecilia Carlsson",
        signer_title="Sekreterare",
        minutes="minutes/1/x.pdf",
    )
    html = officer_client.get(reverse("organisations:officer")).content.decode()
    assert "Cecilia Carlsson" in html
    assert "Sekreterare" in html
    assert accession.version.title in html
    assert "2024" in html
    assert "<caption>" in html
    assert 'scope="col"' in html


def test_queue_counts_the_municipalitys_accessions_by_status(officer_client):
    _pending()
    _pending()
    AccessionFactory()
    AccessionFactory(status=Accession.Status.WITHDRAWN)
    AccessionFactory(organisation=OrganisationFactory(municipality=_municipality("boras")))

    response = officer_client.get(reverse("organisations:officer"))

    assert response.context["counts"] == {"pending": 2, "active": 1, "withdrawn": 1}


def test_queue_query_count_does_not_grow_with_the_number_of_rows(officer_client):
    for _ in range(5):
        _pending()
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(reverse("organisations:officer")).status_code == 200
    for _ in range(45):
        _pending()
    with CaptureQueriesContext(connection) as many:
        response = officer_client.get(reverse("organisations:officer"))
    assert len(response.context["page"].object_list) == 50
    assert len(many) == len(few)


# --- verify and reject --------------------------------------------------------------------------


def test_verify_makes_the_accession_active_records_the_event_and_mails_the_organisation(
    officer_client, officer, django_capture_on_commit_callbacks
):
    accession = _pending()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("organisations:verify", args=[accession.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:officer")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert accession.decided_by == officer
    event = accession.events.get(action=AccessionEvent.Action.VERIFIED)
    assert event.actor == officer
    assert event.before["status"] == Accession.Status.PENDING
    assert event.after["status"] == Accession.Status.ACTIVE
    assert len(mail.outbox) == 1
    representative = accession.organisation.representatives.get()
    assert mail.outbox[0].to == [representative.user.email]


def test_verify_twice_is_a_conflict_and_records_one_event(officer_client):
    accession = _pending()
    url = reverse("organisations:verify", args=[accession.pk])
    assert officer_client.post(url).status_code == 302

    response = officer_client.post(url)

    assert response.status_code == 409
    assert str(services.NOT_PENDING) in response.content.decode()
    assert accession.events.filter(action=AccessionEvent.Action.VERIFIED).count() == 1


def test_reject_after_verify_is_a_conflict(officer_client):
    accession = _pending()
    officer_client.post(reverse("organisations:verify", args=[accession.pk]))

    response = officer_client.post(
        reverse("organisations:reject", args=[accession.pk]), {"reason": "Fel person."}
    )

    assert response.status_code == 409
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    assert not accession.events.filter(action=AccessionEvent.Action.REJECTED).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_is_refused_and_changes_nothing(officer_client, reason):
    accession = _pending()

    response = officer_client.post(
        reverse("organisations:reject", args=[accession.pk]), {"reason": reason}
    )

    assert response.status_code == 400
    assert str(services.REASON_REQUIRED) in response.content.decode()
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    assert not accession.events.exists()
    assert mail.outbox == []


def test_reject_with_a_reason_stores_it_records_the_event_and_mails_the_organisation(
    officer_client, officer, django_capture_on_commit_callbacks
):
    accession = _pending()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("organisations:reject", args=[accession.pk]),
            {"reason": "  Undertecknaren är inte firmatecknare.  "},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:officer")
    accession.refresh_from_db()
    assert accession.status == Accession.Status.REJECTED
    assert accession.rejection_reason == "Undertecknaren är inte firmatecknare."
    event = accession.events.get(action=AccessionEvent.Action.REJECTED)
    assert event.actor == officer
    assert event.after["rejection_reason"] == "Undertecknaren är inte firmatecknare."
    assert len(mail.outbox) == 1
    assert "Undertecknaren är inte firmatecknare." in mail.outbox[0].body


def test_verify_and_reject_only_accept_post(officer_client):
    accession = _pending()
    assert (
        officer_client.get(reverse("organisations:verify", args=[accession.pk])).status_code == 405
    )
    assert (
        officer_client.get(reverse("organisations:reject", args=[accession.pk])).status_code == 405
    )


def test_unknown_accession_is_404(officer_client):
    assert officer_client.post(reverse("organisations:verify", args=[999999])).status_code == 404
    assert officer_client.post(reverse("organisations:reject", args=[999999])).status_code == 404


def test_decision_include_posts_the_three_forms_with_csrf(rf, officer):
    accession = _pending()
    request = rf.get("/")
    request.user = officer
    response = Client()
    response.force_login(officer)
    page = response.get(reverse("organisations:accession", args=[accession.pk]))
    forms = {name: page.context[name] for name in ("verify_form", "question_form", "reject_form")}
    html = render_to_string(
        "organisations/includes/officer_decision.html",
        {"accession": accession, **forms},
        request=request,
    )
    assert html.count("csrfmiddlewaretoken") == 3
    assert f'action="{reverse("organisations:verify", args=[accession.pk])}"' in html
    assert f'action="{reverse("organisations:request-information", args=[accession.pk])}"' in html
    assert f'action="{reverse("organisations:reject", args=[accession.pk])}"' in html
    assert 'name="reason"' in html and 'name="note"' in html and 'name="question"' in html
    assert "required" in html
    assert "<button" in html


def test_decision_include_is_empty_once_decided(rf, officer):
    accession = AccessionFactory()
    request = rf.get("/")
    request.user = officer
    html = render_to_string(
        "organisations/includes/officer_decision.html", {"accession": accession}, request=request
    )
    assert "<form" not in html


# --- refusals -----------------------------------------------------------------------------------


def test_officer_of_another_municipality_is_refused(client, boras_officer):
    accession = _pending("goteborg")
    client.force_login(boras_officer)

    assert (
        accession.organisation.name
        not in client.get(reverse("organisations:officer")).content.decode()
    )
    assert (
        accession.organisation.name
        not in client.get(reverse("organisations:officer-organisations")).content.decode()
    )
    record_url = reverse("organisations:record", args=[accession.organisation_id])
    assert client.get(record_url).status_code == 403
    assert client.post(record_url, _record_data()).status_code == 403
    assert client.post(reverse("organisations:verify", args=[accession.pk])).status_code == 403
    response = client.post(reverse("organisations:reject", args=[accession.pk]), {"reason": "Nej."})
    assert response.status_code == 403

    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    assert not accession.events.exists()
    assert Accession.objects.filter(organisation=accession.organisation).count() == 1


def test_representatives_and_other_users_are_refused_every_officer_url(client):
    accession = _pending()
    own_representative = accession.organisation.representatives.get().user
    other_representative = RepresentativeFactory().user
    plain_user = UserFactory()
    council_member = with_mfa(CouncilMembershipFactory().user)
    for user in (own_representative, other_representative, plain_user, council_member):
        client.force_login(user)
        for method, url in _workspace_urls(accession):
            response = getattr(client, method)(url)
            assert response.status_code == 403, (user, method, url)
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING
    assert Accession.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    accession = _pending()
    login = reverse("account_login")
    for method, url in _workspace_urls(accession):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(login), (method, url)
    accession.refresh_from_db()
    assert accession.status == Accession.Status.PENDING


# --- recording an accession made on paper or at a dialogue forum --------------------------------


def test_record_form_shows_the_declaration_that_is_recorded(officer_client):
    organisation = OrganisationFactory()
    response = officer_client.get(reverse("organisations:record", args=[organisation.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert organisation.name in html
    assert 'name="declaration_confirmed"' in html
    assert 'type="date"' in html
    assert 'enctype="multipart/form-data"' in html


def test_record_paper_accession_is_active_at_once(
    officer_client, officer, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory()
    RepresentativeFactory(organisation=organisation)
    signed_on = timezone.localdate() - datetime.timedelta(days=10)

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("organisations:record", args=[organisation.pk]),
            _record_data(signed_on=signed_on.isoformat()),
        )

    assert response.status_code == 302
    accession = Accession.objects.get(organisation=organisation)
    assert response["Location"] == accession.get_absolute_url()
    assert accession.status == Accession.Status.ACTIVE
    assert accession.source == Accession.Source.PAPER
    assert accession.recorded_by == officer
    assert accession.decided_by == officer
    assert accession.signed_by is None
    assert timezone.localtime(accession.signed_at).date() == signed_on
    assert accession.signer_name == "Berit Bengtsson"
    assert accession.version == accession.agreement.current_version
    assert accession.agreement.municipality_id == organisation.municipality_id
    event = accession.events.get()
    assert event.action == AccessionEvent.Action.RECORDED
    assert event.actor == officer
    assert event.note == "Ansökan inkom med post."
    assert len(mail.outbox) == 1


def test_record_dialogue_forum_accession_with_board_decision_and_minutes(
    officer_client, private_storage
):
    organisation = OrganisationFactory()
    minutes = SimpleUploadedFile("protokoll.pdf", PDF, content_type="application/pdf")

    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]),
        _record_data(
            source=Accession.Source.DIALOGUE_FORUM,
            basis=Accession.Basis.BOARD_DECISION,
            board_decision_date="2024-02-01",
            minutes=minutes,
        ),
    )

    assert response.status_code == 302
    accession = Accession.objects.get(organisation=organisation)
    assert accession.source == Accession.Source.DIALOGUE_FORUM
    assert accession.board_decision_date == datetime.date(2024, 2, 1)
    with accession.minutes.open("rb") as stored:
        assert stored.read() == PDF


def test_record_for_an_organisation_that_has_joined_is_a_conflict(officer_client):
    existing = AccessionFactory()

    response = officer_client.post(
        reverse("organisations:record", args=[existing.organisation_id]), _record_data()
    )

    assert response.status_code == 409
    assert str(services.ALREADY_JOINED) in response.content.decode()
    assert Accession.objects.filter(organisation=existing.organisation).count() == 1
    assert not AccessionEvent.objects.exists()


def test_record_refused_by_the_service_is_a_conflict_shown_on_the_form(officer_client, monkeypatch):
    """Another officer recorded (or the organisation signed) between the page and the POST."""

    def refuse(**kwargs):
        raise services.ActionRefused(services.ALREADY_JOINED)

    monkeypatch.setattr(services, "accession_record", refuse)
    organisation = OrganisationFactory()
    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]), _record_data()
    )
    assert response.status_code == 409
    assert str(services.ALREADY_JOINED) in response.content.decode()
    assert not Accession.objects.filter(organisation=organisation).exists()


def test_record_validation_error_from_the_service_is_shown_next_to_the_field(
    officer_client, monkeypatch
):
    def invalid(**kwargs):
        raise ValidationError({"signer_title": "Give the signer's title or role."})

    monkeypatch.setattr(services, "accession_record", invalid)
    organisation = OrganisationFactory()
    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]), _record_data()
    )
    assert response.status_code == 400
    assert response.context["form"].errors["signer_title"] == ["Give the signer's title or role."]


def test_record_for_an_organisation_with_a_pending_accession_is_a_conflict(officer_client):
    pending = _pending()
    response = officer_client.post(
        reverse("organisations:record", args=[pending.organisation_id]), _record_data()
    )
    assert response.status_code == 409
    assert Accession.objects.filter(organisation=pending.organisation).count() == 1


def test_record_is_allowed_again_after_a_withdrawal(officer_client):
    withdrawn = AccessionFactory(status=Accession.Status.WITHDRAWN)
    response = officer_client.post(
        reverse("organisations:record", args=[withdrawn.organisation_id]), _record_data()
    )
    assert response.status_code == 302
    assert withdrawn.organisation.accessions.filter(status=Accession.Status.ACTIVE).count() == 1


def _assert_nothing_recorded(organisation: Organisation):
    assert not Accession.objects.filter(organisation=organisation).exists()
    assert not AccessionEvent.objects.exists()


def test_record_with_a_future_date_is_refused(officer_client):
    organisation = OrganisationFactory()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]),
        _record_data(signed_on=tomorrow.isoformat()),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["signed_on"] == [str(SIGNED_ON_IN_FUTURE)]
    _assert_nothing_recorded(organisation)


def test_record_with_a_file_that_is_not_a_pdf_is_refused(officer_client, private_storage):
    organisation = OrganisationFactory()
    fake = SimpleUploadedFile("protokoll.pdf", b"MZ not a pdf", content_type="application/pdf")

    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]),
        _record_data(
            basis=Accession.Basis.BOARD_DECISION, board_decision_date="2024-02-01", minutes=fake
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["minutes"] == [str(MINUTES_NOT_PDF)]
    _assert_nothing_recorded(organisation)
    assert not any(private_storage.rglob("*.pdf"))


def test_record_with_too_large_minutes_is_refused(officer_client, private_storage, settings):
    settings.ACCESSION_MINUTES_MAX_BYTES = 20
    organisation = OrganisationFactory()
    minutes = SimpleUploadedFile("protokoll.pdf", PDF, content_type="application/pdf")

    response = officer_client.post(
        reverse("organisations:record", args=[organisation.pk]), _record_data(minutes=minutes)
    )

    assert response.status_code == 400
    assert "minutes" in response.context["form"].errors
    _assert_nothing_recorded(organisation)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"declaration_confirmed": ""}, "declaration_confirmed"),
        (
            {"basis": Accession.Basis.BOARD_DECISION, "board_decision_date": ""},
            "board_decision_date",
        ),
        ({"source": Accession.Source.ONLINE}, "source"),
        ({"signer_name": "  "}, "signer_name"),
        ({"signer_title": ""}, "signer_title"),
        ({"signed_on": "igår"}, "signed_on"),
        ({"basis": "whatever"}, "basis"),
    ],
)
def test_record_with_bad_input_is_refused_next_to_the_field(officer_client, overrides, field):
    organisation = OrganisationFactory()
    data = _record_data(**overrides)
    data = {key: value for key, value in data.items() if value != ""}

    response = officer_client.post(reverse("organisations:record", args=[organisation.pk]), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    _assert_nothing_recorded(organisation)


def test_record_without_the_declaration_says_why(officer_client):
    organisation = OrganisationFactory()
    data = _record_data()
    del data["declaration_confirmed"]
    response = officer_client.post(reverse("organisations:record", args=[organisation.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["declaration_confirmed"] == [
        str(DECLARATION_NOT_RECEIVED)
    ]


def test_record_for_an_unknown_organisation_is_404(officer_client):
    assert officer_client.get(reverse("organisations:record", args=[999999])).status_code == 404


# --- the organisation list ------------------------------------------------------------------------


@pytest.fixture
def organisations_by_status():
    goteborg = _municipality("goteborg")
    active = OrganisationFactory(name="Aktiva föreningen", municipality=goteborg)
    AccessionFactory(organisation=active)
    pending = OrganisationFactory(
        name="Väntande stiftelsen", municipality=goteborg, legal_form="foundation"
    )
    AccessionFactory(organisation=pending, status=Accession.Status.PENDING)
    withdrawn = OrganisationFactory(
        name="Utträdda nätverket", municipality=goteborg, legal_form="network"
    )
    AccessionFactory(organisation=withdrawn, status=Accession.Status.WITHDRAWN)
    rejected = OrganisationFactory(name="Avvisade kooperativet", municipality=goteborg)
    AccessionFactory(organisation=rejected, status=Accession.Status.REJECTED)
    never = OrganisationFactory(name="Nya föreningen", municipality=goteborg)
    boras = OrganisationFactory(name="Borås förening", municipality=_municipality("boras"))
    return {
        "active": active,
        "pending": pending,
        "withdrawn": withdrawn,
        "rejected": rejected,
        "never": never,
        "boras": boras,
    }


def _listed(client, **params) -> set[str]:
    response = client.get(reverse("organisations:officer-organisations"), params)
    assert response.status_code == 200
    return {organisation.name for organisation in response.context["page"].object_list}


def test_organisation_list_shows_only_the_officers_municipality(
    officer_client, organisations_by_status
):
    names = _listed(officer_client)
    assert "Borås förening" not in names
    assert len(names) == 5


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", {"active"}),
        ("pending", {"pending"}),
        ("withdrawn", {"withdrawn"}),
        ("not_signed", {"rejected", "never"}),
        ("", {"active", "pending", "withdrawn", "rejected", "never"}),
    ],
)
def test_organisation_list_filters_by_accession_status(
    officer_client, organisations_by_status, status, expected
):
    names = _listed(officer_client, status=status)
    assert names == {organisations_by_status[key].name for key in expected}


def test_organisation_list_filters_by_name_number_and_legal_form(
    officer_client, organisations_by_status
):
    assert _listed(officer_client, q="stiftelsen") == {"Väntande stiftelsen"}
    number = organisations_by_status["never"].organisation_number
    assert _listed(officer_client, q=number) == {"Nya föreningen"}
    assert _listed(officer_client, legal_form="network") == {"Utträdda nätverket"}
    assert _listed(officer_client, q="förening", legal_form="association") == {
        "Aktiva föreningen",
        "Nya föreningen",
    }


def test_organisation_list_with_a_bad_filter_is_400(officer_client, organisations_by_status):
    response = officer_client.get(reverse("organisations:officer-organisations"), {"status": "x"})
    assert response.status_code == 400
    assert "status" in response.context["form"].errors


def test_organisation_list_links_to_edit_history_and_record(
    officer_client, organisations_by_status
):
    html = officer_client.get(reverse("organisations:officer-organisations")).content.decode()
    never = organisations_by_status["never"]
    active = organisations_by_status["active"]
    assert reverse("organisations:edit", args=[never.pk]) in html
    assert reverse("organisations:record", args=[never.pk]) in html
    assert reverse("organisations:record", args=[active.pk]) not in html
    assert reverse("organisations:accession", args=[active.accessions.get().pk]) in html


def test_organisation_list_is_paginated_by_50(officer_client):
    OrganisationFactory.create_batch(51)
    response = officer_client.get(reverse("organisations:officer-organisations"))
    assert len(response.context["page"].object_list) == 50
    response = officer_client.get(reverse("organisations:officer-organisations"), {"page": 2})
    assert len(response.context["page"].object_list) == 1


def test_organisation_list_query_count_does_not_grow_with_the_number_of_rows(officer_client):
    def make(n):
        for organisation in OrganisationFactory.create_batch(n):
            AccessionFactory(organisation=organisation)
            AccessionFactory(organisation=organisation, status=Accession.Status.WITHDRAWN)

    make(5)
    url = reverse("organisations:officer-organisations")
    with CaptureQueriesContext(connection) as few:
        assert officer_client.get(url, {"status": "active"}).status_code == 200
    make(45)
    with CaptureQueriesContext(connection) as many:
        response = officer_client.get(url, {"status": "active"})
    assert len(response.context["page"].object_list) == 50
    assert len(many) == len(few)


def test_dates_in_the_officers_lists_are_in_the_pages_language(officer_client):
    """Django's "M" is "Dec" in Swedish too: the lists write the month out ("3 december")."""
    organisation = OrganisationFactory(
        name="Datumföreningen", municipality=_municipality("goteborg")
    )
    signed = timezone.make_aware(datetime.datetime(2025, 12, 3, 12))
    AccessionFactory(organisation=organisation, signed_at=signed, decided_at=signed)
    page = officer_client.get(reverse("organisations:officer-organisations")).content.decode()
    assert "Anslutning 3 december 2025" in page
    assert "Dec 2025" not in page
    officer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = officer_client.get(reverse("organisations:officer-organisations")).content.decode()
    assert "Accession 3 December 2025" in page


def test_my_pages_do_not_tell_an_officer_to_register_an_organisation(officer_client):
    page = officer_client.get(reverse("organisations:dashboard")).content.decode()
    assert "Du företräder ingen organisation än" not in page
    assert "Du arbetar här för kommunen eller samrådet" in page
    assert reverse("organisations:officer") in page


def test_a_recorded_accession_states_its_basis_in_the_third_person(officer_client):
    organisation = OrganisationFactory(municipality=_municipality("goteborg"))
    accession = AccessionFactory(
        organisation=organisation, source=Accession.Source.PAPER, basis=Accession.Basis.SIGNATORY
    )
    page = officer_client.get(reverse("organisations:accession", args=[accession.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Undertecknaren är firmatecknare" in html
    assert "Jag är firmatecknare" not in html
