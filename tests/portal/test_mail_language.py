"""Every e-mail is written in its recipient's language (issue 17, item 7).

The language is the one stored with the recipient's account (``core.LanguagePreference``), not
the language of whoever caused the message; an account that never chose gets Swedish, an
address without an account the sender's language.
"""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from agreements.models import Agreement
from core.accounts import language_preference_set, mail_languages
from core.mail import send_templated_mail
from core.models import OutgoingMail
from organisations import services
from organisations.models import Accession, OfficerNotice, OfficerPreference
from tests.factories import (
    AccessionFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
    with_mfa,
)

pytestmark = pytest.mark.django_db

JOINED_SV = "har anslutit sig till överenskommelsen"
JOINED_EN = "has joined the agreement"


def _prefers(user, language: str):
    language_preference_set(user=user, language=language)
    return user


def _pending_with(*representatives) -> Accession:
    organisation = OrganisationFactory()
    for user in representatives:
        RepresentativeFactory(organisation=organisation, user=user)
    return AccessionFactory(organisation=organisation, status=Accession.Status.PENDING)


def _officer_client(client, officer, language: str):
    client.force_login(officer)
    if language == "en":
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# --- core: one message per language among the recipients -----------------------------------------


def test_recipients_of_two_languages_get_one_message_each_in_their_own():
    english = _prefers(UserFactory(), "en")
    swedish = _prefers(UserFactory(), "sv")
    never_chose = UserFactory()
    context = {"accession": AccessionFactory(), "url": "https://example.se/"}
    messages = send_templated_mail(
        to=[english.email, swedish.email, never_chose.email],
        template="organisations/email/accession_verified",
        context=context,
    )
    by_language = {m.language: m for m in messages}
    assert set(by_language) == {"en", "sv"}
    assert by_language["en"].recipients == [english.email]
    assert sorted(by_language["sv"].recipients) == sorted([swedish.email, never_chose.email])
    assert JOINED_EN in by_language["en"].subject
    assert JOINED_SV in by_language["sv"].subject
    assert "has joined" not in by_language["sv"].body and "anslutit" not in by_language["en"].body


def test_an_address_without_an_account_is_written_to_in_the_senders_language():
    with translation.override("en"):
        assert mail_languages(["ny@forening.example.se"]) == {"ny@forening.example.se": "en"}
    with translation.override("sv"):
        assert mail_languages(["ny@forening.example.se"]) == {"ny@forening.example.se": "sv"}


def test_an_account_is_found_by_any_of_its_addresses_whatever_their_case():
    from allauth.account.models import EmailAddress

    user = _prefers(UserFactory(email="Karin.Ek@Example.se"), "en")
    EmailAddress.objects.create(user=user, email="ny-adress@example.se", verified=False)
    with translation.override("sv"):
        assert mail_languages(["karin.ek@example.se", "ny-adress@example.se"]) == {
            "karin.ek@example.se": "en",
            "ny-adress@example.se": "en",
        }


def test_an_account_that_never_chose_gets_swedish_whatever_the_sender_speaks():
    user = UserFactory()
    with translation.override("en"):
        assert mail_languages([user.email]) == {user.email: "sv"}


def test_an_unknown_language_is_refused_and_nothing_is_stored():
    from django.core.exceptions import ValidationError

    from core.models import LanguagePreference

    user = UserFactory()
    for bad in ("de", "", "sv-SE; DROP", "EN"):
        with pytest.raises(ValidationError):
            language_preference_set(user=user, language=bad)
    assert not LanguagePreference.objects.filter(user=user).exists()


