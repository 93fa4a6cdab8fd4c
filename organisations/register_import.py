"""Import of an existing register (a municipality's paper signatories) from CSV or XLSX.

Two steps, both here: ``import_preview`` reads a file and judges every row against the register
without writing anything; ``register_import`` writes, in one transaction, after judging the file
again (the register may have changed since the preview). The officers' pages
(``organisations/views/officer_import.py``) and ``manage.py import_register`` call these.

What a row does (docs/data-format.md, "Import of an existing register"):

- a new organisation number (or, for an organisation without one, a new name) in the
  municipality: the organisation is registered and its accession recorded, active at once;
- a number already in the register whose organisation has no open accession to the agreement
  (it registered online but never signed): only the accession is recorded, the organisation's
  details are left as they are;
- a number whose organisation already has an open accession: nothing ("already in the
  register"). Importing the same file twice therefore creates nothing the second time.

A file with any row in error imports nothing: the officer corrects the file and uploads it again.
Imported accessions keep the signing date of the paper and the source (paper, dialogue forum,
import); the officer is recorded as who recorded them and as the actor of their ``IMPORTED``
event. Nobody is e-mailed: the organisations signed long ago, and most have no account.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from agreements.models import AgreementVersion, Municipality
from core.errors import ActionRefused
from core.pagecache import public_data_changed
from core.types import Actor

from . import services
from .models import Accession, AccessionEvent, LegalForm, Organisation
from .permissions import can_import_register
from .validators import normalise_organisation_number, number_warning

# The columns of the template, in its order: (header, required, what it holds). Headers are
# Swedish, as officers and their spreadsheets write them; case, spaces and hyphens are ignored
# when a file is read ("E-post", "e_post" and "e post" are the same column).
COLUMNS: list[tuple[str, bool, str]] = [
    ("namn", True, "Organisationens namn"),
    ("organisationsnummer", False, "NNNNNN-NNNN; tomt bara om skäl_utan_nummer är ifyllt"),
    ("skäl_utan_nummer", False, "Varför organisationen saknar organisationsnummer"),
    ("organisationsform", True, "T.ex. ideell förening, stiftelse, trossamfund, nätverk"),
    ("e-post", False, "Organisationens offentliga e-postadress"),
    ("telefon", False, "Organisationens offentliga telefonnummer"),
    ("webbplats", False, "https://…"),
    ("adress", False, "Gatuadress"),
    ("postnummer", False, ""),
    ("ort", False, ""),
    ("kommun", False, "Tomt, eller kommunen du importerar till"),
    ("överenskommelse", False, "Tomt när kommunen har en överenskommelse"),
    ("undertecknad_datum", True, "ÅÅÅÅ-MM-DD eller D/M/ÅÅÅÅ, dagen på den undertecknade ansökan"),
    ("källa", False, "papper, dialogforum eller import (tomt: import)"),
    ("firmatecknare", True, "Namnet på den som undertecknade"),
    ("befattning", False, "T.ex. ordförande (tomt: firmatecknare)"),
    ("styrelsebeslut_datum", False, "Om styrelsen beslutade om anslutningen: beslutets datum"),
    ("anteckning", False, "T.ex. var pappret är arkiverat"),
]
HEADERS = [header for header, _required, _help in COLUMNS]
EXAMPLE_ROW = [
    "Föreningen Exempel",
    "802412-3456",
    "",
    "ideell förening",
    "info@exempel.se",
    "031-123 45 67",
    "",
    "Storgatan 1",
    "411 01",
    "Göteborg",
    "",
    "",
    "2017-05-12",
    "papper",
    "Anna Andersson",
    "ordförande",
    "",
    "",
]
SOURCES = {
    "papper": Accession.Source.PAPER,
    "dialogforum": Accession.Source.DIALOGUE_FORUM,
    "import": Accession.Source.IMPORT,
    "": Accession.Source.IMPORT,
    # The codes, as an export of the portal writes them.
    "paper": Accession.Source.PAPER,
    "dialogue_forum": Accession.Source.DIALOGUE_FORUM,
}
# Which column a model field's error belongs to.
FIELD_COLUMNS = {
    "name": "namn",
    "organisation_number": "organisationsnummer",
    "no_number_reason": "skäl_utan_nummer",
    "legal_form": "organisationsform",
    "email": "e-post",
    "phone": "telefon",
    "website": "webbplats",
    "street_address": "adress",
    "postal_code": "postnummer",
    "city": "ort",
    "signer_name": "firmatecknare",
    "signer_title": "befattning",
    "board_decision_date": "styrelsebeslut_datum",
}

# Whole-file refusals.
FILE_TOO_LARGE = _("The file is larger than %(size)s MB. Split it into smaller files.")
FILE_TOO_MANY_ROWS = _(
    "The file has more than %(rows)s rows. Split it into smaller files and import them one by one."
)
FILE_EMPTY = _("The file has no rows to import under its header row.")
FILE_NOT_UTF8 = _(
    "The file could not be read as a CSV file in UTF-8. In Excel, save it as “CSV UTF-8”, or "
    "upload it as an Excel workbook (.xlsx)."
)
FILE_NOT_XLSX = _(
    "The file is not an Excel workbook (.xlsx) that can be read. Save it again from Excel as "
    "“Excel Workbook (.xlsx)”, or as “CSV UTF-8”."
)
FILE_KIND = _("Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
FILE_UNKNOWN_COLUMNS = _(
    "The header row has columns the template does not know: %(columns)s. Use the headers of the "
    "template."
)
FILE_MISSING_COLUMNS = _("The header row lacks the required columns: %(columns)s.")
FILE_NO_AGREEMENT = _("%(municipality)s has no agreement in force that can be joined.")
REGISTER_CHANGED = _(
    "The register has changed since the preview (someone registered or recorded an organisation "
    "of the file meanwhile). Look at the new preview and confirm again."
)
NOT_OFFICER = _("You are not an officer of %(municipality)s.")
HAS_ERRORS = _("The file has rows with errors. Correct them and upload the file again.")

# Row errors.
REQUIRED = _("Required: fill it in.")
NUMBER_OR_REASON = _(
    "Give the organisation number, or in skäl_utan_nummer why the organisation has none."
)
UNKNOWN_LEGAL_FORM = _("“%(value)s” is not a legal form. Write one of: %(choices)s.")
UNKNOWN_SOURCE = _("“%(value)s” is not a source. Write papper, dialogforum or import.")
BAD_DATE = _("“%(value)s” is not a date. Write it as YYYY-MM-DD (2017-05-12) or D/M/YYYY.")
DATE_IN_FUTURE = _("The date %(value)s is in the future.")
OTHER_MUNICIPALITY = _(
    "“%(value)s” is not %(municipality)s, the municipality you are importing to. Import each "
    "municipality's organisations separately, as an officer of that municipality."
)
UNKNOWN_AGREEMENT = _("“%(value)s” is not an agreement of %(municipality)s in force.")
CHOOSE_AGREEMENT = _("%(municipality)s has several agreements: say which one in this column.")
DUPLICATE_IN_FILE = _("The same organisation as on row %(row)s of the file.")


class ImportFileRefused(ActionRefused):
    """The file as a whole cannot be read (400), or is too large (413)."""

    def __init__(self, message: str | Promise, status: int = 400) -> None:
        super().__init__(message, status=status)


def _key(header: str) -> str:
    return re.sub(r"[\s_-]+", "_", header.strip().lower())


COLUMN_KEYS = {_key(header): header for header in HEADERS}


@dataclass
class RowError:
    column: str  # the template's header, "" for the row as a whole
    message: str


@dataclass
class Row:
    """One row of the file as judged: errors, warnings and what it will do."""

    number: int  # the row's number in the spreadsheet (the header is row 1)
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    action: str = ""  # NEW, ACCESSION_ONLY, ALREADY, or "" while it has errors
    existing: Organisation | None = None
    organisation_number: str = ""
    legal_form: str = ""
    signed_on: datetime.date | None = None
    board_decision_date: datetime.date | None = None
    source: str = Accession.Source.IMPORT
    version: AgreementVersion | None = None

    NEW = "new"
    ACCESSION_ONLY = "accession_only"
    ALREADY = "already"

    def error(self, column: str, message: str | Promise) -> None:
        self.errors.append(RowError(column, str(message)))

    @property
    def name(self) -> str:
        return self.values.get("namn", "")


@dataclass
class Preview:
    municipality: Municipality
    rows: list[Row]

    @property
    def error_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def new(self) -> int:
        return self.count(Row.NEW)

    @property
    def accession_only(self) -> int:
        return self.count(Row.ACCESSION_ONLY)

    @property
    def already(self) -> int:
        return self.count(Row.ALREADY)

    @property
    def warning_count(self) -> int:
        return sum(1 for row in self.rows if row.warnings)

    def fingerprint(self) -> str:
        """What confirming will do, row by row: the confirmation carries it, so that a register
        changed since the preview is noticed instead of imported differently than shown."""
        plan = "\n".join(
            f"{row.number}:{row.action}:{row.existing.pk if row.existing else ''}"
            for row in self.rows
        )
        return hashlib.sha256(plan.encode()).hexdigest()


@dataclass
class ImportResult:
    preview: Preview
    organisations_created: int
    accessions_created: int
    dry_run: bool = False


# --- Reading a file -------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileRefused(FILE_NOT_UTF8) from None
    if "\x00" in text:
        raise ImportFileRefused(FILE_NOT_UTF8)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error:
        raise ImportFileRefused(FILE_NOT_UTF8) from None


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileRefused(FILE_NOT_XLSX)
    limit = settings.REGISTER_IMPORT_MAX_ROWS + 1
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell(value) for value in values])
                if len(rows) > limit:
                    break
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise ImportFileRefused(FILE_NOT_XLSX) from None
    return rows


def read_file(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows as (row number, {template header: value}); blank rows left out.

    Refuses the whole file (``ImportFileRefused``) when it is too large, not a CSV in UTF-8 or
    an XLSX workbook, has too many rows, or a header row with unknown or missing columns.
    """
    max_bytes = settings.REGISTER_IMPORT_MAX_BYTES
    if len(data) > max_bytes:
        raise ImportFileRefused(FILE_TOO_LARGE % {"size": max_bytes // (1024 * 1024)}, status=413)
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "xlsx":
        table = _xlsx_rows(data)
    elif suffix in ("csv", "txt"):
        table = _csv_rows(data)
    else:
        raise ImportFileRefused(FILE_KIND)
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise ImportFileRefused(FILE_EMPTY)
    header_row = [_key(cell) for cell in table[0]]
    while header_row and not header_row[-1]:
        header_row.pop()
    unknown = [cell for cell in header_row if cell not in COLUMN_KEYS]
    if unknown:
        raise ImportFileRefused(FILE_UNKNOWN_COLUMNS % {"columns": ", ".join(unknown)[:300]})
    headers = [COLUMN_KEYS[cell] for cell in header_row]
    missing = [h for h, required, _help in COLUMNS if required and h not in headers]
    if missing:
        raise ImportFileRefused(FILE_MISSING_COLUMNS % {"columns": ", ".join(missing)})
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {header: cells[i] if i < len(cells) else "" for i, header in enumerate(headers)}
        rows.append((index, values))
    if len(rows) > settings.REGISTER_IMPORT_MAX_ROWS:
        raise ImportFileRefused(FILE_TOO_MANY_ROWS % {"rows": settings.REGISTER_IMPORT_MAX_ROWS})
    if not rows:
        raise ImportFileRefused(FILE_EMPTY)
    return rows


# --- Judging the rows -----------------------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SWEDISH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def parse_date(value: str) -> datetime.date | None:
    """YYYY-MM-DD, or D/M/YYYY and D.M.YYYY as Swedish Excel writes dates; None if neither."""
    value = value.strip()
    try:
        if match := _ISO_DATE.match(value):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := _SWEDISH_DATE.match(value):
            day, month, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
    except ValueError:
        return None
    return None


def legal_forms() -> dict[str, str]:
    """Legal forms by their Swedish name, English name and code, lower case."""
    forms: dict[str, str] = {}
    for value, label in LegalForm.choices:
        forms[value] = value
        for language in ("en", "sv"):
            with translation.override(language):
                forms[str(label).lower()] = value
    return forms


def _swedish_legal_form_names() -> str:
    with translation.override("sv"):
        return ", ".join(str(label) for _value, label in LegalForm.choices)


def _date(row: Row, column: str, *, required: bool) -> datetime.date | None:
    value = row.values.get(column, "")
    if not value:
        if required:
            row.error(column, REQUIRED)
        return None
    parsed = parse_date(value)
    if parsed is None:
        row.error(column, BAD_DATE % {"value": value[:40]})
    elif parsed > timezone.localdate():
        row.error(column, DATE_IN_FUTURE % {"value": parsed.isoformat()})
        return None
    return parsed


def _versions(municipality: Municipality) -> list[AgreementVersion]:
    return list(
        AgreementVersion.objects.filter(
            agreement__municipality=municipality, status=AgreementVersion.Status.CURRENT
        )
        .select_related("agreement__municipality")
        .order_by("agreement__order", "agreement__slug")
    )


def _judge(
    row: Row,
    municipality: Municipality,
    versions: list[AgreementVersion],
    forms: dict[str, str],
) -> None:
    values = row.values
    for header, required, _help in COLUMNS:
        if required and header != "undertecknad_datum" and not values.get(header):
            row.error(header, REQUIRED)
    number = values.get("organisationsnummer", "")
    if number:
        try:
            row.organisation_number = normalise_organisation_number(number)
        except ValidationError as exc:
            row.error("organisationsnummer", exc.messages[0])
    elif values.get("namn") and not values.get("skäl_utan_nummer"):
        row.error("organisationsnummer", NUMBER_OR_REASON)
    written_form = values.get("organisationsform", "")
    if written_form:
        row.legal_form = forms.get(written_form.lower(), "")
        if not row.legal_form:
            row.error(
                "organisationsform",
                UNKNOWN_LEGAL_FORM
                % {"value": written_form[:60], "choices": _swedish_legal_form_names()},
            )
    if row.organisation_number and row.legal_form:
        warning = number_warning(
            row.organisation_number, row.legal_form, LegalForm(row.legal_form).label
        )
        if warning:
            # Said on the row, imported all the same: the register has real exceptions. The
            # sentence about a box to tick is for the online form; the officer has no box.
            row.warnings.append(str(warning).split(". ")[0] + ".")
    row.signed_on = _date(row, "undertecknad_datum", required=True)
    row.board_decision_date = _date(row, "styrelsebeslut_datum", required=False)
    source = values.get("källa", "").lower()
    if source in SOURCES:
        row.source = SOURCES[source]
    else:
        row.error("källa", UNKNOWN_SOURCE % {"value": source[:40]})
    written_municipality = values.get("kommun", "")
    if written_municipality and written_municipality.lower() not in {
        municipality.slug.lower(),
        municipality.name.lower(),
        municipality.name.lower().removesuffix(" stad").removesuffix(" kommun"),
    }:
        row.error(
            "kommun",
            OTHER_MUNICIPALITY
            % {"value": written_municipality[:60], "municipality": municipality.name},
        )
    written_agreement = values.get("överenskommelse", "").lower()
    if written_agreement:
        chosen = [
            v
            for v in versions
            if written_agreement in {v.agreement.slug.lower(), v.agreement.title.lower()}
        ]
        if chosen:
            row.version = chosen[0]
        else:
            row.error(
                "överenskommelse",
                UNKNOWN_AGREEMENT
                % {"value": written_agreement[:60], "municipality": municipality.name},
            )
    elif len(versions) == 1:
        row.version = versions[0]
    elif versions:
        row.error("överenskommelse", CHOOSE_AGREEMENT % {"municipality": municipality.name})


def _organisation(row: Row, municipality: Municipality) -> Organisation:
    """The organisation a NEW row registers (unsaved)."""
    values = row.values
    return Organisation(
        name=values.get("namn", ""),
        organisation_number=row.organisation_number,
        no_number_reason="" if row.organisation_number else values.get("skäl_utan_nummer", ""),
        legal_form=row.legal_form,
        municipality=municipality,
        email=values.get("e-post", ""),
        phone=values.get("telefon", ""),
        website=values.get("webbplats", ""),
        street_address=values.get("adress", ""),
        postal_code=values.get("postnummer", ""),
        city=values.get("ort", ""),
    )


def _check_organisation(row: Row, municipality: Municipality) -> None:
    try:
        _organisation(row, municipality).full_clean(validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name in ("organisation_number", "legal_form") and any(
                e.column == FIELD_COLUMNS[name] for e in row.errors
            ):
                continue
            for message in messages:
                row.error(FIELD_COLUMNS.get(name, ""), message)
    for column, limit in (("firmatecknare", 200), ("befattning", 200), ("anteckning", 2000)):
        if len(row.values.get(column, "")) > limit:
            row.error(column, _("At most %(limit)s characters.") % {"limit": limit})


def import_preview(
    *, rows: Iterable[tuple[int, dict[str, str]]], municipality: Municipality
) -> Preview:
    """Judge every row against the register of the municipality; writes nothing."""
    versions = _versions(municipality)
    if not versions:
        raise ImportFileRefused(FILE_NO_AGREEMENT % {"municipality": municipality.name}, 409)
    forms = legal_forms()
    judged = [Row(number=number, values=values) for number, values in rows]
    for row in judged:
        _judge(row, municipality, versions, forms)
    # Duplicates within the file: the same number, or the same name without a number.
    seen: dict[str, int] = {}
    for row in judged:
        key = row.organisation_number or ("name:" + row.name.lower() if row.name else "")
        if not key:
            continue
        if key in seen:
            row.error(
                "organisationsnummer" if row.organisation_number else "namn",
                DUPLICATE_IN_FILE % {"row": seen[key]},
            )
        else:
            seen[key] = row.number
    # Against the register: one query for the organisations, one for their open accessions.
    numbers = {row.organisation_number for row in judged if row.organisation_number}
    names = {row.name.lower() for row in judged if row.name and not row.organisation_number}
    in_register = Organisation.objects.filter(municipality=municipality)
    by_number = {
        o.organisation_number: o for o in in_register.filter(organisation_number__in=numbers)
    }
    by_name = {
        o.name.lower(): o
        for o in in_register.filter(organisation_number="")
        if o.name.lower() in names
    }
    found = list(by_number.values()) + list(by_name.values())
    open_pairs = set(
        Accession.objects.open()
        .filter(organisation__in=found)
        .values_list("organisation_id", "agreement_id")
    )
    for row in judged:
        row.existing = (
            by_number.get(row.organisation_number)
            if row.organisation_number
            else by_name.get(row.name.lower())
        )
        if row.existing is None and not row.errors:
            _check_organisation(row, municipality)
        if row.errors:
            row.action = ""
        elif row.existing is None:
            row.action = Row.NEW
        elif row.version and (row.existing.pk, row.version.agreement_id) in open_pairs:
            row.action = Row.ALREADY
        else:
            row.action = Row.ACCESSION_ONLY
    return Preview(municipality=municipality, rows=judged)


# --- Writing --------------------------------------------------------------------------------


def _signature(row: Row) -> services.Signature:
    return services.Signature(
        basis=(
            Accession.Basis.BOARD_DECISION if row.board_decision_date else Accession.Basis.SIGNATORY
        ),
        signer_name=row.values.get("firmatecknare", ""),
        signer_title=row.values.get("befattning", "") or "firmatecknare",
        declaration_confirmed=True,  # the signed paper is the declaration
        board_decision_date=row.board_decision_date,
    )


@transaction.atomic
def register_import(
    *,
    rows: list[tuple[int, dict[str, str]]],
    municipality: Municipality,
    actor: Actor,
    fingerprint: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import the rows of a file (``read_file``) into the municipality's register.

    The rows are judged again first; a row in error refuses the whole import (``HAS_ERRORS``),
    and so does a ``fingerprint`` from the preview that no longer matches (``REGISTER_CHANGED``).
    Everything is written in this one transaction or not at all.
    """
    if not can_import_register(actor, municipality):
        raise ActionRefused(NOT_OFFICER % {"municipality": municipality.name}, status=403)
    preview = import_preview(rows=rows, municipality=municipality)
    if preview.has_errors:
        raise ActionRefused(HAS_ERRORS, status=400)
    if fingerprint is not None and fingerprint != preview.fingerprint():
        raise ActionRefused(REGISTER_CHANGED)
    if dry_run:
        return ImportResult(preview, preview.new, preview.new + preview.accession_only, True)
    to_write = [row for row in preview.rows if row.action != Row.ALREADY]
    if not to_write:
        return ImportResult(preview, 0, 0)
    # Organisations already in the register get an accession: lock them as every accession
    # write does (services._lock_organisation), then judge again under the lock.
    existing = [row.existing.pk for row in to_write if row.existing is not None]
    if existing:
        list(Organisation.objects.select_for_update().filter(pk__in=existing).values("pk"))
        if import_preview(rows=rows, municipality=municipality).fingerprint() != (
            preview.fingerprint()
        ):
            raise ActionRefused(REGISTER_CHANGED)
    try:
        with transaction.atomic():
            return _write(preview, to_write, municipality, actor)
    except IntegrityError as exc:  # a simultaneous registration or accession of a row's number
        raise ActionRefused(REGISTER_CHANGED) from exc


def _write(
    preview: Preview, to_write: list[Row], municipality: Municipality, actor: Actor
) -> ImportResult:
    """Write the rows in a few bulk statements: thousands of rows in seconds, not minutes.

    The same records as an officer's recorded accession (``services.accession_record``): the
    declaration text, the signature checked, active at once, decided and recorded by the
    officer; its history row (an ``IMPORTED`` event) with the officer as actor. The database's
    constraints (one number per municipality, one open accession per version) still hold.
    """
    new_rows = [row for row in to_write if row.existing is None]
    organisations = [_organisation(row, municipality) for row in new_rows]
    bulk_create_with_history(organisations, Organisation, batch_size=500, default_user=actor)
    for row, organisation in zip(new_rows, organisations, strict=True):
        row.existing = organisation
    now = timezone.now()
    accessions = []
    for row in to_write:
        assert row.version is not None and row.signed_on is not None
        assert row.existing is not None
        if not row.version.is_current:
            raise ActionRefused(services.NOT_CURRENT_VERSION)
        signature = _signature(row)
        signature.check()
        accessions.append(
            Accession(
                organisation=row.existing,
                agreement=row.version.agreement,
                version=row.version,
                status=Accession.Status.ACTIVE,
                source=row.source,
                declaration_text=services.declaration_text(
                    organisation=row.existing, version=row.version
                ),
                basis=signature.basis,
                board_decision_date=signature.board_decision_date,
                signer_name=signature.signer_name.strip(),
                signer_title=signature.signer_title.strip(),
                signed_at=timezone.make_aware(
                    datetime.datetime.combine(row.signed_on, datetime.time(12))
                ),
                signed_by=None,
                recorded_by=actor,
                decided_at=now,
                decided_by=actor,
            )
        )
    Accession.objects.bulk_create(accessions, batch_size=500)
    label = services._actor_label(actor)
    AccessionEvent.objects.bulk_create(
        [
            AccessionEvent(
                accession=accession,
                action=AccessionEvent.Action.IMPORTED,
                actor=actor,
                actor_label=label,
                at=now,
                before={},
                after=services._state(accession),
                note=row.values.get("anteckning", ""),
            )
            for row, accession in zip(to_write, accessions, strict=True)
        ],
        batch_size=500,
    )
    public_data_changed()
    services.security_log.info(
        "register import: %s accessions (%s new organisations) in municipality %s by user %s",
        len(accessions),
        len(organisations),
        municipality.pk,
        actor.pk,
    )
    return ImportResult(preview, len(organisations), len(accessions))
