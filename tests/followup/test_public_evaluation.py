"""Published evaluations for everyone: the frozen page, its PDF, the agreement page's list."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from agreements.models import Agreement
from followup.models import Answer, Cycle, Evaluation
from tests.factories import CouncilMembershipFactory, OfficerRoleFactory, with_mfa
from tests.followup.worlds import closed_cycle, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def pdf_storage(tmp_path_factory):
    """Rendered PDFs go to a temporary directory for the module (the published world's PDF is
    rendered once, below)."""
    from django.core.files.storage import FileSystemStorage

    field = Evaluation._meta.get_field("pdf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(field, "storage", FileSystemStorage(location=tmp_path_factory.mktemp("pdf")))
        yield


@pytest.fixture(scope="module")
def published_world(django_db_setup, django_db_blocker, pdf_storage):
    """A published Göteborg evaluation with its PDF, built once for the module.

    Rendering the PDF is the slow part, and every test here only reads the world or changes it
    inside its own transaction: so the world is made in a transaction of the module's, which each
    test's transaction nests in (as Django's ``TestCase.setUpTestData``), and rolled back after
    the module's last test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        officer = with_mfa(OfficerRoleFactory().user)
        member = with_mfa(CouncilMembershipFactory().user)
        cycle = publish(closed_cycle(), officer, member)
        yield SimpleNamespace(cycle_pk=cycle.pk, officer_pk=officer.pk)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _uses_module_storage(pdf_storage):
    """Every test reads PDFs from the module's directory (the published world's PDF is there)."""


@pytest.fixture
def officer(published_world):
    return get_user_model().objects.get(pk=published_world.officer_pk)


@pytest.fixture
def published(published_world):
    """The published cycle, read afresh for each test (a test's changes are rolled back)."""
    return Cycle.objects.get(pk=published_world.cycle_pk)


def page_url(cycle, slug="goteborg"):
    return reverse("followup:public-evaluation", kwargs={"slug": slug, "pk": cycle.pk})


def pdf_url(cycle, slug="goteborg"):
    return reverse("followup:public-evaluation-pdf", kwargs={"slug": slug, "pk": cycle.pk})


def test_published_evaluation_is_public(client, published):
    response = client.get(page_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert escape(published.title) in html
    assert "Samverkan har fungerat väl." in html  # the narrative
    assert "Bra samarbete i år." in html  # the respondents' free text
    assert f'href="{pdf_url(published)}"' in html
    assert "pdf-status.js" not in html  # the PDF is ready: nothing to poll


def test_published_pdf_is_downloaded(client, published):
    response = client.get(pdf_url(published))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_published_page_is_frozen(client, published):
    before = client.get(page_url(published)).content.decode()
    Answer.objects.filter(report__cycle=published).update(comment="Ändrat i efterhand.")
    after = client.get(page_url(published)).content.decode()
    assert "Ändrat i efterhand." not in after
    assert "Bra samarbete i år." in after and "Bra samarbete i år." in before


def test_pdf_not_ready_is_404_and_the_page_says_so(client, published):
    Evaluation.objects.filter(cycle=published).update(pdf_status=Evaluation.PdfStatus.RENDERING)
    assert client.get(pdf_url(published)).status_code == 404
    response = client.get(page_url(published))
    html = response.content.decode()
    assert 'data-status="rendering"' in html
    assert f'href="{pdf_url(published)}"' not in html
    assert '<p class="pdf-status__refresh">' in html
    assert '<script src="/static/js/pdf-status.js" defer></script>' in html


def test_unpublished_evaluation_is_not_public(client, officer, django_capture_on_commit_callbacks):
    cycle = closed_cycle(django_capture_on_commit_callbacks)
    client.force_login(officer)  # not even for the officer: the draft has its own page
    assert client.get(page_url(cycle)).status_code == 404
    assert client.get(pdf_url(cycle)).status_code == 404


def test_wrong_agreement_or_cycle_is_404(client, published):
    assert client.get(page_url(published, slug="boras")).status_code == 404
    assert client.get(pdf_url(published, slug="boras")).status_code == 404
    missing = Cycle(pk=published.pk + 1000)
    assert client.get(page_url(missing)).status_code == 404


def test_public_pdf_status_json(client, published):
    response = client.get(reverse("followup:pdf-status", kwargs={"pk": published.pk}))
    assert response.status_code == 200
    assert response.json()["url"] == pdf_url(published)


def _render_list(agreement):
    template = Template("{% load followup_tags %}{% published_evaluations agreement %}")
    return template.render(Context({"agreement": agreement}))


def test_published_evaluations_on_the_agreement_page(published):
    goteborg = Agreement.objects.get(slug="goteborg")
    html = _render_list(goteborg)
    assert f'href="{page_url(published)}"' in html
    assert f'href="{pdf_url(published)}"' in html
    assert 'id="utvarderingar-rubrik"' in html
    # Other agreements list only their own.
    assert page_url(published) not in _render_list(Agreement.objects.get(slug="boras"))


def test_published_evaluations_newest_first_in_one_query(published):
    goteborg = Agreement.objects.get(slug="goteborg")
    earlier = Cycle.objects.create(
        agreement=goteborg,
        version=published.version,
        kind=Cycle.Kind.EVALUATION,
        title="Utvärdering 2020",
        period_start="2020-01-01",
        period_end="2020-12-31",
        opens_on="2021-01-01",
        deadline="2021-02-01",
        status=Cycle.Status.PUBLISHED,
    )
    Evaluation.objects.create(
        cycle=earlier,
        published_at=published.evaluation.published_at.replace(year=2021),
        frozen_data=published.evaluation.frozen_data,
        pdf_status=Evaluation.PdfStatus.FAILED,
    )
    with CaptureQueriesContext(connection) as queries:
        html = _render_list(goteborg)
    assert len(queries) == 1
    assert html.index(escape(published.title)) < html.index("Utvärdering 2020")
    assert pdf_url(earlier) not in html  # no PDF to link to
    assert page_url(earlier) in html


def test_no_published_evaluations():
    html = _render_list(Agreement.objects.get(slug="botkyrka"))
    assert "<ul" not in html


def test_the_evaluation_page_is_given_all_of_its_content(published):
    """followup.views.public.EVALUATION_CONTENT_NAMES must name everything the body needs."""
    from followup.pdf import evaluation_context
    from followup.views.public import EVALUATION_CONTENT_NAMES

    context = evaluation_context(published)
    assert set(context) == {*EVALUATION_CONTENT_NAMES, "cycle", "agreement", "evaluation"}


def test_the_evaluation_body_is_a_cached_fragment(client, published, settings, monkeypatch):
    """With the whole-page cache off, the body comes from the fragment cache (no figures or
    charts computed again) and the page is the same."""
    from followup.views import public

    computed = []
    original = public.evaluation_context
    monkeypatch.setattr(
        public, "evaluation_context", lambda cycle: computed.append(cycle) or original(cycle)
    )
    settings.PORTAL_PAGE_CACHE = False
    settings.PORTAL_FRAGMENT_CACHE_SECONDS = 300
    url = reverse(
        "followup:public-evaluation",
        kwargs={"slug": published.agreement.slug, "pk": published.pk},
    )
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    assert len(computed) == 1, "the second request computed the body again"
    assert len(queries) <= 1, [q["sql"] for q in queries]  # the published cycle
