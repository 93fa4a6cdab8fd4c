"""Open data: the open data page, the register as CSV and JSON, and each agreement's files."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import (
    ActionPlan,
    Agreement,
    AgreementVersion,
    Commitment,
    DevelopmentArea,
    Municipality,
    PlanItem,
    Principle,
)
from core.exports import csv_safe
from organisations.models import Accession, ActivityArea, LegalForm
from organisations.opendata import AGREEMENT_CSV_FIELDS, REGISTER_FIELDS
from tests.factories import (
    AccessionFactory,
    CommitmentFactory,
    OrganisationFactory,
    PrincipleFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """These tests read the English texts; the Swedish ones are checked by the catalogue test."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


SLUGS = ["boras", "sodertalje", "goteborg", "botkyrka"]
BOM = "\ufeff"


def signatory(**fields):
    organisation = OrganisationFactory(**fields)
    AccessionFactory(
        organisation=organisation,
        signed_at=timezone.make_aware(datetime.datetime(2024, 3, 15, 23, 30)),
        decided_at=timezone.make_aware(datetime.datetime(2024, 3, 15, 23, 30)),
    )
    return organisation


def read_csv(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM) :])))


# --- the open data page -------------------------------------------------------------------------


def test_open_data_page_explains_the_datasets(client):
    response = client.get("/oppna-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Data is free to reuse (CC0)." in html
    assert "https://creativecommons.org/publicdomain/zero/1.0/" in html
    assert "Contact persons are only included" in html
    for field in [*REGISTER_FIELDS, *AGREEMENT_CSV_FIELDS]:
        assert f"<code>{field.name}</code>" in html
    for value, _label in LegalForm.choices:
        assert f"<code>{value}</code>" in html
    for area in ActivityArea.objects.all():
        assert f"<code>{area.key}</code>" in html
    assert 'href="/oppna-data/organisationer.csv"' in html
    assert 'href="/oppna-data/organisationer.json"' in html
    for slug in SLUGS:
        assert f'href="/oppna-data/overenskommelser/{slug}.json"' in html
        assert f'href="/oppna-data/overenskommelser/{slug}.csv"' in html
    assert html.count("<caption>") == 5


# --- the register -------------------------------------------------------------------------------


def test_register_csv_headers_and_rows(client):
    organisation = signatory(
        name="Föreningen Åäö",
        legal_form=LegalForm.FOUNDATION,
        website="https://forening.example.se/",
        phone="031-12 34 56",
        city="Göteborg",
    )
    organisation.activity_areas.set(ActivityArea.objects.filter(key__in=["sport", "culture"]))
    AccessionFactory(status=Accession.Status.PENDING)
    AccessionFactory(status=Accession.Status.WITHDRAWN)
    OrganisationFactory()

    response = client.get("/oppna-data/organisationer.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="organisationer.csv"'
    assert response["ETag"]
    rows = read_csv(response)
    assert list(rows[0].keys()) == [f.name for f in REGISTER_FIELDS]
    assert len(rows) == 1
    row = rows[0]
    assert row["organisation_id"] == str(organisation.pk)
    assert row["name"] == "Föreningen Åäö"
    assert row["organisation_number"] == organisation.organisation_number
    assert row["legal_form"] == "foundation"
    assert row["municipality"] == "Göteborgs Stad"
    assert row["agreement"] == "goteborg"
    assert row["agreement_version"] == Agreement.objects.get(slug="goteborg").current_version.key
    assert row["accession_date"] == "2024-03-15"  # local date, not UTC
    assert row["activity_areas"] == "culture;sport"
    assert row["website"] == "https://forening.example.se/"
    assert row["phone"] == "031-12 34 56"
    assert row["city"] == "Göteborg"
    assert row["url"] == f"http://testserver/organisationer/{organisation.pk}/"


def test_register_has_one_row_per_active_accession(client):
    boras = Municipality.objects.get(slug="boras")
    organisation = OrganisationFactory(municipality=boras)
    AccessionFactory(organisation=organisation)
    AccessionFactory(
        organisation=organisation,
        version=AgreementVersion.objects.get(agreement__slug="boras", key="2016"),
    )
    rows = read_csv(client.get("/oppna-data/organisationer.csv"))
    assert sorted(row["agreement_version"] for row in rows) == ["2016", "2021"]
    data = client.get("/oppna-data/organisationer.json").json()
    assert data["count"] == 2


def test_contact_person_only_when_public(client):
    signatory(
        name="Hemlig",
        contact_name="Dold Person",
        contact_email="dold@example.se",
        contact_phone="070-000",
        contact_is_public=False,
    )
    signatory(
        name="Öppen",
        contact_name="Synlig Person",
        contact_email="synlig@example.se",
        contact_phone="070-111",
        contact_is_public=True,
    )
    csv_response = client.get("/oppna-data/organisationer.csv")
    json_response = client.get("/oppna-data/organisationer.json")
    for body in [csv_response.content.decode(), json_response.content.decode()]:
        assert "Dold Person" not in body
        assert "dold@example.se" not in body
        assert "070-000" not in body
    rows = {row["name"]: row for row in read_csv(csv_response)}
    assert rows["Öppen"]["contact_name"] == "Synlig Person"
    assert rows["Öppen"]["contact_email"] == "synlig@example.se"
    assert rows["Öppen"]["contact_phone"] == "070-111"
    assert rows["Hemlig"]["contact_name"] == ""
    records = {r["name"]: r for r in json_response.json()["accessions"]}
    assert records["Öppen"]["contact_name"] == "Synlig Person"
    assert records["Hemlig"]["contact_email"] == ""


def test_no_signer_or_private_data_in_the_register_files(client):
    organisation = OrganisationFactory(no_number_reason="Hemligt skäl")
    AccessionFactory(organisation=organisation, signer_name="Sara Signerare")
    for url in ["/oppna-data/organisationer.csv", "/oppna-data/organisationer.json"]:
        body = client.get(url).content.decode()
        assert "Sara Signerare" not in body
        assert "Vi ansluter oss." not in body


def test_register_json(client):
    organisation = signatory(name="Föreningen Åäö")
    organisation.activity_areas.set(ActivityArea.objects.filter(key__in=["sport", "culture"]))

    response = client.get("/oppna-data/organisationer.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Föreningen Åäö".encode() in response.content  # not \u escaped
    data = response.json()
    assert data["licence"] == "CC0-1.0"
    assert data["documentation"] == "http://testserver/oppna-data/"
    assert data["count"] == 1
    record = data["accessions"][0]
    assert list(record.keys()) == [f.name for f in REGISTER_FIELDS]
    assert record["organisation_id"] == organisation.pk
    assert record["activity_areas"] == ["culture", "sport"]
    assert record["accession_date"] == "2024-03-15"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil")', "+46 31 123", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_csv_safe_prefixes_formulas(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Föreningen", "", "1=1", 42, None, " =x"])
def test_csv_safe_leaves_other_values(value):
    assert csv_safe(value) == value


def test_formula_injection_is_escaped_in_csv_but_intact_in_json(client):
    signatory(
        name='=HYPERLINK("http://evil.example","Klicka")',
        phone="+46 31 12 34 56",
        city="@Göteborg",
    )
    row = read_csv(client.get("/oppna-data/organisationer.csv"))[0]
    assert row["name"] == '\'=HYPERLINK("http://evil.example","Klicka")'
    assert row["phone"] == "'+46 31 12 34 56"
    assert row["city"] == "'@Göteborg"
    record = client.get("/oppna-data/organisationer.json").json()["accessions"][0]
    assert record["name"] == '=HYPERLINK("http://evil.example","Klicka")'
    assert record["phone"] == "+46 31 12 34 56"


def test_script_in_a_name_is_intact_in_json_and_csv(client):
    signatory(name="<script>alert(1)</script>")
    assert read_csv(client.get("/oppna-data/organisationer.csv"))[0]["name"] == (
        "<script>alert(1)</script>"
    )
    record = client.get("/oppna-data/organisationer.json").json()["accessions"][0]
    assert record["name"] == "<script>alert(1)</script>"
    html = client.get("/oppna-data/").content.decode()
    assert "<script>" not in html


def test_register_files_are_cacheable_with_an_etag(client):
    signatory()
    for url in ["/oppna-data/organisationer.csv", "/oppna-data/organisationer.json"]:
        first = client.get(url)
        assert "no-cache" in first["Cache-Control"]
        assert "public" in first["Cache-Control"]
        assert first["Access-Control-Allow-Origin"] == "*"
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304
        signatory()
        changed = client.get(url, headers={"if-none-match": first["ETag"]})
        assert changed.status_code == 200
        assert changed["ETag"] != first["ETag"]


def test_open_data_is_read_only(client):
    for url in [
        "/oppna-data/",
        "/oppna-data/organisationer.csv",
        "/oppna-data/organisationer.json",
        "/oppna-data/overenskommelser/boras.json",
        "/oppna-data/overenskommelser/boras.csv",
    ]:
        assert client.post(url).status_code == 405
        assert client.head(url).status_code == 200


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["/oppna-data/organisationer.csv", "/oppna-data/organisationer.json"]
)
def test_register_files_query_count_does_not_grow(client, url):
    areas = list(ActivityArea.objects.all()[:3])
    for _ in range(5):
        signatory().activity_areas.set(areas)
    small = count_queries(client, url)
    for _ in range(45):
        signatory().activity_areas.set(areas)
    assert count_queries(client, url) == small


