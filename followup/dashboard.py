"""The officer dashboard of a cycle: its reads, and the rows of its two tables of reports.

Reads (no writes): response rates per respondent group, every report's key in the dashboard's
order (kept in the cache, since sorting thousands of reports by respondent's name is the page's
most expensive query), a page of reports and the first ones not submitted, and the cycle's
history. ``cycle_dashboard`` gathers them in a fixed number of queries, whatever the number of
reports; the view (followup/views/officer.py) only renders them.

The rows are rendered with Jinja2. Rendered with the Django template language, fifty rows (a
page of reports and the first ones not submitted) took most of the dashboard's time and kept its
tail latency over budget at national scale (docs/performance.md). Jinja2 compiles the same
markup to Python and renders it in a fraction of the time. The rest of the page, its headings
and the tables' headers stay in templates/followup/officer/cycle_detail.html; the row templates
are under templates/jinja2/.

The labels are translated here, in Python, so that makemessages finds them; the Jinja2
templates translate nothing themselves.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict, cast

from crispy_forms.utils import render_crispy_form
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    CharField,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.forms import Form
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.backends.utils import csrf_input
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.pagecache import release
from organisations.models import MunicipalUnit, Organisation

from .models import Cycle, CycleEvent, Report, RespondentGroup
from .recipients import report_reached, unreached

User = get_user_model()

# The dashboard lists the reports a page at a time and the first of those not submitted: a
# cycle of a large municipality has thousands of reports (docs/performance.md).
REPORTS_PAGE_SIZE = 25
PENDING_SHOWN = 25


# --- Reads --------------------------------------------------------------------------------------


class GroupRate(TypedDict):
    """Of one respondent group: the respondents asked, those invited (an e-mail queued to at
    least one address), those with nobody to receive it who have not submitted, submitted,
    drafts, and the response rate: submitted of all asked (those without a recipient count:
    they should have been asked)."""

    label: str | Promise
    asked: int
    invited: int
    unreached: int
    submitted: int
    drafts: int
    percent: int


@dataclass(frozen=True)
class Dashboard:
    """What the cycle's dashboard shows (``cycle_dashboard``)."""

    page: Page[int]  # the page of report keys shown
    page_range: Iterator[str | int]  # the page links, elided
    reports: list[Report]  # the reports of that page, in the dashboard's order
    pending: list[Report]  # the first PENDING_SHOWN reports not submitted
    pending_count: int  # every report not submitted
    # Of those shown, the ones not invited yet that have somebody to receive it now (invited
    # by the worker shortly); the others not invited have nobody: "no recipient".
    awaiting_invitation: set[int]
    rates: list[GroupRate]
    submitted_count: int
    question_count: int
    asked_groups: list[str | Promise]  # the labels of the groups the questions ask
    history: QuerySet[CycleEvent]  # who did what to the cycle, newest first


def cycle_dashboard(
    cycle: Cycle, *, page_number: str | int | None, focus: int | None = None
) -> Dashboard:
    """The cycle's dashboard in a fixed number of queries, whatever the number of reports.

    ``focus``, a report's key, shows the page that report is on, whatever ``page_number`` says
    (the page with a refused reopen form to correct).
    """
    # Every report's key in the dashboard's order, from one query (the sort is the expensive
    # part); the page of reports and the first ones not submitted are cut from it.
    counted = _group_counts(cycle)
    order = _ordered_reports(cycle, counted)
    paginator = Paginator(order.keys, REPORTS_PAGE_SIZE)
    if focus is not None and focus in order.keys:
        page_number = order.keys.index(focus) // REPORTS_PAGE_SIZE + 1
    page = paginator.get_page(page_number)
    page_pks = list(page.object_list)
    shown = {r.pk: r for r in _reports_by_pk(page_pks + order.pending)}
    asked_groups = set()
    question_count = 0
    for groups in cycle.questions.values_list("respondent_groups", flat=True):
        question_count += 1
        asked_groups.update(groups)
    rates = _group_rates(counted)
    pending = [shown[pk] for pk in order.pending]
    uninvited = [r.pk for r in pending if r.invited_at is None]
    awaiting: set[int] = set()
    if uninvited:
        awaiting = set(
            Report.objects.filter(pk__in=uninvited)
            .filter(report_reached())
            .values_list("pk", flat=True)
        )
    return Dashboard(
        page=page,
        page_range=paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        reports=[shown[pk] for pk in page_pks],
        pending=pending,
        pending_count=order.pending_count,
        awaiting_invitation=awaiting,
        rates=rates,
        submitted_count=sum(rate["submitted"] for rate in rates),
        question_count=question_count,
        asked_groups=[label for value, label in RespondentGroup.choices if value in asked_groups],
        # One query, the actors joined.
        history=cycle.events.select_related("actor"),
    )


