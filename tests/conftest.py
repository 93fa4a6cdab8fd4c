import pytest
from django.core.cache import cache

from agreements.services import agreements_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the four published agreements once, into the test database every test starts from."""
    with django_db_blocker.unblock():
        agreements_load()


@pytest.fixture(autouse=True)
def _temporary_files(tmp_path, monkeypatch, settings):
    """Uploads and generated files go to a temporary directory, never to var/."""
    from django.core.files.storage import FileSystemStorage

    from organisations.models import Accession

    settings.MEDIA_ROOT = tmp_path / "media"
    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(Accession._meta.get_field("minutes"), "storage", storage)
    return storage


@pytest.fixture
def private_storage(_temporary_files):
    return _temporary_files


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    """A client that has chosen English with the language switch."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}"
