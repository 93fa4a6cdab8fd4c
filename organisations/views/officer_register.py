"""An officer registers an organisation on the spot, to record the paper accession it brought
(views/officer.py, ``record_accession``, needs an organisation in the register)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agreements.models import AgreementVersion, Municipality
from core.errors import ActionRefused
from core.forms import add_service_errors
from core.types import AuthenticatedHttpRequest

from .. import permissions, services
from ..decorators import officer_required
from ..forms import OrganisationForm

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
