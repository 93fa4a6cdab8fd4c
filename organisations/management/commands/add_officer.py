from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agreements.models import Municipality
from organisations import services
from organisations.models import MunicipalUnit

from ._roles import next_steps, validation_message


class Command(BaseCommand):
    help = (
        "Make a person a municipal officer of a municipality (or of one of its boards, "
        "administrations or companies), creating the account if there is none. Running it again "
        "changes nothing. The same can be done in the admin (Municipal officers). See "
        "docs/onboarding.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="The municipality's slug.")
        parser.add_argument("--email", required=True, help="The officer's e-mail address.")
        parser.add_argument("--unit", default="", help="The name of a unit of the municipality.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, municipality, email, unit, first_name, last_name, **options):
        try:
            place = Municipality.objects.get(slug=municipality)
        except Municipality.DoesNotExist as exc:
            known = ", ".join(Municipality.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                f"No municipality {municipality!r}; load its agreement first. Known: {known}."
            ) from exc
        unit_obj = None
        if unit:
            unit_obj = MunicipalUnit.objects.filter(municipality=place, name=unit).first()
            if unit_obj is None:
                raise CommandError(f"{place} has no unit named {unit!r}; add it in the admin.")
        try:
            role, account_created, created = services.officer_add(
                email=email,
                municipality=place,
                unit=unit_obj,
                first_name=first_name,
                last_name=last_name,
                actor="manage.py add_officer",
            )
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from exc
        what = "is now" if created else "already was"
        self.stdout.write(self.style.SUCCESS(f"{role.user.email} {what} an officer of {role}."))
        if account_created:
            self.stdout.write(next_steps(role.user.email))
