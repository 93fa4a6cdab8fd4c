"""Each page's SQL query count does not grow with the data: the same for a data set and one ten
times larger, and under a stated maximum.

The data sets are made by the national data generator (demo/national_data.py), the one the
benchmark uses, at two sizes: 1 generated municipality, 60 organisations and a cycle of 20
reports, and 10 generated municipalities, 600 organisations and a cycle of 200 reports. Each
is written in a transaction that is rolled back after the pages have been counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement
from demo import national_data
from followup.models import Cycle
from organisations.models import Organisation

SMALL = national_data.Counts(municipalities=5, organisations=60, big_cycle_reports=20, years=3)
LARGE = national_data.Counts(municipalities=14, organisations=600, big_cycle_reports=200, years=3)

# The most queries each page may make (the session, the user and the like included).
MAXIMUM = {
    "home": 2,
    "agreement list": 2,
    "agreement": 20,
    "comparison": 6,
    "register": 6,
    "register search": 6,
    "register filtered": 7,
    "organisation": 4,  # with its body not cached: public?, then accessions and areas
    "open data": 2,
    # With its body not cached: the frozen figures are read then, and the council's approvals.
    "published evaluation": 3,
    "officer dashboard": 16,  # sorts the keys first, then fetches the 50 + 50 rows shown
    # The page's own reads (user, roles, the review) and the evaluation compiled live from the
    # open cycle's reports (six queries however many questions and reports: test_compile.py),
    # and how the reports were collected for its method (two: reminders, those never asked).
    "draft evaluation": 16,
}


@dataclass
class Measured:
    queries: dict[str, int]
    statuses: dict[str, int]
    history_rows: int  # the officer dashboard's history of the cycle (one query, actors joined)


class _Rollback(Exception):
    pass


def _measure(counts: national_data.Counts) -> Measured:
    queries: dict[str, int] = {}
    statuses: dict[str, int] = {}
    history_rows = 0
    try:
        with transaction.atomic():
            result = national_data.generate(seed=7, counts=counts)
            big = Cycle.objects.select_related("agreement").get(pk=result.big_cycle_id)
            published = Cycle.objects.get(pk=result.published_cycle_id)
            organisation = Organisation.objects.public_register().filter(
                municipality=big.agreement.municipality_id
            )[0]
            slug = big.agreement.slug
            anonymous = Client()
            officer = Client()
            officer.force_login(
                national_data.get_user_model().objects.get(email=national_data.OFFICER_EMAIL)
            )
            pages = {
                "home": (anonymous, "/"),
                "agreement list": (anonymous, "/overenskommelser/"),
                "agreement": (anonymous, f"/overenskommelser/{slug}/"),
                "comparison": (anonymous, "/jamfor/"),
                "register": (anonymous, "/organisationer/"),
                "register search": (anonymous, "/organisationer/?q=solros"),
                "register filtered": (
                    anonymous,
                    f"/organisationer/?municipality={slug}&sort=newest&page=2",
                ),
                "organisation": (anonymous, f"/organisationer/{organisation.pk}/"),
                "open data": (anonymous, "/oppna-data/"),
                "published evaluation": (
                    anonymous,
                    f"/overenskommelser/{slug}/utvarderingar/{published.pk}/",
                ),
                "officer dashboard": (officer, f"/uppfoljning/{big.pk}/"),
                "draft evaluation": (officer, f"/uppfoljning/{big.pk}/utvardering/"),
            }
            for name, (client, url) in pages.items():
                client.get(url)  # warm: sessions, caches of the process, compiled templates
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                statuses[name] = response.status_code
                queries[name] = len(captured)
                if name == "officer dashboard":
                    html = response.content.decode()
                    history_rows = html[html.index("followup-history") :].count("<time ")
            raise _Rollback
    except _Rollback:
        pass
    return Measured(queries, statuses, history_rows)


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert not Agreement.objects.filter(slug__startswith=national_data.SLUG_PREFIX).exists()
        return _measure(SMALL), _measure(LARGE)


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(MAXIMUM))
def test_query_count_does_not_grow_with_the_data(measured, page):
    small, large = measured
    assert small.statuses[page] == 200 and large.statuses[page] == 200
    assert small.queries[page] == large.queries[page], (
        f"{page}: {small.queries[page]} queries with the small data set, "
        f"{large.queries[page]} with the ten times larger one"
    )
    assert large.queries[page] <= MAXIMUM[page]


@pytest.mark.django_db
def test_the_officer_dashboard_counts_its_history_too(measured):
    """The cycle's history (created, opened) is on the dashboard measured above, so its query is
    among those counted."""
    small, large = measured
    assert small.history_rows == large.history_rows == 2
