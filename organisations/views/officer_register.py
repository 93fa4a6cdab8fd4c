"""Paper in the officers' workspace: an officer registers an organisation on the spot, to record
the paper accession it brought (views/officer.py, ``record_accession``, needs an organisation in
the register), and attaches the scanned paper application to an accession afterwards."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from agreements.models import AgreementVersion, Municipality
from core.errors import ActionRefused
from core.forms import add_service_errors
from core.types import AuthenticatedHttpRequest

from .. import permissions, services
from ..decorators import mfa_required, officer_required
from ..forms import OrganisationForm
from ..import_forms import ApplicationForm
from ..models import Accession

TEMPLATE = "organisations/officer/organisation_create.html"


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register an organisation of the officer's municipality, then record its accession."""
    ids = permissions.officer_municipality_ids(request.user)
    if not ids:
        raise PermissionDenied
    form = OrganisationForm(
        request.POST or None, submit_label=_("Register and go on to the accession")
    )
    field = form.fields["municipality"]
    field.queryset = Municipality.objects.filter(  # type: ignore[attr-defined]
        pk__in=ids, agreements__versions__status=AgreementVersion.Status.CURRENT
    ).distinct()
    if len(ids) == 1:
        field.initial = next(iter(ids))
    field.help_text = ""
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": form})
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form}, status=400)
    try:
        organisation = services.organisation_register_by_officer(
            actor=request.user,
            organisation=form.save(commit=False),
            activity_areas=list(form.cleaned_data["activity_areas"]),
        )
    except services.DuplicateOrganisation as exc:
        return render(request, TEMPLATE, {"form": form, "existing": exc.existing}, status=409)
    except ActionRefused as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, TEMPLATE, {"form": form}, status=400)
    messages.success(
        request,
        _("%(name)s is registered. Now record its accession.") % {"name": organisation.name},
    )
    return redirect("organisations:record", pk=organisation.pk)


def _accession(pk: int) -> Accession:
    return get_object_or_404(
        Accession.objects.select_related("organisation", "agreement__municipality", "version"),
        pk=pk,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def accession_application_attach(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach the scanned paper application to an accession (recorded, imported or online)."""
    accession = _accession(pk)
    if not permissions.can_attach_application(request.user, accession):
        raise PermissionDenied
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            services.accession_attach_application(
                accession=accession, actor=request.user, upload=form.cleaned_data["application"]
            )
            messages.success(request, _("The scanned application has been attached."))
            return redirect(accession.get_absolute_url())
        status = 400
    else:
        status = 200
    return render(
        request,
        "organisations/officer/application.html",
        {"accession": accession, "form": form},
        status=status,
    )


@require_safe
@mfa_required
def accession_application(request: HttpRequest, pk: int) -> FileResponse:
    """The scanned application, from private storage, to those who may see the accession."""
    accession = _accession(pk)
    name = accession.application.name
    if not name or not permissions.can_view_accession(request.user, accession):
        raise Http404
    try:
        handle = accession.application.storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"ansokan-{slugify(accession.organisation.name)}-{accession.pk}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
