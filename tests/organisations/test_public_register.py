"""The public register, organisations' public pages and the signatories on agreement pages."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agreements.models import AgreementVersion, Municipality
from organisations import services
from organisations.filters import VALUE_IGNORED, YEAR_INVALID
from organisations.models import Accession, ActivityArea, LegalForm
from tests.factories import (
    AccessionFactory,
    OfficerRoleFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    """These tests read the English texts; the Swedish ones are checked by the catalogue test."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


REGISTER = "/organisationer/"


def municipality(slug: str) -> Municipality:
    return Municipality.objects.get(slug=slug)


def signatory(*, decided_at=None, **organisation_fields):
    """An organisation with an active accession to its municipality's current agreement."""
    organisation = OrganisationFactory(**organisation_fields)
    extra = {"signed_at": decided_at, "decided_at": decided_at} if decided_at else {}
    AccessionFactory(organisation=organisation, **extra)
    return organisation


def at(year: int, month: int = 6, day: int = 1) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12))


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def listed_names(html: str) -> list[str]:
    """The organisation names in the register table, in order."""
    table = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return re.findall(r'<th scope="row"><a href="/organisationer/\d+/">([^<]*)</a>', table)


def hits(html: str) -> str:
    return " ".join(html.split('role="status" class="register-hits"')[1].split("</p>")[0].split())


# --- who is listed --------------------------------------------------------------------------------


def test_register_lists_only_active_signatories(client):
    active = signatory(name="Aktiva föreningen")
    for status, name in [
        (Accession.Status.PENDING, "Väntande föreningen"),
        (Accession.Status.REJECTED, "Avvisade föreningen"),
        (Accession.Status.WITHDRAWN, "Utträdda föreningen"),
        (Accession.Status.SUPERSEDED, "Ersatta föreningen"),
    ]:
        AccessionFactory(organisation=OrganisationFactory(name=name), status=status)
    OrganisationFactory(name="Aldrig ansluten")

    html = get(client, REGISTER)

    assert listed_names(html) == [active.name]
    for absent in ["Väntande", "Avvisade", "Utträdda", "Ersatta", "Aldrig ansluten"]:
        assert absent not in html
    assert "1 organisation" in hits(html)


def test_withdrawn_accession_leaves_public_register(client):
    organisation = signatory(name="Föreningen Lämnar")
    representative = RepresentativeFactory(organisation=organisation)
    assert listed_names(get(client, REGISTER)) == ["Föreningen Lämnar"]

    services.accession_withdraw(
        accession=organisation.accessions.get(), actor=representative.user, reason="Vi slutar."
    )

    html = get(client, REGISTER)
    assert listed_names(html) == []
    assert "No organisation has joined an agreement yet." in html
    get(client, organisation.get_absolute_url(), status=404)


def test_each_row_shows_municipality_legal_form_agreement_and_date(client):
    signatory(
        name="Borås Schack",
        municipality=municipality("boras"),
        legal_form=LegalForm.FOUNDATION,
        decided_at=at(2024, 3, 15),
    )
    html = get(client, REGISTER)
    row = html.split("Borås Schack")[1].split("</tr>")[0]
    assert "Borås Stad" in row
    assert "Foundation" in row
    assert 'href="/overenskommelser/boras/"' in row
    assert '<time datetime="2024-03-15">' in row


# --- search, filters, sorting ---------------------------------------------------------------------


def test_search_by_name_ignores_case(client):
    signatory(name="Hjälpande Händer")
    signatory(name="Schackklubben")
    assert listed_names(get(client, f"{REGISTER}?q=SCHACK")) == ["Schackklubben"]
    assert listed_names(get(client, f"{REGISTER}?q=+schack+")) == ["Schackklubben"]


def test_search_folds_every_letter_on_both_databases(client):
    """SQLite's LIKE ignores the case of ASCII letters only; the search must not (issue 17)."""
    signatory(name="Örtagårdens Vänner")
    signatory(name="Hässlehus Idrottsförening")
    signatory(name="Schackklubben")
    assert listed_names(get(client, f"{REGISTER}?q=örtagård")) == ["Örtagårdens Vänner"]
    assert listed_names(get(client, f"{REGISTER}?q=ÖRTAGÅRDENS")) == ["Örtagårdens Vänner"]
    assert listed_names(get(client, f"{REGISTER}?q=HÄSSLEHUS")) == ["Hässlehus Idrottsförening"]
    assert listed_names(get(client, f"{REGISTER}?q=idrottsFÖRENING")) == [
        "Hässlehus Idrottsförening"
    ]
    # LIKE's own characters are searched for as themselves.
    assert listed_names(get(client, f"{REGISTER}?q=%25")) == []
    assert listed_names(get(client, f"{REGISTER}?q=_")) == []


