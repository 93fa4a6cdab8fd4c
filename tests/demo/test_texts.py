"""demo/texts.py: the demo generators' texts, read from demo/data/*.toml and checked."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demo import national_data, texts
from demo.texts import DemoDataError, State
from followup.models import Evaluation, EvaluationComment
from organisations.models import Organisation


def broken_copy(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of a data file with one change (the first occurrence of ``old``)."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_every_data_file_loads():
    demo = texts.demo_texts()
    assert [m.slug for m in demo.municipalities] == ["boras", "sodertalje", "goteborg", "botkyrka"]
    organisations = [o for m in demo.municipalities for o in m.organisations]
    assert all(o.name.endswith("(demo)") for o in organisations)
    assert {o.state for o in organisations} == set(State)
    followup = texts.followup_texts()
    assert [p.slug for p in followup.plans] == ["boras", "sodertalje", "goteborg", "botkyrka"]
    assert ("dialogue", "organisations") in followup.comments
    assert len(followup.evaluation.stages) == 2
    (added,) = followup.plans[0].questions  # Borås's officer adds a 1–5 question of its own
    assert added.groups == ("organisations", "units", "council")
    national = texts.national_texts()
    assert national.place_heads and national.organisation_kinds and national.comments
    assert sorted(p.name for p in texts.DATA_DIR.glob("*.toml")) == [
        "demo.toml",
        "followup.toml",
        "national.toml",
    ]


def test_a_file_is_read_once():
    assert texts.demo_texts() is texts.demo_texts()


def test_an_unknown_state_is_refused_naming_the_file_and_the_entry(tmp_path):
    path = broken_copy(tmp_path, texts.DEMO_FILE, 'state = "pending"', 'state = "pendng"')
    with pytest.raises(DemoDataError) as excinfo:
        texts.demo_texts(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: municipalities[0] (boras) → organisations[0] ")
    assert "(Sjöbo Läxhjälp (demo))" in message
    assert "unknown state 'pendng' (one of: pending, verified," in message


def test_a_missing_field_is_refused_naming_the_file(tmp_path):
    path = broken_copy(tmp_path, texts.DEMO_FILE, 'city = "Borås"\n', "")
    with pytest.raises(DemoDataError, match=r"demo\.toml: municipalities\[0\] \(boras\): "):
        texts.demo_texts(path)
    with pytest.raises(DemoDataError, match="the required key 'city' is missing"):
        texts.demo_texts(path)


def test_the_files_in_the_project_are_named_by_their_place_in_it():
    problem = texts._Table(texts.DEMO_FILE, "municipalities[0]", {})
    with pytest.raises(DemoDataError, match=r"^demo/data/demo\.toml: municipalities\[0\]: "):
        problem.text("city")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('legal_form = "cooperative"', 'legal_form = "kooperativ"', "unknown legal_form"),
        ('kind = "board"', 'kind = "nämnd"', "unknown kind 'nämnd'"),
        ('source = "paper"', 'source = "papper"', "unknown source 'papper'"),
        ("description =", "descripton =", "the required key 'description' is missing"),
        ("no_number_reason =", "no_number_reasn =", "unknown key 'no_number_reasn'"),
        ("den {date}", "den {datum}", "unknown placeholder {datum} (it may use {date})"),
        ('source = "paper"', 'source = "paper"\nsigned_on = 2025-02-03', "unknown key 'signed_on'"),
        ('officer_unit = "Fritids', 'officer_unit = "Fritid', "is not one of its units"),
        ('version_key = "2016"', "", "give version_key for the state 'earlier'"),
        (
            'contact_name = "Kim Exempel"',
            'contact_name = "Kim Exempel"\ncontact_mail = ""',
            "unknown key 'contact_mail'",
        ),
        ("units = [", "units = 3\nx = [", "'units' must be an array of tables"),
        ('slug = "boras"', "slug = [", "not valid TOML"),
    ],
)
def test_load_demo_data_is_checked(tmp_path, old, new, problem):
    path = broken_copy(tmp_path, texts.DEMO_FILE, old, new)
    with pytest.raises(DemoDataError, match=r"demo\.toml: ") as excinfo:
        texts.demo_texts(path)
    assert problem in str(excinfo.value)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('side = "municipality"', 'side = "kommun"', "unknown side 'kommun'"),
        ('rule_kind = "evaluation"', 'rule_kind = "utvärdering"', "unknown rule_kind"),
        ("[comments.dialogue]", "[comments.dialog]", "unknown theme 'dialog'"),
        ("\norganisations = [", "\norganisationer = [", "unknown respondent group"),
        (
            "på {forum} och",
            "på {plats} och",
            "unknown placeholder {plats} (it may use {council}, {forum})",
        ),
        (": {rates}.", ": {rates.", "'submitted': expected '}' before end of string"),
        ('section = "conclusions"', 'section = "slutsatser"', "unknown section"),
        ("findings = [\n", 'findings = [\n    "En tredje.",\n', "'findings' must hold 2 texts"),
        ("[[evaluation.stages]]", "[[evaluation.stage]]", "needs two [[evaluation.stages]]"),
        (
            'groups = ["organisations", "units", "council"]',
            'groups = ["organisations", "nämnder"]',
            "unknown respondent group 'nämnder'",
        ),
        (
            'groups = ["organisations", "units", "council"]',
            "groups = []",
            "'groups' must name at least one respondent group",
        ),
    ],
)
def test_load_followup_demo_data_is_checked(tmp_path, old, new, problem):
    path = broken_copy(tmp_path, texts.FOLLOWUP_FILE, old, new)
    with pytest.raises(DemoDataError, match=r"followup\.toml: ") as excinfo:
        texts.followup_texts(path)
    assert problem in str(excinfo.value)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('"{place} kommun"', '"{ort} kommun"', "unknown placeholder {ort}"),
        ("place_heads = [", "place_head = [", "the required key 'place_heads' is missing"),
        ('signer_name = "Testa Testsson"', "signer_name = 3", "'signer_name' must be a text"),
    ],
)
def test_national_data_is_checked(tmp_path, old, new, problem):
    path = broken_copy(tmp_path, texts.NATIONAL_FILE, old, new)
    with pytest.raises(DemoDataError, match=r"national\.toml: ") as excinfo:
        texts.national_texts(path)
    assert problem in str(excinfo.value)


@pytest.mark.django_db
def test_a_broken_file_stops_load_demo_before_it_writes(tmp_path, monkeypatch):
    path = broken_copy(tmp_path, texts.DEMO_FILE, 'state = "pending"', 'state = "pendng"')
    monkeypatch.setattr(
        "demo.management.commands.load_demo.demo_texts", lambda: texts.demo_texts(path)
    )
    with pytest.raises(CommandError, match="unknown state 'pendng'"):
        call_command("load_demo", "--force", stdout=io.StringIO())
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_load_demo_writes_the_texts_of_its_data_file():
    call_command("load_demo", "--force", stdout=io.StringIO())
    demo = texts.demo_texts()
    boras = demo.municipalities[0]
    spec = boras.organisations[0]
    organisation = Organisation.objects.get(municipality__slug="boras", name=spec.name)
    assert organisation.description == f"{spec.description} {demo.description_suffix}"
    assert organisation.contact_name == demo.contact_name
    rejected = Organisation.objects.get(accessions__status="rejected")
    assert rejected.accessions.get().rejection_reason == demo.rejection_reason


@pytest.mark.django_db
def test_load_followup_demo_writes_the_texts_of_its_data_file(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path  # the rendered PDFs
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_followup_demo", stdout=io.StringIO())
    followup = texts.followup_texts()
    comments = set(EvaluationComment.objects.values_list("text", flat=True))
    assert followup.review.summary_comment in comments
    boras = followup.plans[0]
    evaluation = Evaluation.objects.get(
        cycle__agreement__slug="boras", summary__contains=boras.findings[0]
    )
    assert boras.forum in evaluation.conclusions


@pytest.mark.django_db
def test_generate_national_data_writes_the_texts_of_its_data_file():
    national = texts.national_texts()
    counts = national_data.Counts(municipalities=5, organisations=40, big_cycle_reports=10, years=2)
    national_data.generate(seed=3, counts=counts)
    generated = Organisation.objects.filter(email__endswith=f"@{national_data.MARK_DOMAIN}")
    assert set(generated.values_list("description", flat=True)) == {
        national.organisation_description
    }
    name = generated.first().name
    assert name.split()[0] in national.organisation_kinds