def _group_counts(cycle: Cycle) -> dict[str, Mapping[str, Any]]:
    """Per respondent group: asked, submitted, drafts, invited, without a recipient, and the
    sum of the reports' revisions
    (which grows with every save, submission and reopening), counted by the database."""
    return {
        row["group"]: row
        for row in cycle.reports.order_by()
        .values("group")
        .annotate(
            asked=Count("pk"),
            submitted=Count("pk", filter=Q(status=Report.Status.SUBMITTED)),
            drafts=Count("pk", filter=Q(status=Report.Status.DRAFT)),
            invited=Count("pk", filter=Q(invited_at__isnull=False)),
            unreached=Count("pk", filter=unreached()),
            revisions=Sum("revision"),
        )
    }


@dataclass(frozen=True)
class _Order:
    """The cycle's reports in the dashboard's order: every key (a compact array, cheap to keep
    in the cache and to read back), the first PENDING_SHOWN keys of reports not submitted, and
    how many are not submitted."""

    keys: array[int]
    pending: list[int]
    pending_count: int


def _order(cycle: Cycle) -> _Order:
    keys: array[int] = array("q")
    pending: list[int] = []
    for pk, status in reports_in_order(cycle).values_list("pk", "status"):
        keys.append(pk)
        if status != Report.Status.SUBMITTED:
            pending.append(pk)
    return _Order(keys=keys, pending=pending[:PENDING_SHOWN], pending_count=len(pending))


def _ordered_reports(cycle: Cycle, counted: dict[str, Mapping[str, Any]]) -> _Order:
    """Every report of the cycle in the dashboard's order (see _Order).

    Sorting thousands of reports by respondent's name is the page's most expensive query, so
    the order is kept in the cache under the cycle's counts and revisions: any report created,
    saved, submitted or reopened changes them and so the key. A renamed organisation moves to
    its new place within PORTAL_DASHBOARD_ORDER_SECONDS (its new name is shown at once).
    """
    if not settings.PORTAL_DASHBOARD_ORDER_SECONDS:
        return _order(cycle)
    state = sorted((group, tuple(sorted(row.items()))) for group, row in counted.items())
    digest = hashlib.sha256(repr(state).encode()).hexdigest()[:32]
    return cast(
        _Order,
        cache.get_or_set(
            # The release too: another release may keep the order in another shape.
            f"portal:{release()}:dashboard-order:{cycle.pk}:{digest}",
            partial(_order, cycle),
            timeout=settings.PORTAL_DASHBOARD_ORDER_SECONDS,
        ),
    )


def _group_rates(counted: dict[str, Mapping[str, Any]]) -> list[GroupRate]:
    """Asked, submitted and drafts per respondent group (from _group_counts)."""
    rates: list[GroupRate] = []
    for value, label in RespondentGroup.choices:
        row = counted.get(value)
        if not row:
            continue
        rates.append(
            {
                "label": label,
                "asked": row["asked"],
                "invited": row["invited"],
                "unreached": row["unreached"],
                "submitted": row["submitted"],
                "drafts": row["drafts"],
                "percent": round(100 * row["submitted"] / row["asked"]),
            }
        )
    return rates


def reports_in_order(cycle: Cycle) -> QuerySet[Report]:
    """The cycle's reports by respondent group, then respondent's name (ignoring case): the
    order of the dashboard and of the exports (``followup.exports``)."""
    group_rank = Case(
        *[
            When(group=value, then=Value(i))
            for i, (value, _l) in enumerate(RespondentGroup.choices)
        ],
        default=Value(99),
    )
    # The respondent's name by a subquery per report rather than a join: joined, PostgreSQL
    # reads every organisation of the installation (50,000 at national scale) to sort the
    # cycle's reports; a subquery reads one row per report by its primary key.
    member = User.objects.filter(pk=OuterRef("council_member_id")).order_by()
    member_name = NullIf(
        Trim(Concat("first_name", Value(" "), "last_name", output_field=CharField())),
        Value(""),
    )
    respondent = Coalesce(
        Subquery(
            Organisation.objects.filter(pk=OuterRef("organisation_id")).order_by().values("name")
        ),
        Subquery(MunicipalUnit.objects.filter(pk=OuterRef("unit_id")).order_by().values("name")),
        Subquery(member.annotate(full_name=member_name).values("full_name")),
        Subquery(member.values("email")),
        output_field=CharField(),
    )
    return cycle.reports.annotate(
        group_rank=group_rank, respondent_sort=Lower(respondent)
    ).order_by("group_rank", "respondent_sort", "pk")


