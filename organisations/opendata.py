"""Open data: the public register of signatories and each agreement's content, as CSV and JSON.

The field lists below are the single description of each dataset: the files are built from them
and the open data page explains them from them, so the documentation cannot drift from the data.
Every query here is a fixed number of queries, however many rows there are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    ActionPlan,
    Agreement,
    AgreementVersion,
    Commitment,
    DevelopmentArea,
    FollowUpArea,
    PlanArea,
    Principle,
)
from core.exports import csv_safe

from .models import Accession

LICENCE = "CC0-1.0"
LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"


@dataclass(frozen=True)
class Field:
    name: str
    meaning: str


REGISTER_FIELDS = [
    Field("organisation_id", _("The organisation's number in this portal. It never changes.")),
    Field("name", _("The organisation's name.")),
    Field(
        "organisation_number",
        _("Swedish organisation number, NNNNNN-NNNN. Empty for networks that have none."),
    ),
    Field("legal_form", _("Legal form, as a code from the list of legal forms below.")),
    Field("municipality", _("The municipality the organisation is registered in.")),
    Field(
        "agreement",
        _("The agreement joined, by its short name, as in the agreement files below."),
    ),
    Field("agreement_version", _("The version of the agreement the organisation signed.")),
    Field(
        "accession_date",
        _("The date the accession was verified, written YYYY-MM-DD."),
    ),
    Field(
        "activity_areas",
        _(
            "Areas of activity, as codes from the list below: separated by semicolons in CSV, "
            "a list in JSON."
        ),
    ),
    Field("website", _("The organisation's website.")),
    Field("email", _("The organisation's public e-mail address.")),
    Field("phone", _("The organisation's public phone number.")),
    Field("city", _("The city of the organisation's address.")),
    Field(
        "contact_name",
        _("The contact person. Only filled in when the contact person agreed to be shown."),
    ),
    Field("contact_email", _("The contact person's e-mail, on the same condition.")),
    Field("contact_phone", _("The contact person's phone, on the same condition.")),
    Field("url", _("The organisation's page in this portal.")),
]

AGREEMENT_CSV_FIELDS = [
    Field(
        "type",
        _("What the row is: principle, commitment, development_area, plan_area or plan_item."),
    ),
    Field(
        "key",
        _(
            "The row's short name in the agreement. Plan areas and plan items are written "
            "plan/area and plan/area/number."
        ),
    ),
    Field("title", _("The heading, where the agreement gives one.")),
    Field("text", _("The agreement's text, in its original Swedish wording.")),
    Field(
        "party",
        _("For commitments: who commits, municipality, civil_society or both."),
    ),
    Field(
        "principles",
        _("For commitments: the keys of the principles it serves, separated by semicolons."),
    ),
]


# --- CSV and JSON responses ---------------------------------------------------------------------


def _finish(request: HttpRequest, response: HttpResponse, last_modified=None) -> HttpResponse:
    """An ETag from the content, so that a client that has the file gets 304 Not Modified."""
    set_response_etag(response)
    # HTTP dates have whole seconds; compare in whole seconds too.
    timestamp = int(last_modified.timestamp()) if last_modified else None
    if timestamp is not None:
        response["Last-Modified"] = http_date(timestamp)
    # Anyone may cache it (it is public), but must ask again before reusing it.
    patch_cache_control(response, public=True, no_cache=True)
    response["Access-Control-Allow-Origin"] = "*"
    return get_conditional_response(
        request, etag=response["ETag"], last_modified=timestamp, response=response
    )


def csv_response(
    request: HttpRequest,
    *,
    filename: str,
    header: list[str],
    rows: Iterable[Iterable],
    last_modified=None,
) -> HttpResponse:
    """UTF-8 with a byte order mark, so that Excel reads å, ä and ö right; a download."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return _finish(request, response, last_modified)


def json_response(request: HttpRequest, data, *, last_modified=None) -> HttpResponse:
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    return _finish(request, response, last_modified)


# --- the register of signatories ----------------------------------------------------------------


def register_accessions() -> QuerySet[Accession]:
    """Every active accession with its organisation, in two queries."""
    return (
        Accession.objects.filter(status=Accession.Status.ACTIVE)
        .select_related("organisation__municipality", "agreement", "version")
        .prefetch_related("organisation__activity_areas")
        .order_by("organisation__name", "organisation_id", "agreement__order", "version__order")
    )


