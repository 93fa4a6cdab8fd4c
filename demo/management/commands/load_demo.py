"""Demo data for development: organisations in every state, municipal units and demo accounts.

Every organisation, person and address here is made up. The accounts share a published password
and a published two-factor secret, so they must never exist in production: the command refuses to
run unless settings.DEBUG is True, or ``--force`` is given (for a throwaway test server).

Idempotent: everything is looked up before it is created, and an organisation's accessions are
only made when the organisation itself is new, so a second run changes nothing. The accessions go
through organisations.services, so their events (the history) exist as for real ones; each is
then moved, with its history, to days spread over the years since its version was adopted
(demo/dates.py), so that the register's "joined" dates show a range.

The municipalities, their units and organisations, and what the accessions say are data, in
demo/data/demo.toml (docs/demo-data.md), read and checked by demo/texts.py.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import formats, timezone, translation

from agreements.models import Agreement, AgreementVersion, Body, Municipality
from demo.dates import AccessionDates, accession_dates, redate
from demo.texts import (
    RECORDED_STATES,
    DemoDataError,
    DemoMunicipality,
    DemoOrganisation,
    State,
    demo_texts,
)
from organisations import services
from organisations.models import (
    Accession,
    AccessionEvent,
    ActivityArea,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
)
from organisations.validators import luhn_valid

DEMO_PASSWORD = "demo-losenord-2026"  # noqa: S105 - published on purpose, see the module docstring
TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - the same: any authenticator app can add it
RECOVERY_CODES = [f"2026{n:04d}" for n in range(1, 11)]

REFUSED = (
    "load_demo creates accounts with a published password and two-factor secret. It only runs "
    "when settings.DEBUG is True (development). Demo accounts must never exist in production; "
    "on a throwaway test server, run it with --force."
)

# One account per role. Officers, council members and staff must use two-factor authentication.
ACCOUNTS = [
    # (e-mail, first name, last name, role, needs MFA)
    ("representant@demo.example", "Rebecka", "Lind", "representative", False),
    ("orgadmin@demo.example", "Olof", "Berg", "organisation admin (Göteborg)", False),
    ("orgadmin-boras@demo.example", "Maja", "Ek", "organisation admin (Borås)", False),
    ("orgadmin-sodertalje@demo.example", "Samir", "Holm", "organisation admin (Södertälje)", False),
    ("orgadmin-botkyrka@demo.example", "Leila", "Sund", "organisation admin (Botkyrka)", False),
    ("handlaggare@demo.example", "Hanna", "Strand", "municipal officer, Göteborg", True),
    ("handlaggare-boras@demo.example", "Johan", "Ås", "municipal officer, Borås", True),
    ("handlaggare-sodertalje@demo.example", "Eva", "Rask", "municipal officer, Södertälje", True),
    ("handlaggare-botkyrka@demo.example", "Ali", "Dahl", "municipal officer, Botkyrka", True),
    ("samrad@demo.example", "Karin", "Fors", "council member, Göteborg", True),
    ("personal@demo.example", "Per", "Sandberg", "staff (admin site)", True),
]


def demo_organisation_number(n: int) -> str:
    """A valid (Luhn) number NNNNNN-NNNN in a range kept for the demo data."""
    base = f"80299{n:04d}"
    check = next(d for d in range(10) if luhn_valid(f"{base}{d}"))
    return f"{base[:6]}-{base[6:]}{check}"


def current_totp_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


class Command(BaseCommand):
    help = (
        "Load demo data: organisations in every state for the four municipalities, municipal "
        "units and one account per role (password demo-losenord-2026). Development only: "
        "refuses to run unless DEBUG is True or --force is given. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is False (a throwaway test server, never production).",
        )
        parser.add_argument(
            "--code",
            action="store_true",
            help="Only print the current two-factor code of the demo accounts, and exit.",
        )

    def handle(self, *args, force: bool, code: bool, **options):
        if code:
            self.stdout.write(current_totp_code())
            return
        if not (settings.DEBUG or force):
            raise CommandError(REFUSED)
        try:
            self.texts = demo_texts()  # a broken data file stops the command before it writes
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.created: list[str] = []
        # The services send e-mails about each accession; demo data sends none.
        no_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
        with no_mail, transaction.atomic():
            self._load()
        if self.created:
            for line in self.created:
                self.stdout.write(f"  {line}")
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({len(self.created)} new)."))
        else:
            self.stdout.write("No changes: the demo data is already loaded.")
        self.stdout.write(
            f"Demo accounts (password {DEMO_PASSWORD}): "
            + ", ".join(email for email, *_rest in ACCOUNTS)
        )

    def _load(self) -> None:
        """The steps, in order: accounts, then each municipality, then the council member."""
        users = self._accounts()
        for demo in self.texts.municipalities:
            municipality = Municipality.objects.get(slug=demo.slug)
            units = self._units(demo, municipality)
            officer = users[demo.officer_email]
            self._officer_role(officer, municipality, units[demo.officer_unit])
            self._organisations(demo, municipality, users, officer)
        self._council_member(users["samrad@demo.example"])

    # --- people --------------------------------------------------------------------------------

    def _accounts(self) -> dict[str, Any]:
        """One account per role; two-factor authentication where the role needs it."""
        users = {email: self._user(email, first, last) for email, first, last, *_ in ACCOUNTS}
        for email, *_rest, needs_mfa in ACCOUNTS:
            if needs_mfa:
                self._mfa(users[email])
        staff = users["personal@demo.example"]
        if not (staff.is_staff and staff.is_superuser):
            staff.is_staff = staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])
        return users

    def _user(self, email: str, first_name: str, last_name: str):
        user, created = get_user_model().objects.get_or_create(
            username=email,
            defaults={"email": email, "first_name": first_name, "last_name": last_name},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            self.created.append(f"account {email}")
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _mfa(self, user) -> None:
        _totp, created = Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": encrypt(TOTP_SECRET)}},
        )
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            defaults={
                "data": {
                    "migrated_codes": [encrypt(c) for c in RECOVERY_CODES],
                    "used_mask": 0,
                }
            },
        )
        if created:
            self.created.append(f"two-factor authentication for {user.email}")

    def _council_member(self, council_member) -> None:
        """Göteborg's council member, from civil society's side."""
        agreement = Agreement.objects.get(slug="goteborg")
        council = Body.objects.filter(
            version__agreement=agreement,
            version__status=AgreementVersion.Status.CURRENT,
            is_council=True,
        ).first()
        _membership, created = CouncilMembership.objects.get_or_create(
            user=council_member,
            agreement=agreement,
            defaults={"body": council, "side": CouncilMembership.Side.CIVIL_SOCIETY},
        )
        if created:
            self.created.append(f"council member {council_member.email} ({agreement.title})")

    # --- the municipality's units and officer --------------------------------------------------

    def _units(self, demo: DemoMunicipality, municipality) -> dict[str, MunicipalUnit]:
        units = {}
        for name, kind in demo.units:
            units[name], created = MunicipalUnit.objects.get_or_create(
                municipality=municipality, name=name, defaults={"kind": kind}
            )
            if created:
                self.created.append(f"unit {municipality.short_name}: {name}")
        return units

    def _officer_role(self, officer, municipality, unit: MunicipalUnit) -> None:
        _role, created = OfficerRole.objects.get_or_create(
            user=officer, municipality=municipality, unit=unit
        )
        if created:
            self.created.append(f"officer {officer.email} ({municipality.short_name})")

    # --- organisations and their accessions ---------------------------------------------------

    def _organisations(self, demo: DemoMunicipality, municipality, users, officer) -> None:
        agreement = Agreement.objects.get(slug=demo.slug)
        current = agreement.current_version
        admin = users[demo.admin_email]
        representative = users["representant@demo.example"]
        slugs = [m.slug for m in self.texts.municipalities]
        offset = slugs.index(demo.slug) * 20
        for index, spec in enumerate(demo.organisations, start=1):
            if Organisation.objects.filter(municipality=municipality, name=spec.name).exists():
                continue
            organisation = services.organisation_register(
                actor=admin,
                organisation=self._organisation(demo, municipality, spec, offset + index),
                activity_areas=list(ActivityArea.objects.filter(key__in=spec.areas)),
            )
            if spec.representative:
                services.representative_add(
                    organisation=organisation,
                    user=representative,
                    role=Representative.Role.REPRESENTATIVE,
                    actor=admin,
                )
            self._accession(spec, organisation, agreement, current, admin, officer, index)
            self.created.append(
                f"organisation {municipality.short_name}: {spec.name} ({spec.state})"
            )

    def _organisation(self, demo, municipality, spec: DemoOrganisation, n: int) -> Organisation:
        slug = f"{demo.slug}-{n}"
        return Organisation(
            name=spec.name,
            organisation_number="" if spec.no_number_reason else demo_organisation_number(n),
            no_number_reason=spec.no_number_reason,
            legal_form=spec.legal_form,
            municipality=municipality,
            street_address=f"Exempelgatan {n}",
            postal_code=demo.postal_code,
            city=demo.city,
            website=f"https://{slug}.demo.example/",
            email=f"info@{slug}.demo.example",
            phone=f"{demo.phone_prefix}-100 {n:02d} 00",
            description=f"{spec.description} {self.texts.description_suffix}",
            contact_name=self.texts.contact_name,
            contact_email=f"kontakt@{slug}.demo.example",
            contact_phone=f"070-000 {n:02d} 00",
            contact_is_public=n % 2 == 0,
        )

    def _signature(self, admin, dates: AccessionDates) -> services.Signature:
        board = dates.board_decision is not None
        return services.Signature(
            basis=Accession.Basis.BOARD_DECISION if board else Accession.Basis.SIGNATORY,
            signer_name=admin.get_full_name(),
            signer_title=self.texts.signer_title,
            declaration_confirmed=True,
            board_decision_date=dates.board_decision,
        )

    def _accession(self, spec, organisation, agreement, current, admin, officer, index) -> None:
        """The organisation's accession, as its state says: none, recorded, earlier or online.

        Its days are spread over the years since the version was adopted (demo/dates.py).
        """
        state = spec.state
        if state == State.REGISTERED:
            return
        if state == State.EARLIER_VERSION:
            self._earlier_accession(organisation, agreement, spec.version_key, admin, officer)
            return
        board = state == State.PAPER if state in RECORDED_STATES else index % 2 == 0
        dates = accession_dates(
            version=current,
            organisation_name=organisation.name,
            state=state,
            board=board,
            position=index,
        )
        if state in RECORDED_STATES:
            self._recorded_accession(state, organisation, current, admin, officer, dates)
        else:
            self._online_accession(state, organisation, current, admin, officer, dates)

    def _recorded_accession(self, state, organisation, current, admin, officer, dates) -> None:
        """Recorded by the officer: from a paper application, or signed at a dialogue forum."""
        recorded = self.texts.recorded[state]
        with translation.override("sv"):  # the note is Swedish text: "14 november 2024"
            day = formats.date_format(dates.signed_on, "j F Y")
        accession = services.accession_record(
            organisation=organisation,
            version=current,
            actor=officer,
            source=recorded.source,
            signature=self._signature(admin, dates),
            signed_on=dates.signed_on,
            note=recorded.note.format(date=day),
        )
        redate(accession, dates)

    def _online_accession(self, state, organisation, current, admin, officer, dates) -> None:
        """Signed online by the admin; then verified, withdrawn or rejected as the state says."""
        accession = services.accession_sign(
            organisation=organisation,
            version=current,
            actor=admin,
            signature=self._signature(admin, dates),
        )
        if state in (State.VERIFIED, State.WITHDRAWN):
            services.accession_verify(accession=accession, actor=officer)
        if state == State.WITHDRAWN:
            services.accession_withdraw(
                accession=accession, actor=admin, reason=self.texts.withdrawal_reason
            )
        if state == State.REJECTED:
            services.accession_reject(
                accession=accession, actor=officer, reason=self.texts.rejection_reason
            )
        accession.refresh_from_db()
        redate(accession, dates)

    def _earlier_accession(self, organisation, agreement, version_key, admin, officer) -> None:
        """An accession to a replaced version, from before the portal.

        The services only sign the version in force, as they must; an organisation that joined
        the earlier version on paper is recorded here directly, with its event, the way an
        import of the old paper register would.
        """
        version = AgreementVersion.objects.get(agreement=agreement, key=version_key)
        signed_at = timezone.make_aware(datetime.datetime(2017, 3, 15, 12))
        accession = Accession.objects.create(
            organisation=organisation,
            agreement=agreement,
            version=version,
            status=Accession.Status.ACTIVE,
            source=Accession.Source.PAPER,
            declaration_text=services.declaration_text(organisation=organisation, version=version),
            basis=Accession.Basis.SIGNATORY,
            signer_name=admin.get_full_name(),
            signer_title=self.texts.signer_title,
            signed_at=signed_at,
            recorded_by=officer,
            decided_at=signed_at,
            decided_by=officer,
        )
        AccessionEvent.objects.create(
            accession=accession,
            action=AccessionEvent.Action.RECORDED,
            actor=officer,
            actor_label=officer.get_full_name(),
            at=signed_at,
            after={
                "status": accession.status,
                "decided_at": signed_at.isoformat(),
                "rejection_reason": "",
                "withdrawn_at": None,
                "withdrawal_reason": "",
            },
            note=self.texts.earlier_version_note,
        )