def test_the_folding_lookup_also_compares_with_expressions():
    """``icontains`` against another column (an F expression) folds too (core/lookups.py)."""
    from django.db.models import F

    from organisations.models import Organisation

    OrganisationFactory(name="ÅSA-FÖRENINGEN", description="åsa-föreningen")
    assert Organisation.objects.filter(name__icontains=F("description")).count() == 1


def test_search_finds_organisation_numbers_with_or_without_the_hyphen(client):
    signatory(name="Numrerade föreningen", organisation_number="802412-3459")
    signatory(name="Schackklubben")
    for query in ("802412-3459", "8024123459", "802412 3459", "2412-34", "8024123", "3459"):
        assert listed_names(get(client, f"{REGISTER}?q={query}")) == ["Numrerade föreningen"], query
    assert listed_names(get(client, f"{REGISTER}?q=802412-9999")) == []
    # Two digits are not a number search (they would match nearly every organisation).
    assert listed_names(get(client, f"{REGISTER}?q=80")) == []


def test_search_without_hits_says_so(client):
    signatory(name="Schackklubben")
    html = get(client, f"{REGISTER}?q=finns-inte")
    assert listed_names(html) == []
    assert "0 organisations" in hits(html)
    assert "No organisation matches your search" in html


def test_filter_by_municipality(client):
    signatory(name="Borås Förening", municipality=municipality("boras"))
    signatory(name="Göteborg Förening")
    assert listed_names(get(client, f"{REGISTER}?municipality=boras")) == ["Borås Förening"]


def test_filter_by_legal_form(client):
    signatory(name="Stiftelsen", legal_form=LegalForm.FOUNDATION)
    signatory(name="Föreningen", legal_form=LegalForm.ASSOCIATION)
    assert listed_names(get(client, f"{REGISTER}?legal_form=foundation")) == ["Stiftelsen"]


def test_filter_by_area_of_activity(client):
    sport = signatory(name="Idrottsklubben")
    sport.activity_areas.set(ActivityArea.objects.filter(key__in=["sport", "children-youth"]))
    culture = signatory(name="Kulturföreningen")
    culture.activity_areas.set(ActivityArea.objects.filter(key="culture"))
    assert listed_names(get(client, f"{REGISTER}?area=sport")) == ["Idrottsklubben"]
    assert listed_names(get(client, f"{REGISTER}?area=culture")) == ["Kulturföreningen"]


def test_filter_by_year_of_accession(client):
    signatory(name="Tidig", decided_at=at(2019))
    signatory(name="Sen", decided_at=at(2024))
    html = get(client, f"{REGISTER}?year=2019")
    assert listed_names(html) == ["Tidig"]
    assert '<option value="2019" selected>' in html


def test_filters_combine(client):
    a = signatory(name="Borås Idrott", municipality=municipality("boras"), decided_at=at(2023))
    a.activity_areas.set(ActivityArea.objects.filter(key="sport"))
    b = signatory(name="Borås Kultur", municipality=municipality("boras"), decided_at=at(2023))
    b.activity_areas.set(ActivityArea.objects.filter(key="culture"))
    signatory(name="Göteborg Idrott", decided_at=at(2023)).activity_areas.set(
        ActivityArea.objects.filter(key="sport")
    )
    url = f"{REGISTER}?municipality=boras&area=sport&year=2023&q=idrott"
    assert listed_names(get(client, url)) == ["Borås Idrott"]


def test_sorting(client):
    signatory(name="Beta", municipality=municipality("boras"), decided_at=at(2020))
    signatory(name="Alfa", decided_at=at(2018))
    signatory(name="Gamma", municipality=municipality("botkyrka"), decided_at=at(2024))
    assert listed_names(get(client, REGISTER)) == ["Alfa", "Beta", "Gamma"]
    assert listed_names(get(client, f"{REGISTER}?sort=name")) == ["Alfa", "Beta", "Gamma"]
    assert listed_names(get(client, f"{REGISTER}?sort=newest")) == ["Gamma", "Beta", "Alfa"]
    # Borås Stad, Botkyrka kommun, Göteborgs Stad.
    assert listed_names(get(client, f"{REGISTER}?sort=municipality")) == ["Beta", "Gamma", "Alfa"]


# --- pagination -----------------------------------------------------------------------------------