def register_records(absolute_url: Callable[[str], str]) -> list[dict]:
    """One record per active accession; contact fields only where the contact is public."""
    records = []
    for accession in register_accessions():
        organisation = accession.organisation
        public_contact = organisation.contact_is_public
        records.append(
            {
                "organisation_id": organisation.pk,
                "name": organisation.name,
                "organisation_number": organisation.organisation_number,
                "legal_form": organisation.legal_form,
                "municipality": organisation.municipality.name,
                "agreement": accession.agreement.slug,
                "agreement_version": accession.version.key,
                # The day it joined: the signing date (of the paper, for an imported register).
                "accession_date": timezone.localdate(accession.signed_at).isoformat(),
                "activity_areas": [area.key for area in organisation.activity_areas.all()],
                "website": organisation.website,
                "email": organisation.email,
                "phone": organisation.phone,
                "city": organisation.city,
                "contact_name": organisation.contact_name if public_contact else "",
                "contact_email": organisation.contact_email if public_contact else "",
                "contact_phone": organisation.contact_phone if public_contact else "",
                "url": absolute_url(organisation.get_absolute_url()),
            }
        )
    return records


def register_csv_rows(records: list[dict]) -> Iterable[list]:
    for record in records:
        yield [
            ";".join(record[f.name]) if f.name == "activity_areas" else record[f.name]
            for f in REGISTER_FIELDS
        ]


# --- an agreement's content ---------------------------------------------------------------------

VERSION_CONTENT = (
    "sections",
    Prefetch("principles", queryset=Principle.objects.prefetch_related("themes")),
    Prefetch("commitments", queryset=Commitment.objects.prefetch_related("principles")),
    Prefetch("development_areas", queryset=DevelopmentArea.objects.prefetch_related("items")),
    "bodies__tasks",
    "followup_rules",
    Prefetch("followup_areas", queryset=FollowUpArea.objects.prefetch_related("questions")),
)


@dataclass
class AgreementContent:
    agreement: Agreement
    versions: list[AgreementVersion]
    current: AgreementVersion | None
    plans: list[ActionPlan]


def agreement_content(agreement: Agreement) -> AgreementContent:
    """The agreement's versions, the current version's content and its plans, prefetched.

    Only the version in force is published in full, as on the agreement's page; earlier
    versions are listed with their dates and reference numbers.
    """
    versions = list(agreement.versions.published().order_by("order"))
    current = next((v for v in versions if v.is_current), None)
    if current is not None:
        prefetch_related_objects([current], *VERSION_CONTENT)
    plans = list(
        ActionPlan.objects.filter(agreement=agreement)
        .select_related("version")
        .prefetch_related(
            Prefetch(
                "areas",
                queryset=PlanArea.objects.select_related("development_area").prefetch_related(
                    "items"
                ),
            )
        )
    )
    return AgreementContent(agreement, versions, current, plans)


def _version_record(version: AgreementVersion) -> dict:
    return {
        "key": version.key,
        "title": version.title,
        "status": version.status,
        "adopted_by": version.adopted_by,
        "adopted_on": version.adopted_on,
        "adopted_on_precision": version.adopted_on_precision,
        "valid_from": version.valid_from,
        "valid_from_precision": version.valid_from_precision,
        "valid_until": version.valid_until,
        "valid_until_precision": version.valid_until_precision,
        "reference_numbers": version.reference_numbers,
        "replaces_document": version.replaces_document,
        "document_owner": version.document_owner,
        "revision_note": version.revision_note,
        "note": version.note,
    }


