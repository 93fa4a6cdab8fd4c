"""Every public page answers, with the content a reader expects."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Commitment, Principle
from tests.factories import (
    AgreementVersionFactory,
    BodyFactory,
    CommitmentFactory,
    DevelopmentAreaFactory,
    PrincipleFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

SLUGS = ["boras", "sodertalje", "goteborg", "botkyrka"]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_home_presents_the_four_agreements(client):
    html = page(client, "/")
    for agreement in Agreement.objects.all():
        assert agreement.title in html
        assert agreement.get_absolute_url() in html


def test_agreement_list(client):
    html = page(client, "/overenskommelser/")
    for slug in SLUGS:
        assert f'href="/overenskommelser/{slug}/"' in html


@pytest.mark.parametrize("slug", SLUGS)
def test_agreement_page_shows_every_principle_and_commitment(client, slug):
    html = page(client, f"/overenskommelser/{slug}/")
    agreement = Agreement.objects.get(slug=slug)
    version = agreement.current_version
    assert agreement.title in html
    for principle in Principle.objects.filter(version=version):
        assert f'id="{principle.anchor}"' in html
        assert principle.title in html
    for commitment in Commitment.objects.filter(version=version):
        assert (commitment.title or commitment.body) in html
    assert html.count("<h1") == 1
    assert f'href="/overenskommelser/{slug}/pdf/"' in html


def test_sodertalje_page_groups_commitments_by_party(client):
    html = page(client, "/overenskommelser/sodertalje/")
    section = html.split('id="princip-dialog"')[1].split("</article>")[0]
    assert section.index("Kommunen åtar sig") < section.index("Idéburen sektor åtar sig")
    assert section.index("Idéburen sektor åtar sig") < section.index("Båda parter åtar sig")
    assert "Att delta på dialogmöten" in section


def test_goteborg_page_links_commitments_and_principles_both_ways(client):
    html = page(client, "/overenskommelser/goteborg/")
    commitment = Commitment.objects.get(title="Delaktighet")
    # The commitment names the principles it serves …
    article = html.split(f'id="{commitment.anchor}"')[1].split("</article>")[0]
    for key in ["dialog", "oppenhet", "mangfald"]:
        assert f'href="#princip-{key}"' in article
    # … and each of those principles lists the commitment.
    principle = html.split('id="princip-mangfald"')[1].split("</article>")[0]
    assert f'href="#{commitment.anchor}"' in principle


def test_agreement_page_shows_plans_council_followup_and_validity(client):
    html = page(client, "/overenskommelser/boras/")
    assert "Plan för Överenskommelsen i Borås" in html
    assert "2019–2022" in html
    assert "Vi arbetar tillsammans för" in html or "Att fler äldre skall ges möjlighet" in html
    assert "Samrådet för Överenskommelsen" in html
    assert "Antal samverkansavtal och IOP:er?" in html
    assert "december 2021" in html
    sodertalje = page(client, "/overenskommelser/sodertalje/")
    assert "KS 17/53" in sodertalje
    assert "1 oktober 2022" in sodertalje


def test_unknown_agreement_is_404(client):
    assert client.get("/overenskommelser/finns-inte/").status_code == 404
    assert client.get("/overenskommelser/finns-inte/pdf/").status_code == 404


def test_pages_refuse_writes(client):
    assert client.post("/overenskommelser/boras/").status_code == 405


def test_comparison_sets_principles_side_by_side(client):
    html = page(client, "/jamfor/")
    democracy = html.split('id="tema-democracy"')[1].split("</section>")[0]
    assert "Demokrati" in democracy  # Botkyrka's principle
    assert democracy.count("No principle on this theme.") + democracy.count("Ingen princip") == 3
    dialogue = html.split('id="tema-dialogue"')[1].split("</section>")[0]
    assert "/overenskommelser/boras/#princip-" in dialogue
    assert "Principen om dialog" in dialogue


@pytest.mark.parametrize("url", ["/tillganglighet/", "/personuppgifter/"])
def test_statements_are_published_and_linked_from_every_page(client, url):
    page(client, url)
    for other in ["/", "/overenskommelser/", "/overenskommelser/boras/", "/jamfor/", url]:
        assert f'href="{url}"' in page(client, other)


def test_site_is_swedish_by_default_even_for_english_browsers(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en").content.decode()
    assert '<html lang="sv">' in html


def test_language_switch_to_english(english):
    html = page(english, "/overenskommelser/goteborg/")
    assert '<html lang="en">' in html
    assert "Download the agreement as PDF" in html
    # The agreement's own text stays in Swedish, and is marked as Swedish.
    assert '<article lang="sv">' in html
    assert "Göteborgs Stad ökar sin kunskap" in html


def test_layout_is_accessible(client):
    html = page(client, "/overenskommelser/botkyrka/")
    assert 'class="skip-link" href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html
    assert 'aria-label="Huvudmeny"' in html or 'aria-label="Main menu"' in html


EXTERNAL = re.compile(r"""(?:src|href|action)=["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize(
    "url",
    ["/", "/overenskommelser/", "/overenskommelser/goteborg/", "/jamfor/", "/tillganglighet/"],
)
def test_no_request_to_another_host(client, url):
    response = client.get(url)
    assert not EXTERNAL.search(response.content.decode())
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy


