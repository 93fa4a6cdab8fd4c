"""Accounts (django-allauth) in the site's layout: sign up, verify, log in, reset, two factors."""

import re
import time
from html.parser import HTMLParser

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import OfficerRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXP"


def totp_code(secret: str = SECRET) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, user, password=PASSWORD):
    """Log in through allauth's form, so that the session counts as recently authenticated."""
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def reauthenticate(client, password=PASSWORD):
    """Confirm the password again, as allauth asks before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


class _FormAudit(HTMLParser):
    """Collects the h1s, the visible inputs' ids and the labels' targets of a page."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.inputs: list[str] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
        ):
            self.inputs.append(attrs.get("id") or "")
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])


def assert_accessible_page(response):
    """Rendered inside the site's layout, one h1, every field with a label."""
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert '<main id="main"' in html
    assert 'class="site-footer"' in html
    assert "style=" not in html.split('<main id="main"')[1].split("</main>")[0]
    audit = _FormAudit()
    audit.feed(html)
    assert audit.h1 == 1
    unlabelled = [field_id for field_id in audit.inputs if field_id not in audit.labels]
    assert unlabelled == []
    return html


# --- Signing up, verifying the address, logging in -----------------------------------------------


def test_signup_sends_a_verification_link_that_confirms_on_post_and_then_login_works(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the worker sends after the commit
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
    assert not is_logged_in(client)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ny@forening.example.se"]
    link = re.search(r"http://testserver(/konto/confirm-email/[^/\s]+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    address = EmailAddress.objects.get(email="ny@forening.example.se")
    assert not address.verified

    # Opening the link shows a page with a button; only the POST confirms (no GET side effects).
    page = client.get(link.group(1))
    html = assert_accessible_page(page)
    assert "ny@forening.example.se" in html
    address.refresh_from_db()
    assert not address.verified
    response = client.post(link.group(1))
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.verified

    client.post(reverse("account_logout"))
    assert not is_logged_in(client)
    response = client.post(
        reverse("account_login"), {"login": "ny@forening.example.se", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert is_logged_in(client)


def test_login_is_refused_until_the_address_is_verified(client):
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = log_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)


def test_login_with_a_wrong_password_shows_an_error_with_the_form(english):
    user = UserFactory()
    response = log_in(english, user, password="not the password")
    html = assert_accessible_page(response)
    with translation.override("en"):
        message = str(DefaultAccountAdapter.error_messages["email_password_mismatch"])
    assert message in html
    assert 'class="alert alert-block alert-danger"' in html or "alert-danger" in html
    assert not is_logged_in(english)


def test_password_reset_sends_an_email(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/konto/password/reset/key/" in mail.outbox[0].body


def test_failed_logins_for_the_same_address_are_rate_limited(english):
    """ACCOUNT_RATE_LIMITS["login_failed"] = 5 per key: the sixth attempt is refused outright.

    allauth 65 answers with the login form and a form error (HTTP 200), not with a 429, and it
    refuses even the right password until the limit has passed.
    """
    user = UserFactory()
    assert "5/5m/key" in settings.ACCOUNT_RATE_LIMITS["login_failed"]
    with translation.override("en"):
        too_many = str(DefaultAccountAdapter.error_messages["too_many_login_attempts"])
    for _attempt in range(5):
        response = log_in(english, user, password="wrong password")
        assert too_many not in response.content.decode()
    response = log_in(english, user)
    assert response.status_code in (200, 429)
    assert too_many in response.content.decode()
    assert not is_logged_in(english)


# --- Languages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "swedish", "english_text"),
    [
        ("account_login", "Logga in", "Sign In"),
        ("account_signup", "Skapa konto", "Sign Up"),
        ("account_reset_password", "Återställning av lösenord", "Password Reset"),
    ],
)
def test_account_pages_are_swedish_by_default_and_english_after_the_switch(
    client, url_name, swedish, english_text
):
    html = client.get(reverse(url_name)).content.decode()
    assert '<html lang="sv">' in html
    assert f"<h1>\n        {swedish}" in html or re.search(rf"<h1>\s*{swedish}\s*</h1>", html)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse(url_name)).content.decode()
    assert '<html lang="en">' in html
    assert re.search(rf"<h1>\s*{english_text}\s*</h1>", html)


# --- Every account page in the site's layout -----------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_reset_password_done"],
)
def test_entrance_pages_render_in_the_site_layout(client, url_name):
    assert_accessible_page(client.get(reverse(url_name)))


def test_verification_sent_page_renders_in_the_site_layout(client):
    assert_accessible_page(client.get(reverse("account_email_verification_sent")))


def test_invalid_confirmation_link_explains_itself(client):
    html = assert_accessible_page(client.get("/konto/confirm-email/not-a-key/"))
    assert 'href="/konto/email/"' in html


def test_password_reset_from_key_page_renders(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email})
    path = re.search(r"http://testserver(/konto/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(path.group(1), follow=True)
    html = assert_accessible_page(response)
    assert 'autocomplete="new-password"' in html


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "mfa_index",
        "mfa_activate_totp",
    ],
)
def test_manage_pages_render_in_the_site_layout_with_the_account_menu(client, url_name):
    user = UserFactory()
    log_in(client, user)
    reauthenticate(client)
    html = assert_accessible_page(client.get(reverse(url_name)))
    assert 'class="account-menu' in html
    assert reverse("organisations:my-data") in html
    assert reverse("organisations:delete-account") in html


