"""Swedish organisation numbers (NNNNNN-NNNN with a Luhn check digit), and uploaded PDFs."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as NumberInvalid
from stdnum.se import orgnr

ORGANISATION_NUMBER_FORMAT = _(
    "Write the organisation number as ten digits, NNNNNN-NNNN (for example 802412-3456)."
)
ORGANISATION_NUMBER_CHECK_DIGIT = _(
    "The organisation number is not valid: its last digit does not match the others. "
    "Check it against the registration certificate."
)

# The first digit of an organisation number says which kind of legal person it belongs to
# (Skatteverket, SKV 709; Bolagsverket). python-stdnum checks the format and the check digit
# but does not know these groups, so they are listed here.
NUMBER_GROUPS = {
    "1": _("estates of deceased persons"),
    "2": _("the state, regions, municipalities and parishes"),
    "3": _("foreign companies"),
    "5": _("limited companies"),
    "6": _("simple partnerships"),
    "7": _("economic associations, housing cooperatives and joint property associations"),
    "8": _("non-profit associations and foundations"),
    "9": _("trading and limited partnerships"),
}
# The groups a legal form's number normally starts with; a form not listed (social enterprise,
# other) may be any of them. A number outside them is a warning, not a refusal: the register has
# real exceptions (an association registered as an economic association, a parish).
EXPECTED_GROUPS = {
    "association": {"8"},
    "foundation": {"8"},
    "faith_community": {"8", "2"},
    "study_association": {"8"},
    "cooperative": {"7"},
    "network": {"8"},
    "umbrella": {"8"},
}

NUMBER_LOOKS_PERSONAL = _(
    "%(number)s looks like a personal identity number (its third digit is below 2), which "
    "organisation numbers never have. A sole trader's number is the owner's personal identity "
    "number and would be shown in the public register. Check the number on the registration "
    "certificate; tick the box below only if it is right."
)
NUMBER_GROUP_MISMATCH = _(
    "Organisation numbers starting with %(digit)s belong to %(group)s, not usually to a "
    "%(legal_form)s. Check the number and the legal form; if both are right, tick the box "
    "below to confirm."
)


_PATTERN = re.compile(r"^\d{6}-?\d{4}$")


def luhn_valid(digits: str) -> bool:
    return luhn.is_valid(digits)


def normalise_organisation_number(value: str) -> str:
    """Return the number as NNNNNN-NNNN, or raise ValidationError with a message for the field.

    Written as ten digits with the hyphen after the sixth or without it (spaces are ignored);
    the check digit by python-stdnum (``stdnum.se.orgnr``).
    """
    written = (value or "").strip().replace(" ", "")
    if not _PATTERN.match(written):
        raise ValidationError(ORGANISATION_NUMBER_FORMAT, code="format")
    try:
        number = orgnr.validate(written)
    except InvalidChecksum:
        raise ValidationError(ORGANISATION_NUMBER_CHECK_DIGIT, code="check_digit") from None
    except NumberInvalid:
        raise ValidationError(ORGANISATION_NUMBER_FORMAT, code="format") from None
    return orgnr.format(number)


def validate_organisation_number(value: str) -> None:
    normalise_organisation_number(value)


def number_warning(number: str, legal_form: str, legal_form_label: str | Promise) -> str | None:
    """Why a valid number (NNNNNN-NNNN) may not be this legal form's, or None when it fits."""
    if not number:
        return None
    if number[2] in "01":
        return NUMBER_LOOKS_PERSONAL % {"number": number}
    expected = EXPECTED_GROUPS.get(legal_form)
    digit = number[0]
    if expected is None or digit in expected:
        return None
    group = NUMBER_GROUPS.get(digit, _("no group of organisations"))
    return NUMBER_GROUP_MISMATCH % {
        "digit": digit,
        "group": group,
        "legal_form": legal_form_label,
    }


FILE_ATTACH_AGAIN = _(
    "The file “%(name)s” was not saved, because the form had errors: attach it again before you "
    "send the form."
)


