"""The officers' import of an existing register: upload, the check of every row, confirmation.

Nothing is saved before the officer confirms. A file that passes the check is kept in the
private storage under a random token until it is confirmed (or replaced by the next upload); the
session holds only that token, the file's name and the municipality, never the file. Confirming
judges the file again against the register and imports it in one transaction
(``organisations.register_import``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Municipality
from core.errors import ActionRefused
from core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Column, Table, xlsx_bytes
from core.types import AuthenticatedHttpRequest

from .. import permissions
from .. import register_import as importer
from ..decorators import officer_required
from ..import_forms import RegisterImportForm
from ..models import Accession

SESSION_KEY = "register_import"
FOLDER = "register-imports"


def import_storage() -> Storage:
    """The private storage of the accessions' minutes: never served, read only through views."""
    return Accession._meta.get_field("minutes").storage


def _municipality_ids(request: HttpRequest) -> set[int]:
    ids = permissions.officer_municipality_ids(request.user)
    if not ids:
        raise PermissionDenied
    return ids


def _forget(request: HttpRequest) -> None:
    """Delete the file of the session's earlier import, if any, and forget it."""
    earlier = request.session.pop(SESSION_KEY, None)
    if earlier:
        import_storage().delete(earlier["path"])


def _preview_page(request, preview, *, filename, token=None, status=200, refusal=None):
    return render(
        request,
        "organisations/officer/import_preview.html",
        {
            "preview": preview,
            "filename": filename,
            "token": token,
            "fingerprint": preview.fingerprint() if token else "",
            "refusal": refusal,
            "error_rows": preview.error_rows,
            "warning_rows": [row for row in preview.rows if row.warnings and not row.errors],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def register_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a register: every row is checked and shown; a file without errors can be confirmed."""
    ids = _municipality_ids(request)
    form = RegisterImportForm(request.POST or None, request.FILES or None, municipality_ids=ids)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            municipality = form.cleaned_data["municipality"]
            upload = form.cleaned_data["file"]
            # Refused before it is read: 10 MB of junk costs nothing but the upload.
            too_large = upload.size > settings.REGISTER_IMPORT_MAX_BYTES
            data = b"" if too_large else upload.read()
            try:
                if too_large:
                    raise importer.ImportFileRefused(
                        importer.FILE_TOO_LARGE
                        % {"size": settings.REGISTER_IMPORT_MAX_BYTES // (1024 * 1024)},
                        status=413,
                    )
                rows = importer.read_file(data, upload.name)
                preview = importer.import_preview(rows=rows, municipality=municipality)
            except ActionRefused as exc:
                form.add_error("file", str(exc.message))
                status = exc.status
            else:
                _forget(request)
                if preview.has_errors:
                    return _preview_page(request, preview, filename=upload.name, status=400)
                token = uuid.uuid4().hex
                suffix = "xlsx" if upload.name.lower().endswith(".xlsx") else "csv"
                path = import_storage().save(f"{FOLDER}/{token}.{suffix}", ContentFile(data))
                request.session[SESSION_KEY] = {
                    "token": token,
                    "path": path,
                    "filename": upload.name[:200],
                    "municipality": municipality.pk,
                }
                return _preview_page(request, preview, filename=upload.name, token=token)
    return render(request, "organisations/officer/import.html", {"form": form}, status=status)


@require_POST
@officer_required
def register_import_confirm(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """Import the checked file of this session, after checking it again against the register."""
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("token") != token:
        raise Http404
    municipality = get_object_or_404(Municipality, pk=pending["municipality"])
    if not permissions.can_import_register(request.user, municipality):
        raise PermissionDenied
    storage = import_storage()
    try:
        with storage.open(pending["path"], "rb") as stored:
            data = stored.read()
    except FileNotFoundError:
        request.session.pop(SESSION_KEY, None)
        raise Http404 from None
    rows = importer.read_file(data, pending["path"])
    try:
        result = importer.register_import(
            rows=rows,
            municipality=municipality,
            actor=request.user,
            fingerprint=request.POST.get("fingerprint", ""),
        )
    except ActionRefused as exc:
        try:
            preview = importer.import_preview(rows=rows, municipality=municipality)
        except importer.ImportFileRefused as refused:  # e.g. no agreement in force any more
            _forget(request)
            form = RegisterImportForm(municipality_ids=_municipality_ids(request))
            return render(
                request,
                "organisations/officer/import.html",
                {"form": form, "refusal": refused.message},
                status=refused.status,
            )
        return _preview_page(
            request,
            preview,
            filename=pending["filename"],
            token=token if not preview.has_errors else None,
            status=exc.status,
            refusal=exc.message,
        )
    _forget(request)
    if result.accessions_created:
        messages.success(
            request,
            _(
                "Imported: %(organisations)s new organisations and %(accessions)s accessions, "
                "active with their original signing dates. %(already)s rows were already in the "
                "register."
            )
            % {
                "organisations": result.organisations_created,
                "accessions": result.accessions_created,
                "already": result.preview.already,
            },
        )
    else:
        messages.info(
            request,
            _("Nothing was imported: every row of the file is already in the register."),
        )
    return redirect("organisations:officer-organisations")


@require_safe
@officer_required
def register_import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The template to fill in: CSV (semicolons and a BOM, as Swedish Excel opens it) or XLSX
    (with a second sheet that explains the columns)."""
    _municipality_ids(request)
    if kind == "csv":
        content = ("\ufeff" + ";".join(importer.HEADERS) + "\r\n").encode()
        response = HttpResponse(content, content_type=CSV_CONTENT_TYPE)
    elif kind == "xlsx":
        response = HttpResponse(_template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="importmall-register.{kind}"'
    return response


def _template_xlsx() -> bytes:
    """The register sheet (the header row to fill in under) and a sheet that explains it,
    written by ``core.exports``. The template is data in Swedish, as the files it reads."""
    register = Table(
        title="Importmall för registret",
        sheet="Register",
        filename="importmall-register",
        columns=[Column(header, width=max(14, len(header) + 4)) for header in importer.HEADERS],
        rows=[],
    )
    guide = Table(
        title="Anvisningar",
        sheet="Anvisningar",
        filename="importmall-register",
        columns=[Column("kolumn"), Column("obligatorisk"), Column("innehåll"), Column("exempel")],
        rows=[
            *(
                [header, "ja" if required else "nej", help_text, example]
                for (header, required, help_text), example in zip(
                    importer.COLUMNS, importer.EXAMPLE_ROW, strict=True
                )
            ),
            [None, None, None, None],
            ["Bara det första bladet (Register) läses. Rad 1 är rubrikraden.", None, None, None],
        ],
    )
    return xlsx_bytes([register, guide])
