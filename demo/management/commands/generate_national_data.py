"""The national-scale data set for `make bench` (bench/README.md, demo/national_data.py).

    manage.py generate_national_data --seed 1 [--scale 1.0] [--force]

Run it after ``migrate`` and ``load_agreements`` on a database of its own. It refuses a database
that holds organisations or accounts it did not make, unless ``--force`` is given, and does
nothing when the data set is already there. The same seed and scale always give the same data.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from demo import national_data
from demo.texts import DemoDataError


class Command(BaseCommand):
    help = "Generate a deterministic national-scale data set (290 municipalities at scale 1.0)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 is 50,000 organisations (default)"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even if the database holds other data"
        )

    def handle(self, *args, seed, scale, force, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 and at most 10.")
        if not Agreement.objects.exists():
            raise CommandError(national_data.NO_AGREEMENTS)
        if national_data.is_generated():
            self.stdout.write("The generated data set is already in this database; nothing done.")
            return
        found = national_data.real_data()
        if found and not force:
            raise CommandError(national_data.REFUSED_REAL_DATA.format(what=", ".join(found)))
        started = time.monotonic()
        try:
            result = national_data.generate(seed=seed, scale=scale, progress=self.stdout.write)
        except DemoDataError as exc:  # a broken demo/data/national.toml: nothing was written
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated in {time.monotonic() - started:.0f} s: "
                f"{result.municipalities} municipalities, {result.organisations} organisations, "
                f"{result.accessions} accessions, {result.cycles} cycles, "
                f"{result.reports} reports, {result.answers} answers "
                f"(open cycle {result.big_cycle_id}, published evaluation "
                f"{result.published_cycle_id}; seconds per step: {result.timings})"
            )
        )
