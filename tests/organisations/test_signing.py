"""Signing an agreement online, the accession page, withdrawing and re-confirming."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Agreement, AgreementVersion
from organisations import forms, services
from organisations.models import Accession, AccessionEvent
from tests.factories import (
    AccessionFactory,
    RepresentativeFactory,
    UserFactory,
)
from tests.factories import (
    mfa_officer as officer_of,
)
from tests.factories import (
    minimal_pdf as pdf_bytes,
)

pytestmark = pytest.mark.django_db


def sign_url(organisation) -> str:
    return reverse("organisations:sign", kwargs={"pk": organisation.pk})


def signature(**overrides) -> dict:
    data = {
        "declaration_confirmed": "on",
        "basis": Accession.Basis.SIGNATORY,
        "board_decision_date": "",
        "signer_name": "Anna Andersson",
        "signer_title": "Ordförande",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def rep():
    return RepresentativeFactory()


def test_the_sign_page_shows_the_version_in_force_its_principles_and_the_declaration(client, rep):
    client.force_login(rep.user)
    response = client.get(sign_url(rep.organisation))
    assert response.status_code == 200
    page = response.content.decode()
    agreement = Agreement.objects.get(slug="goteborg")
    version = agreement.current_version
    assert html.escape(version.title) in page
    for principle in version.principles.all():
        assert html.escape(principle.title) in page
    declaration = services.declaration_text(organisation=rep.organisation, version=version)
    assert html.escape(declaration) in page
    assert 'enctype="multipart/form-data"' in page
    assert page.count("<h1") == 1


def test_signing_creates_a_pending_accession_and_mails_the_representatives(
    client, rep, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(rep.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(sign_url(rep.organisation), signature())
    accession = Accession.objects.get(organisation=rep.organisation)
    assert response.status_code == 302
    assert response.url == accession.get_absolute_url()
    assert accession.status == Accession.Status.PENDING
    assert accession.source == Accession.Source.ONLINE
    assert accession.signed_by == rep.user
    assert accession.signed_by_email == rep.user.email
    assert accession.version == Agreement.objects.get(slug="goteborg").current_version
    assert list(accession.events.values_list("action", flat=True)) == ["signed"]
    assert len(mailoutbox) == 1
    assert rep.user.email in mailoutbox[0].to
    page = client.get(response.url).content.decode()
    assert "Anna Andersson" in page
    assert html.escape(accession.declaration_text) in page


def test_signing_on_a_board_decision_with_minutes(client, rep, private_storage):
    client.force_login(rep.user)
    minutes = SimpleUploadedFile("protokoll.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        sign_url(rep.organisation),
        signature(
            basis=Accession.Basis.BOARD_DECISION,
            board_decision_date="2025-03-01",
            minutes=minutes,
        ),
    )
    assert response.status_code == 302
    accession = Accession.objects.get(organisation=rep.organisation)
    assert str(accession.board_decision_date) == "2025-03-01"
    assert accession.minutes
    assert private_storage.exists(accession.minutes.name)


def test_a_missing_declaration_is_refused(client, rep):
    client.force_login(rep.user)
    response = client.post(sign_url(rep.organisation), signature(declaration_confirmed=None))
    assert response.status_code == 400
    assert response.context["form"].errors["declaration_confirmed"] == [
        str(services.DECLARATION_REQUIRED)
    ]
    assert not Accession.objects.exists()


def test_a_board_decision_needs_its_date(client, rep):
    client.force_login(rep.user)
    response = client.post(
        sign_url(rep.organisation), signature(basis=Accession.Basis.BOARD_DECISION)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["board_decision_date"] == [
        str(services.BOARD_DATE_REQUIRED)
    ]
    assert not Accession.objects.exists()


def test_a_board_decision_in_the_future_is_refused_online_as_on_the_officers_form(client, rep):
    client.force_login(rep.user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        sign_url(rep.organisation),
        signature(basis=Accession.Basis.BOARD_DECISION, board_decision_date=tomorrow.isoformat()),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["board_decision_date"] == [
        str(services.BOARD_DATE_IN_FUTURE)
    ]
    with translation.override("sv"):
        assert html.escape(str(services.BOARD_DATE_IN_FUTURE)) in response.content.decode()
        assert "framtiden" in str(services.BOARD_DATE_IN_FUTURE)
    assert not Accession.objects.exists()
    # Today is a date a board can have decided on.
    response = client.post(
        sign_url(rep.organisation),
        signature(
            basis=Accession.Basis.BOARD_DECISION,
            board_decision_date=timezone.localdate().isoformat(),
        ),
    )
    assert response.status_code == 302


def test_the_service_refuses_a_future_board_decision_whatever_the_form():
    signature = services.Signature(
        basis=Accession.Basis.BOARD_DECISION,
        signer_name="Anna Andersson",
        signer_title="Ordförande",
        declaration_confirmed=True,
        board_decision_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    with pytest.raises(ValidationError) as refused:
        signature.check()
    assert refused.value.message_dict["board_decision_date"] == [str(services.BOARD_DATE_IN_FUTURE)]


def test_minutes_attached_to_a_form_with_errors_are_asked_for_again(client, rep):
    """A browser does not send a chosen file twice: the page says the minutes were not kept."""
    client.force_login(rep.user)
    minutes = SimpleUploadedFile("protokoll.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        sign_url(rep.organisation),
        signature(
            basis=Accession.Basis.BOARD_DECISION,
            board_decision_date="2025-03-01",
            declaration_confirmed=None,
            minutes=minutes,
        ),
    )
    assert response.status_code == 400
    [message] = response.context["form"].errors["minutes"]
    assert "protokoll.pdf" in message and "bifoga den igen" in message
    assert "protokoll.pdf" in response.content.decode()
    assert not Accession.objects.exists()


def test_signer_name_and_title_are_required(client, rep):
    client.force_login(rep.user)
    response = client.post(sign_url(rep.organisation), signature(signer_name=" ", signer_title=""))
    assert response.status_code == 400
    assert "signer_name" in response.context["form"].errors
    assert "signer_title" in response.context["form"].errors
    assert not Accession.objects.exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("protokoll.png", PNG, content_type="image/png"), forms.MINUTES_NOT_PDF),
        (
            SimpleUploadedFile("protokoll.pdf", PNG, content_type="application/pdf"),
            forms.MINUTES_NOT_PDF,
        ),
        (
            SimpleUploadedFile(
                "protokoll.pdf", "Detta är bara text.".encode(), content_type="application/pdf"
            ),
            forms.MINUTES_NOT_PDF,
        ),
        (
            SimpleUploadedFile(
                "protokoll.pdf", b"%PDF-1.7 men sedan inget mer", content_type="application/pdf"
            ),
            forms.MINUTES_UNREADABLE,
        ),
    ],
    ids=["png", "png-renamed-pdf", "text-renamed-pdf", "broken-pdf"],
)
def test_minutes_that_are_not_a_pdf_are_refused(client, rep, upload, message, private_storage):
    client.force_login(rep.user)
    upload.seek(0)
    response = client.post(sign_url(rep.organisation), signature(minutes=upload))
    assert response.status_code == 400
    assert response.context["form"].errors["minutes"] == [str(message)]
    assert not Accession.objects.exists()
    assert not (private_storage.base_location / "minutes").exists()


def test_oversized_minutes_are_refused_with_the_limit(client, rep, settings):
    settings.ACCESSION_MINUTES_MAX_BYTES = 1024
    client.force_login(rep.user)
    big = SimpleUploadedFile("protokoll.pdf", pdf_bytes() + b"\n" * 2048)
    response = client.post(sign_url(rep.organisation), signature(minutes=big))
    assert response.status_code == 400
    (error,) = response.context["form"].errors["minutes"]
    assert "1,0" in error or "1.0" in error
    assert not Accession.objects.exists()


def test_a_second_signature_for_an_active_organisation_is_refused(client, rep):
    AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    page = client.get(sign_url(rep.organisation))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = client.post(sign_url(rep.organisation), signature())
    assert response.status_code == 409
    assert str(services.ALREADY_JOINED) in response.content.decode()
    assert Accession.objects.filter(organisation=rep.organisation).count() == 1


def test_a_refusal_from_the_service_is_shown_and_saves_nothing(client, rep, monkeypatch):
    def refuse(**kwargs):
        raise services.ActionRefused(services.ALREADY_JOINED)

    monkeypatch.setattr(services, "accession_sign", refuse)
    client.force_login(rep.user)
    response = client.post(sign_url(rep.organisation), signature())
    assert response.status_code == 409
    assert str(services.ALREADY_JOINED) in response.content.decode()
    assert not Accession.objects.exists()


def test_signing_for_another_organisations_id_is_forbidden(client, rep):
    other = RepresentativeFactory().organisation
    client.force_login(rep.user)
    assert client.get(sign_url(other)).status_code == 403
    response = client.post(sign_url(other), signature())
    assert response.status_code == 403
    assert not Accession.objects.exists()


def test_signing_refuses_anonymous_users_and_officers(client, rep):
    response = client.post(sign_url(rep.organisation), signature())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    client.force_login(officer_of("goteborg"))
    assert client.post(sign_url(rep.organisation), signature()).status_code == 403
    assert not Accession.objects.exists()


def test_a_removed_representative_can_no_longer_sign(client, rep):
    admin = RepresentativeFactory(organisation=rep.organisation)
    services.representative_remove(representative=rep, actor=admin.user)
    client.force_login(rep.user)
    assert client.post(sign_url(rep.organisation), signature()).status_code == 403
    assert not Accession.objects.exists()


# --- The accession page ---------------------------------------------------------------------


def accession_url(accession) -> str:
    return reverse("organisations:accession", kwargs={"pk": accession.pk})


def test_the_accession_page_shows_the_record_and_its_history(client, rep):
    client.force_login(rep.user)
    client.post(sign_url(rep.organisation), signature())
    accession = Accession.objects.get()
    response = client.get(accession_url(accession))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Anna Andersson" in page and "Ordförande" in page
    assert rep.user.email in page
    assert str(AccessionEvent.Action.SIGNED.label).capitalize() in page or "signed" in page.lower()
    assert reverse("organisations:withdraw", kwargs={"pk": accession.pk}) in page
    assert reverse("organisations:receipt", kwargs={"pk": accession.pk}) not in page  # pending
    assert response.context["show_decision"] is False
    assert page.count("<h1") == 1


def test_the_accession_page_refuses_outsiders(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    url = accession_url(accession)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    client.force_login(RepresentativeFactory().user)
    assert client.get(url).status_code == 403
    client.force_login(officer_of("boras"))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(officer_of("goteborg"))
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["can_withdraw"] is False


@pytest.fixture
def decision_stub(settings, tmp_path):
    """A stand-in for the officer's decision forms (written with the officer's views)."""
    folder = tmp_path / "templates" / "organisations" / "includes"
    folder.mkdir(parents=True)
    (folder / "officer_decision.html").write_text("OFFICER-DECISION-STUB")
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path / "templates", *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


def test_officers_of_the_municipality_get_the_decision_forms_on_a_pending_accession(
    client, rep, decision_stub
):
    accession = AccessionFactory(organisation=rep.organisation, status=Accession.Status.PENDING)
    client.force_login(officer_of("goteborg"))
    response = client.get(accession_url(accession))
    assert response.status_code == 200
    assert response.context["show_decision"] is True
    assert "OFFICER-DECISION-STUB" in response.content.decode()
    client.force_login(rep.user)
    assert "OFFICER-DECISION-STUB" not in client.get(accession_url(accession)).content.decode()


# --- Withdrawing ----------------------------------------------------------------------------


WITHDRAWAL = {"reason": "Vi lägger ner.", "confirmed": "on"}


def withdraw_url(accession) -> str:
    return reverse("organisations:withdraw", kwargs={"pk": accession.pk})


def test_withdrawing_keeps_the_accession_and_adds_an_event(
    client, rep, django_capture_on_commit_callbacks, mailoutbox
):
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    assert client.get(withdraw_url(accession)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(accession), WITHDRAWAL)
    assert response.status_code == 302
    assert response.url == accession_url(accession)
    accession.refresh_from_db()
    assert accession.status == Accession.Status.WITHDRAWN
    assert accession.withdrawal_reason == "Vi lägger ner."
    event = accession.events.get()
    assert event.action == AccessionEvent.Action.WITHDRAWN
    assert event.actor == rep.user
    assert len(mailoutbox) == 1
    # Withdrawing again is a conflict, and changes nothing.
    response = client.post(withdraw_url(accession), WITHDRAWAL)
    assert response.status_code == 409
    assert str(services.NOT_OPEN) in response.content.decode()
    assert accession.events.count() == 1
    assert Accession.objects.filter(pk=accession.pk).exists()


def test_a_pending_accession_can_be_withdrawn(client, rep):
    accession = AccessionFactory(organisation=rep.organisation, status=Accession.Status.PENDING)
    client.force_login(rep.user)
    assert client.post(withdraw_url(accession), WITHDRAWAL).status_code == 302
    accession.refresh_from_db()
    assert accession.status == Accession.Status.WITHDRAWN


def test_withdrawing_refuses_outsiders(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    url = withdraw_url(accession)
    response = client.post(url, {})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    for outsider in (RepresentativeFactory().user, officer_of("boras"), officer_of("goteborg")):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE


def test_after_withdrawing_the_organisation_can_sign_again(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    client.post(withdraw_url(accession), WITHDRAWAL)
    response = client.post(sign_url(rep.organisation), signature())
    assert response.status_code == 302
    assert Accession.objects.filter(organisation=rep.organisation).count() == 2


# --- Re-confirming a new version --------------------------------------------------------------


def new_version(agreement: Agreement) -> AgreementVersion:
    old = agreement.current_version
    old.status = AgreementVersion.Status.REPLACED
    old.save()
    return AgreementVersion.objects.create(
        agreement=agreement,
        key="reviderad",
        order=old.order + 1,
        status=AgreementVersion.Status.CURRENT,
        title=f"{agreement.title} (reviderad)",
    )


def reconfirm_url(accession) -> str:
    return reverse("organisations:reconfirm", kwargs={"pk": accession.pk})


def test_reconfirming_signs_the_new_version_and_keeps_the_old_active_until_verified(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    version = new_version(accession.agreement)
    client.force_login(rep.user)
    page = client.get(reconfirm_url(accession))
    assert page.status_code == 200
    assert html.escape(version.title) in page.content.decode()
    response = client.post(reconfirm_url(accession), signature())
    assert response.status_code == 302
    new = Accession.objects.get(replaces=accession)
    assert response.url == accession_url(new)
    assert new.version == version
    assert new.status == Accession.Status.PENDING
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE
    services.accession_verify(accession=new, actor=officer_of("goteborg"))
    accession.refresh_from_db()
    assert accession.status == Accession.Status.SUPERSEDED
    # A second re-confirmation of the same accession is refused.
    assert client.post(reconfirm_url(accession), signature()).status_code == 409


def test_reconfirming_with_nothing_to_reconfirm_is_refused(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    client.force_login(rep.user)
    page = client.get(reconfirm_url(accession))
    assert page.status_code == 200
    assert str(services.NOTHING_TO_RECONFIRM) in page.content.decode()
    response = client.post(reconfirm_url(accession), signature())
    assert response.status_code == 409
    assert Accession.objects.count() == 1


def test_reconfirming_checks_the_input_and_the_signer(client, rep):
    accession = AccessionFactory(organisation=rep.organisation)
    new_version(accession.agreement)
    client.force_login(rep.user)
    response = client.post(reconfirm_url(accession), signature(declaration_confirmed=None))
    assert response.status_code == 400
    client.force_login(RepresentativeFactory().user)
    assert client.post(reconfirm_url(accession), signature()).status_code == 403
    client.logout()
    assert client.post(reconfirm_url(accession), signature()).status_code == 302
    assert Accession.objects.count() == 1
