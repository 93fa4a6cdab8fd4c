"""The public register of organisations and the open data files: no login, nothing private.

Only organisations with an active accession are public. Registering an organisation, or having
signed and then withdrawn, rejected or not yet been verified, does not make it public.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from agreements.models import Agreement
from core.pagecache import deferred, public_page, versioned

from .. import opendata
from ..filters import PAGE_SIZE, RegisterFilterForm
from ..models import Accession, ActivityArea, LegalForm, Organisation
from ..permissions import can_edit_organisation


class RegisterPaginator(Paginator):
    """Counts the register's hits for a filter once per data version (the count reads every
    active signatory; the page itself reads 25)."""

    def __init__(self, *args, count_of: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_of = count_of

    @cached_property
    def count(self) -> int:
        return versioned(f"register-count?{self.count_of}", lambda: Paginator.count.func(self))


FILTER_ERRORS = _("Correct the marked field to see the organisations.")


@require_safe
@public_page(params=("q", "municipality", "legal_form", "area", "year", "sort", "page"))
def register(request):
    """The register of active signatories: search, filters, sorting and 25 rows a page.

    Unknown filter values are ignored with a notice (200); a year that is not a number is an
    error in the form (400). A page number past the end shows the last page.
    """
    form = RegisterFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "organisations/register.html",
            {"form": form, "form_error": FILTER_ERRORS},
            status=400,
        )
    organisations = form.filter(Organisation.objects.public_register())
    paginator = RegisterPaginator(organisations, PAGE_SIZE, count_of=form.query_string())
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/register.html",
        {
            "form": form,
            "page": page,
            "organisations": page.object_list,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "filter_query": form.query_string(),
            "ignored": form.ignored,
        },
    )


# What the organisation page's body shows besides the organisation (organisation_detail).
ORGANISATION_CONTENT_NAMES = ("active_accessions", "activity_areas")


def organisation_page_content(organisation: Organisation) -> dict:
    """The organisation's active accessions and areas of activity, for its page."""
    return {
        "active_accessions": list(
            organisation.accessions.filter(status=Accession.Status.ACTIVE)
            .select_related("agreement", "version")
            .order_by("agreement__order", "signed_at")
        ),
        "activity_areas": list(organisation.activity_areas.all()),
    }


@require_safe
@public_page
def organisation_detail(request, pk: int):
    """An organisation's public page.

    Only an organisation with an active accession is public: it has chosen publicity by joining
    an agreement. Any other organisation (registered but never signed, pending, withdrawn or
    rejected) answers 404, because even its existence is not public, except to the people who
    may edit it (its representatives and its municipality's officers), who see the page as it
    would look, with a notice that it is not in the public register. Withdrawn and other
    inactive accessions are never shown here.

    The public page's body is a cached fragment (templates/organisations/organisation_detail.html)
    whose accessions and areas are fetched only when it is rendered (core.pagecache.deferred).
    """
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    is_public = organisation.accessions.filter(status=Accession.Status.ACTIVE).exists()
    may_edit = can_edit_organisation(request.user, organisation)
    if not is_public and not may_edit:
        raise Http404
    context = deferred(lambda: organisation_page_content(organisation), ORGANISATION_CONTENT_NAMES)
    context.update(organisation=organisation, is_public=is_public, may_edit=may_edit)
    return render(request, "organisations/organisation_detail.html", context)


@require_safe
@public_page
def open_data(request):
    """What the open data files hold, field by field, their licence and formats."""
    return render(
        request,
        "organisations/open_data.html",
        {
            "register_fields": opendata.REGISTER_FIELDS,
            "agreement_csv_fields": opendata.AGREEMENT_CSV_FIELDS,
            "agreements": Agreement.objects.select_related("municipality"),
            "legal_forms": LegalForm.choices,
            "activity_areas": ActivityArea.objects.all(),
            "licence_url": opendata.LICENCE_URL,
        },
    )


@require_safe
def register_csv(request):
    """The active signatories, one row per active accession."""
    records = opendata.register_records(request.build_absolute_uri)
    return opendata.csv_response(
        request,
        filename="organisationer.csv",
        header=[f.name for f in opendata.REGISTER_FIELDS],
        rows=opendata.register_csv_rows(records),
    )


@require_safe
def register_json(request):
    records = opendata.register_records(request.build_absolute_uri)
    data = {
        "licence": opendata.LICENCE,
        "licence_url": opendata.LICENCE_URL,
        "documentation": request.build_absolute_uri(reverse("organisations:open-data")),
        "count": len(records),
        "accessions": records,
    }
    return opendata.json_response(request, data)


@require_safe
def agreement_json(request, slug: str):
    agreement = get_object_or_404(Agreement.objects.select_related("municipality"), slug=slug)
    content = opendata.agreement_content(agreement)
    data = opendata.agreement_record(content, request.build_absolute_uri)
    data["documentation"] = request.build_absolute_uri(reverse("organisations:open-data"))
    return opendata.json_response(request, data, last_modified=agreement.content_updated_at)


@require_safe
def agreement_csv(request, slug: str):
    agreement = get_object_or_404(Agreement.objects.select_related("municipality"), slug=slug)
    content = opendata.agreement_content(agreement)
    return opendata.csv_response(
        request,
        filename=f"overenskommelse-{agreement.slug}.csv",
        header=[f.name for f in opendata.AGREEMENT_CSV_FIELDS],
        rows=opendata.agreement_csv_rows(content),
        last_modified=agreement.content_updated_at,
    )
