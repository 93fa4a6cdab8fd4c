"""One source of truth for agreement text: admin edits survive the loader, conflicts are
reported and resolved by choice, and the database can be written back to a data file."""

import shutil

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from agreements.models import Agreement, Principle
from agreements.services import (
    AgreementConflictError,
    agreement_write_file,
    agreements_load,
)
from tests.factories import with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_copy(tmp_path, settings):
    target = tmp_path / "data"
    shutil.copytree(settings.AGREEMENT_DATA_DIR, target)
    settings.AGREEMENT_DATA_DIR = target
    return target


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("redaktor", "r@example.se", "x" * 12)
    with_mfa(user)
    client.force_login(user)
    return user


def edit_in_admin(client, principle, **changes):
    url = f"/admin/agreements/principle/{principle.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data["themes"] = [t.pk for t in principle.themes.all()]
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    principle.refresh_from_db()
    return principle


def edit_file(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_every_agreement_written_back_loads_as_a_no_op(data_copy):
    for agreement in Agreement.objects.all():
        agreement_write_file(agreement=agreement, path=data_copy / f"{agreement.slug}.yaml")
    report = agreements_load()
    assert not report.changed, report.lines()
    assert not report.conflicts


def dialog():
    return Principle.objects.get(version__agreement__slug="goteborg", key="dialog")


def test_an_admin_edit_survives_the_load_of_make_run(client, editor):
    edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")
    call_command("load_agreements", "--keep-edits")  # as make run and the deploy steps call it
    assert dialog().title == "Dialog – redigerad i admin"
    with pytest.raises(CommandError, match="conflicts with admin edits"):
        call_command("load_agreements")
    assert dialog().title == "Dialog – redigerad i admin"


def test_the_conflict_report_names_field_both_values_editor_and_time(client, editor):
    original = dialog().title
    principle = edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")
    with pytest.raises(AgreementConflictError) as raised:
        agreements_load()
    (conflict,) = raised.value.conflicts
    assert conflict.field == "title"
    assert conflict.file_value == original
    assert conflict.database_value == "Dialog – redigerad i admin"
    assert conflict.edited_by == "redaktor"
    assert conflict.edited_at == principle.history.first().history_date
    assert "goteborg, version" in conflict.entry and "'dialog'" in conflict.entry
    text = "\n".join(conflict.lines())
    assert original in text and "redaktor" in text


def test_a_refused_load_changes_nothing_else(client, editor, data_copy):
    edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")
    edit_file(data_copy / "goteborg.yaml", lambda d: d.update(title="Ny titel från filen"))
    with pytest.raises(AgreementConflictError):
        agreements_load()
    assert Agreement.objects.get(slug="goteborg").title != "Ny titel från filen"


def test_unedited_content_still_follows_a_corrected_file(client, editor, data_copy):
    edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")

    corrected_key = []

    def correct(data):
        version = next(v for v in data["versions"] if v["status"] == "current")
        other = next(p for p in version["principles"] if p["key"] != "dialog")
        other["body"] = "Rättad text från filen."
        corrected_key.append(other["key"])

    edit_file(data_copy / "goteborg.yaml", correct)
    report = agreements_load(on_conflict="keep")
    assert len(report.conflicts) == 1
    corrected = Principle.objects.get(version=dialog().version, key=corrected_key[0])
    assert corrected.body == "Rättad text från filen."
    assert dialog().title == "Dialog – redigerad i admin"


def test_prefer_file_overwrites_the_edit_and_the_next_load_is_quiet(client, editor):
    original = dialog().title
    edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")
    call_command("load_agreements", "--prefer-file")
    assert dialog().title == original
    assert not agreements_load().changed  # the file's value is the loaded one again


def test_prefer_database_keeps_the_edit_and_writes_it_back(client, editor, data_copy):
    edit_in_admin(client, dialog(), title="Dialog – redigerad i admin")
    call_command("load_agreements", "--prefer-database")
    assert dialog().title == "Dialog – redigerad i admin"
    written = yaml.safe_load((data_copy / "goteborg.yaml").read_text(encoding="utf-8"))
    titles = [p["title"] for p in written["versions"][-1]["principles"]]
    assert "Dialog – redigerad i admin" in titles
    report = agreements_load()  # file and database agree: no conflict, no change
    assert not report.conflicts and not report.changed


def test_dump_agreement_command_writes_the_loader_format(client, editor, data_copy, tmp_path):
    edit_in_admin(client, dialog(), body="Första stycket.\n\nAndra stycket:\n\n- en punkt")
    out = tmp_path / "goteborg.yaml"
    call_command("dump_agreement", "goteborg", "--output", str(out))
    assert "body: |" in out.read_text(encoding="utf-8")
    report = agreements_load(paths=[out])
    assert not report.changed and not report.conflicts
    with pytest.raises(CommandError, match="no agreement"):
        call_command("dump_agreement", "nowhere")


def test_a_row_made_in_the_admin_is_not_deleted_by_the_loader(client, editor):
    version = dialog().version
    added = Principle(version=version, key="ny-princip", order=99, title="Ny", body="Text")
    added._history_user = editor
    added.save()
    with pytest.raises(AgreementConflictError) as raised:
        agreements_load()
    assert raised.value.conflicts[0].file_value == "(not in the file)"
    agreements_load(on_conflict="keep")
    assert Principle.objects.filter(pk=added.pk).exists()


# --- Signed versions are read only; a new version is made, published and re-confirmed ---------


def signed_goteborg():
    from tests.factories import AccessionFactory

    agreement = Agreement.objects.get(slug="goteborg")
    accession = AccessionFactory(organisation__municipality=agreement.municipality)
    return agreement, agreement.current_version, accession


def test_editing_a_signed_version_is_refused_and_changes_nothing(client, editor):
    from agreements.admin import SIGNED_TEXT, SIGNED_TEXT_REFUSED

    _agreement, version, _ = signed_goteborg()
    principle = dialog()
    url = f"/admin/agreements/principle/{principle.pk}/change/"
    response = client.get(url)
    assert response.status_code == 200
    assert str(SIGNED_TEXT) in [str(m.message) for m in response.context["messages"]]
    assert "title" not in response.context["adminform"].form.fields  # shown read only
    response = client.post(url, {"title": "Ändrad", "body": "Ändrad", "version": version.pk})
    assert response.status_code == 403
    assert str(SIGNED_TEXT_REFUSED) in response.content.decode()
    assert dialog().title == principle.title
    response = client.post(
        f"/admin/agreements/agreementversion/{version.pk}/change/", {"title": "Ändrad"}
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.title != "Ändrad"
    response = client.post(
        "/admin/agreements/principle/add/",
        {"version": version.pk, "key": "ny", "order": 9, "title": "Ny", "body": "Ny"},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert str(SIGNED_TEXT_REFUSED) in response.content.decode()
    assert not Principle.objects.filter(version=version, key="ny").exists()


def test_a_new_version_made_in_the_admin_is_published_and_starts_reconfirmation(client, editor):
    from organisations.models import AccessionEvent
    from organisations.services import accessions_to_reconfirm

    agreement, old, accession = signed_goteborg()
    page = client.get(f"/admin/agreements/agreementversion/{old.pk}/change/")
    assert f"/admin/agreements/agreementversion/{old.pk}/new-version/" in page.content.decode()
    response = client.post(f"/admin/agreements/agreementversion/{old.pk}/new-version/")
    assert response.status_code == 302
    draft = agreement.versions.get(status="draft")
    assert draft.principles.count() == old.principles.count()
    assert draft.commitments.count() == old.commitments.count()
    assert draft.bodies.count() == old.bodies.count()
    assert draft.followup_rules.count() == old.followup_rules.count()
    copied = draft.commitments.first()
    assert set(copied.principles.values_list("version", flat=True)) == {draft.pk}
    assert client.get(agreement.get_absolute_url()).status_code == 200
    assert draft not in agreement.versions.published()

    # The draft is editable; a second draft is refused.
    principle = draft.principles.get(key="dialog")
    edit_in_admin(client, principle, title="Dialog 2026")
    response = client.post(f"/admin/agreements/agreementversion/{old.pk}/new-version/")
    assert response.status_code == 409

    response = client.post(f"/admin/agreements/agreementversion/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.is_current and old.status == "replaced"
    assert accessions_to_reconfirm(agreement=agreement) == [accession]
    assert AccessionEvent.objects.filter(
        accession=accession, action=AccessionEvent.Action.RECONFIRM_INVITED
    ).exists()
    # The loader keeps what the admin did: run as make run, nothing is lost.
    call_command("load_agreements", "--keep-edits")
    draft.refresh_from_db()
    assert draft.is_current and draft.principles.get(key="dialog").title == "Dialog 2026"


def test_publishing_what_is_not_a_valid_draft_is_refused(client, editor):
    from agreements.services import NOT_A_DRAFT, version_new_draft

    _agreement, current, _ = signed_goteborg()
    response = client.post(f"/admin/agreements/agreementversion/{current.pk}/publish/")
    assert response.status_code == 409
    assert str(NOT_A_DRAFT) in response.content.decode()
    draft = version_new_draft(version=current, actor=editor)
    draft.bodies.update(is_council=False)
    response = client.post(f"/admin/agreements/agreementversion/{draft.pk}/publish/")
    assert response.status_code == 409
    draft.refresh_from_db()
    current.refresh_from_db()
    assert draft.is_draft and current.is_current
