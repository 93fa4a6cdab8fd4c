import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_404_is_friendly_and_in_the_layout(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<main id="main"' in html
    assert html.count("<h1") == 1
    assert 'href="/overenskommelser/"' in html


def test_403_is_friendly(client):
    response = client.get("/handlaggare/", follow=False)
    assert response.status_code == 302  # anonymous: to the login page
    from tests.factories import RepresentativeFactory

    client.force_login(RepresentativeFactory().user)
    response = client.get("/handlaggare/")
    assert response.status_code == 403
    assert '<main id="main"' in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_renders_without_a_request_context():
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "<h1>" in response.content.decode()
