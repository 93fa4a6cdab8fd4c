"""The accessibility statement says how the site was tested, with the tools' real versions."""

import importlib.metadata
import json
from pathlib import Path

import pytest
from django.utils import translation

from portal.views import ACCESSIBILITY_TESTING

LOCK = Path(__file__).resolve().parents[1] / "e2e" / "package-lock.json"


def test_statement_names_the_versions_the_browser_tests_use():
    packages = json.loads(LOCK.read_text())["packages"]
    assert packages["node_modules/axe-core"]["version"] == ACCESSIBILITY_TESTING["axe_core"]
    assert packages["node_modules/vnu-jar"]["version"] == ACCESSIBILITY_TESTING["vnu"]
    assert importlib.metadata.version("playwright") == ACCESSIBILITY_TESTING["playwright"]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_statement_lists_tools_versions_date_and_known_gaps(client, language):
    if language == "en":
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/tillganglighet/").content.decode()
    for tool in ("Playwright", "Chromium", "axe-core", "Nu Html Checker"):
        assert tool in html
    for version in ("1.65.2", "4.14.1", "26.9.27"):
        assert f"version {version}" in html
    with translation.override(language):
        assert translation.gettext("Known gaps") in html
    assert ("23 november 2026" if language == "sv" else "23 November 2026") in html
