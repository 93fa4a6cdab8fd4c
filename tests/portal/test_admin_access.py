"""The admin is reached through the site's login and only with two-factor authentication."""

import pytest

from tests.factories import UserFactory, with_mfa

pytestmark = pytest.mark.django_db


def staff(mfa: bool):
    user = UserFactory(is_staff=True, is_superuser=True)
    if mfa:
        with_mfa(user)
    return user


def test_anonymous_is_sent_to_the_sites_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/konto/login/?next=/admin/")


def test_staff_without_mfa_must_activate_it(client):
    client.force_login(staff(mfa=False))
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert "/konto/2fa/" in response["Location"]


def test_staff_with_mfa_reaches_the_admin(client):
    client.force_login(staff(mfa=True))
    assert client.get("/admin/").status_code == 200


def test_non_staff_is_refused(client):
    client.force_login(UserFactory())
    response = client.get("/admin/login/")
    assert response.status_code == 403


def test_login_does_not_redirect_to_another_host(client):
    client.force_login(staff(mfa=True))
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/admin/"
