"""Follow-up's e-mail is written in each respondent's language, whoever sends it (issue 17)."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation

from agreements.models import Agreement
from core.accounts import language_preference_set
from followup import services
from tests.factories import AccessionFactory, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_cycle(officer, django_capture_on_commit_callbacks):
    """Göteborg's follow-up, open, asking one organisation with two representatives: one who
    reads English and one who reads Swedish."""
    goteborg = Agreement.objects.get(slug="goteborg")
    cycle = services.cycle_create(
        agreement=goteborg,
        rule=goteborg.current_version.followup_rules.get(kind="followup"),
        actor=officer,
    )
    english = RepresentativeFactory()
    swedish = RepresentativeFactory(organisation=english.organisation, user=UserFactory())
    language_preference_set(user=english.user, language="en")
    language_preference_set(user=swedish.user, language="sv")
    AccessionFactory(organisation=english.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        services.cycle_open(cycle=cycle, actor=officer)
    cycle.refresh_from_db()
    cycle.english, cycle.swedish = english.user, swedish.user
    mail.outbox.clear()
    return cycle


def _deadline(cycle, language: str) -> str:
    with translation.override(language):
        return formats.date_format(cycle.deadline, "j F Y")


@pytest.mark.parametrize("officer_language", ["sv", "en"])
def test_an_officers_reminder_reaches_each_representative_in_their_language(
    client, officer, open_cycle, django_capture_on_commit_callbacks, officer_language
):
    client.force_login(officer)
    if officer_language == "en":
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("followup:cycle-remind", args=[open_cycle.pk]))
    assert response.status_code == 302
    sent = {tuple(m.to): m for m in mail.outbox}
    assert set(sent) == {(open_cycle.english.email,), (open_cycle.swedish.email,)}
    english, swedish = sent[(open_cycle.english.email,)], sent[(open_cycle.swedish.email,)]
    assert english.subject == f"Reminder: the report for {open_cycle.title}"
    assert f"The last day to submit it is {_deadline(open_cycle, 'en')}." in english.body
    assert swedish.subject == f"Påminnelse: rapporten för {open_cycle.title}"
    assert f"Sista dagen att skicka in den är {_deadline(open_cycle, 'sv')}." in swedish.body
    assert "The last day" not in swedish.body
