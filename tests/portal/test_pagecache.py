"""Public pages are cached by data version, with HTTP caching headers; a change shows at once."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from agreements.models import Agreement
from core.pagecache import public_data_changed
from organisations import services
from organisations.models import Accession
from tests.factories import AccessionFactory, OrganisationFactory, UserFactory, mfa_officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PORTAL_PAGE_CACHE = True


def _record(organisation, officer):
    return services.accession_record(
        organisation=organisation,
        version=Agreement.objects.get(slug="goteborg").current_version,
        actor=officer,
        source=Accession.Source.PAPER,
        signature=services.Signature(
            basis=Accession.Basis.SIGNATORY,
            signer_name="Anna Andersson",
            signer_title="Ordförande",
            declaration_confirmed=True,
        ),
        signed_on=datetime.date(2026, 1, 15),
    )


def test_anonymous_register_is_served_from_the_cache_with_public_headers(client):
    AccessionFactory(organisation=OrganisationFactory(name="Föreningen Solrosen"))
    first = client.get("/organisationer/")
    second = client.get("/organisationer/")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Föreningen Solrosen" in second.content.decode()
    assert "public" in second["Cache-Control"] and "max-age=60" in second["Cache-Control"]
    assert second["ETag"] and second["Last-Modified"]
    assert "Cookie" in second["Vary"]
    assert not second.cookies, "a page cached for everyone sets no cookie"
    assert b"csrfmiddlewaretoken" not in second.content


def test_a_new_accession_is_on_the_register_at_once(client):
    client.get("/organisationer/")
    organisation = OrganisationFactory(name="Föreningen Nykomlingen")
    assert "Nykomlingen" not in client.get("/organisationer/").content.decode()
    _record(organisation, mfa_officer("goteborg"))
    response = client.get("/organisationer/")
    assert response["X-Page-Cache"] == "miss"
    assert "Nykomlingen" in response.content.decode()
    assert "Nykomlingen" in client.get("/organisationer/?q=nykom").content.decode()


def test_a_withdrawal_leaves_the_register_and_the_organisation_page_at_once(client):
    organisation = OrganisationFactory(name="Föreningen Avgången")
    accession = _record(organisation, mfa_officer("goteborg"))
    assert "Avgången" in client.get("/organisationer/").content.decode()
    assert client.get(f"/organisationer/{organisation.pk}/").status_code == 200
    services.accession_withdraw(accession=accession, actor=None, reason="Vi slutar.")
    assert "Avgången" not in client.get("/organisationer/").content.decode()
    assert client.get(f"/organisationer/{organisation.pk}/").status_code == 404


def test_an_edited_organisation_shows_its_new_name_at_once(client):
    organisation = AccessionFactory(
        organisation=OrganisationFactory(name="Gamla namnet")
    ).organisation
    public_data_changed()
    assert "Gamla namnet" in client.get(f"/organisationer/{organisation.pk}/").content.decode()
    organisation.name = "Nya namnet"
    services.organisation_update(organisation=organisation, actor=None)
    page = client.get(f"/organisationer/{organisation.pk}/").content.decode()
    assert "Nya namnet" in page and "Gamla namnet" not in page


def test_conditional_get_is_answered_304_until_the_data_changes(client):
    first = client.get("/")
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    since = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    public_data_changed()
    changed = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_each_language_has_its_own_cached_page(client, english):
    swedish = client.__class__().get("/jamfor/")
    assert swedish["Content-Language"] == "sv"
    page = english.get("/jamfor/")
    assert page["Content-Language"] == "en"
    assert page.content != swedish.content
    assert page["ETag"] != swedish["ETag"]


def test_signed_in_visitors_get_a_fresh_private_page(client):
    officer = mfa_officer("goteborg")
    client.get("/organisationer/")  # cached for anonymous visitors
    client.force_login(officer)
    response = client.get("/organisationer/")
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "ETag" not in response


def test_errors_are_not_cached(client):
    assert client.get("/organisationer/999999/").status_code == 404
    response = client.get("/organisationer/?year=abc")
    assert response.status_code == 400 and "X-Page-Cache" not in response
    assert "public" not in response.get("Cache-Control", "")


def test_a_completed_post_retires_the_cached_pages(client):
    first = client.get("/")
    client.force_login(UserFactory())
    assert client.post(reverse("account_logout")).status_code == 302
    client.cookies.clear()  # another anonymous visitor
    assert client.get("/")["ETag"] != first["ETag"]


def test_a_language_switch_or_a_refused_form_keeps_the_cached_pages(client):
    first = client.get("/")
    client.post("/i18n/setlang/", {"language": "sv", "next": "/"})
    refused = {"login": "nobody@example.se", "password": "x"}
    response = client.post(reverse("account_login"), refused)
    assert response.status_code == 200  # the form again, with its error
    assert client.get("/")["ETag"] == first["ETag"]


def test_language_switch_needs_no_token_but_refuses_other_sites(client):
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/"},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    refused = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert refused.status_code == 403
    by_referer = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": "/"},
        HTTP_REFERER="https://evil.example/page",
    )
    assert by_referer.status_code == 403


def test_the_agreement_pages_body_is_a_fragment_fetched_only_when_rendered(client, settings):
    """With the whole-page cache off, the agreement page's body comes from the fragment cache:
    its content is not fetched again, and a new signatory still shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PORTAL_PAGE_CACHE = False
    settings.PORTAL_FRAGMENT_CACHE_SECONDS = 300
    first = client.get("/overenskommelser/goteborg/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/overenskommelser/goteborg/")
    assert second.content == first.content
    assert len(queries) <= 2, [q["sql"] for q in queries]  # the agreement (and the version)
    _record(OrganisationFactory(name="Föreningen Nykomlingen"), mfa_officer("goteborg"))
    assert "Nykomlingen" in client.get("/overenskommelser/goteborg/").content.decode()