def test_reauthenticate_page_renders_in_the_site_layout(client):
    log_in(client, UserFactory())
    html = assert_accessible_page(client.get(reverse("account_reauthenticate")))
    assert 'autocomplete="current-password"' in html


def test_change_password_page_keeps_allauths_autocomplete_hints(client):
    log_in(client, UserFactory())
    html = client.get(reverse("account_change_password")).content.decode()
    assert 'autocomplete="current-password"' in html
    assert 'autocomplete="new-password"' in html


def test_change_password_errors_are_shown_next_to_the_field(english):
    log_in(english, UserFactory())
    response = english.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "x", "password2": "y"},
    )
    html = assert_accessible_page(response)
    assert "is-invalid" in html
    assert "invalid-feedback" in html


# --- Two-factor authentication -------------------------------------------------------------------


def test_mfa_pages_render_for_a_logged_in_user(client):
    user = UserFactory()
    log_in(client, user)
    html = assert_accessible_page(client.get(reverse("mfa_index")))
    reauthenticate(client)
    assert "Tvåfaktorsautentisering" in html
    assert reverse("mfa_activate_totp") in html
    html = assert_accessible_page(client.get(reverse("mfa_activate_totp")))
    assert 'src="data:image/svg+xml' in html
    assert 'autocomplete="one-time-code"' in html


def test_activating_totp_with_a_code_from_the_app(client):
    user = UserFactory()
    log_in(client, user)
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    html = assert_accessible_page(client.get(reverse("mfa_view_recovery_codes")))
    assert 'id="recovery_codes"' in html


def test_login_with_totp_asks_for_the_code_then_logs_in(client):
    user = UserFactory()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": SECRET})
    response = log_in(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    html = assert_accessible_page(client.get(reverse("mfa_authenticate")))
    assert "Tvåfaktorsautentisering" in html
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert not is_logged_in(client)
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert is_logged_in(client)


# --- The header menu -----------------------------------------------------------------------------


def test_anonymous_visitor_sees_log_in_and_create_account(english):
    html = english.get("/").content.decode()
    assert f'href="{reverse("account_login")}"' in html
    assert f'href="{reverse("account_signup")}"' in html
    assert f'href="{reverse("organisations:register")}"' in html
    assert f'href="{reverse("organisations:open-data")}"' in html
    assert reverse("organisations:dashboard") not in html
    assert reverse("account_logout") not in html


def test_logged_in_user_sees_my_pages_account_and_a_logout_button(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert f'href="{reverse("organisations:dashboard")}"' in html
    assert f'href="{reverse("organisations:profile")}"' in html
    assert f'action="{reverse("account_logout")}" method="post"' in html
    assert f'href="{reverse("organisations:officer")}"' not in html
    assert f'href="{reverse("account_login")}' not in html


def test_officer_sees_the_officer_workspace_in_the_menu(client):
    officer = OfficerRoleFactory().user
    client.force_login(officer)
    html = client.get("/").content.decode()
    assert f'href="{reverse("organisations:officer")}"' in html


def test_logout_button_logs_out(client):
    client.force_login(UserFactory())
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_login_link_returns_to_the_page_the_visitor_was_on(client):
    html = client.get("/overenskommelser/").content.decode()
    assert 'href="/konto/login/?next=/overenskommelser/"' in html


def test_menu_costs_no_query_for_anonymous_visitors_and_one_for_users(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as anonymous:
        client.get("/")
    user = get_user_model().objects.get(pk=UserFactory().pk)
    client.force_login(user)
    with CaptureQueriesContext(connection) as logged_in:
        client.get("/")
    officer_queries = [q for q in logged_in.captured_queries if "officerrole" in q["sql"]]
    assert len(officer_queries) == 1
    assert not [q for q in anonymous.captured_queries if "officerrole" in q["sql"]]