def test_pagination_25_a_page_and_links_keep_the_filters(client):
    for n in range(30):
        signatory(name=f"Borås förening {n:02d}", municipality=municipality("boras"))
    signatory(name="Göteborgs förening")

    first = get(client, f"{REGISTER}?municipality=boras&sort=newest")
    assert len(listed_names(first)) == 25
    assert "30 organisations" in hits(first)
    nav = first.split('aria-label="Pages of the register"')[1].split("</nav>")[0]
    assert 'href="?municipality=boras&amp;sort=newest&amp;page=2"' in nav
    assert 'rel="next"' in nav
    assert 'rel="prev"' not in nav
    assert re.search(r'aria-current="page" href="[^"]*page=1"', nav)

    second = get(client, f"{REGISTER}?municipality=boras&sort=newest&page=2")
    assert len(listed_names(second)) == 5
    assert "Göteborgs förening" not in second
    nav = second.split('aria-label="Pages of the register"')[1].split("</nav>")[0]
    assert 'rel="prev" href="?municipality=boras&amp;sort=newest&amp;page=1"' in nav
    assert re.search(r'aria-current="page" href="[^"]*page=2"', nav)


def test_pagination_links_drop_unknown_values(client):
    for n in range(26):
        signatory(name=f"Förening {n:02d}")
    html = get(client, f"{REGISTER}?municipality=atlantis&q=f%C3%B6rening")
    assert 'href="?q=f%C3%B6rening&amp;page=2"' in html
    assert "atlantis" not in html.split('aria-label="Pages of the register"')[1]


@pytest.mark.parametrize("page", ["99", "-1", "0"])
def test_page_past_the_end_shows_the_last_page(client, page):
    for n in range(27):
        signatory(name=f"Förening {n:02d}")
    html = get(client, f"{REGISTER}?page={page}")
    assert listed_names(html) == ["Förening 25", "Förening 26"]


def test_page_that_is_not_a_number_shows_the_first_page(client):
    signatory(name="Förening")
    assert listed_names(get(client, f"{REGISTER}?page=abc")) == ["Förening"]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("municipality=atlantis", "Municipality"),
        ("legal_form=pirate_ship", "Legal form"),
        ("area=underwater-basket-weaving", "Area of activity"),
        ("sort=random", "Sort by"),
    ],
)
def test_unknown_filter_value_is_ignored_with_a_notice(client, query, label):
    signatory(name="Föreningen")
    html = get(client, f"{REGISTER}?{query}")
    assert listed_names(html) == ["Föreningen"]
    assert str(VALUE_IGNORED % {"field": label}) in html


@pytest.mark.parametrize("year", ["abc", "2020x", "1800", "99999"])
def test_bad_year_is_a_form_error_with_status_400(client, year):
    signatory(name="Föreningen")
    html = get(client, f"{REGISTER}?year={year}", status=400)
    assert 'id="id_year_error"' in html
    assert str(YEAR_INVALID) in html
    assert 'aria-invalid="true"' in html
    assert "Föreningen" not in html
    assert "Results" not in html
    assert html.count("<h1") == 1


def test_too_long_search_is_a_form_error(client):
    html = get(client, f"{REGISTER}?q={'x' * 201}", status=400)
    assert 'id="id_q_error"' in html


def test_register_is_read_only(client):
    assert client.post(REGISTER).status_code == 405


# --- HTML safety and structure --------------------------------------------------------------------


def test_names_are_escaped(client):
    organisation = signatory(name="<script>alert(1)</script>")
    for url in [REGISTER, organisation.get_absolute_url(), "/overenskommelser/goteborg/"]:
        html = get(client, url)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_register_page_structure(client):
    signatory(name="Föreningen")
    html = get(client, REGISTER)
    assert html.count("<h1") == 1
    assert "<caption>" in html
    assert 'method="get"' in html
    assert 'role="search"' in html
    assert "csrfmiddlewaretoken" not in html.split('role="search"')[1].split("</form>")[0]
    assert "<button" in html.split('role="search"')[1].split("</form>")[0]
    assert 'role="status"' in html


# --- query counts ---------------------------------------------------------------------------------


def count_queries(client, url, status=200):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == status
    return len(ctx.captured_queries)


def make_signatories(count: int, prefix: str):
    areas = list(ActivityArea.objects.all()[:3])
    for n in range(count):
        organisation = signatory(name=f"{prefix} {n:03d}", decided_at=at(2020 + n % 5))
        organisation.activity_areas.set(areas)


def test_register_query_count_does_not_grow(client):
    make_signatories(5, "Liten")
    small = count_queries(client, REGISTER)
    make_signatories(45, "Stor")
    large = count_queries(client, REGISTER)
    assert small == large
    filtered = f"{REGISTER}?area=sport&year=2021&municipality=goteborg&sort=newest&page=2"
    assert count_queries(client, filtered) == large