def agreement_record(content: AgreementContent, absolute_url: Callable[[str], str]) -> dict:
    """The whole agreement as plain data, for the JSON file."""
    agreement, current = content.agreement, content.current
    versions_by_id = {v.pk: v for v in content.versions}
    record: dict = {
        "licence": LICENCE,
        "slug": agreement.slug,
        "title": agreement.title,
        "summary": agreement.summary,
        "url": absolute_url(agreement.get_absolute_url()),
        "municipality": {
            "name": agreement.municipality.name,
            "short_name": agreement.municipality.short_name,
            "slug": agreement.municipality.slug,
            "website": agreement.municipality.website,
        },
        "terms": {
            "principle_singular": agreement.principle_singular,
            "principle_plural": agreement.principle_plural,
            "civil_society": agreement.civil_society_term,
            "party_municipality": agreement.party_municipality_label,
            "party_civil_society": agreement.party_civil_society_label,
            "party_both": agreement.party_both_label,
        },
        "source": agreement.source,
        "content_updated_at": agreement.content_updated_at,
        "current_version": current.key if current else None,
        "versions": [
            {
                **_version_record(v),
                "replaces": versions_by_id[v.replaces_id].key
                if v.replaces_id in versions_by_id
                else None,
            }
            for v in content.versions
        ],
        "sections": [],
        "principles": [],
        "commitments": [],
        "development_areas": [],
        "bodies": [],
        "followup_rules": [],
        "followup_areas": [],
    }
    if current is not None:
        principles = list(current.principles.all())
        principle_keys = {p.pk: p.key for p in principles}
        record["sections"] = [
            {"key": s.key, "kind": s.kind, "part": s.part, "title": s.title, "text": s.body}
            for s in current.sections.all()
        ]
        record["principles"] = [
            {
                "key": p.key,
                "title": p.title,
                "text": p.body,
                "themes": [
                    {"key": t.key, "sv": t.name_sv, "en": t.name_en} for t in p.themes.all()
                ],
            }
            for p in principles
        ]
        record["commitments"] = [
            {
                "key": c.key,
                "party": c.party,
                "title": c.title,
                "text": c.body,
                "principles": [p.key for p in c.principles.all()],
                "principles_as_written": c.principles_text,
                "listed_under": principle_keys.get(c.listed_under_id),
            }
            for c in current.commitments.all()
        ]
        record["development_areas"] = [
            {
                "key": a.key,
                "title": a.title,
                "text": a.body,
                "items": [item.text for item in a.items.all()],
            }
            for a in current.development_areas.all()
        ]
        record["bodies"] = [
            {
                "key": b.key,
                "name": b.name,
                "kind": b.kind,
                "is_council": b.is_council,
                "composition": b.composition,
                "description": b.description,
                "tasks": [task.text for task in b.tasks.all()],
            }
            for b in current.bodies.all()
        ]
        record["followup_rules"] = [
            {
                "kind": r.kind,
                "interval_years": r.interval_years,
                "responsible": r.responsible,
                "text": r.description,
            }
            for r in current.followup_rules.all()
        ]
        record["followup_areas"] = [
            {
                "key": a.key,
                "topic": a.topic,
                "responsible": a.responsible,
                "respondents": a.respondents,
                "respondent_groups": a.respondent_groups,
                "answer_kind": a.answer_kind,
                "questions": [q.text for q in a.questions.all()],
            }
            for a in current.followup_areas.all()
        ]
    record["action_plans"] = [
        {
            "key": plan.key,
            "title": plan.title,
            "kind": plan.kind,
            "version": plan.version.key if plan.version else None,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "duration_years": plan.duration_years,
            "reference_numbers": plan.reference_numbers,
            "text": plan.description,
            "areas": [
                {
                    "key": area.key,
                    "title": area.title,
                    "text": area.body,
                    "development_area": area.development_area.key
                    if area.development_area
                    else None,
                    "items": [{"title": i.title, "text": i.text} for i in area.items.all()],
                }
                for area in plan.areas.all()
            ],
        }
        for plan in content.plans
    ]
    return record


def agreement_csv_rows(content: AgreementContent) -> Iterable[list]:
    """One row per principle, commitment, development area, plan area and plan item."""
    current = content.current
    if current is not None:
        for p in current.principles.all():
            yield ["principle", p.key, p.title, p.body, "", ""]
        for c in current.commitments.all():
            principles = ";".join(p.key for p in c.principles.all())
            yield ["commitment", c.key, c.title, c.body, c.party, principles]
        for a in current.development_areas.all():
            text = "\n".join([a.body.strip(), *(f"- {i.text}" for i in a.items.all())]).strip()
            yield ["development_area", a.key, a.title, text, "", ""]
    for plan in content.plans:
        for area in plan.areas.all():
            yield ["plan_area", f"{plan.key}/{area.key}", area.title, area.body, "", ""]
            for number, item in enumerate(area.items.all(), start=1):
                key = f"{plan.key}/{area.key}/{number}"
                yield ["plan_item", key, item.title, item.text, "", ""]
