"""Accounts and reports for the load test: run once against the load test's fresh database.

    DJANGO_SETTINGS_MODULE=portal.settings.loopback python bench/load/setup_data.py ACCOUNTS.json N

After the agreements and the demo data are loaded, this adds N representatives, each of their
own (made-up) Göteborg organisation with an active accession and a report in Göteborg's open
follow-up cycle, and writes their e-mail addresses and report ids to ACCOUNTS.json for the
locustfile. Every account shares one password (the same hash, computed once). Never run it
against a real installation: it refuses unless the database holds the demo data and no more
than 200 accounts.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.loopback")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from agreements.models import Agreement  # noqa: E402
from followup.models import Cycle, Report, RespondentGroup  # noqa: E402
from organisations.models import Accession, Organisation, Representative  # noqa: E402

PASSWORD = "load-test-losenord-2026"  # noqa: S105  (a throwaway database; published)


def organisation_number(n: int) -> str:
    from organisations.validators import luhn_valid

    base = f"809{n:06d}"[-9:]
    check = next(d for d in range(10) if luhn_valid(f"{base}{d}"))
    return f"{base[:6]}-{base[6:]}{check}"


@transaction.atomic
def create(count: int) -> list[dict]:
    User = get_user_model()
    if User.objects.count() > 200 or not Organisation.objects.filter(name__endswith="(demo)"):
        raise SystemExit("This is not a load test database (no demo data, or too many accounts).")
    agreement = Agreement.objects.get(slug="goteborg")
    cycle = Cycle.objects.get(agreement=agreement, status=Cycle.Status.OPEN)
    password = make_password(PASSWORD)
    accounts = []
    for n in range(1, count + 1):
        email = f"last{n:03d}@load.example"
        user = User.objects.create(
            username=f"load{n:03d}",
            email=email,
            first_name="Last",
            last_name=f"Test {n}",
            password=password,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        organisation = Organisation.objects.create(
            name=f"Lasttestföreningen {n}",
            organisation_number=organisation_number(n),
            legal_form="association",
            municipality=agreement.municipality,
            email=f"info{n}@load.example",
            description="En påhittad förening för lasttestet.",
        )
        Representative.objects.create(
            user=user, organisation=organisation, role=Representative.Role.ADMIN
        )
        Accession.objects.create(
            organisation=organisation,
            agreement=agreement,
            version=agreement.current_version,
            status=Accession.Status.ACTIVE,
            source=Accession.Source.PAPER,
            declaration_text="Vi ansluter oss.",
            basis=Accession.Basis.SIGNATORY,
            signer_name="Anna Andersson",
            signer_title="Ordförande",
            signed_at=timezone.now(),
            decided_at=timezone.now(),
        )
        report = Report.objects.create(
            cycle=cycle, group=RespondentGroup.ORGANISATIONS, organisation=organisation
        )
        accounts.append({"email": email, "password": PASSWORD, "report": report.pk})
    return accounts


if __name__ == "__main__":
    target, count = Path(sys.argv[1]), int(sys.argv[2])
    accounts = create(count)
    target.write_text(json.dumps(accounts, indent=1))
    print(f"{len(accounts)} representatives with a report each in {target}")
