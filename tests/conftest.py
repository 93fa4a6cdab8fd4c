import importlib

import pytest
from django.apps import apps
from django.core.cache import cache, caches

from agreements.models import Agreement
from agreements.services import agreements_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the four published agreements once, into the test database every test starts from."""
    with django_db_blocker.unblock():
        agreements_load()


@pytest.fixture
def _seed_data_back(django_db_blocker):
    """After the flush that ends a transactional test, put back what the session loaded once.

    Request it before ``transactional_db`` (see ``committed_db`` in tests/security and tests/e2e),
    so it is set up before the flush's fixture and torn down after it. Without this, every later
    test would find no agreements (loaded once per session, above) and no areas of activity (a
    data migration adds them).
    """
    yield
    with django_db_blocker.unblock():
        loaded = agreements_load()
        migration = importlib.import_module("organisations.migrations.0002_activity_areas")
        migration.add_areas(apps, None)
        assert Agreement.objects.count() == len(loaded.agreements)


@pytest.fixture(autouse=True)
def _temporary_files(tmp_path, monkeypatch, settings):
    """Uploads and generated files go to a temporary directory, never to var/."""
    from django.core.files.storage import FileSystemStorage

    from organisations.models import Accession

    settings.MEDIA_ROOT = tmp_path / "media"
    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(Accession._meta.get_field("minutes"), "storage", storage)
    monkeypatch.setattr(Accession._meta.get_field("application"), "storage", storage)
    return storage


@pytest.fixture
def private_storage(_temporary_files):
    return _temporary_files


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches: pages and fragments, rate limits and used codes."""
    cache.clear()
    caches["security"].clear()
    yield
    cache.clear()
    caches["security"].clear()


@pytest.fixture
def officer():
    """An officer of Göteborg with two-factor authentication, as every officer must have.

    The suite's default officer; a module that needs another (one without two-factor, one of
    another municipality) defines its own ``officer``, which takes precedence.
    """
    from tests.factories import mfa_officer

    return mfa_officer("goteborg")


@pytest.fixture
def boras_officer():
    """An officer of Borås with two-factor authentication."""
    from tests.factories import mfa_officer

    return mfa_officer("boras")


@pytest.fixture
def member():
    """A member of Göteborg's council (Got United), civil society side, with two-factor."""
    from tests.factories import CouncilMembershipFactory, with_mfa

    return with_mfa(CouncilMembershipFactory().user)


@pytest.fixture
def english(client):
    """A client that has chosen English with the language switch."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}"
