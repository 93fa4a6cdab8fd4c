"""Production settings, security headers, session timeouts, security logging and the 503 page."""

import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

from core.middleware import SessionTimeoutMiddleware
from tests.factories import RepresentativeFactory

pytestmark = pytest.mark.django_db


def test_check_deploy_reports_nothing():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-not-a-real-secret-but-long-enough-for-the-check-123",
        "DJANGO_ALLOWED_HOSTS": "samverkan.example.se",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers_on_every_page(client):
    response = client.get("/")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_no_inline_script_or_style_anywhere(client):
    html = client.get("/overenskommelser/goteborg/").content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    session[SessionTimeoutMiddleware.STARTED] = now - seconds_ago.get("started", 0)
    session[SessionTimeoutMiddleware.SEEN] = now - seconds_ago.get("seen", 0)
    session.save()


@pytest.mark.parametrize(
    "ages",
    [
        {"seen": settings.SESSION_IDLE_TIMEOUT + 5},
        {"started": settings.SESSION_ABSOLUTE_TIMEOUT + 5},
    ],
    ids=["idle", "absolute"],
)
def test_expired_sessions_are_logged_out(client, ages):
    client.force_login(RepresentativeFactory().user)
    client.get("/mina-sidor/")
    _age_session(client, **ages)
    response = client.get("/mina-sidor/")
    assert response.status_code == 302
    assert "/konto/login/" in response["Location"]


def test_active_session_stays(client):
    client.force_login(RepresentativeFactory().user)
    client.get("/mina-sidor/")
    _age_session(client, seen=60, started=3600)
    assert client.get("/mina-sidor/").status_code == 200


def test_a_signed_in_request_saves_the_session_at_most_once_a_minute(client):
    """Keeping the session's times must not write the session on every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(RepresentativeFactory().user)
    client.get("/mina-sidor/")  # records the start and the last-seen time
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/mina-sidor/").status_code == 200
    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert not writes
    _age_session(client, seen=61, started=3600)
    with CaptureQueriesContext(connection) as queries:
        client.get("/mina-sidor/")
    assert any("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries)


def test_database_down_gives_the_friendly_503(client):
    client.raise_request_exception = False
    with mock.patch(
        "agreements.views.Agreement.objects.select_related",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/overenskommelser/boras/")
    assert response.status_code == 503
    html = response.content.decode()
    assert '<main id="main"' in html and html.count("<h1") == 1


def test_other_errors_give_the_friendly_500(client):
    client.raise_request_exception = False
    with mock.patch(
        "agreements.views.Agreement.objects.select_related", side_effect=ValueError("bug")
    ):
        response = client.get("/overenskommelser/boras/")
    assert response.status_code == 500
    assert '<main id="main"' in response.content.decode()


def test_refusals_and_failed_logins_are_security_events(client, caplog):
    client.force_login(RepresentativeFactory().user)
    with caplog.at_level("WARNING", logger="portal.security"):
        assert client.get("/handlaggare/").status_code == 403
    assert "permission refused: GET /handlaggare/" in caplog.text
    client.logout()
    caplog.clear()
    with caplog.at_level("WARNING", logger="portal.security"):
        client.post("/konto/login/", {"login": "nobody@example.se", "password": "wrong-password"})
    assert "failed login for 'nobody@example.se'" in caplog.text
    assert "wrong-password" not in caplog.text
