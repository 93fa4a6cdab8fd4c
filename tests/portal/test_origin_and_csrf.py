"""The language switch's origin check, and the site's own page for a refused form (CSRF)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import RepresentativeFactory

pytestmark = pytest.mark.django_db

SWITCH = {"language": "en", "next": "/"}
CSRF_HEADING_SV = "Formuläret kunde inte skickas"
CSRF_HEADING_EN = "The form could not be sent"


def _assert_csrf_page(response, heading=CSRF_HEADING_SV):
    assert response.status_code == 403
    html = response.content.decode()
    assert heading in html
    assert '<main id="main"' in html and html.count("<h1") == 1  # the site's layout
    assert "<style" not in html and "style=" not in html  # the CSP allows no inline style
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "null", "HTTP_REFERER": "http://testserver/"},
        {"HTTP_ORIGIN": ""},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
        {"HTTP_ORIGIN": "http://testserver:8080"},
        {"HTTP_ORIGIN": "/"},
        {"HTTP_ORIGIN": "http://testserver/path"},  # an Origin is never a page's address
        {"HTTP_REFERER": "null"},
        {"HTTP_REFERER": "/"},
        {"HTTP_REFERER": "https://evil.example/?http://testserver/"},
        {"HTTP_REFERER": "//evil.example/"},
    ],
)
def test_language_switch_refuses_any_origin_but_the_sites_own(client, headers):
    response = client.post(reverse("set_language"), SWITCH, **headers)
    _assert_csrf_page(response)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get("/")["Content-Language"] == "sv"  # the language did not change


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "HTTP://TESTSERVER"},
        {"HTTP_REFERER": "http://testserver/overenskommelser/"},
        {},  # neither header: not a browser's cross-site form
    ],
)
def test_language_switch_accepts_the_sites_own_pages(client, headers):
    response = client.post(reverse("set_language"), SWITCH, **headers)
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_language_switch_accepts_a_trusted_origin(client, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://samverkan.example.se"]
    response = client.post(
        reverse("set_language"), SWITCH, HTTP_ORIGIN="https://samverkan.example.se"
    )
    assert response.status_code == 302


def test_every_other_form_refuses_origin_null_with_the_sites_page():
    """Django's CSRF check guards every other form; with a valid token, ``Origin: null`` is
    still refused, with the site's page, and nothing changes."""
    rep = RepresentativeFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep.user)
    client.get(reverse("account_email"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("account_email"),
        {"action_add": "", "email": "ny@example.se", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
    )
    _assert_csrf_page(response)
    assert not rep.user.emailaddress_set.filter(email="ny@example.se").exists()


def test_a_missing_token_gets_the_csrf_page_in_the_visitors_language():
    client = Client(enforce_csrf_checks=True)
    client.post(reverse("set_language"), SWITCH)  # English chosen
    response = client.post(reverse("account_login"), {"login": "a@example.se", "password": "x"})
    _assert_csrf_page(response, CSRF_HEADING_EN)
    assert "reload the page" in response.content.decode()
