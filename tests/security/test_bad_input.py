"""Bad input, property-based: every form and every query parameter of the portal (issue #5, item 3).

For each form endpoint (``FORM_CASES``) a body the endpoint accepts is proven to be accepted
(``test_the_valid_body_is_accepted``: so the refusals below are the hostile field's doing), and
then each field in turn is given values it must refuse, drawn by hypothesis: blank, NUL bytes,
10,000 characters, control characters, unknown choices, impossible dates, numbers out of range,
invalid e-mail addresses, web addresses and organisation numbers, files that are not PDFs. The
answer must be the form again (200 or 400, or the status a case names) with every error shown,
in Swedish, and the database exactly as it was (every row of every table the portal writes,
their history, and the outgoing mail). Every query parameter (``QUERY_CASES``) gets hostile
values and lists, and never a 500. The completeness tests at the end fail when a form, a posted
URL or a query parameter is added to the portal without a case here.

The world is the permission matrix's (tests/security/test_permission_matrix.py), built once for
the module, plus organisation D (registered, not signed) so that signing and recording have an
organisation that may still join. Examples are deterministic (tests/security/conftest.py).
"""

from __future__ import annotations

import ast
import datetime
import functools
import importlib
import itertools
import pathlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache, caches
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import escape
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from agreements.models import Agreement, Municipality
from followup.forms import cycle_initial
from followup.models import Cycle, Evaluation, Question
from followup.report_forms import SECTION_LABELS
from organisations.models import (
    Accession,
    AccessionEvent,
    ActivityArea,
    Organisation,
    Representative,
)
from tests.factories import (
    AccessionFactory,
    OrganisationFactory,
    RepresentativeFactory,
    minimal_pdf,
    valid_organisation_number,
)

from . import hostile as h
from .matrix import ROWS
from .test_permission_matrix import STUB_PDF, World, build_world

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
ROOT = pathlib.Path(settings.BASE_DIR)
APPS = ("core", "portal", "agreements", "organisations", "followup")

# Tables a refused request must leave as they were: everything the portal and its accounts
# write (with django-simple-history's tables and the task queue), not the agreements' content,
# which no form of the site writes (the admin's own forms are Django's), nor the sessions.
WRITTEN_APPS = (
    "organisations",
    "followup",
    "core",  # the stored outgoing mail
    "auth",
    "account",
    "mfa",
    "django_tasks_database",
)


# --- The world ----------------------------------------------------------------------------------


@dataclass
class Extra:
    org_d: int
    asked_accession: int  # pending, with the officer's question open (organisation E)
    org_without_admin: int  # organisation F: a plain representative, no admin left
    scale_question: int
    count_question: int
    text_question: int
    rule: int
    draft_cycle_values: dict


def build_extra(world: World) -> Extra:
    org_d = OrganisationFactory(name="Inmatningsföreningen D")
    admin = get_user_model().objects.get(pk=world.users["organisation_admin"].pk)
    RepresentativeFactory(organisation=org_d, user=admin, role=Representative.Role.ADMIN)
    org_e = OrganisationFactory(name="Inmatningsföreningen E")
    RepresentativeFactory(organisation=org_e, user=admin, role=Representative.Role.ADMIN)
    asked = AccessionFactory(organisation=org_e, status=Accession.Status.PENDING)
    AccessionEvent.objects.create(
        accession=asked,
        action=AccessionEvent.Action.INFO_REQUESTED,
        actor=world.users["officer_x"],
        note="Skicka gärna styrelseprotokollet.",
    )
    org_f = OrganisationFactory(name="Inmatningsföreningen F")
    RepresentativeFactory(organisation=org_f, role=Representative.Role.REPRESENTATIVE)
    report_questions = list(
        Cycle.objects.get(pk=world.open_cycle).questions.order_by("order", "pk")
    )
    group = "organisations"

    def first(kind):
        found = [q.pk for q in report_questions if q.asks(group) and q.answer_kind == kind]
        if found:
            return found[0]
        # The agreement asks organisations no question of this kind: one added by an officer.
        return Question.objects.create(
            cycle_id=world.open_cycle,
            order=1000,
            source=Question.Source.CUSTOM,
            answer_kind=kind,
            respondent_groups=[group],
            text=f"En fråga av slaget {kind}",
        ).pk

    goteborg = Agreement.objects.get(slug="goteborg")
    draft = Cycle.objects.get(pk=world.draft_cycle)
    values = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in cycle_initial(draft).items()
    }
    values["reminder_days"] = ", ".join(map(str, values["reminder_days"]))
    return Extra(
        org_d=org_d.pk,
        asked_accession=asked.pk,
        org_without_admin=org_f.pk,
        scale_question=first(Question.AnswerKind.SCALE),
        count_question=first(Question.AnswerKind.COUNT),
        text_question=first(Question.AnswerKind.TEXT),
        rule=goteborg.current_version.followup_rules.get(kind="followup").pk,
        draft_cycle_values={k: v for k, v in values.items() if v is not False},
    )


def world_fixture(directory: str, then: Callable[[World], None] | None = None):
    """A module-scoped fixture: the matrix's world and ``Extra``, then ``then(world)``, all in a
    transaction rolled back when the module's tests are done."""

    @pytest.fixture(scope="module")
    def world(django_db_setup, django_db_blocker, tmp_path_factory):
        storage = FileSystemStorage(location=tmp_path_factory.mktemp(directory))
        with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
            patch.setattr(Accession._meta.get_field("minutes"), "storage", storage)
            patch.setattr(Evaluation._meta.get_field("pdf"), "storage", storage)
            with transaction.atomic():
                world = build_world(storage)
                world.extra = build_extra(world)
                world.sign_in()
                if then is not None:
                    then(world)
                yield world
                transaction.set_rollback(True)

    return world


world = world_fixture("bad-input-files")


@pytest.fixture
def w(world, db, _temporary_files, monkeypatch):
    monkeypatch.setattr(Accession._meta.get_field("minutes"), "storage", world.storage)
    monkeypatch.setattr(Evaluation._meta.get_field("pdf"), "storage", world.storage)
    monkeypatch.setattr("agreements.views.render_pdf", lambda *a, **k: STUB_PDF)
    monkeypatch.setattr(
        "organisations.views.selfservice.accessions.render_pdf", lambda *a, **k: STUB_PDF
    )
    return world


