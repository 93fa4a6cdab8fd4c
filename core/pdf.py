"""WeasyPrint, wrapped once: HTML from a template, then tagged PDF bytes.

The HTML is built by ``render_pdf_html`` (testable without rendering); ``render_pdf`` turns it
into a tagged PDF/UA-1 document. Resources resolve only to this project's static files: the
renderer never opens a network connection.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation

PDF_BASE_URL = "https://pdf.invalid/"
_STATIC_PREFIX = PDF_BASE_URL + "static/"


def _static_path(relative: str) -> Path | None:
    """The file behind a static URL: a source file (the finders), or a collected file such as
    the manifest storage's hashed name (css/pdf.0379a898ea9f.css), which only STATIC_ROOT has."""
    try:
        found = finders.find(relative)
        if not found and staticfiles_storage.exists(relative):
            found = staticfiles_storage.path(relative)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


@functools.cache
def _static_files_fetcher_class():
    # WeasyPrint takes seconds to import, so it is imported on the first render, not at start-up.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesURLFetcher(URLFetcher):
        """Serve /static/… from the staticfiles finders and data: URLs; refuse everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(_STATIC_PREFIX):
                relative = url.removeprefix(_STATIC_PREFIX).split("?")[0].split("#")[0]
                path = _static_path(relative)
                if path:
                    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, path.read_bytes(), headers={"Content-Type": content_type}
                    )
            raise ValueError(f"The PDF renderer loads only the site's static files, not {url}")

    return StaticFilesURLFetcher


def render_pdf_html(template_name: str, context: dict, *, language: str = "sv") -> str:
    with translation.override(language):
        return render_to_string(template_name, {**context, "pdf_language": language})


def render_pdf(template_name: str, context: dict, *, language: str = "sv") -> bytes:
    """Render a template to a tagged PDF/UA-1 document in the given language.

    The template sets ``<html lang>`` and ``<title>``, which become the PDF's language and
    title; headings, lists and tables become the PDF's structure tags.
    """
    from weasyprint import HTML

    html = render_pdf_html(template_name, context, language=language)
    fetcher = _static_files_fetcher_class()()
    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
