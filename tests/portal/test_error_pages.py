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


def test_a_permission_refusal_is_one_log_line_without_a_traceback(client, caplog):
    from tests.factories import RepresentativeFactory

    user = RepresentativeFactory().user
    client.force_login(user)
    with caplog.at_level("INFO"):
        assert client.get("/handlaggare/").status_code == 403
    refusals = [r for r in caplog.records if "/handlaggare/" in r.getMessage()]
    assert len(refusals) == 1, [(r.name, r.getMessage()) for r in refusals]
    (line,) = refusals
    assert line.name == "portal.security" and line.levelname == "WARNING"
    message = line.getMessage()
    assert f"user={user.pk}" in message and "GET /handlaggare/" in message
    assert "reason=" in message and "organisations:officer" in message
    assert line.exc_info is None and "\n" not in message


def test_a_server_error_keeps_its_traceback_in_the_log(client, caplog, monkeypatch):
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr("agreements.models.AgreementQuerySet.with_current_version", broken)
    with caplog.at_level("INFO"):
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    (error,) = [r for r in caplog.records if r.name == "django.request"]
    assert error.levelname == "ERROR" and error.exc_info and error.exc_info[0] is RuntimeError


def test_a_csrf_refusal_is_one_log_line(caplog):
    from django.test import Client

    with caplog.at_level("INFO"):
        response = Client(enforce_csrf_checks=True).post("/konto/login/", {"login": "a@b.se"})
    assert response.status_code == 403
    (line,) = [r for r in caplog.records if "/konto/login/" in r.getMessage()]
    assert line.name == "portal.security" and "CSRF" in line.getMessage()
    assert line.exc_info is None