def client_for(world: World, role: str | None) -> Client:
    client = Client(raise_request_exception=False)
    if role is None:
        return client
    user = world.users[role]
    if user.pk in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[user.pk]
    else:
        client.force_login(user)
    return client


# --- What "nothing changed" and "a clear message" mean ------------------------------------------


@functools.cache
def _written_tables() -> list[tuple[str, str]]:
    """(label, SELECT) for every table of WRITTEN_APPS, many-to-many tables included."""
    quote = connection.ops.quote_name
    tables = []
    for label in WRITTEN_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            # Names from the models' own metadata, quoted: no input reaches this SQL.
            select = f"SELECT * FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"  # noqa: S608
            tables.append((meta.label, select))
    return tables


def snapshot() -> dict:
    """Every row of every table the portal writes, and the outgoing mail.

    Read as the database returns them (no model instances or field conversions: this runs twice
    for every example, and most of these tests' time went into building rows to compare).
    """
    rows = {}
    with connection.cursor() as cursor:
        for label, select in _written_tables():
            cursor.execute(select)
            rows[label] = cursor.fetchall()
    rows["mail"] = [(m.subject, m.to) for m in mail.outbox]
    return rows


def changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@dataclass
class Message:
    field: str
    text: str  # in the language of the request
    english: str
    translated: bool  # a message of the catalogue, not text made at run time


class FormSpy:
    """Records every form validated during a request, to read its errors afterwards."""

    def __init__(self, monkeypatch):
        self.forms: list[forms.BaseForm] = []
        original = forms.BaseForm.full_clean
        spy = self

        def full_clean(form):
            original(form)
            spy.forms.append(form)

        monkeypatch.setattr(forms.BaseForm, "full_clean", full_clean)

    def messages(self, language: str) -> list[Message]:
        found = []
        for form in self.forms:
            if not form.is_bound or not form._errors:
                continue
            for name, errors in form.errors.as_data().items():
                for error in errors:
                    with translation.override(language):
                        text = list(error)
                    with translation.override("en"):
                        english = list(error)
                    for here, there in zip(text, english, strict=True):
                        lazy = isinstance(error.message, Promise)
                        found.append(Message(name, here, there, lazy))
        return found


def assert_refused(response, spy: FormSpy, *, statuses=(200, 400), language="sv") -> list[Message]:
    """The answer to bad input: the page again, every error on it, in the user's language."""
    assert response.status_code in statuses, (response.status_code, _location(response))
    if response.status_code == 404:
        return []
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    messages = spy.messages(language)
    if not messages:
        # A refusal that is not a form's: a message or refusal box above the page.
        assert 'class="alert alert-danger' in page or 'class="alert alert-error' in page, page
        return messages
    for message in messages:
        assert escape(message.text) in page, f"{message.field}: {message.text!r} is not shown"
    if language != "en":
        # At least one message comes from the catalogue and reads differently in English: the
        # page explains the problem in the user's language, not only in numbers or names.
        assert any(m.translated and m.text != m.english for m in messages) or not any(
            m.translated for m in messages
        ), [(m.text, m.english) for m in messages]
    return messages


def _location(response) -> str:
    return response.get("Location", "")


# --- The form endpoints ---------------------------------------------------------------------------


