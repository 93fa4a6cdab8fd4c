"""Import of an existing register: every row judged before anything is saved, then one
transaction; signing dates and sources kept; a second import creates nothing (issue 17, item 2)."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agreements.models import Municipality
from core.errors import ActionRefused
from organisations import register_import as importer
from organisations.models import Accession, AccessionEvent, Organisation
from tests.factories import AccessionFactory, OrganisationFactory

from .import_files import csv_bytes, number, row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def goteborg():
    return Municipality.objects.get(slug="goteborg")


def preview(data: bytes, municipality, filename="register.csv"):
    return importer.import_preview(
        rows=importer.read_file(data, filename), municipality=municipality
    )


def run(data: bytes, municipality, officer, filename="register.csv"):
    return importer.register_import(
        rows=importer.read_file(data, filename), municipality=municipality, actor=officer
    )


def test_good_and_bad_rows_name_row_and_column_and_save_nothing(goteborg, officer):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = csv_bytes(
        [
            row(1),
            row(2, organisationsnummer="802412-3457"),  # wrong check digit
            row(3, undertecknad_datum=tomorrow),
            row(4, organisationsnummer=number(1)),  # the same as row 2 of the file
            row(5, kommun="Borås"),
            row(6, organisationsform="aktiebolag", firmatecknare=""),
        ]
    )
    judged = preview(data, goteborg)
    errors = {(r.number, e.column) for r in judged.rows for e in r.errors}
    assert errors == {
        (3, "organisationsnummer"),
        (4, "undertecknad_datum"),
        (5, "organisationsnummer"),
        (6, "kommun"),
        (7, "organisationsform"),
        (7, "firmatecknare"),
    }
    assert judged.rows[0].action == importer.Row.NEW
    with pytest.raises(ActionRefused) as refused:
        run(data, goteborg, officer)
    assert refused.value.status == 400
    assert not Organisation.objects.filter(name__startswith="Importföreningen").exists()


def test_confirmed_import_keeps_signing_dates_and_sources_and_records_the_officer(
    goteborg, officer
):
    data = csv_bytes(
        [row(1), row(2, undertecknad_datum="3/4/2018", källa="dialogforum", befattning="kassör")]
    )
    result = run(data, goteborg, officer)
    assert (result.organisations_created, result.accessions_created) == (2, 2)
    first = Accession.objects.get(organisation__organisation_number=number(1))
    second = Accession.objects.get(organisation__organisation_number=number(2))
    assert timezone.localdate(first.signed_at) == datetime.date(2017, 5, 12)
    assert timezone.localdate(second.signed_at) == datetime.date(2018, 4, 3)
    assert (first.source, second.source) == ("paper", "dialogue_forum")
    assert first.status == second.status == Accession.Status.ACTIVE
    assert first.recorded_by == officer and second.signer_title == "kassör"
    event = first.events.get()
    assert (event.action, event.actor) == (AccessionEvent.Action.IMPORTED, officer)
    assert first.organisation in Organisation.objects.public_register()
    assert first.organisation.history.get().history_user == officer
    assert first.declaration_text.startswith("Importföreningen 1 ansluter sig till")


def test_second_import_of_the_same_file_creates_nothing(goteborg, officer):
    data = csv_bytes([row(1), row(2)])
    run(data, goteborg, officer)
    again = preview(data, goteborg)
    assert again.already == 2 and not again.has_errors
    result = run(data, goteborg, officer)
    assert (result.organisations_created, result.accessions_created) == (0, 0)
    assert Accession.objects.filter(organisation__name__startswith="Importföreningen").count() == 2


def test_registered_organisation_without_accession_gets_only_the_accession(goteborg, officer):
    existing = OrganisationFactory(organisation_number=number(1), name="Eget Namn", city="Kiruna")
    joined = OrganisationFactory(organisation_number=number(2))
    AccessionFactory(organisation=joined, status="active")
    judged = preview(csv_bytes([row(1), row(2)]), goteborg)
    assert [r.action for r in judged.rows] == [importer.Row.ACCESSION_ONLY, importer.Row.ALREADY]
    run(csv_bytes([row(1), row(2)]), goteborg, officer)
    existing.refresh_from_db()
    assert (existing.name, existing.city) == ("Eget Namn", "Kiruna")
    assert existing.accessions.get().source == "paper"
    assert joined.accessions.count() == 1


def test_changed_register_between_preview_and_confirm_is_refused(goteborg, officer):
    data = csv_bytes([row(1)])
    rows = importer.read_file(data, "r.csv")
    fingerprint = importer.import_preview(rows=rows, municipality=goteborg).fingerprint()
    OrganisationFactory(organisation_number=number(1))
    with pytest.raises(ActionRefused) as refused:
        importer.register_import(
            rows=rows, municipality=goteborg, actor=officer, fingerprint=fingerprint
        )
    assert refused.value.message == importer.REGISTER_CHANGED
    assert not Accession.objects.filter(organisation__organisation_number=number(1)).exists()


@pytest.mark.parametrize("delimiter,bom", [(";", True), (",", False), (";", False)])
def test_csv_with_semicolons_or_commas_with_or_without_bom(goteborg, delimiter, bom):
    judged = preview(csv_bytes([row(1)], delimiter=delimiter, bom=bom), goteborg)
    assert judged.rows[0].action == importer.Row.NEW
    assert judged.rows[0].values["namn"] == "Importföreningen 1"


def test_xlsx_with_date_cells_and_numbers(goteborg, officer):
    data = xlsx_bytes(
        [
            row(1, undertecknad_datum=datetime.datetime(2015, 9, 1)),
            row(2, organisationsnummer=number(2).replace("-", "")),
        ]
    )
    result = run(data, goteborg, officer, filename="register.xlsx")
    assert result.accessions_created == 2
    signed = Accession.objects.get(organisation__organisation_number=number(1)).signed_at
    assert timezone.localdate(signed) == datetime.date(2015, 9, 1)


def test_legal_form_mismatch_is_a_warning_not_an_error(goteborg):
    judged = preview(csv_bytes([row(1, organisationsnummer="556036-0793")]), goteborg)
    assert judged.rows[0].warnings and not judged.rows[0].errors


@pytest.mark.parametrize(
    "data,filename,status",
    [
        (b"\xff\xfe junk \x00" * 1000, "register.csv", 400),
        (b"not a zip at all", "register.xlsx", 400),
        (b"PK\x03\x04 broken zip", "register.xlsx", 400),
        (b"namn;foo\nA;B\n", "register.csv", 400),
        (b"x" * (5 * 1024 * 1024 + 1), "register.csv", 413),
        (b"namn\n", "register.csv", 400),
        (b"whatever", "register.pdf", 400),
    ],
)
def test_unreadable_files_are_refused_whole(data, filename, status):
    with pytest.raises(importer.ImportFileRefused) as refused:
        importer.read_file(data, filename)
    assert refused.value.status == status


def test_too_many_rows_is_refused(settings):
    settings.REGISTER_IMPORT_MAX_ROWS = 3
    with pytest.raises(importer.ImportFileRefused):
        importer.read_file(csv_bytes([row(n) for n in range(4)]), "r.csv")


def test_officer_of_another_municipality_cannot_import(goteborg, boras_officer):
    with pytest.raises(ActionRefused) as refused:
        run(csv_bytes([row(1)]), goteborg, boras_officer)
    assert refused.value.status == 403
    assert not Organisation.objects.filter(organisation_number=number(1)).exists()


def test_command_imports_and_is_idempotent_and_dry_run_writes_nothing(tmp_path, officer, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(1), row(2)]))
    args = [str(path), "--municipality", "goteborg", "--officer", officer.email]
    call_command("import_register", *args, "--dry-run")
    assert not Organisation.objects.filter(organisation_number=number(1)).exists()
    call_command("import_register", *args)
    assert Organisation.objects.filter(name__startswith="Importföreningen").count() == 2
    call_command("import_register", *args)
    out = capsys.readouterr().out
    assert "Provkörning" in out and "Importerat: 2" in out and "Inget nytt" in out


def test_command_refuses_bad_rows_and_other_officers(tmp_path, boras_officer, officer):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([row(1, undertecknad_datum="31/2/2019")]))
    with pytest.raises(CommandError):
        call_command(
            "import_register", str(path), "--municipality", "goteborg", "--officer", officer.email
        )
    path.write_bytes(csv_bytes([row(1)]))
    with pytest.raises(CommandError):
        call_command(
            "import_register",
            str(path),
            "--municipality",
            "goteborg",
            "--officer",
            boras_officer.email,
        )
    assert not Organisation.objects.filter(organisation_number=number(1)).exists()
