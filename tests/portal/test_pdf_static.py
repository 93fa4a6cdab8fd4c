"""The PDF renderer finds the site's stylesheet under production's hashed static names."""

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.templatetags.static import static

from core.pdf import PDF_BASE_URL, _static_files_fetcher_class


@pytest.fixture
def manifest_static(settings, tmp_path):
    """Static files as production serves them: collected, with content hashes in their names."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    yield
    staticfiles_storage._wrapped = None  # the storage is set up again from the settings


def test_hashed_stylesheet_is_served_to_the_renderer(manifest_static):
    url = static("css/pdf.css")
    assert url != "/static/css/pdf.css"  # a hashed name, as production's templates write it
    fetched = _static_files_fetcher_class()().fetch(PDF_BASE_URL + url.lstrip("/"))
    with open(finders.find("css/pdf.css"), "rb") as source:
        assert fetched.read() == source.read()


@pytest.mark.parametrize(
    "path", ["static/../../settings.py", "static/css/missing.css", "elsewhere/css/pdf.css"]
)
def test_anything_else_is_refused(manifest_static, path):
    with pytest.raises(ValueError):
        _static_files_fetcher_class()().fetch(PDF_BASE_URL + path)