def test_the_agreement_page_is_given_all_of_its_content():
    """agreements.views.PAGE_CONTENT_NAMES must name everything agreement_page_context gives."""
    from agreements.views import PAGE_CONTENT_NAMES, agreement_page_context

    context = agreement_page_context(Agreement.objects.get(slug="boras"))
    assert set(context) == {*PAGE_CONTENT_NAMES, "agreement", "municipality"}


def test_a_cache_hit_is_answered_before_the_rest_of_the_stack_with_the_same_headers(client):
    """PageCacheMiddleware answers a hit itself: no query, no session, no view; the headers are
    those the page was first sent with (security headers, language, caching)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get("/organisationer/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/organisationer/")
    assert second["X-Page-Cache"] == "hit"
    assert len(queries) == 0, [q["sql"] for q in queries]
    for header in (
        "Content-Type",
        "Content-Language",
        "Content-Security-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
        "Cache-Control",
        "ETag",
        "Last-Modified",
        "Vary",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert second.get(header) == first.get(header), header
    assert first["Content-Security-Policy"] and first["X-Frame-Options"] == "DENY"
    assert second.content == first.content
    not_modified = client.get("/organisationer/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified["ETag"] == first["ETag"]


def test_a_new_release_is_not_served_the_previous_releases_pages(client, settings):
    """Pages stay in Redis for hours: a release with other templates or code must not serve
    them (core.pagecache.release), also while two releases run side by side."""
    from core.pagecache import release

    settings.PORTAL_RELEASE = "v1"
    release.cache_clear()
    try:
        client.get("/organisationer/")
        assert client.get("/organisationer/")["X-Page-Cache"] == "hit"
        settings.PORTAL_RELEASE = "v2"
        release.cache_clear()
        assert client.get("/organisationer/")["X-Page-Cache"] == "miss"
    finally:
        settings.PORTAL_RELEASE = ""
        release.cache_clear()


def test_the_release_is_a_digest_of_what_makes_the_pages(settings, tmp_path):
    from core.pagecache import release

    settings.PORTAL_RELEASE = ""
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>ett</p>")
    try:
        release.cache_clear()
        first = release()
        release.cache_clear()
        assert release() == first  # the same files, the same release on every host
        page.write_text("<p>två</p>")
        release.cache_clear()
        assert release() != first
    finally:
        release.cache_clear()


def test_the_organisation_pages_body_is_a_fragment_fetched_only_when_rendered(
    client, settings, monkeypatch
):
    from organisations.views import public

    computed = []
    original = public.organisation_page_content
    monkeypatch.setattr(
        public,
        "organisation_page_content",
        lambda organisation: computed.append(organisation) or original(organisation),
    )
    settings.PORTAL_PAGE_CACHE = False
    settings.PORTAL_FRAGMENT_CACHE_SECONDS = 300
    accession = AccessionFactory(organisation=OrganisationFactory(name="Föreningen Fragment"))
    url = accession.organisation.get_absolute_url()
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and "Föreningen Fragment" in first.content.decode()
    assert len(computed) == 1, "the second request fetched the body again"
    assert set(original(accession.organisation)) == set(public.ORGANISATION_CONTENT_NAMES)


def test_a_page_rendered_anew_reads_the_data_version_once(client, settings, monkeypatch):
    """The middleware reads the version with the page; the view's validators and the template's
    fragments use that reading instead of asking the cache again."""
    from core import pagecache

    settings.PORTAL_FRAGMENT_CACHE_SECONDS = 300
    client.get("/organisationer/")  # the version exists from here on
    pagecache.public_data_changed()  # every page is now to be rendered anew
    calls = []
    original = pagecache.public_version
    monkeypatch.setattr(pagecache, "public_version", lambda: calls.append(1) or original())
    response = client.get("/overenskommelser/goteborg/")
    assert response["X-Page-Cache"] == "miss"
    assert calls == []


def test_anonymous_public_pages_keep_their_caching_but_signed_in_pages_are_no_store(client):
    public = client.get("/")
    assert "public" in public["Cache-Control"] and "no-store" not in public["Cache-Control"]
    client.force_login(UserFactory())
    for path in ("/", reverse("organisations:dashboard"), reverse("account_email")):
        policy = client.get(path)["Cache-Control"]
        assert "private" in policy and "no-store" in policy and "public" not in policy, path


def test_logging_in_and_out_and_allauth_pages_are_no_store(client):
    assert "no-store" in client.get(reverse("account_login"))["Cache-Control"]
    client.force_login(UserFactory())
    assert "no-store" in client.post(reverse("account_logout"))["Cache-Control"]


# --- Keys: only the parameters a page reads, a bounded number per address (issue 14, item 1) -----


def _stored_pages() -> int:
    from django.core.cache import caches

    return sum(":page:" in key for key in caches["default"]._cache)


def test_parameters_a_page_does_not_read_make_no_new_entry(client):
    AccessionFactory(organisation=OrganisationFactory(name="Föreningen Solrosen"))
    assert client.get("/organisationer/?q=solros")["X-Page-Cache"] == "miss"
    stored = _stored_pages()
    for query in (
        "?q=solros&utm_source=probe",
        "?utm_source=probe2&q=solros&x=1",
        "?sort=&q=+solros+&municipality=",
        "?q=solros&q=solros",
    ):
        response = client.get(f"/organisationer/{query}")
        assert response["X-Page-Cache"] == "hit", query
        assert "Föreningen Solrosen" in response.content.decode()
    assert client.get("/?probe=1")["X-Page-Cache"] == "miss"
    assert client.get("/?probe=2")["X-Page-Cache"] == "hit"
    assert _stored_pages() == stored + 1


def test_a_stored_page_holds_nothing_of_the_query_string_it_was_first_asked_with(client):
    first = client.get("/organisationer/?q=solros&planted=PLANTED-TEXT")
    assert first["X-Page-Cache"] == "miss"
    assert b"PLANTED-TEXT" not in first.content
    again = client.get("/organisationer/?q=solros")
    assert again["X-Page-Cache"] == "hit" and b"PLANTED-TEXT" not in again.content
    assert b'name="next" value="/organisationer/?q=solros"' in again.content


def test_pages_with_a_query_string_are_bounded_per_address_and_data_version(client, settings):
    settings.PORTAL_PAGE_CACHE_VARIANTS = 5
    client.get("/organisationer/")
    stored = _stored_pages()
    answers = [client.get(f"/organisationer/?q=probe{n}") for n in range(8)]
    assert [r.get("X-Page-Cache") for r in answers] == ["miss"] * 5 + [None] * 3
    assert all(r.status_code == 200 and "public" in r["Cache-Control"] for r in answers)
    assert _stored_pages() == stored + 5
    assert client.get("/organisationer/?q=probe0")["X-Page-Cache"] == "hit"
    assert client.get("/organisationer/?q=probe7").get("X-Page-Cache") is None
    assert client.get("/organisationer/")["X-Page-Cache"] == "hit"  # the plain page is kept
    public_data_changed()  # a new data version: room again
    assert client.get("/organisationer/?q=probe7")["X-Page-Cache"] == "miss"


def test_public_pages_declare_the_parameters_they_read():
    """The page cache keys a page by its declared parameters only: a form field the
    declaration misses would be served the page of another search."""
    from types import SimpleNamespace

    from agreements.forms import ComparisonForm
    from core.pagecache import declared_params
    from organisations.filters import RegisterFilterForm

    def params(path):
        return declared_params(SimpleNamespace(path_info=path))

    assert set(params("/organisationer/")) == {*RegisterFilterForm.base_fields, "page"}
    assert set(params("/jamfor/")) == set(ComparisonForm.base_fields)
    assert params("/") == params("/overenskommelser/goteborg/") == ()
    # Not public pages: the page cache neither reads nor fills anything for them.
    assert params("/konto/login/") is None
    assert params("/healthz") is None
    assert params("/no-such-page/") is None