def test_agreement_page_query_count_does_not_grow_with_signatories(client):
    url = "/overenskommelser/boras/"
    earlier = AgreementVersion.objects.get(agreement__slug="boras", key="2016")
    for n in range(3):
        signatory(name=f"Liten {n}", municipality=municipality("boras"))
    AccessionFactory(
        organisation=OrganisationFactory(municipality=municipality("boras")), version=earlier
    )
    small = count_queries(client, url)
    for n in range(45):
        signatory(name=f"Stor {n}", municipality=municipality("boras"))
        AccessionFactory(
            organisation=OrganisationFactory(municipality=municipality("boras")), version=earlier
        )
    assert count_queries(client, url) == small


# --- the organisation's page ----------------------------------------------------------------------


def test_organisation_page_shows_public_details(client):
    organisation = signatory(
        name="Föreningen Solen",
        municipality=municipality("sodertalje"),
        legal_form=LegalForm.STUDY_ASSOCIATION,
        street_address="Storgatan 1",
        postal_code="151 72",
        city="Södertälje",
        website="https://solen.example.se/",
        email="info@solen.example.se",
        phone="08-123 45",
        description="Första raden.\nAndra raden <b>fet</b>.",
        decided_at=at(2022, 5, 4),
    )
    organisation.activity_areas.set(ActivityArea.objects.filter(key="culture"))

    html = get(client, organisation.get_absolute_url())

    assert html.count("<h1") == 1
    for text in [
        "Föreningen Solen",
        "Södertälje kommun",
        "Study association",
        organisation.organisation_number,
        "Storgatan 1",
        "151 72",
        "info@solen.example.se",
        "08-123 45",
        "Culture",  # the area of activity, in the chosen language
    ]:
        assert text in html
    assert 'href="https://solen.example.se/" rel="nofollow noopener noreferrer external"' in html
    assert "Första raden.<br>Andra raden &lt;b&gt;fet&lt;/b&gt;." in html
    assert 'href="/overenskommelser/sodertalje/"' in html
    assert '<time datetime="2022-05-04">' in html
    assert "Not shown in the public register" not in html


def test_organisation_page_hides_the_contact_person_unless_public(client):
    organisation = signatory(
        name="Föreningen",
        contact_name="Kerstin Kontakt",
        contact_email="kerstin@example.se",
        contact_phone="070-111 22 33",
        contact_is_public=False,
    )
    html = get(client, organisation.get_absolute_url())
    for private in ["Kerstin Kontakt", "kerstin@example.se", "070-111 22 33"]:
        assert private not in html

    organisation.contact_is_public = True
    organisation.save()
    html = get(client, organisation.get_absolute_url())
    for public in ["Kerstin Kontakt", "kerstin@example.se", "070-111 22 33"]:
        assert public in html


def test_organisation_page_never_shows_signer_or_withdrawn_accessions(client):
    organisation = OrganisationFactory(name="Föreningen", municipality=municipality("boras"))
    earlier = AgreementVersion.objects.get(agreement__slug="boras", key="2016")
    AccessionFactory(
        organisation=organisation,
        version=earlier,
        status=Accession.Status.WITHDRAWN,
        withdrawal_reason="Hemlig anledning",
    )
    AccessionFactory(organisation=organisation, signer_name="Sara Signerare")
    html = get(client, organisation.get_absolute_url())
    assert "Hemlig anledning" not in html
    assert "Sara Signerare" not in html
    assert "earlier version" not in html
    assert html.count('href="/overenskommelser/boras/"') == 1


@pytest.mark.parametrize(
    "status",
    [None, Accession.Status.PENDING, Accession.Status.WITHDRAWN, Accession.Status.REJECTED],
)
def test_unlisted_organisation_page_is_404_for_the_public(client, status):
    organisation = OrganisationFactory()
    if status:
        AccessionFactory(organisation=organisation, status=status)
    get(client, organisation.get_absolute_url(), status=404)

    # Logged in, but neither its representative nor an officer of its municipality.
    client.force_login(RepresentativeFactory().user)
    get(client, organisation.get_absolute_url(), status=404)
    client.force_login(OfficerRoleFactory(municipality=municipality("boras")).user)
    get(client, organisation.get_absolute_url(), status=404)
    client.force_login(UserFactory())
    get(client, organisation.get_absolute_url(), status=404)


def test_unlisted_organisation_page_is_shown_to_its_representative_with_a_notice(client):
    organisation = OrganisationFactory(name="Ny förening")
    AccessionFactory(organisation=organisation, status=Accession.Status.PENDING)
    client.force_login(RepresentativeFactory(organisation=organisation).user)
    html = get(client, organisation.get_absolute_url())
    assert "Ny förening" in html
    assert "Not shown in the public register." in html
    assert f'href="/organisationer/{organisation.pk}/redigera/"' in html