def make_agreement(n):
    version = AgreementVersionFactory()
    principles = [PrincipleFactory(version=version) for _ in range(n)]
    for i, principle in enumerate(principles):
        CommitmentFactory(version=version, principles=[principle], listed_under=principle)
        CommitmentFactory(version=version, principles=principles[: i % 3 + 1])
        SectionFactory(version=version)
        DevelopmentAreaFactory(version=version)
    BodyFactory(version=version)
    return version.agreement


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_agreement_page_query_count_does_not_grow_with_content(client):
    small = make_agreement(5)
    large = make_agreement(50)
    small_count = count_queries(client, small.get_absolute_url())
    large_count = count_queries(client, large.get_absolute_url())
    assert small_count == large_count
    assert large_count <= 25


def test_comparison_query_count_is_fixed(client):
    before = count_queries(client, "/jamfor/")
    make_agreement(20)
    assert count_queries(client, "/jamfor/") == before


def _compared(html: str) -> list[str]:
    """The municipalities whose principles are set side by side (the first theme's columns)."""
    first = html.split('class="compare-grid"')[1].split("</section>")[0]
    return re.findall(r"<h3>([^<]*)</h3>", first)


def _checked(html: str) -> list[str]:
    return re.findall(r'name="agreement" value="([^"]*)" checked', html)


def test_comparison_compares_the_chosen_agreements(english):
    html = page(english, "/jamfor/?agreement=goteborg&agreement=boras")
    assert _compared(html) == ["Borås", "Göteborg"]  # in the agreements' own order
    assert sorted(_checked(html)) == ["boras", "goteborg"]
    assert "Comparing 2 of 4 agreements" in html


def test_comparison_without_a_choice_compares_all_or_the_first(english, monkeypatch):
    from agreements import forms

    assert len(_compared(page(english, "/jamfor/"))) == 4
    monkeypatch.setattr(forms, "MAX_COMPARED", 3)
    monkeypatch.setattr(forms, "DEFAULT_COMPARED", 2)
    html = page(english, "/jamfor/")
    assert _compared(html) == ["Borås", "Södertälje"]
    assert "Comparing 2 of 4 agreements. Choose others" in html


def test_comparison_ignores_an_unknown_agreement_with_a_notice(english):
    html = page(english, "/jamfor/?agreement=atlantis&agreement=botkyrka")
    assert "An agreement in the address does not exist. It was ignored." in html
    assert _compared(html) == ["Botkyrka"]


def test_comparison_refuses_too_many_agreements(english, monkeypatch):
    from agreements import forms

    monkeypatch.setattr(forms, "MAX_COMPARED", 2)
    response = english.get("/jamfor/?agreement=goteborg&agreement=boras&agreement=botkyrka")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose at most 2 agreements to compare." in html
    assert 'class="compare-grid"' not in html
    assert sorted(_checked(html)) == ["boras", "botkyrka", "goteborg"]  # the choice is kept
