"""WeasyPrint, wrapped once: HTML from a template, then tagged PDF bytes.

The HTML is built by ``render_pdf_html`` (testable without rendering); ``render_pdf`` turns it
into a tagged PDF/UA-1 document. Resources resolve only to this project's static files: the
renderer never opens a network connection.
"""

from __future__ import annotations

import functools
import mimetypes
import re
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


# The PDF /Scope of a header cell for each value of HTML's scope attribute. A header cell that
# declares none is a column header, as WeasyPrint's own /Headers take it (every template states
# the scope of its header cells, so the two never disagree: tests/core/test_pdf_accessibility.py).
_HEADER_SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}
_REFERENCE = re.compile(rb"(\d+) (\d+) R")


def _object_number(reference) -> int | None:
    """The object number of a pydyf reference (b"12 0 R"), None for anything else."""
    if isinstance(reference, bytes) and (match := _REFERENCE.fullmatch(reference)):
        return int(match.group(1))
    return None


def _give_header_cells_their_scope(document) -> None:
    """Write /Scope on every /TH, from the cell's scope attribute.

    WeasyPrint 70 links data cells to their headers (/Headers and /ID) but writes no /Scope, and
    without it PDF/UA checkers cannot tell a row header from a column header on the header cell
    itself. WeasyPrint keeps each cell's structure element on its box (``box.mark``, the box
    tree of ``Page._page_box``): not a documented API, so the tests read /Scope back from the
    file and fail on a WeasyPrint that stops keeping it there.
    """
    from weasyprint.formatting_structure.boxes import TableCellBox

    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "mark", None)
            if element is None or not isinstance(box, TableCellBox) or box.element_tag != "th":
                continue
            scope = (box.element.get("scope") or "").strip().lower()
            element["A"]["Scope"] = _HEADER_SCOPES.get(scope, "/Column")


def _mark_page_margins_as_artifacts(pdf) -> None:
    """Make the page margins' content (the page numbers) pagination artifacts.

    WeasyPrint 70 tags the text of the page-margin boxes (@bottom-center's page number) as
    marked content with structure elements of its own, but leaves those elements out of the
    structure tree, since PDF 1.7 has no artifact element. The content is then tagged content
    that no reader reaches, where PDF/UA-1 (7.8) wants running headers and footers marked as
    artifacts: this turns each such sequence into ``/Artifact <</Type /Pagination>>``, empties
    its slot in the parent tree and drops the orphaned elements from the file.
    """
    import pydyf

    objects = pdf.objects
    structure_root = objects[_object_number(pdf.catalog["StructTreeRoot"])]
    reachable: set[int] = set()
    pending = [structure_root]
    while pending:
        node = pending.pop()
        for kid in node.get("K", ()):
            number = _object_number(kid)
            if number is not None and number not in reachable:
                reachable.add(number)
                pending.append(objects[number])
    orphans = {
        obj.number
        for obj in objects
        if isinstance(obj, pydyf.Dictionary)
        and obj.get("Type") == "/StructElem"
        and obj.number not in reachable
    }
    if not orphans:
        return
    nums = objects[_object_number(structure_root["ParentTree"])]["Nums"]
    all_converted = True
    for page_index, page_reference in enumerate(pdf.page_references):
        parents = nums[2 * page_index + 1]
        orphan_mcids = {
            mcid for mcid, parent in enumerate(parents) if _object_number(parent) in orphans
        }
        if not orphan_mcids:
            continue
        page = objects[_object_number(page_reference)]
        content = objects[_object_number(page["Contents"])].stream
        converted = set()
        for index in range(1, len(content) - 1):
            item = content[index]
            if (
                isinstance(item, pydyf.Dictionary)
                and item.get("MCID") in orphan_mcids
                and content[index + 1] == b"BDC"
            ):
                converted.add(item["MCID"])
                content[index - 1] = "/Artifact"
                content[index] = pydyf.Dictionary({"Type": "/Pagination"})
        for mcid in converted:
            parents[mcid] = b"null"
        while parents and parents[-1] == b"null":  # the page number is drawn last: no hole
            parents.pop()
        all_converted = all_converted and converted == orphan_mcids
    if all_converted:  # otherwise a sequence left as it was still points to its element
        for number in orphans:
            objects[number].free = "f"


def complete_pdf_tagging(document, pdf) -> None:
    """WeasyPrint's finisher: complete the structure where WeasyPrint 70 leaves PDF/UA-1 short,
    before the file is written (docs/architecture.md, "PDFs")."""
    _give_header_cells_their_scope(document)
    _mark_page_margins_as_artifacts(pdf)


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
    return document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, finisher=complete_pdf_tagging)
