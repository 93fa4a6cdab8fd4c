"""Loading the data files: idempotent, updating without duplicates, and all-or-nothing."""

import shutil

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from agreements.models import Agreement, AgreementVersion, Commitment, Principle, Section
from agreements.services import AgreementDataError, agreements_load

pytestmark = pytest.mark.django_db


def snapshot():
    """Everything loaded, as comparable values."""
    return {
        "principles": sorted(Principle.objects.values_list("pk", "title", "body")),
        "commitments": sorted(Commitment.objects.values_list("pk", "body", "party")),
        "sections": sorted(Section.objects.values_list("pk", "title")),
        "versions": sorted(AgreementVersion.objects.values_list("pk", "status", "title")),
        "history": Principle.history.count() + Commitment.history.count(),
    }


@pytest.fixture
def data_copy(tmp_path):
    """A copy of the data files that a test may edit."""
    for path in settings.AGREEMENT_DATA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_second_load_changes_nothing():
    before = snapshot()
    report = agreements_load()
    assert not report.changed
    assert snapshot() == before


def test_load_command_reports_no_changes(capsys):
    call_command("load_agreements")
    assert "No changes" in capsys.readouterr().out


def test_edited_file_updates_without_duplicates(data_copy):
    path = data_copy / "goteborg.yaml"

    def change(data):
        principles = data["versions"][0]["principles"]
        principles[1]["title"] = "Dialog (reviderad)"
        principles.append(
            {"key": "ny-princip", "title": "Ny princip", "body": "Text.", "themes": ["democracy"]}
        )

    edit(path, change)
    count = Principle.objects.count()
    report = agreements_load(paths=[path], themes_path=data_copy / "themes.yaml")
    assert report.changed
    assert Principle.objects.count() == count + 1
    version = Agreement.objects.get(slug="goteborg").current_version
    assert version.principles.filter(title="Dialog (reviderad)").count() == 1
    assert version.principles.filter(title="Dialog").count() == 0
    # Commitments keep serving the renamed principle: rows are matched by key, not by text.
    assert version.principles.get(key="dialog").commitments.count() == 7
    # And loading the edited file again changes nothing more.
    assert not agreements_load(paths=[path], themes_path=data_copy / "themes.yaml").changed


def test_removed_entry_is_removed(data_copy):
    path = data_copy / "sodertalje.yaml"
    edit(path, lambda data: data["versions"][0]["principles"].pop())
    agreements_load(paths=[path], themes_path=data_copy / "themes.yaml")
    version = Agreement.objects.get(slug="sodertalje").current_version
    assert version.principles.count() == 6
    assert not Commitment.objects.filter(version=version, body__contains="frivilligdatabas")


def first_commitment_of(data):
    return data["versions"][0]["commitments"][0]


@pytest.mark.parametrize(
    ("filename", "change", "expected"),
    [
        (
            "goteborg.yaml",
            lambda d: first_commitment_of(d)["principles"].append("finns-inte"),
            ["goteborg.yaml", "okad-kunskap-staden", "unknown principle 'finns-inte'"],
        ),
        (
            "goteborg.yaml",
            lambda d: d["versions"][0]["principles"][0].pop("title"),
            ["goteborg.yaml", "principles[0] (key 'integritet')", "title", "required"],
        ),
        (
            "sodertalje.yaml",
            lambda d: d["versions"][0].update(adopted_on="2018-13-45"),
            ["sodertalje.yaml", "versions[0] (key '2018')", "adopted_on", "not a real date"],
        ),
        (
            "boras.yaml",
            lambda d: d["versions"][1]["principles"][0].update(themes=["saknas"]),
            ["boras.yaml", "unknown theme 'saknas'"],
        ),
        (
            "botkyrka.yaml",
            lambda d: d["versions"][0].update(status="current"),
            ["botkyrka.yaml", "exactly one version must have status current"],
        ),
    ],
    ids=["unknown-principle", "missing-field", "bad-date", "unknown-theme", "two-current"],
)
def test_broken_file_is_rejected_and_nothing_changes(data_copy, filename, change, expected):
    # A valid edit in another file must not be loaded either: the load is all or nothing.
    edit(
        data_copy / "goteborg.yaml" if filename != "goteborg.yaml" else data_copy / "boras.yaml",
        lambda d: d.update(title="Ändrad titel"),
    )
    edit(data_copy / filename, change)
    before = snapshot()
    titles = sorted(Agreement.objects.values_list("title", flat=True))
    with pytest.raises(AgreementDataError) as excinfo:
        agreements_load(
            paths=sorted(p for p in data_copy.glob("*.yaml") if p.name != "themes.yaml"),
            themes_path=data_copy / "themes.yaml",
        )
    message = str(excinfo.value)
    for fragment in expected:
        assert fragment in message
    assert snapshot() == before
    assert sorted(Agreement.objects.values_list("title", flat=True)) == titles


def test_invalid_yaml_names_the_line(data_copy):
    path = data_copy / "boras.yaml"
    path.write_text("slug: boras\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(
        AgreementDataError, match=r"boras.yaml \(line \d+, column \d+\): not valid YAML"
    ):
        agreements_load(paths=[path], themes_path=data_copy / "themes.yaml")


def test_command_reports_the_problem_and_fails(data_copy):
    path = data_copy / "goteborg.yaml"
    edit(path, lambda d: d["versions"][0]["principles"][0].update(unknown_field=1))
    with pytest.raises(CommandError, match="nothing was changed") as excinfo:
        call_command("load_agreements", str(path))
    assert "unknown field" in str(excinfo.value)


def test_a_fifth_agreement_needs_only_a_data_file(data_copy, client):
    path = data_copy / "fembo.yaml"
    path.write_text(
        """
slug: fembo
municipality: {name: Fembo kommun, short_name: Fembo, slug: fembo}
title: Överenskommelse om samverkan i Fembo
summary: En ny överenskommelse.
terms: {principle_singular: princip, principle_plural: principer, civil_society: idéburen sektor}
versions:
  - key: "2026"
    status: current
    title: Överenskommelse om samverkan i Fembo
    adopted_on: "2026-06"
    principles:
      - key: dialog
        title: Dialog
        body: Vi för en dialog.
        themes: [dialogue]
        commitments:
          - {key: k1, party: municipality, body: Att bjuda in till dialog.}
    bodies:
      - {key: radet, name: Samverkansrådet i Fembo, kind: council, is_council: true}
    followup_rules:
      - {kind: followup, interval_years: 1}
""",
        encoding="utf-8",
    )
    agreements_load(paths=[path], themes_path=data_copy / "themes.yaml")
    response = client.get("/overenskommelser/fembo/")
    assert response.status_code == 200
    assert "Samverkansrådet i Fembo" in response.content.decode()
    assert "Att bjuda in till dialog." in response.content.decode()