class AttachAgainMixin:
    """A form with a file field that says, on that field, when a file it was given is lost.

    A browser never sends a chosen file again, so a form shown again with an error elsewhere
    would silently drop the minutes (and, since they are optional, the accession would then go
    through without them). The field gets an error naming the file instead.
    """

    file_fields: tuple[str, ...] = ("minutes",)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None)
        if not errors:
            return
        for name in self.file_fields:
            upload = self.files.get(self.add_prefix(name))  # type: ignore[attr-defined]
            if upload and name not in errors:
                self.add_error(  # type: ignore[attr-defined]
                    name,
                    ValidationError(
                        FILE_ATTACH_AGAIN, code="attach_again", params={"name": upload.name}
                    ),
                )


# --- Uploaded PDFs: no active content --------------------------------------------------------

# What a PDF may carry that runs, opens or hides something besides its pages, in plain words.
PDF_JAVASCRIPT = _("JavaScript")
PDF_AUTOMATIC_ACTIONS = _("actions that run by themselves when the file is opened or read")
PDF_LAUNCH = _("an instruction to start a program or open another file")
PDF_EMBEDDED_FILES = _("embedded files (attachments)")
PDF_RICH_MEDIA = _("embedded multimedia (video, sound or Flash)")
PDF_XFA = _("an XFA form")
PDF_ACTIVE_CONTENT = _(
    "The file contains %(found)s. The portal accepts only plain PDF files, without active "
    "content or attachments. Print the minutes to a new PDF (for example with “Save as PDF” or "
    "“Microsoft Print to PDF”) and upload that file."
)


def pdf_active_content(reader) -> list:
    """What in a PDF (a ``pypdf.PdfReader``) could run or hide something: a list of the
    ``PDF_*`` descriptions above, in a fixed order, empty for a plain document.

    Walks every object reachable from the file's trailer (the catalogue, its pages,
    annotations, forms, name trees and actions), each once, and looks at the dictionaries'
    keys and types; stream data is not decoded. pypdf resolves indirect objects, object
    streams, incremental updates and escaped names (``/J#53`` is ``/JS``).
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    found = set()
    seen = set()
    stack = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            keys = set(item.keys())
            kind = {str(item.get(name, "")) for name in ("/S", "/Subtype", "/Type")}
            if "/JS" in keys or "/JavaScript" in keys or "/JavaScript" in kind:
                found.add(PDF_JAVASCRIPT)
            if "/AA" in keys:
                found.add(PDF_AUTOMATIC_ACTIONS)
            if "/Launch" in kind or "/Launch" in keys:
                found.add(PDF_LAUNCH)
            if keys & {"/EmbeddedFiles", "/EF"} or kind & {"/EmbeddedFile", "/FileAttachment"}:
                found.add(PDF_EMBEDDED_FILES)
            if "/RichMediaContent" in keys or "/RichMedia" in kind:
                found.add(PDF_RICH_MEDIA)
            if "/XFA" in keys:
                found.add(PDF_XFA)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    order = [
        PDF_JAVASCRIPT,
        PDF_AUTOMATIC_ACTIONS,
        PDF_LAUNCH,
        PDF_EMBEDDED_FILES,
        PDF_RICH_MEDIA,
        PDF_XFA,
    ]
    return [description for description in order if description in found]


def validate_plain_pdf(reader) -> None:
    """Refuse a PDF with active content, naming what was found in the user's language."""
    found = pdf_active_content(reader)
    if found:
        listed = get_text_list([str(description) for description in found], _("and"))
        raise ValidationError(PDF_ACTIVE_CONTENT, code="active_content", params={"found": listed})


def validate_pdf_upload(upload, *, unreadable) -> None:
    """An uploaded file that starts as a PDF: it must open as one, have a page, and carry no
    active content (``validate_plain_pdf``). ``unreadable`` is the form's message for a file
    that does not open. The file is left at its start."""
    from pypdf import PdfReader

    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if len(reader.pages) < 1:
            raise ValidationError(unreadable, code="unreadable")
        validate_plain_pdf(reader)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        raise ValidationError(unreadable, code="unreadable") from exc
    finally:
        upload.seek(0)
