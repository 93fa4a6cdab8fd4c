"""My pages shows a council member the evaluations waiting for the council's review, whether
they have approved the current version, and the latest published evaluation."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement
from followup import services
from tests.factories import CouncilMembershipFactory, UserFactory, with_mfa
from tests.followup.worlds import closed_cycle, publish

pytestmark = pytest.mark.django_db


def _in_review(cycle, officer):
    services.evaluation_update(
        cycle=cycle, actor=officer, summary="Bra år.", conclusions="", recommendations=""
    )
    services.evaluation_send_to_council(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    return cycle


def _my_pages(client, user) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("organisations:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_sees_the_draft_waiting_for_review_then_their_approval(
    client, officer, django_capture_on_commit_callbacks
):
    member = with_mfa(CouncilMembershipFactory().user)
    cycle = _in_review(closed_cycle(django_capture_on_commit_callbacks), officer)
    review_url = reverse("followup:evaluation", args=[cycle.pk])

    html = _my_pages(client, member)
    assert "Your councils" in html
    assert review_url in html and cycle.title in html
    assert "read, comment and approve" in html

    services.evaluation_approve(cycle=cycle, actor=member)
    html = _my_pages(client, member)
    assert review_url in html
    assert "you have approved this version" in html
    assert "read, comment and approve" not in html

    # A changed draft asks for a new approval.
    services.evaluation_update(
        cycle=cycle, actor=officer, summary="Ändrat.", conclusions="", recommendations=""
    )
    assert "read, comment and approve" in _my_pages(client, member)


def test_the_latest_published_evaluation_is_linked(
    client, officer, django_capture_on_commit_callbacks
):
    member = with_mfa(CouncilMembershipFactory().user)
    cycle = publish(
        closed_cycle(django_capture_on_commit_callbacks),
        officer,
        member,
        django_capture_on_commit_callbacks,
    )
    html = _my_pages(client, member)
    public = reverse("followup:public-evaluation", args=[cycle.agreement.slug, cycle.pk])
    assert public in html
    assert "No evaluation is waiting for the council" in html


def test_other_councils_and_other_people_see_nothing_of_it(
    client, officer, django_capture_on_commit_callbacks
):
    cycle = _in_review(closed_cycle(django_capture_on_commit_callbacks), officer)
    review_url = reverse("followup:evaluation", args=[cycle.pk])
    elsewhere = with_mfa(
        CouncilMembershipFactory(agreement=Agreement.objects.get(slug="boras")).user
    )
    html = _my_pages(client, elsewhere)
    assert "Your councils" in html and review_url not in html

    nobody = UserFactory()
    html = _my_pages(client, nobody)
    assert "Your councils" not in html and review_url not in html


def test_the_section_costs_the_same_queries_for_one_council_or_four(client):
    member = with_mfa(CouncilMembershipFactory().user)

    def queries() -> int:
        client.force_login(member)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("organisations:dashboard")).status_code == 200
        return len(captured)

    one = queries()
    for slug in ("boras", "sodertalje", "botkyrka"):
        CouncilMembershipFactory(user=member, agreement=Agreement.objects.get(slug=slug))
    assert queries() == one