def test_the_languages_of_many_recipients_cost_the_same_queries_as_of_two():
    """Two look-ups whatever the number of addresses, then one stored message per language."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    context = {"accession": AccessionFactory(), "url": "https://example.se/"}

    def queries_for(count: int) -> int:
        people = [_prefers(UserFactory(), "en" if n % 2 else "sv") for n in range(count)]
        addresses = [p.email for p in people] + [f"utan-konto-{count}@example.se"]
        with CaptureQueriesContext(connection) as captured:
            messages = send_templated_mail(
                to=addresses, template="organisations/email/accession_verified", context=context
            )
        assert sorted(m.language for m in messages) == ["en", "sv"]
        return len(captured.captured_queries)

    assert queries_for(30) == queries_for(2)


def test_one_message_to_each_address_looks_the_languages_up_once():
    """``separately``: each address its own message (a council's members do not see each
    other's), rendered once per language, the look-ups not repeated per address."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    context = {"accession": AccessionFactory(), "url": "https://example.se/"}

    def sent_to(count: int):
        people = [_prefers(UserFactory(), "en" if n % 2 else "sv") for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            messages = send_templated_mail(
                to=[p.email for p in people],
                template="organisations/email/accession_verified",
                context=context,
                separately=True,
            )
        assert sorted(len(m.recipients) for m in messages) == [1] * count
        assert {m.recipients[0] for m in messages} == {p.email for p in people}
        # Two look-ups, then per message its insert (and its task): a fixed cost per message.
        return len(captured.captured_queries), len(messages)

    (few, two), (many, twenty) = sent_to(2), sent_to(20)
    assert (many - few) == (twenty - two) * ((few - 2) // two)


# --- organisations: a Swedish officer, an English representative, and the other way round ------


def test_a_swedish_officers_verification_reaches_an_english_representative_in_english(
    client, officer, django_capture_on_commit_callbacks
):
    english = _prefers(UserFactory(), "en")
    swedish = UserFactory()  # never chose: Swedish
    accession = _pending_with(english, swedish)
    _officer_client(client, officer, "sv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisations:verify", args=[accession.pk]))
    assert response.status_code == 302
    sent = {tuple(m.to): m for m in mail.outbox}
    assert set(sent) == {(english.email,), (swedish.email,)}
    assert JOINED_EN in sent[(english.email,)].subject
    assert "is now listed in the public register" in sent[(english.email,)].body
    assert JOINED_SV in sent[(swedish.email,)].subject
    assert "is now listed" not in sent[(swedish.email,)].body


def test_an_english_officers_verification_reaches_a_swedish_representative_in_swedish(
    client, officer, django_capture_on_commit_callbacks
):
    swedish = _prefers(UserFactory(), "sv")
    accession = _pending_with(swedish)
    _officer_client(client, officer, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisations:verify", args=[accession.pk]))
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == [swedish.email]
    assert JOINED_SV in message.subject
    assert JOINED_EN not in message.body


def test_officers_are_told_of_new_work_each_in_their_own_language(
    client, django_capture_on_commit_callbacks
):
    """A representative signing in Swedish tells a Swedish and an English officer; the English
    one's digest line is written in English too."""
    swedish_officer = OfficerRoleFactory().user
    english_officer = _prefers(OfficerRoleFactory().user, "en")
    digest_officer = _prefers(OfficerRoleFactory().user, "en")
    OfficerPreference.objects.create(
        user=digest_officer, work_mail=OfficerPreference.WorkMail.DIGEST
    )
    rep = RepresentativeFactory()
    with django_capture_on_commit_callbacks(execute=True), translation.override("sv"):
        services.accession_sign(
            organisation=rep.organisation,
            version=Agreement.objects.get(
                municipality=rep.organisation.municipality
            ).current_version,
            actor=rep.user,
            signature=services.Signature(
                basis=Accession.Basis.SIGNATORY,
                signer_name="Rut Ek",
                signer_title="Ordförande",
                declaration_confirmed=True,
            ),
        )
    to_officers = [m for m in mail.outbox if rep.user.email not in m.to]
    by_address = {m.to[0]: m for m in to_officers}
    assert set(by_address) == {swedish_officer.email, english_officer.email}
    name = rep.organisation.name
    assert (
        by_address[english_officer.email].subject == f"To verify: {name} has signed the agreement"
    )
    assert (
        by_address[swedish_officer.email].subject
        == f"Att verifiera: {name} har undertecknat överenskommelsen"
    )
    notice = OfficerNotice.objects.get(user=digest_officer)
    assert notice.summary == f"To verify: {name} has signed the agreement"


# --- allauth's own mail: the password reset ------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "preferred", "subject"),
    [
        ("sv", "en", "Password Reset Email"),
        ("en", "sv", "Återställning av lösenord"),
    ],
)
def test_a_password_reset_is_written_in_the_account_holders_language(
    client, django_capture_on_commit_callbacks, page, preferred, subject
):
    user = _prefers(UserFactory(), preferred)
    if page == "en":
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == subject
    assert OutgoingMail.objects.get().language == preferred


def test_a_reset_for_an_address_without_an_account_answers_in_the_page_language(
    english, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        english.post(reverse("account_reset_password"), {"email": "ingen@example.se"})
    [message] = mail.outbox
    assert message.subject == "Unknown Account"  # allauth's answer, in the page's language
    assert OutgoingMail.objects.get().language == "en"


def test_a_staff_member_reading_the_queue_sees_each_messages_language(client):
    user = _prefers(UserFactory(), "en")
    send_templated_mail(
        to=[user.email],
        template="organisations/email/accession_verified",
        context={"accession": AccessionFactory(), "url": "/"},
    )
    client.force_login(with_mfa(UserFactory(is_staff=True, is_superuser=True)))
    message = OutgoingMail.objects.get()
    html = client.get(f"/admin/core/outgoingmail/{message.pk}/change/").content.decode()
    assert ">en<" in html.replace(" ", "").replace("\n", "")
