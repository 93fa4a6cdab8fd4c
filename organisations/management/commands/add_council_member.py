from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from organisations import services
from organisations.models import CouncilMembership

from ._roles import next_steps, validation_message


class Command(BaseCommand):
    help = (
        "Make a person a member of an agreement's council, for the municipality or for civil "
        "society, creating the account if there is none. Running it again changes nothing. The "
        "same can be done in the admin (Council members). See docs/onboarding.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agreement", required=True, help="The agreement's slug.")
        parser.add_argument("--email", required=True, help="The member's e-mail address.")
        parser.add_argument(
            "--side",
            required=True,
            choices=CouncilMembership.Side.values,
            help="Who they represent.",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, agreement, email, side, first_name, last_name, **options):
        try:
            compact = Agreement.objects.get(slug=agreement)
        except Agreement.DoesNotExist as exc:
            known = ", ".join(Agreement.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(f"No agreement {agreement!r}. Known: {known}.") from exc
        try:
            membership, account_created, created = services.council_member_add(
                email=email,
                agreement=compact,
                side=side,
                first_name=first_name,
                last_name=last_name,
                actor="manage.py add_council_member",
            )
        except ValidationError as exc:
            raise CommandError(validation_message(exc)) from exc
        what = "is now" if created else "already was"
        council = membership.body or compact
        self.stdout.write(
            self.style.SUCCESS(f"{membership.user.email} {what} a member of {council}.")
        )
        if account_created:
            self.stdout.write(next_steps(membership.user.email))
