"""The municipal officers' workspace: the queue of accessions to verify, the organisations of the
officer's municipalities (and their export as CSV and Excel), accessions recorded from paper or a
dialogue forum, and the decisions.

Every view needs an officer with two-factor authentication (``officer_required``); each object is
checked against the officer's own municipalities with ``organisations.permissions``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agreements.models import Agreement, AgreementVersion, Municipality
from core.exports import export_response
from core.types import AuthenticatedHttpRequest

from .. import exports, permissions, services
from ..decorators import officer_required
from ..models import Accession, AccessionEvent, AccessRequest, OfficerPreference, Organisation
from ..officer_forms import (
    InviteAdminForm,
    OrganisationFilterForm,
    OrganisationStatus,
    QuestionForm,
    RecordAccessionForm,
    RejectForm,
    VerifyForm,
    WorkMailForm,
)

PAGE_SIZE = 50


def _municipality_ids(request: HttpRequest) -> set[int]:
    """The officer's municipalities; an officer without one has no workspace (403)."""
    ids = permissions.officer_municipality_ids(request.user)
    if not ids:
        raise PermissionDenied
    return ids


def _refused(request: HttpRequest, message, accession: Accession | None = None, status=409):
    """A domain refusal (``services.ActionRefused``): explain it, change nothing."""
    return render(
        request,
        "organisations/officer/refused.html",
        {"message": message, "accession": accession},
        status=status,
    )


def _last_question_step() -> Subquery:
    """The latest of "more information asked for" and "given" on the accession, if any."""
    steps = [AccessionEvent.Action.INFO_REQUESTED, AccessionEvent.Action.INFO_GIVEN]
    return Subquery(
        AccessionEvent.objects.filter(accession=OuterRef("pk"), action__in=steps)
        .order_by("-at", "-pk")
        .values("action")[:1]
    )


@require_safe
@officer_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Accessions signed online and waiting for verification in the officer's municipalities,
    oldest first, with counts of the municipalities' accessions by status."""
    ids = _municipality_ids(request)
    accessions = Accession.objects.filter(agreement__municipality_id__in=ids)
    pending = (
        accessions.filter(status=Accession.Status.PENDING)
        .select_related("organisation", "agreement", "version")
        .annotate(last_question_step=_last_question_step())
        .order_by("signed_at", "pk")
    )
    counts = accessions.aggregate(
        pending=Count("pk", filter=Q(status=Accession.Status.PENDING)),
        active=Count("pk", filter=Q(status=Accession.Status.ACTIVE)),
        withdrawn=Count("pk", filter=Q(status=Accession.Status.WITHDRAWN)),
    )
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    access_requests = (
        AccessRequest.objects.filter(
            status=AccessRequest.Status.PENDING, organisation__municipality_id__in=ids
        )
        .select_related("organisation", "user")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "organisations/officer/queue.html",
        {
            "page": page,
            "counts": counts,
            "access_requests": access_requests[:PAGE_SIZE],
            "work_mail_form": _work_mail_form(request),
            "municipalities": Municipality.objects.filter(pk__in=ids),
            "to_reconfirm": [
                (agreement, len(services.accessions_to_reconfirm(agreement=agreement)))
                for agreement in Agreement.objects.filter(municipality_id__in=ids)
            ],
        },
    )


def _work_mail_form(request: AuthenticatedHttpRequest, data=None) -> WorkMailForm:
    preference = OfficerPreference.objects.filter(user=request.user).first()
    initial = preference.work_mail if preference else OfficerPreference.WorkMail.EACH
    return WorkMailForm(
        data,
        initial={"work_mail": initial},
        action=reverse("organisations:officer-work-mail"),
    )