def _today(days: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def pdf_file(content: bytes = b"", name: str = "protokoll.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def not_a_pdf() -> st.SearchStrategy:
    """Files that are not PDFs, whatever their name and content type say, a broken PDF, or a
    real PDF with active content (JavaScript run on opening, an embedded file)."""
    from tests.organisations.test_minutes_active_content import (
        _attachment,
        _open_action_js,
        hostile_pdf,
    )

    contents = st.one_of(
        st.sampled_from(
            [
                b"",
                b"MZ\x90\x00 an executable",
                b"<html><script>alert(1)</script></html>",
                b"%PDF",
                b"%PDF-1.7\n this is not really a PDF",
                b"\x00" * 100,
                "Protokoll, åäö".encode(),
                b"PK\x03\x04 a zip file",
                hostile_pdf(_open_action_js),
                hostile_pdf(_attachment),
            ]
        ),
        st.binary(max_size=64).filter(lambda b: not b.startswith(b"%PDF-")),
    )
    names = st.sampled_from(["protokoll.pdf", "protokoll.exe", "<script>.pdf", "a\u202efdp.exe"])
    return st.tuples(contents, names).map(lambda cn: _Upload(*cn))


@dataclass(frozen=True)
class _Upload:
    """A file to post, made anew for each request (an upload is read once)."""

    content: bytes
    name: str

    def file(self) -> SimpleUploadedFile:
        return pdf_file(self.content, self.name)


def _body(values: dict) -> dict:
    return {k: (v.file() if isinstance(v, _Upload) else v) for k, v in values.items()}


def falsy() -> st.SearchStrategy[str]:
    """What a ticked-box field reads as not ticked."""
    # Not "0" or "off": a checkbox's widget reads any other text as ticked, as browsers send it.
    return st.sampled_from(["", "false", "False"]) | st.just(None)


Strategies = dict[str, st.SearchStrategy]


_TWO_WEEKS = datetime.timedelta(days=14)


def _open_deadline(world: World) -> datetime.date:
    return Cycle.objects.values_list("deadline", flat=True).get(pk=world.open_cycle)


def _deadline_not_later(world: World) -> st.SearchStrategy[str]:
    """Dates an open cycle's deadline cannot be moved to: not later than it, or more than a
    year after it (or after today, if it has passed)."""
    current = _open_deadline(world)
    too_far = max(current, timezone.localdate()) + datetime.timedelta(days=367)
    return st.one_of(
        st.dates(min_value=datetime.date(1900, 1, 1), max_value=current),
        st.dates(min_value=too_far, max_value=datetime.date(9999, 12, 31)),
    ).map(datetime.date.isoformat)


@dataclass(frozen=True)
class FormCase:
    key: str  # the URL name, as in tests/security/matrix.py
    role: str | None  # who may post it (None: anonymous)
    url: Callable[[World], str]
    valid: Callable[[World], dict]  # a body the endpoint accepts
    invalid: Callable[[World], Strategies]  # per field, values it must refuse
    forms: tuple[str, ...] = ()  # the form classes it validates, "module.Class"
    statuses: tuple[int, ...] = (200, 400)
    accepted: tuple[int, ...] = (302,)  # the answer to the valid body

    def __str__(self) -> str:
        return self.key


def _url(name: str, *attrs: str, **kwargs) -> Callable[[World], str]:
    def build(world: World) -> str:
        args = [
            getattr(world.extra, a[6:]) if a.startswith("extra.") else getattr(world, a)
            for a in attrs
        ]
        return reverse(name, args=args, kwargs=kwargs or None)

    return build


def organisation_valid(world: World) -> dict:
    return {
        "name": "Nya föreningen",
        "organisation_number": valid_organisation_number(7_000_001),
        "legal_form": "association",
        "municipality": str(Municipality.objects.get(slug="goteborg").pk),
        "activity_areas": [str(ActivityArea.objects.order_by("pk").first().pk)],
        "email": "info@nya.example.se",
        "website": "https://nya.example.se",
    }


def organisation_edit_valid(world: World) -> dict:
    org = Organisation.objects.get(pk=world.org_a)
    body = {
        name: getattr(org, name)
        for name in (
            "name",
            "organisation_number",
            "legal_form",
            "street_address",
            "postal_code",
            "city",
            "website",
            "email",
            "phone",
            "description",
        )
    }
    body["municipality"] = str(org.municipality_id)
    body["name"] = "Matrisföreningen A, nytt namn"
    return body


def organisation_invalid(world: World) -> Strategies:
    return {
        "name": h.required_text(200),
        "organisation_number": h.not_an_organisation_number(),
        "no_number_reason": h.optional_text(300),
        "legal_form": h.not_a_choice(["association", "foundation", "network", "other"]),
        "municipality": h.unknown_id(),
        "activity_areas": st.lists(h.unknown_id(), min_size=1, max_size=3),
        "street_address": h.optional_text(200),
        "postal_code": h.optional_text(10),
        "city": h.optional_text(100),
        "website": h.not_a_url(),
        "email": h.not_an_email(),
        "phone": h.optional_text(40),
        "description": h.optional_text(4000),
        "contact_name": h.optional_text(200),
        "contact_email": h.not_an_email(),
        "contact_phone": h.optional_text(40),
    }


def signature_invalid(world: World) -> Strategies:
    return {
        "declaration_confirmed": falsy(),
        "basis": h.not_a_choice(["signatory", "board_decision"]),
        "board_decision_date": h.not_a_date(),
        "minutes": not_a_pdf(),
        "signer_name": h.required_text(200),
        "signer_title": h.required_text(200),
    }


SIGNATURE = {
    "declaration_confirmed": "on",
    "basis": "signatory",
    "signer_name": "Anna Andersson",
    "signer_title": "Ordförande",
}


def not_reminder_days() -> st.SearchStrategy[str]:
    """Reminder schedules a cycle must refuse: not whole numbers, on or after the deadline,
    more than a year before it, in the past, too many."""
    return st.one_of(
        st.sampled_from(["fjorton", "14 och 3", "1.5", "3,,x", "-1", "0", "14, -2", "366"]),
        st.sampled_from(["100000", "1, 2, 3, 4, 5, 6", "99999999999999999999"]),
        h.with_nul(),
        h.too_long(100),
    )


CYCLE_FIELDS: Callable[[World], Strategies] = lambda world: {  # noqa: E731
    "title": h.required_text(200),
    "period_start": h.not_a_date(),
    "period_end": h.not_a_date(),
    "opens_on": h.not_a_date(),
    "deadline": h.not_a_date(),
    "reminder_days": not_reminder_days(),
}

QUESTION_VALID = {
    "text": "Hur har samverkan fungerat?",
    "section": "Övrigt",
    "answer_kind": "text",
    "respondent_groups": ["organisations"],
}


def question_invalid(world: World) -> Strategies:
    return {
        "text": h.required_text(2000),
        "section": h.optional_text(300),
        "answer_kind": h.not_a_choice([k for k, _l in Question.AnswerKind.choices]),
        "respondent_groups": st.one_of(
            st.just([]), st.lists(h.not_a_choice(["organisations", "units", "council"]), min_size=1)
        ),
        "help_text": h.optional_text(2000),
    }


def report_valid(world: World) -> dict:
    e = world.extra
    return {
        "revision": "0",
        f"q{e.scale_question}-score": "4",
        f"q{e.count_question}-number": "12",
    }


def report_invalid(world: World) -> Strategies:
    e = world.extra
    fields = {
        "revision": h.not_an_integer(0),
        f"q{e.scale_question}-score": h.not_a_choice(["1", "2", "3", "4", "5", "na", ""]),
        f"q{e.scale_question}-comment": h.optional_text(10_000),
        f"q{e.scale_question}-examples": h.optional_text(10_000),
        f"q{e.count_question}-number": h.not_an_integer(0, 2_147_483_647).filter(bool),
        f"q{e.count_question}-comment": h.optional_text(10_000),
    }
    fields[f"q{e.text_question}-text"] = h.optional_text(10_000)
    return fields


RECORD_VALID = {
    "source": "paper",
    "signed_on": "2024-05-02",
    "signer_name": "Bo Berg",
    "signer_title": "Kassör",
    "basis": "signatory",
    "declaration_confirmed": "on",
}


def record_invalid(world: World) -> Strategies:
    return {
        "source": h.not_a_choice(["dialogue_forum", "paper"]),
        "signed_on": h.not_a_date() | h.future_date(),
        "signer_name": h.required_text(200),
        "signer_title": h.required_text(200),
        "basis": h.not_a_choice(["signatory", "board_decision"]),
        "board_decision_date": h.not_a_date() | h.future_date(),
        "minutes": not_a_pdf().filter(lambda u: u.content != b""),  # empty: no file chosen
        "declaration_confirmed": falsy(),
        "note": h.optional_text(2000),
    }


def register_file_invalid() -> st.SearchStrategy:
    """Files the register import must refuse whole or row by row: junk named as CSV or XLSX, a
    PDF, a register with a signing date in the future or another municipality."""
    from tests.organisations.import_files import csv_bytes, row

    def upload(name: str, content: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, content)

    return st.one_of(
        st.binary(min_size=1, max_size=3000).map(lambda b: upload("register.csv", b)),
        st.binary(min_size=1, max_size=3000).map(lambda b: upload("register.xlsx", b)),
        not_a_pdf().filter(lambda u: u.content != b""),
        st.builds(lambda: upload("r.csv", csv_bytes([row(1, undertecknad_datum=_today(3))]))),
        st.builds(lambda: upload("r.csv", csv_bytes([row(1, kommun="Borås")]))),
        st.builds(lambda: upload("r.csv", csv_bytes([row(1), row(2, organisationsnummer="1")]))),
    )


def register_file_valid(world: World) -> dict:
    from tests.organisations.import_files import csv_bytes, row

    return {
        "municipality": str(Municipality.objects.get(slug="goteborg").pk),
        "file": SimpleUploadedFile("register.csv", csv_bytes([row(1)])),
    }


FORM_CASES = [
    FormCase(
        "organisations:create",
        "representative_b",
        _url("organisations:create"),
        organisation_valid,
        organisation_invalid,
        forms=("organisations.forms.OrganisationForm",),
    ),
    FormCase(
        "organisations:edit",
        "organisation_admin",
        _url("organisations:edit", "org_a"),
        organisation_edit_valid,
        lambda w: {k: v for k, v in organisation_invalid(w).items() if k != "municipality"},
    ),
    FormCase(
        "organisations:sign",
        "organisation_admin",
        _url("organisations:sign", "extra.org_d"),
        lambda w: SIGNATURE,
        signature_invalid,
        forms=("organisations.forms.SignatureForm",),
    ),
    FormCase(
        "organisations:withdraw",
        "organisation_admin",
        _url("organisations:withdraw", "accession_a"),
        lambda w: {"reason": "Styrelsen har beslutat det.", "confirmed": "on"},
        lambda w: {"reason": h.required_text(2000), "confirmed": falsy()},
        forms=("organisations.forms.WithdrawForm",),
    ),
    FormCase(
        "organisations:answer",
        "organisation_admin",
        _url("organisations:answer", "extra.asked_accession"),
        lambda w: {"answer": "Protokollet är nu bifogat."},
        lambda w: {"answer": h.required_text(2000)},
        forms=("organisations.forms.AnswerForm",),
    ),
    FormCase(
        "organisations:representative-invite",
        "organisation_admin",
        _url("organisations:representative-invite", "org_a"),
        lambda w: {"email": "ny@example.se", "role": "representative"},
        lambda w: {
            "email": h.not_an_email(),
            "role": h.not_a_choice(["representative", "admin"]),
        },
        forms=("organisations.forms.InvitationForm",),
    ),
    # Removing, approving, declining and revoking name an object by id: an id that names none
    # (of this organisation) is 404.
    *[
        FormCase(
            f"organisations:{url_name}",
            "organisation_admin",
            _url(f"organisations:{url_name}", "org_a"),
            lambda w, name=name: {name: "0"},
            lambda w, name=name: {name: h.unknown_id()},
            statuses=(404,),
            accepted=(404,),  # there is no valid one in the world: 0 names nothing either
        )
        for url_name, name in [
            ("representative-remove", "representative"),
            ("access-request-approve", "access_request"),
            ("access-request-decline", "access_request"),
            ("invitation-revoke", "invitation"),
        ]
    ],
    FormCase(
        "organisations:request-access",
        "representative_b",
        _url("organisations:request-access", "org_a"),
        lambda w: {"message": "Jag är kassör i föreningen."},
        lambda w: {"message": h.optional_text(2000), "organisation_number": h.optional_text(11)},
        forms=("organisations.forms.AccessRequestForm",),
    ),
    FormCase(
        "organisations:record",
        "officer_x",
        _url("organisations:record", "extra.org_d"),
        lambda w: RECORD_VALID,
        record_invalid,
        forms=("organisations.officer_forms.RecordAccessionForm",),
    ),
    FormCase(
        "organisations:officer-organisation-create",
        "officer_x",
        _url("organisations:officer-organisation-create"),
        organisation_valid,
        organisation_invalid,
    ),
    FormCase(
        "organisations:application-attach",
        "officer_x",
        _url("organisations:application-attach", "accession_a"),
        lambda w: {"application": pdf_file(minimal_pdf(), "ansokan.pdf")},
        lambda w: {"application": not_a_pdf().filter(lambda u: u.content != b"")},
        forms=("organisations.import_forms.ApplicationForm",),
    ),
    FormCase(
        "organisations:officer-import",
        "officer_x",
        _url("organisations:officer-import"),
        register_file_valid,
        lambda w: {"file": register_file_invalid(), "municipality": h.unknown_id()},
        forms=("organisations.import_forms.RegisterImportForm",),
        statuses=(400, 413),
        accepted=(200,),  # the check of every row, with the button to confirm
    ),
    FormCase(
        "organisations:reject",
        "officer_x",
        _url("organisations:reject", "accession_b"),
        lambda w: {"reason": "Underskriften saknas."},
        lambda w: {"reason": h.required_text(2000)},
        forms=("organisations.officer_forms.RejectForm",),
    ),
    FormCase(
        "organisations:verify",
        "officer_x",
        _url("organisations:verify", "accession_b"),
        lambda w: {"note": "Firmateckningen är kontrollerad."},
        lambda w: {"note": h.optional_text(2000)},
        forms=("organisations.officer_forms.VerifyForm",),
    ),
    FormCase(
        "organisations:request-information",
        "officer_x",
        _url("organisations:request-information", "accession_b"),
        lambda w: {"question": "Vem är föreningens firmatecknare?"},
        lambda w: {"question": h.required_text(2000)},
        forms=("organisations.officer_forms.QuestionForm",),
    ),
    FormCase(
        "organisations:officer-work-mail",
        "officer_x",
        _url("organisations:officer-work-mail"),
        lambda w: {"work_mail": "digest"},
        lambda w: {"work_mail": h.not_a_choice(["each", "digest"])},
        forms=("organisations.officer_forms.WorkMailForm",),
    ),
    FormCase(
        "organisations:invite-admin",
        "officer_x",
        _url("organisations:invite-admin", "extra.org_without_admin"),
        lambda w: {"email": "ny-ordforande@example.se"},
        lambda w: {"email": h.not_an_email()},
        forms=("organisations.officer_forms.InviteAdminForm",),
    ),
    FormCase(
        "organisations:profile",
        "representative_b",
        _url("organisations:profile"),
        lambda w: {"first_name": "Bodil", "last_name": "Nyberg", "language": "en"},
        lambda w: {
            "first_name": h.required_text(150),
            "last_name": h.required_text(150),
            "language": h.not_a_choice(["sv", "en"]),
        },
        forms=("core.account_forms.ProfileForm",),
    ),
    FormCase(
        "organisations:delete-account",
        "representative_b",
        _url("organisations:delete-account"),
        lambda w: {"password": PASSWORD},
        lambda w: {"password": h.text().filter(lambda p: p != PASSWORD) | h.blank()},
        forms=("organisations.views.account.DeleteAccountForm",),
    ),
    FormCase(
        "followup:cycle-create",
        "officer_x",
        _url("followup:cycle-create", slug="goteborg"),
        lambda w: {"rule": str(w.extra.rule)},
        lambda w: {"rule": h.unknown_id(), **CYCLE_FIELDS(w)},
        forms=("followup.forms.CycleCreateForm",),
    ),
    FormCase(
        "followup:cycle-edit",
        "officer_x",
        _url("followup:cycle-edit", "draft_cycle"),
        lambda w: {**w.extra.draft_cycle_values, "title": "Uppföljning, nytt namn"},
        CYCLE_FIELDS,
        forms=("followup.forms.CycleForm",),
    ),
    FormCase(
        "followup:questions",
        "officer_x",
        _url("followup:questions", "draft_cycle"),
        lambda w: QUESTION_VALID,
        question_invalid,
        forms=("followup.forms.QuestionForm",),
    ),
    FormCase(
        "followup:question-edit",
        "officer_x",
        _url("followup:question-edit", "draft_cycle", "draft_question"),
        lambda w: {
            "text": "En ny lydelse av frågan?",
            "respondent_groups": list(Question.objects.get(pk=w.draft_question).respondent_groups),
        },
        lambda w: {k: v for k, v in question_invalid(w).items() if k != "answer_kind"},
    ),
    FormCase(
        "followup:cycle-deadline",
        "officer_x",
        _url("followup:cycle-deadline", "open_cycle"),
        lambda w: {"deadline": str(max(_open_deadline(w), timezone.localdate()) + _TWO_WEEKS)},
        lambda w: {"deadline": h.not_a_date() | st.deferred(lambda: _deadline_not_later(w))},
        forms=("followup.forms.DeadlineForm",),
    ),
    FormCase(
        "followup:cycle-reminders",
        "officer_x",
        _url("followup:cycle-reminders", "open_cycle"),
        lambda w: {"reminder_days": "7, 2"},
        lambda w: {"reminder_days": not_reminder_days()},
        forms=("followup.forms.RemindersForm",),
    ),
    FormCase(
        "followup:unit-recipient",
        "officer_x",
        _url("followup:unit-recipient", "draft_cycle", "unit"),
        lambda w: {"email": "ny-mottagare@example.se", "first_name": "Nora"},
        lambda w: {
            "email": h.not_an_email() | h.blank(),
            "first_name": h.optional_text(150),
            "last_name": h.optional_text(150),
        },
        forms=("followup.forms.UnitRecipientForm",),
    ),
    FormCase(
        "followup:report-reopen",
        "officer_x",
        _url("followup:report-reopen", "submitted_report"),
        lambda w: {"reason": "Siffrorna behöver rättas."},
        lambda w: {"reason": h.required_text(2000)},
        forms=("followup.forms.ReopenForm",),
    ),
    FormCase(
        "followup:report",
        "representative_a",
        _url("followup:report", "report_a"),
        report_valid,
        report_invalid,
        forms=("followup.report_forms.ReportForm",),
    ),
    FormCase(
        "followup:evaluation-edit",
        "officer_x",
        _url("followup:evaluation-edit", "closed_cycle"),
        lambda w: {"summary": "Samverkan har fungerat väl.", "anonymise_free_text": "on"},
        lambda w: {
            "summary": h.optional_text(20_000),
            "conclusions": h.optional_text(20_000),
            "recommendations": h.optional_text(20_000),
        },
        forms=("followup.report_forms.EvaluationForm",),
    ),
    FormCase(
        "followup:evaluation-comment",
        "council_member",
        _url("followup:evaluation-comment", "review_cycle"),
        lambda w: {"section": "summary", "text": "En kommentar."},
        lambda w: {
            "section": h.not_a_choice(SECTION_LABELS),
            "text": h.required_text(5000),
        },
        forms=("followup.report_forms.CommentForm",),
    ),
    # Accounts (allauth): an invalid form is shown again with 200.
    FormCase(
        "account_login",
        None,
        _url("account_login"),
        lambda w: {"login": w.users["representative_a"].email, "password": PASSWORD},
        lambda w: {
            "login": h.not_an_email() | h.blank(),
            "password": h.text().filter(lambda p: p != PASSWORD) | h.blank(),
        },
    ),
    FormCase(
        "account_signup",
        None,
        _url("account_signup"),
        lambda w: {
            "first_name": "Ny",
            "last_name": "Person",
            "email": "ny.person@example.se",
            "password1": "ett långt och ovanligt lösenord",
            "password2": "ett långt och ovanligt lösenord",
        },
        lambda w: {
            "first_name": h.required_text(150),
            "last_name": h.required_text(150),
            "email": h.not_an_email() | h.blank(),
            "password1": st.sampled_from(["", "kort", "1234567890", "password123"]),
        },
        forms=("core.account_forms.SignupForm",),
    ),
    FormCase(
        "account_reset_password",
        None,
        _url("account_reset_password"),
        lambda w: {"email": w.users["representative_a"].email},
        lambda w: {"email": h.not_an_email() | h.blank()},
    ),
    FormCase(
        "account_change_password",
        "representative_b",
        _url("account_change_password"),
        lambda w: {
            "oldpassword": PASSWORD,
            "password1": "ett långt och ovanligt lösenord",
            "password2": "ett långt och ovanligt lösenord",
        },
        lambda w: {
            "oldpassword": h.text().filter(lambda p: p != PASSWORD) | h.blank(),
            "password1": st.sampled_from(["", "kort", "1234567890"]) | h.with_nul(),
            "password2": h.text(),
        },
    ),
    FormCase(
        "account_email",
        "representative_b",
        _url("account_email"),
        lambda w: {"action_add": "", "email": "annan.adress@example.se"},
        lambda w: {"email": h.not_an_email() | h.blank()},
    ),
    FormCase(
        "account_reauthenticate",
        "representative_b",
        _url("account_reauthenticate"),
        lambda w: {"password": PASSWORD},
        lambda w: {"password": h.text().filter(lambda p: p != PASSWORD) | h.blank()},
    ),
]

CASES = {case.key: case for case in FORM_CASES}
# Accepted forms whose success is in the session, not in the database.
SESSION_ONLY = ("account_login", "account_reauthenticate")


def _post(world: World, case: FormCase, body: dict):
    # allauth's rate limits count in the security cache (core/securitycache.py)
    cache.clear()
    caches["security"].clear()
    client = client_for(world, case.role)
    return client.post(case.url(world), _body(body))


@pytest.mark.parametrize("case", FORM_CASES, ids=str)
def test_the_valid_body_is_accepted(w, case):
    """Without this, a refusal below could be the valid part's fault."""
    before = snapshot()
    response = _post(w, case, case.valid(w))
    assert response.status_code in case.accepted, (response.status_code, response.content[:3000])
    if response.status_code in (301, 302):
        assert changes(before, snapshot()) or case.key in SESSION_ONLY, (
            "an accepted form changed nothing"
        )


def _field_names(case: FormCase) -> list[str]:
    """The fields a case refuses, named without the world (report fields carry question ids)."""
    if case.key == "followup:report":
        return ["revision", "score", "comment", "examples", "number", "count-comment", "text"]
    return list(case.invalid(_NO_WORLD))


class _NoWorld:
    def __getattr__(self, name):
        raise AttributeError(name)


_NO_WORLD = _NoWorld()

FIELD_CASES = [
    pytest.param(case, name, id=f"{case.key}[{name}]")
    for case in FORM_CASES
    for name in _field_names(case)
]

_REPORT_FIELDS = {
    "score": "q{scale}-score",
    "comment": "q{scale}-comment",
    "examples": "q{scale}-examples",
    "number": "q{count}-number",
    "count-comment": "q{count}-comment",
    "text": "q{text}-text",
}


def _real_name(world: World, case: FormCase, name: str) -> str:
    if case.key != "followup:report" or name == "revision":
        return name
    e = world.extra
    return _REPORT_FIELDS[name].format(
        scale=e.scale_question, count=e.count_question, text=e.text_question
    )


@pytest.mark.parametrize(("case", "name"), FIELD_CASES)
@hypothesis_settings(max_examples=2)
@given(data=st.data())
def test_a_refused_field_changes_nothing_and_says_why(w, monkeypatch, case, name, data):
    real = _real_name(w, case, name)
    value = data.draw(case.invalid(w)[real], label=real)
    body = {**case.valid(w), real: value}
    if value is None:
        del body[real]
    spy = FormSpy(monkeypatch)
    before = snapshot()
    response = _post(w, case, body)
    assert_refused(response, spy, statuses=case.statuses)
    assert not changes(before, snapshot()), f"{case.key} changed data for {real}={value!r}"


@pytest.mark.parametrize("case", FORM_CASES, ids=str)
@hypothesis_settings(max_examples=1)
@given(
    junk=st.dictionaries(
        st.sampled_from(["x", "id", "pk", "csrfmiddlewaretoken"]) | h.text(),
        h.junk_value(),
        max_size=4,
    )
)
def test_junk_fields_besides_a_refused_form_change_nothing(w, monkeypatch, case, junk):
    """Unknown fields, lists for single values and hostile text in every field at once."""
    names = list(case.invalid(w))
    body = {**case.valid(w), **dict.fromkeys(names[:1], h.NUL), **junk}
    for name in names[1:]:
        body.setdefault(name, ["", h.SCRIPT])
    spy = FormSpy(monkeypatch)
    before = snapshot()
    response = _post(w, case, body)
    assert response.status_code < 500
    assert_refused(response, spy, statuses=(*case.statuses, 404))
    assert not changes(before, snapshot())


def test_a_refused_form_speaks_english_to_those_who_chose_it(w, monkeypatch):
    client = client_for(w, "representative_b")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    spy = FormSpy(monkeypatch)
    body = {**organisation_valid(w), "name": "", "email": "ingen-snabel-a"}
    response = client.post(reverse("organisations:create"), body)
    messages = assert_refused(response, spy, language="en")
    texts = {m.text for m in messages}
    assert "This field is required." in texts
    assert "Enter a valid email address." in texts


def test_a_nul_byte_in_every_kind_of_field_is_a_form_error_not_a_crash(w, monkeypatch):
    """Django's ProhibitNullCharactersValidator guards CharField; the others are checked here."""
    case = CASES["organisations:record"]
    for name in ("source", "signed_on", "signer_name", "basis", "note", "board_decision_date"):
        spy = FormSpy(monkeypatch)
        response = _post(w, case, {**case.valid(w), name: f"x{h.NUL}y"})
        messages = assert_refused(response, spy)
        assert name in {m.field for m in messages}, name


def test_minutes_larger_than_the_limit_are_refused(w, monkeypatch, settings):
    settings.ACCESSION_MINUTES_MAX_BYTES = 1000
    for key in ("organisations:sign", "organisations:record"):
        case = CASES[key]
        spy = FormSpy(monkeypatch)
        before = snapshot()
        big = b"%PDF-1.7\n" + b"0" * 2000
        response = _post(w, case, {**case.valid(w), "minutes": pdf_file(big)})
        messages = assert_refused(response, spy)
        assert "minutes" in {m.field for m in messages}
        assert not changes(before, snapshot())


# --- Query parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryCase:
    key: str
    role: str | None
    url: Callable[[World], str]
    params: dict[str, st.SearchStrategy]  # every parameter the page reads, with hostile values
    statuses: tuple[int, ...] = (200, 400)
    forms: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.key


def _hostile() -> st.SearchStrategy:
    return h.junk_value() | h.unknown_id() | st.integers().map(str)


QUERY_CASES = [
    QueryCase(
        "organisations:register",
        None,
        _url("organisations:register"),
        {
            "q": h.text() | h.optional_text(200),
            "municipality": h.not_a_choice(["goteborg", "boras", "sodertalje", "botkyrka"]),
            "legal_form": h.not_a_choice([]),
            "area": h.not_a_choice([]),
            "year": h.not_an_integer(1900, 2999),
            "sort": h.not_a_choice([]),
            "page": _hostile(),
        },
        forms=("organisations.filters.RegisterFilterForm",),
    ),
    QueryCase(
        "agreements:comparison",
        None,
        _url("agreements:comparison"),
        {
            # One value or several: known agreements, unknown ones, too many of them.
            "agreement": st.lists(
                st.sampled_from(["goteborg", "boras", "sodertalje", "botkyrka"])
                | h.not_a_choice(["goteborg", "boras", "sodertalje", "botkyrka"]),
                min_size=1,
                max_size=9,
            ),
        },
        forms=("agreements.forms.ComparisonForm",),
    ),
    QueryCase(
        "organisations:officer",
        "officer_x",
        _url("organisations:officer"),
        {"page": _hostile()},
        statuses=(200,),
    ),
    QueryCase(
        "organisations:officer-organisations",
        "officer_x",
        _url("organisations:officer-organisations"),
        {
            "q": h.text() | h.optional_text(200),
            "status": h.not_a_choice([]),
            "legal_form": h.not_a_choice([]),
            "page": _hostile(),
        },
        forms=("organisations.officer_forms.OrganisationFilterForm",),
    ),
    QueryCase(
        "followup:cycle-create",
        "officer_x",
        _url("followup:cycle-create", slug="goteborg"),
        {"rule": h.unknown_id() | _hostile()},
        statuses=(200,),  # an unknown rule: every proposal is shown
    ),
    QueryCase(
        "organisations:request-access",
        "representative_a",
        _url("organisations:request-access", "org_b"),
        {"organisation_number": _hostile() | h.not_an_organisation_number()},
        statuses=(404,),  # a private organisation, and a number that is not its own
    ),
    QueryCase(
        "account_login",
        None,
        _url("account_login"),
        {"next": _hostile() | st.sampled_from(["https://evil.example/", "//evil.example"])},
        statuses=(200,),
    ),
    QueryCase(
        "admin:login",
        None,
        _url("admin:login"),
        {"next": _hostile() | st.sampled_from(["https://evil.example/", "//evil.example"])},
        statuses=(302,),
    ),
]


@pytest.mark.parametrize("case", QUERY_CASES, ids=str)
@given(data=st.data())
def test_hostile_query_parameters_never_fail_the_page(w, monkeypatch, case, data):
    chosen = data.draw(
        st.lists(st.sampled_from(sorted(case.params)), min_size=1, max_size=3, unique=True)
    )
    params = {name: data.draw(case.params[name], label=name) for name in chosen}
    spy = FormSpy(monkeypatch)
    before = snapshot()
    cache.clear()
    response = client_for(w, case.role).get(case.url(w), params)
    assert response.status_code in case.statuses, (params, response.status_code)
    if response.status_code == 400:
        assert_refused(response, spy, statuses=(400,))
    if response.status_code == 302:
        assert not urlsplit(_location(response)).netloc, _location(response)
    assert not changes(before, snapshot())


def test_a_year_that_is_not_a_number_is_an_error_in_the_register(client, db):
    response = client.get(reverse("organisations:register"), {"year": "tjugotjugofyra"})
    assert response.status_code == 400
    assert escape(str(translation.gettext("Choose a year from the list."))) in (
        response.content.decode()
    )


@given(
    language=_hostile() | st.sampled_from(["sv", "en", "de", "", "x" * 200]),
    next_url=_hostile() | st.sampled_from(["https://evil.example/", "//evil.example", "/\\x"]),
)
def test_the_language_switch_stays_on_the_site_whatever_it_is_sent(db, language, next_url):
    for method in ("get", "post"):
        client = Client(raise_request_exception=False)
        response = getattr(client, method)(
            "/i18n/setlang/", {"language": language, "next": next_url}
        )
        assert response.status_code == 302, response.status_code
        assert not urlsplit(response["Location"]).netloc, response["Location"]


@pytest.mark.parametrize("row", [r for r in ROWS if r.admin_kind is None], ids=lambda r: r.key)
def test_unknown_query_parameters_change_no_page(w, row):
    """Every page (as a role that may see it): hostile parameters it does not read change
    nothing of its answer."""
    role = next((r for r, answer in row.get.items() if answer == 200), "anonymous")
    who = None if role == "anonymous" else role
    url = row.url(w)
    plain = client_for(w, who).get(url)
    junk = {"x": h.SCRIPT, "id": "-1", "pk[]": ["1", "2"], "format": "json", "__": h.NUL}
    cache.clear()
    hostile = client_for(w, who).get(url, junk)
    assert hostile.status_code == plain.status_code, url
    assert hostile.status_code < 500


# --- Every form, every posted URL, every query parameter has a case ------------------------------


def project_forms() -> set[str]:
    """Every form class defined in the portal's own code (not the admin's)."""
    for path in itertools.chain.from_iterable((ROOT / app).rglob("*.py") for app in APPS):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if not {"migrations", "management"} & set(parts):
            importlib.import_module(".".join(p for p in parts if p != "__init__"))
    found = set()
    pending = [forms.BaseForm]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        module = cls.__module__
        if module.split(".")[0] in APPS and ".admin" not in module and module[-5:] != "admin":
            found.add(f"{module}.{cls.__qualname__}")
    return found


def test_every_form_of_the_portal_has_a_case():
    covered = {name for case in [*FORM_CASES, *QUERY_CASES] for name in case.forms}
    missing = project_forms() - covered
    assert not missing, f"forms without a case in tests/security/test_bad_input.py: {missing}"
    stale = covered - project_forms()
    assert not stale, f"cases for forms that no longer exist: {stale}"


# Posted URLs without a form: a button, whose only input is the click. Junk fields must not
# change their answer (test_actions_without_input_ignore_junk_fields).
ACTIONS_WITHOUT_INPUT = {
    "organisations:invite-reconfirm": "officer_x",
    "organisations:reconfirm": "organisation_admin",
    "organisations:invitation": None,
    "followup:cycle-open": "officer_x",
    "followup:cycle-close": "officer_x",
    "followup:cycle-schedule": "officer_x",
    "followup:cycle-unschedule": "officer_x",
    "followup:cycle-delete": "officer_x",
    "followup:cycle-remind": "officer_x",
    "followup:evaluation-send": "officer_x",
    "followup:evaluation-approve": "council_member",
    "followup:evaluation-publish": "officer_x",
    "followup:evaluation-retry-pdf": "officer_x",
    "account_logout": "representative_a",
    "set_language": None,  # test_the_language_switch_stays_on_the_site_whatever_it_is_sent
}
# allauth's pages that take a POST and are reached only in the middle of a flow (a link from an
# e-mail, a login waiting for its second factor, a recent reauthentication): their forms are
# allauth's, refused by allauth before any input is read; the matrix holds their answers.
ALLAUTH_FLOWS = {
    "account_confirm_email",
    "account_set_password",
    "account_reset_password_from_key",
    "account_confirm_login_code",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_generate_recovery_codes",
}
NOT_POSTED = {405, "login"}


def posted_urls() -> set[str]:
    """URL names that some role may post to (from the permission matrix), outside the admin."""
    return {
        row.name
        for row in ROWS
        if row.admin_kind is None
        and any(answer not in NOT_POSTED for answer in row.post.values())
        and not all(answer in (403, 404, "login") for answer in row.post.values())
    }


def test_every_posted_url_has_a_case():
    covered = {key.split("@")[0] for key in CASES} | set(ACTIONS_WITHOUT_INPUT) | ALLAUTH_FLOWS
    missing = posted_urls() - covered
    assert not missing, f"posted URLs without a case in tests/security/test_bad_input.py: {missing}"


def read_query_parameters() -> set[tuple[str, str]]:
    """(file, parameter) for every ``request.GET.get("…")`` and ``request.GET["…"]`` in the
    portal's code, and every field of a form bound to ``request.GET``."""
    found = set()
    for path in itertools.chain.from_iterable((ROOT / app).rglob("*.py") for app in APPS):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        for match in re.finditer(r"""request\.GET(?:\.get\(|\[)\s*["'](\w+)["']""", source):
            found.add((path.name, match.group(1)))
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and node.args
                and ast.unparse(node.args[0]) in ("request.GET", "request.GET or None")
            ):
                name = ast.unparse(node.func)
                found.add((path.name, f"form:{name}"))
    return found


def test_every_query_parameter_has_a_case():
    params = {name for case in QUERY_CASES for name in case.params}
    form_names = {name.rsplit(".", 1)[1] for case in QUERY_CASES for name in case.forms}
    missing = [
        (file, name)
        for file, name in read_query_parameters()
        if (name[5:] not in form_names if name.startswith("form:") else name not in params)
    ]
    assert not missing, f"query parameters without a case: {sorted(missing)}"


@pytest.mark.parametrize(
    "key",
    sorted(
        k
        for k, v in ACTIONS_WITHOUT_INPUT.items()
        if k not in ("set_language", "organisations:invitation")
    ),
)
def test_actions_without_input_ignore_junk_fields(w, key):
    row = next(r for r in ROWS if r.key == key)
    role = ACTIONS_WITHOUT_INPUT[key]
    expected = row.post[role]
    junk = {
        "x": h.SCRIPT,
        "status": "published",
        "pk": "-1",
        "next": "https://evil.example/",
        "reason": ["a", h.NUL],
    }
    response = client_for(w, role).post(row.url(w), junk)
    assert response.status_code < 500
    got = response.status_code
    if got in (301, 302):
        assert not urlsplit(response["Location"]).netloc, response["Location"]
    assert got == expected or (got == 302 and expected == 302), (key, got, expected)


def test_an_id_too_large_for_the_database_is_an_invalid_choice_not_a_crash(w, monkeypatch):
    """Found by the property test: Django sent it to the database in ``IN (…)`` (a 500)."""
    case = CASES["organisations:create"]
    for huge in ("9223372036854775808", "-9223372036854775809", str(10**30)):
        spy = FormSpy(monkeypatch)
        before = snapshot()
        response = _post(w, case, {**case.valid(w), "activity_areas": ["1", huge]})
        messages = assert_refused(response, spy, statuses=(400,))
        assert "activity_areas" in {m.field for m in messages}
        assert not changes(before, snapshot())


@pytest.mark.parametrize("refusal", ["already-invited", "organisation-limit", "address-limit"])
def test_a_refused_invitation_changes_nothing_and_says_why(w, monkeypatch, settings, refusal):
    """A valid invitation the service refuses: an open one to the address (409), or a day's
    limit of the organisation or of the address reached (429). Nothing stored, nothing sent."""
    case = CASES["organisations:representative-invite"]
    body = case.valid(w)
    status = 429
    if refusal == "already-invited":
        assert _post(w, case, body).status_code == 302
        status = 409
    elif refusal == "organisation-limit":
        settings.PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY = 0
    else:
        settings.PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY = 0
    spy = FormSpy(monkeypatch)
    before = snapshot()
    response = _post(w, case, body)
    assert assert_refused(response, spy, statuses=(status,))
    assert not changes(before, snapshot())
