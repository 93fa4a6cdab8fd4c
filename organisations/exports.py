"""The officers' export of their register: the organisations of their municipalities, as the
list of organisations shows them (with its filter), as CSV and as Excel (XLSX).

This module says what the export holds, as a ``core.exports.Table``: headers and labels in the
officer's language (Swedish unless they chose English), never codes; ``core.exports`` writes the
files. It is not the open data (``organisations.opendata``, the public register for programs,
which stays comma-separated RFC 4180 and JSON): it holds the organisations that have not joined
too, and their contact people, so only officers download it, and it is never cached.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, cast

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.exports import Column, Kind, Table, Value, choice_labels

from .models import Accession, LegalForm, Organisation


class _Listed(Protocol):
    """What the officers' list adds to each organisation (organisations.views.officer)."""

    has_active: bool
    has_pending: bool
    has_withdrawn: bool
    accession_list: list[Accession]  # newest first


def accession_status(organisation: Organisation) -> tuple[str, Accession | None]:
    """What the list of organisations says of an organisation's accession, and the accession
    it speaks of (its active one, else the one waiting, else the withdrawn one), from the
    annotations and the prefetched ``accession_list`` of the officers' list."""
    listed = cast(_Listed, organisation)
    by_status: dict[str, Accession] = {}
    for accession in listed.accession_list:
        by_status.setdefault(accession.status, accession)
    if listed.has_active:
        label = _("Active signatory")
        if listed.has_pending:
            label = f"{label} ({_('Re-confirmation waiting for verification')})"
        return label, by_status.get(Accession.Status.ACTIVE)
    if listed.has_pending:
        return _("Waiting for verification"), by_status.get(Accession.Status.PENDING)
    if listed.has_withdrawn:
        return _("Withdrawn"), by_status.get(Accession.Status.WITHDRAWN)
    return _("Not signed"), None


# The organisation's own fields after its accession, in this order, headed by their names.
CONTACT_FIELDS = (
    "street_address",
    "postal_code",
    "city",
    "email",
    "phone",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def _field(name: str) -> str:
    """The field's name, as the forms and the admin call it."""
    field = Organisation._meta.get_field(name)
    assert isinstance(field, models.Field)
    return capfirst(str(field.verbose_name))


def register_columns() -> list[Column]:
    """The columns, in the current language."""
    return [
        Column(_("Name")),
        Column(_("Organisation number")),
        Column(_("Legal form")),
        Column(_("Municipality")),
        Column(_("Accession status")),
        Column(_("Signed"), Kind.DATE),
        Column(_("Agreement version")),
        *(Column(_field(name)) for name in CONTACT_FIELDS),
        Column(_field("created_at"), Kind.DATETIME),
        Column(_field("updated_at"), Kind.DATETIME),
    ]


def register_rows(organisations: Iterable[Organisation]) -> Iterator[list[Value]]:
    """One row per organisation of the officers' list (its queryset, already filtered)."""
    legal_forms = choice_labels(LegalForm)
    for organisation in organisations:
        status, accession = accession_status(organisation)
        yield [
            organisation.name,
            organisation.organisation_number,
            legal_forms.get(organisation.legal_form, organisation.legal_form),
            organisation.municipality.name,
            status,
            accession.signed_at if accession else None,
            accession.version.title if accession else None,
            *(getattr(organisation, name) for name in CONTACT_FIELDS),
            organisation.created_at,
            organisation.updated_at,
        ]


def register_table(organisations: Iterable[Organisation], *, municipalities: list[str]) -> Table:
    """The officers' list of organisations of these municipalities (their names), whole."""
    return Table(
        title=_("Organisations in %(municipalities)s")
        % {"municipalities": ", ".join(municipalities)},
        sheet=_("Organisations"),
        filename="organisationer",
        columns=register_columns(),
        rows=register_rows(organisations),
    )