# What a row of the dashboard shows (templates/jinja2/followup/officer/*_rows.html), and the
# lists exported from it (``followup.exports``): a report's other fields and its respondent's
# are not read.
ROW_FIELDS = (
    "group",
    "status",
    "updated_at",
    "submitted_at",
    "last_reminded_at",
    "invited_at",
    "organisation__name",
    "unit__name",
    "council_member__first_name",
    "council_member__last_name",
    "council_member__email",
)


def _reports_by_pk(pks: list[int]) -> list[Report]:
    """The reports with these primary keys, in this order, with what a row shows (one query).

    Fetched after sorting and slicing: joined before, the respondents' tables would be read
    whole to sort a page of fifty.
    """
    found = (
        Report.objects.select_related("organisation", "unit", "council_member")
        .order_by()  # the model's ordering joins the cycle and the agreement, for nothing here
        .only(*ROW_FIELDS)
        .in_bulk(pks)
    )
    return [found[pk] for pk in pks]


# --- The rows -----------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    """The rows' fixed texts in the current language."""
    return {
        "respondent": _("Respondent"),
        "group": _("Respondent group"),
        "status": _("Status"),
        "reminded": _("Last reminded"),
        "not_reminded": _("Not reminded"),
        "no_recipient": _("No recipient: not invited"),
        "awaiting": _("Not invited yet: the invitation is on its way"),
        "saved": _("Last saved"),
        "submitted": _("Submitted"),
        "reopen": _("Reopen"),
        "reopen_summary": _("Reopen…"),
        "reason": _("Reason for reopening"),
        "reason_help": _("The respondent receives the reason by e-mail."),
        "reopen_button": _("Reopen the report"),
    }


def _render(request: HttpRequest, template_name: str, context: dict[str, Any]) -> SafeString:
    template = engines["jinja2"].get_template(template_name)
    context = {
        **context,
        "labels": _labels(),
        # The labels of group and status, looked up and capitalised once (get_FOO_display
        # rebuilds its table of choices on every call: a tenth of the dashboard's time).
        "group_labels": {value: capfirst(str(label)) for value, label in RespondentGroup.choices},
        "status_labels": {value: capfirst(str(label)) for value, label in Report.Status.choices},
        # One CSRF field for every form of the rows: the backend's own csrf_input masks the
        # token anew each time it is written, which cost more than the rest of a row.
        "csrf_field": csrf_input(request),
    }
    # Jinja2 escapes every value it writes (autoescape), so the result is safe HTML.
    return mark_safe(template.render(context, request))  # noqa: S308


def pending_rows(
    request: HttpRequest, reports: Sequence[Report], awaiting: set[int] | frozenset = frozenset()
) -> SafeString:
    """The <tr> rows of the reports not submitted yet (``awaiting``: those not invited yet
    that have somebody to receive the invitation now)."""
    return _render(
        request,
        "followup/officer/pending_rows.html",
        {"reports": reports, "awaiting": awaiting},
    )


def report_rows(
    request: HttpRequest,
    reports: Sequence[Report],
    *,
    reopen_column: bool,
    failed_reopen: tuple[int, Form] | None = None,
) -> SafeString:
    """The <tr> rows of a page of reports.

    With reopen_column (the cycle is open), every submitted report gets an empty reopen form; a
    form refused with errors (failed_reopen: the report's key and the bound form) is shown open,
    laid out by crispy-forms as usual.
    """
    reopenable = (
        {r.pk for r in reports if r.status == Report.Status.SUBMITTED} if reopen_column else set()
    )
    reopen_forms = {}
    if failed_reopen and failed_reopen[0] in reopenable:
        reopen_forms[failed_reopen[0]] = render_crispy_form(
            failed_reopen[1], context={"csrf_token": get_token(request)}
        )
    return _render(
        request,
        "followup/officer/report_rows.html",
        {
            "reports": reports,
            "reopen_column": reopen_column,
            "reopenable": reopenable,
            "reopen_forms": reopen_forms,
        },
    )