def test_unlisted_organisation_page_is_shown_to_its_municipalitys_officer(client):
    organisation = OrganisationFactory(name="Ny förening")
    client.force_login(OfficerRoleFactory(municipality=municipality("goteborg")).user)
    html = get(client, organisation.get_absolute_url())
    assert "Not shown in the public register." in html


def test_listed_organisation_page_has_no_edit_link_for_the_public(client):
    organisation = signatory()
    html = get(client, organisation.get_absolute_url())
    assert "/redigera/" not in html


def test_unknown_organisation_is_404(client):
    get(client, "/organisationer/999999/", status=404)


# --- signatories on the agreement page ------------------------------------------------------------


def signatories_section(html: str) -> str:
    return html.split('id="anslutna"')[1].split("</section>")[0]


def test_agreement_page_lists_active_signatories(client):
    signatory(name="Göteborgs Schack", decided_at=at(2023, 2, 1))
    signatory(name="Borås Schack", municipality=municipality("boras"))
    AccessionFactory(
        organisation=OrganisationFactory(name="Väntar"), status=Accession.Status.PENDING
    )
    AccessionFactory(
        organisation=OrganisationFactory(name="Utträdd"), status=Accession.Status.WITHDRAWN
    )

    html = get(client, "/overenskommelser/goteborg/")

    assert '<a href="#anslutna">' in html
    section = signatories_section(html)
    assert "Göteborgs Schack" in section
    assert '<time datetime="2023-02-01">' in section
    assert "Borås Schack" not in section
    assert "Väntar" not in section
    assert "Utträdd" not in section
    assert "1 organisation has joined the agreement." in section
    assert 'href="/organisationer/?municipality=goteborg"' in section
    assert "Signatories of the earlier version" not in section


def test_agreement_page_groups_signatories_of_the_earlier_version(client):
    boras = municipality("boras")
    earlier = AgreementVersion.objects.get(agreement__slug="boras", key="2016")
    assert earlier.status == AgreementVersion.Status.REPLACED
    signatory(name="Nya avtalets förening", municipality=boras)
    AccessionFactory(
        organisation=OrganisationFactory(name="Gamla avtalets förening", municipality=boras),
        version=earlier,
    )

    section = signatories_section(get(client, "/overenskommelser/boras/"))

    assert "2 organisations have joined the agreement." in section
    current_part, earlier_part = section.split("Signatories of the earlier version")
    assert "Signatories of the version in force" in current_part
    assert "Nya avtalets förening" in current_part
    assert "Gamla avtalets förening" not in current_part
    assert "Gamla avtalets förening" in earlier_part
    assert "(2016)" in earlier_part


def test_agreement_page_with_many_signatories_lists_the_latest(client, monkeypatch):
    """Beyond LISTED_IN_FULL the page lists those who joined last and links to the register
    (the largest municipalities have thousands of signatories)."""
    from organisations.templatetags import organisation_tags

    monkeypatch.setattr(organisation_tags, "LISTED_IN_FULL", 3)
    monkeypatch.setattr(organisation_tags, "LATEST_LISTED", 2)
    boras = municipality("boras")
    earlier = AgreementVersion.objects.get(agreement__slug="boras", key="2016")
    for year, name in [(2019, "Äldst"), (2020, "Äldre"), (2024, "Näst senast")]:
        signatory(name=name, municipality=boras, decided_at=at(year))
    AccessionFactory(
        organisation=OrganisationFactory(name="Senast men gammal version", municipality=boras),
        version=earlier,
        signed_at=at(2025),
        decided_at=at(2025),
    )

    section = signatories_section(get(client, "/overenskommelser/boras/"))

    assert "4 organisations have joined the agreement." in section
    assert "One of them joined an earlier version and has not yet re-confirmed" in section
    assert "The 2 organisations that joined last" in section
    assert re.findall(r'<li><a href="/organisationer/\d+/">([^<]*)</a>', section) == [
        "Senast men gammal version",
        "Näst senast",
    ]
    assert "Äldst" not in section and "Äldre" not in section
    assert 'href="/organisationer/?municipality=boras"' in section
    assert "All 4 organisations in Borås" in section


def test_agreement_page_without_signatories(client):
    section = signatories_section(get(client, "/overenskommelser/botkyrka/"))
    assert "0 organisations have joined the agreement." in section
    assert "No organisation has joined the agreement through this portal yet." in section
