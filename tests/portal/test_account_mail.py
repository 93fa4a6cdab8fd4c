"""allauth's e-mail: notices of credential changes (ASVS 2.2.3), the stored and retried queue for
its messages (core/adapter.py), passwords of at least 12 characters (ASVS 2.1.1) and the TOTP
tolerance of one period."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from core.models import OutgoingMail
from tests.factories import UserFactory, with_mfa
from tests.portal.test_mail_faults import MailServer

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
NEW_PASSWORD = "ett nytt och långt lösenord"
SECRET = "JBSWY3DPEHPK3PXP"  # tests.factories.with_mfa


@pytest.fixture
def run_commit_hooks(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the task that sends the stored message), as in production."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def log_in(client, user, password=PASSWORD):
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    return response


def totp(secret: str, periods_from_now: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + periods_from_now))


# --- Notices of credential changes (ASVS 2.2.3) ---------------------------------------------------


def test_changing_the_password_sends_one_swedish_notice_without_the_password(
    client, run_commit_hooks
):
    user = UserFactory()
    log_in(client, user)
    with run_commit_hooks():
        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == [user.email]
    assert notice.subject == "Lösenord ändrat"
    assert "Ditt lösenord har ändrats." in notice.body
    assert "Du får det här mailet eftersom följande ändring gjordes på ditt konto" in notice.body
    assert NEW_PASSWORD not in notice.body and PASSWORD not in notice.body
    stored = OutgoingMail.objects.get()
    assert stored.template == "account/email/password_changed"
    assert stored.status == OutgoingMail.Status.SENT
    assert not stored.sensitive  # a notice holds no secret: it stays readable in the admin
    assert stored.body == notice.body


def test_the_notice_is_swedish_even_when_the_user_browses_in_english(english, run_commit_hooks):
    user = UserFactory()
    log_in(english, user)
    with run_commit_hooks():
        english.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert [m.subject for m in mail.outbox] == ["Lösenord ändrat"]


def test_a_password_reset_sends_the_link_and_then_a_notice(client, run_commit_hooks):
    user = UserFactory()
    with run_commit_hooks():
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/konto/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    assert OutgoingMail.objects.get().sensitive
    form = client.get(link.group(1), follow=True)
    with run_commit_hooks():
        response = client.post(
            form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == [user.email]
    assert "Ditt lösenord har återställts." in mail.outbox[1].body
    assert NEW_PASSWORD not in mail.outbox[1].body


def test_adding_making_primary_and_removing_an_address_are_told(client, run_commit_hooks):
    user = UserFactory()
    old = user.email
    log_in(client, user)
    with run_commit_hooks():
        response = client.post(
            reverse("account_email"), {"action_add": "", "email": "ny@forening.example.se"}
        )
    assert response.status_code == 302
    # The new address is asked to confirm (a link: sensitive); nothing changes until it does.
    assert [m.to for m in mail.outbox] == [["ny@forening.example.se"]]
    assert OutgoingMail.objects.get().sensitive
    EmailAddress.objects.filter(email="ny@forening.example.se").update(verified=True)

    with run_commit_hooks():
        client.post(
            reverse("account_email"), {"action_primary": "", "email": "ny@forening.example.se"}
        )
    changed = mail.outbox[-1]
    assert changed.to == [old]  # the old address learns that it is no longer the primary one
    assert changed.subject == "E-post ändrad"  # the portal's spelling, not allauth's "Epost"
    assert "ny@forening.example.se" in changed.body

    with run_commit_hooks():
        client.post(reverse("account_email"), {"action_remove": "", "email": old})
    removed = mail.outbox[-1]
    assert removed.to == ["ny@forening.example.se"]
    assert removed.subject == "E-post borttagen"
    assert old in removed.body
    assert len(mail.outbox) == 3


def test_turning_two_factor_authentication_on_and_off_is_told(client, run_commit_hooks):
    user = UserFactory()
    log_in(client, user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    with run_commit_hooks():
        response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302
    assert [m.subject for m in mail.outbox] == ["Autentiseringsapp aktiverad"]
    with run_commit_hooks():
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert mail.outbox[-1].subject == "Autentiseringsapp inaktiverad"
    assert all(m.to == [user.email] for m in mail.outbox)


# --- allauth's mail through the stored, retried queue ---------------------------------------------


def test_sign_up_with_the_mail_server_down_succeeds_and_the_confirmation_follows(
    client, monkeypatch, run_commit_hooks
):
    smtp = MailServer(monkeypatch)
    smtp.down = True
    with run_commit_hooks():
        response = client.post(
            reverse("account_signup"),
            {
                "first_name": "Nora",
                "last_name": "Ny",
                "email": "ny@forening.example.se",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(email="ny@forening.example.se").exists()
    waiting = OutgoingMail.objects.get()
    assert waiting.status == OutgoingMail.Status.PENDING
    assert waiting.attempts == 1
    assert "ConnectionRefusedError" in waiting.last_error
    assert waiting.template == "account/email/email_confirmation_signup"
    assert waiting.sensitive
    link = re.search(r"http://testserver(/konto/confirm-email/[^/\s]+/)", waiting.body).group(1)
    assert not mail.outbox

    smtp.down = False
    with run_commit_hooks():
        call_command("send_pending_mail", "--all", verbosity=0)
    assert len(mail.outbox) == 1
    assert link in mail.outbox[0].body
    waiting.refresh_from_db()
    assert waiting.status == OutgoingMail.Status.SENT
    assert waiting.body == ""  # the link is not kept once it has gone out
    # The link delivered late still confirms the address.
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email="ny@forening.example.se").verified


def test_the_admin_never_shows_the_body_of_a_sensitive_message(
    client, monkeypatch, run_commit_hooks
):
    user = UserFactory()
    MailServer(monkeypatch).down = True
    with run_commit_hooks():
        client.post(reverse("account_reset_password"), {"email": user.email})
    reset = OutgoingMail.objects.get()
    assert reset.status == OutgoingMail.Status.PENDING  # still holds its body, waiting
    key = re.search(r"/konto/password/reset/key/(\S+)/", reset.body).group(1)
    notice = OutgoingMail.objects.create(
        recipients=[user.email], subject="Lösenord ändrat", body="Ditt lösenord har ändrats."
    )

    client.force_login(with_mfa(UserFactory(is_staff=True, is_superuser=True)))
    html = client.get(f"/admin/core/outgoingmail/{reset.pk}/change/").content.decode()
    assert key not in html
    assert "/konto/password/reset/key/" not in html
    assert "Visas inte: meddelandet innehåller en länk eller kod som ger åtkomst." in html
    html = client.get(f"/admin/core/outgoingmail/{notice.pk}/change/").content.decode()
    assert "Ditt lösenord har ändrats." in html
    listing = client.get("/admin/core/outgoingmail/").content.decode()
    assert key not in listing


# --- Passwords of at least 12 characters (ASVS 2.1.1) ---------------------------------------------


def test_an_eleven_character_password_is_refused_with_a_swedish_message(client):
    short = "Fjällräv-11"
    assert len(short) == 11
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nora",
            "last_name": "Ny",
            "email": "kort@forening.example.se",
            "password1": short,
            "password2": short,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Det här lösenordet är för kort. Det måste innehålla minst 12 tecken." in html
    assert not get_user_model().objects.filter(email="kort@forening.example.se").exists()
    assert not OutgoingMail.objects.exists()


def test_a_twelve_character_password_is_accepted(client):
    password = "Fjällräv-120"
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nora",
            "last_name": "Ny",
            "email": "lagom@forening.example.se",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="lagom@forening.example.se").exists()


def test_the_sign_up_page_says_twelve_characters(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Ditt lösenord måste innehålla minst 12 tecken." in html


# --- TOTP: one period of tolerance ----------------------------------------------------------------


@pytest.mark.parametrize("periods", [-1, 1])
def test_a_code_from_the_period_before_or_after_is_accepted(client, periods):
    user = with_mfa(UserFactory())
    log_in(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": totp(SECRET, periods)})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_code_two_periods_old_is_refused(client):
    user = with_mfa(UserFactory())
    log_in(client, user)
    response = client.post(reverse("mfa_authenticate"), {"code": totp(SECRET, -2)})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- How the messages name the site and the person (issue 17) ----------------------------------


def test_allauth_messages_greet_from_the_portal_and_name_the_person_not_the_username(
    client, run_commit_hooks
):
    from django.conf import settings
    from django.utils import translation

    user = UserFactory(username="user-8f3a2c", first_name="Karin", last_name="Ek")
    with run_commit_hooks():
        client.post(reverse("account_reset_password"), {"email": user.email})
    body = mail.outbox[0].body
    with translation.override("sv"):
        portal = str(settings.PORTAL_NAME)
    assert f"Hej från {portal}!" in body, body
    assert "Hej från testserver" not in body and "user-8f3a2c" not in body
    assert f"Tack för att du använder {portal}!" in body


def test_the_person_is_named_by_name_or_address():
    from allauth.account.utils import user_display

    assert user_display(UserFactory(first_name="Karin", last_name="Ek")) == "Karin Ek"
    nameless = UserFactory(username="user-8f3a2c", first_name="", last_name="")
    assert user_display(nameless) == nameless.email


def test_officers_land_on_their_workspace_and_others_on_my_pages(client):
    from tests.factories import mfa_officer

    officer = mfa_officer("goteborg")
    response = client.post(reverse("account_login"), {"login": officer.email, "password": PASSWORD})
    # Two-factor first, then the workspace.
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp(SECRET)})
    assert response["Location"] == reverse("organisations:officer")

    client.logout()
    plain = UserFactory()
    assert log_in(client, plain)["Location"] == reverse("organisations:dashboard")
    client.logout()
    # An address the login was asked for still wins.
    response = client.post(
        reverse("account_login") + "?next=/organisationer/",
        {"login": plain.email, "password": PASSWORD, "next": "/organisationer/"},
    )
    assert response["Location"] == "/organisationer/"