@require_POST
@officer_required
def work_mail(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The officer chooses an e-mail for each new piece of work or one daily digest."""
    _municipality_ids(request)
    form = _work_mail_form(request, request.POST)
    if not form.is_valid():
        return render(request, "organisations/officer/work_mail.html", {"form": form}, status=400)
    preference = services.officer_preference_set(
        user=request.user, work_mail=form.cleaned_data["work_mail"]
    )
    if preference.work_mail == OfficerPreference.WorkMail.DIGEST:
        messages.success(request, _("You will get one e-mail a day with what is new."))
    else:
        messages.success(request, _("You will get an e-mail for each new piece of work."))
    return redirect("organisations:officer")


@require_POST
@officer_required
def invite_reconfirmations(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Ask the signatories of an earlier version of the agreement to re-confirm."""
    agreement = get_object_or_404(Agreement, slug=slug)
    if not permissions.is_officer_of(request.user, agreement.municipality_id):
        raise PermissionDenied
    count = services.reconfirmation_invite(agreement=agreement, actor=request.user)
    messages.success(
        request,
        _("%(count)s organisations were asked to re-confirm for the version in force.")
        % {"count": count},
    )
    return redirect("organisations:officer")


def _with_accession_status(organisations):
    """Annotate each organisation with what its accessions say (one subquery per status)."""

    def has(*statuses):
        return Exists(
            Accession.objects.filter(organisation=OuterRef("pk"), status__in=list(statuses))
        )

    return organisations.annotate(
        has_active=has(Accession.Status.ACTIVE),
        has_pending=has(Accession.Status.PENDING),
        has_withdrawn=has(Accession.Status.WITHDRAWN),
    )


def _filter_by_status(organisations, status: str):
    if status == OrganisationStatus.ACTIVE:
        return organisations.filter(has_active=True)
    if status == OrganisationStatus.PENDING:
        return organisations.filter(has_pending=True)
    if status == OrganisationStatus.WITHDRAWN:
        return organisations.filter(has_withdrawn=True, has_active=False, has_pending=False)
    if status == OrganisationStatus.NOT_SIGNED:
        return organisations.filter(has_active=False, has_pending=False, has_withdrawn=False)
    return organisations


def _organisation_list(request: HttpRequest, ids: set[int]):
    """The filter form and the organisations of the officer's municipalities it chooses (none
    if the filter is wrong), by name, with what the list and its export show of them."""
    form = OrganisationFilterForm(request.GET or None)
    rows = _with_accession_status(
        Organisation.objects.filter(municipality_id__in=ids).select_related("municipality")
    ).prefetch_related(
        Prefetch(
            "accessions",
            queryset=Accession.objects.select_related("version").order_by("-signed_at"),
            to_attr="accession_list",
        )
    )
    if form.is_bound and not form.is_valid():
        rows = rows.none()
    elif form.is_bound:
        query = form.cleaned_data["q"].strip()
        if query:
            rows = rows.filter(Q(name__icontains=query) | Q(organisation_number__icontains=query))
        if form.cleaned_data["legal_form"]:
            rows = rows.filter(legal_form=form.cleaned_data["legal_form"])
        rows = _filter_by_status(rows, form.cleaned_data["status"])
    return form, rows.order_by("name", "pk")


def _organisations_page(request: HttpRequest, ids: set[int], form, rows) -> HttpResponse:
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The export links carry the filter, not the page.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "organisations/officer/organisations.html",
        {
            "form": form,
            "page": page,
            "show_municipality": len(ids) > 1,
            "municipalities": Municipality.objects.filter(pk__in=ids),
            "export_query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


@require_safe
@officer_required
def organisations(request: HttpRequest) -> HttpResponse:
    """The organisations of the officer's municipalities, filtered and paginated, in a fixed
    number of queries whatever the number of rows."""
    ids = _municipality_ids(request)
    form, rows = _organisation_list(request, ids)
    return _organisations_page(request, ids, form, rows)


@require_safe
@officer_required
def organisations_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The same list, filtered the same way, whole, as CSV or Excel (``organisations.exports``);
    a wrong filter shows the list with its errors (400) and downloads nothing."""
    ids = _municipality_ids(request)
    form, rows = _organisation_list(request, ids)
    if form.errors:
        return _organisations_page(request, ids, form, rows)
    names = list(
        Municipality.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True)
    )
    return export_response(exports.register_table(rows, municipalities=names), fmt)


@require_http_methods(["GET", "HEAD", "POST"])
@officer_required
def record_accession(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record an accession made at a dialogue forum or on a paper application: active at once."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.can_record_accession(request.user, organisation):
        raise PermissionDenied
    versions = list(
        AgreementVersion.objects.filter(
            agreement__municipality_id=organisation.municipality_id,
            status=AgreementVersion.Status.CURRENT,
        )
        .select_related("agreement__municipality")
        .order_by("agreement__order", "agreement__slug")
    )
    open_accessions = list(
        Accession.objects.open()
        .filter(organisation=organisation)
        .select_related("version")
        .order_by("-signed_at")
    )
    context = {
        "organisation": organisation,
        "versions": versions,
        "open_accessions": open_accessions,
        "declarations": [
            services.declaration_text(organisation=organisation, version=v) for v in versions
        ],
    }
    if not versions or open_accessions:
        # Nothing can be recorded: say why (the template), and refuse a POST as a conflict.
        if open_accessions and request.method == "POST":
            context["refusal"] = services.ALREADY_JOINED
        return render(
            request,
            "organisations/officer/record.html",
            context,
            status=409 if request.method == "POST" else 200,
        )

    form = RecordAccessionForm(request.POST or None, request.FILES or None, versions=versions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                accession = services.accession_record(
                    organisation=organisation,
                    version=form.chosen_version,
                    actor=request.user,
                    source=form.cleaned_data["source"],
                    signature=form.signature(),
                    signed_on=form.cleaned_data["signed_on"],
                    note=form.cleaned_data["note"],
                )
            except services.ActionRefused as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("The accession of %(name)s has been recorded and is active.")
                    % {"name": organisation.name},
                )
                return redirect(accession.get_absolute_url())
        else:
            status = 400
    context["form"] = form
    return render(request, "organisations/officer/record.html", context, status=status)


def _accession_to_decide(request: HttpRequest, pk: int) -> Accession:
    accession = get_object_or_404(
        Accession.objects.select_related("organisation", "agreement", "version"), pk=pk
    )
    if not permissions.can_decide_accession(request.user, accession):
        raise PermissionDenied
    return accession


@require_POST
@officer_required
def verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The officer confirms that the signer may sign for the organisation; the accession becomes
    active and the organisation is told by e-mail, with the officer's note if there is one."""
    accession = _accession_to_decide(request, pk)
    form = VerifyForm(request.POST, action=reverse("organisations:verify", kwargs={"pk": pk}))
    if accession.status != Accession.Status.PENDING:
        return _refused(request, services.NOT_PENDING, accession)
    if not form.is_valid():
        return render(
            request,
            "organisations/officer/decide.html",
            {"accession": accession, "form": form, "kind": "verify"},
            status=400,
        )
    try:
        services.accession_verify(
            accession=accession, actor=request.user, note=form.cleaned_data["note"]
        )
    except services.ActionRefused as exc:
        return _refused(request, exc.message, accession)
    messages.success(
        request,
        _("The accession of %(name)s has been verified and is now active.")
        % {"name": accession.organisation.name},
    )
    return redirect("organisations:officer")


@require_POST
@officer_required
def reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The officer rejects an accession, with a reason that is e-mailed to the organisation."""
    accession = _accession_to_decide(request, pk)
    form = RejectForm(request.POST, action=reverse("organisations:reject", kwargs={"pk": pk}))
    if form.is_valid():
        try:
            services.accession_reject(
                accession=accession, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.ActionRefused as exc:
            return _refused(request, exc.message, accession)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "The accession of %(name)s has been rejected. The organisation has been "
                    "told why."
                )
                % {"name": accession.organisation.name},
            )
            return redirect("organisations:officer")
    if accession.status != Accession.Status.PENDING:
        return _refused(request, services.NOT_PENDING, accession)
    return render(
        request,
        "organisations/officer/reject.html",
        {"accession": accession, "form": form},
        status=400,
    )


@require_POST
@officer_required
def request_information(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a pending accession back to the organisation with a question; it stays pending."""
    accession = _accession_to_decide(request, pk)
    if not permissions.can_ask_about_accession(request.user, accession):
        raise PermissionDenied
    form = QuestionForm(
        request.POST, action=reverse("organisations:request-information", kwargs={"pk": pk})
    )
    if accession.status != Accession.Status.PENDING:
        return _refused(request, services.QUESTION_NOT_PENDING, accession)
    if form.is_valid():
        try:
            services.accession_request_information(
                accession=accession, actor=request.user, question=form.cleaned_data["question"]
            )
        except services.ActionRefused as exc:
            return _refused(request, exc.message, accession)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Your question has been sent to %(name)s. The accession waits for their "
                    "answer and your decision."
                )
                % {"name": accession.organisation.name},
            )
            return redirect(accession)
    return render(
        request,
        "organisations/officer/decide.html",
        {"accession": accession, "form": form, "kind": "question"},
        status=400,
    )


@require_POST
@officer_required
def invite_admin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Invite a new admin to an organisation of the officer's municipality that has none left."""
    organisation = get_object_or_404(Organisation.objects.select_related("municipality"), pk=pk)
    if not permissions.can_invite_organisation_admin(request.user, organisation):
        raise PermissionDenied
    form = InviteAdminForm(
        request.POST, action=reverse("organisations:invite-admin", kwargs={"pk": pk})
    )
    context = {"organisation": organisation, "form": form}
    if not form.is_valid():
        return render(request, "organisations/officer/invite_admin.html", context, status=400)
    try:
        invitation = services.organisation_invite_admin(
            organisation=organisation, actor=request.user, email=form.cleaned_data["email"]
        )
    except services.ActionRefused as exc:
        context["refusal"] = exc.message
        return render(
            request, "organisations/officer/invite_admin.html", context, status=exc.status
        )
    messages.success(
        request,
        _("%(email)s has been invited to become the admin of %(name)s.")
        % {"email": invitation.email, "name": organisation.name},
    )
    return redirect("organisations:edit", pk=organisation.pk)
