"""Print the benchmark's targets as JSON: the pages to load and a signed-in officer's session.

Run with the benchmark's environment (bench/run.py does): ``python -m bench.targets``.
"""

import json
import os
from importlib import import_module

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402

from demo import national_data  # noqa: E402
from followup.models import Cycle  # noqa: E402
from organisations.models import Organisation  # noqa: E402


def main() -> None:
    officer = national_data.get_user_model().objects.get(email=national_data.OFFICER_EMAIL)
    big = (
        Cycle.objects.filter(status=Cycle.Status.OPEN, agreement__slug__startswith="gen-")
        .select_related("agreement__municipality")
        .get()
    )
    published = Cycle.objects.get(agreement=big.agreement, status=Cycle.Status.PUBLISHED)
    municipality = big.agreement.municipality
    organisation = (
        Organisation.objects.public_register().filter(municipality=municipality).order_by("pk")[0]
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(officer.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = officer.get_session_auth_hash()
    session.create()
    slug = big.agreement.slug
    evaluation = f"/overenskommelser/{slug}/utvarderingar/{published.pk}/"
    print(
        json.dumps(
            {
                "pages": {
                    "home": "/",
                    "agreement": f"/overenskommelser/{slug}/",
                    "comparison": "/jamfor/",
                    "register": "/organisationer/",
                    "register search": "/organisationer/?q=solros",
                    "organisation": f"/organisationer/{organisation.pk}/",
                    "officer dashboard": f"/uppfoljning/{big.pk}/",
                    "published evaluation": evaluation,
                },
                "signed_in": ["officer dashboard"],
                "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                "published_cycle": published.pk,
                "big_cycle_reports": big.reports.count(),
            }
        )
    )


if __name__ == "__main__":
    main()