# --- the agreements -----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_agreement_json_holds_the_whole_agreement(client, slug):
    response = client.get(f"/oppna-data/overenskommelser/{slug}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    agreement = Agreement.objects.get(slug=slug)
    current = agreement.current_version
    assert data["slug"] == slug
    assert data["title"] == agreement.title
    assert data["municipality"]["name"] == agreement.municipality.name
    assert data["current_version"] == current.key
    assert [v["key"] for v in data["versions"]] == list(
        agreement.versions.order_by("order").values_list("key", flat=True)
    )
    assert [p["key"] for p in data["principles"]] == list(
        Principle.objects.filter(version=current).values_list("key", flat=True)
    )
    assert len(data["commitments"]) == Commitment.objects.filter(version=current).count()
    assert len(data["development_areas"]) == current.development_areas.count()
    assert len(data["sections"]) == current.sections.count()
    assert len(data["bodies"]) == current.bodies.count()
    assert len(data["followup_rules"]) == current.followup_rules.count()
    assert len(data["followup_areas"]) == current.followup_areas.count()
    assert len(data["action_plans"]) == ActionPlan.objects.filter(agreement=agreement).count()
    assert agreement.title.encode() in response.content  # å, ä, ö as themselves


def test_agreement_json_details(client):
    boras = client.get("/oppna-data/overenskommelser/boras.json").json()
    versions = {v["key"]: v for v in boras["versions"]}
    assert versions["2016"]["status"] == "replaced"
    assert versions["2021"]["status"] == "current"
    assert all(isinstance(v["reference_numbers"], list) for v in boras["versions"])
    plan = boras["action_plans"][0]
    assert plan["version"] == "2016"
    assert plan["areas"] and plan["areas"][0]["items"]
    assert all("themes" in p for p in boras["principles"])
    followup = boras["followup_areas"]
    assert followup and any(area["questions"] for area in followup)

    goteborg = client.get("/oppna-data/overenskommelser/goteborg.json").json()
    keys = {p["key"] for p in goteborg["principles"]}
    assert goteborg["commitments"]
    for commitment in goteborg["commitments"]:
        assert commitment["party"] in {"municipality", "civil_society", "both"}
        assert set(commitment["principles"]) <= keys
    assert any(body["is_council"] for body in goteborg["bodies"])
    assert any(body["tasks"] for body in goteborg["bodies"])

    sodertalje = client.get("/oppna-data/overenskommelser/sodertalje.json").json()
    assert any(c["listed_under"] for c in sodertalje["commitments"])


@pytest.mark.parametrize("slug", SLUGS)
def test_agreement_csv_has_a_row_per_part(client, slug):
    response = client.get(f"/oppna-data/overenskommelser/{slug}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="overenskommelse-{slug}.csv"')
    rows = read_csv(response)
    assert list(rows[0].keys()) == ["type", "key", "title", "text", "party", "principles"]
    agreement = Agreement.objects.get(slug=slug)
    current = agreement.current_version
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["type"]] = counts.get(row["type"], 0) + 1
    assert counts.get("principle", 0) == Principle.objects.filter(version=current).count()
    assert counts.get("commitment", 0) == Commitment.objects.filter(version=current).count()
    assert counts.get("development_area", 0) == (
        DevelopmentArea.objects.filter(version=current).count()
    )
    assert (
        counts.get("plan_item", 0)
        == PlanItem.objects.filter(area__plan__agreement=agreement).count()
    )


def test_agreement_csv_commitments_name_party_and_principles(client):
    rows = read_csv(client.get("/oppna-data/overenskommelser/goteborg.csv"))
    commitments = [row for row in rows if row["type"] == "commitment"]
    current = Agreement.objects.get(slug="goteborg").current_version
    first = Commitment.objects.filter(version=current).first()
    row = next(r for r in commitments if r["key"] == first.key)
    assert row["party"] == first.party
    assert row["principles"] == ";".join(first.principles.values_list("key", flat=True))


def test_agreement_csv_escapes_formulas(client):
    agreement = Agreement.objects.get(slug="botkyrka")
    principle = Principle.objects.filter(version=agreement.current_version).first()
    principle.title = "=1+1"
    principle.body = "-Punkt"
    principle.save()
    rows = read_csv(client.get("/oppna-data/overenskommelser/botkyrka.csv"))
    row = next(r for r in rows if r["key"] == principle.key)
    assert row["title"] == "'=1+1"
    assert row["text"] == "'-Punkt"
    data = client.get("/oppna-data/overenskommelser/botkyrka.json").json()
    assert next(p for p in data["principles"] if p["key"] == principle.key)["title"] == "=1+1"


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_unknown_agreement_is_404(client, suffix):
    assert client.get(f"/oppna-data/overenskommelser/finns-inte.{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_agreement_files_have_last_modified_and_etag(client, suffix):
    url = f"/oppna-data/overenskommelser/goteborg.{suffix}"
    first = client.get(url)
    assert first["Last-Modified"]
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    since = client.get(url, headers={"if-modified-since": first["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("suffix", ["json", "csv"])
def test_agreement_files_query_count_does_not_grow_with_content(client, suffix):
    url = f"/oppna-data/overenskommelser/goteborg.{suffix}"
    before = count_queries(client, url)
    assert before <= 20
    current = Agreement.objects.get(slug="goteborg").current_version
    principles = [PrincipleFactory(version=current) for _ in range(10)]
    for _ in range(10):
        CommitmentFactory(version=current, principles=principles[:3])
    assert count_queries(client, url) == before
