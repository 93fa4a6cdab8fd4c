"""Demo data for development: organisations in every state, municipal units and demo accounts.

Every organisation, person and address here is made up. The accounts share a published password
and a published two-factor secret, so they must never exist in production: the command refuses to
run unless settings.DEBUG is True, or ``--force`` is given (for a throwaway test server).

Idempotent: everything is looked up before it is created, and an organisation's accessions are
only made when the organisation itself is new, so a second run changes nothing. The accessions go
through organisations.services, so their events (the history) exist as for real ones.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from agreements.models import Agreement, AgreementVersion, Body, Municipality
from organisations import services
from organisations.models import (
    Accession,
    AccessionEvent,
    ActivityArea,
    CouncilMembership,
    LegalForm,
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

PENDING = "pending"  # signed online, waiting for an officer
VERIFIED = "verified"  # signed online, verified by an officer
PAPER = "paper"  # recorded by an officer from a paper application
FORUM = "forum"  # recorded by an officer: signed at a dialogue forum
WITHDRAWN = "withdrawn"  # signed, verified, then withdrawn by the organisation
REJECTED = "rejected"  # signed online, rejected by an officer with a reason
REGISTERED = "registered"  # in the register, not signed
EARLIER_VERSION = "earlier"  # active accession to an earlier (replaced) version

# How the accessions that officers record were made: (source, date, the officer's note).
RECORDED = {
    PAPER: (
        Accession.Source.PAPER,
        datetime.date(2025, 2, 3),
        "Pappersansökan inkom per post; firmateckning kontrollerad mot protokoll.",
    ),
    FORUM: (
        Accession.Source.DIALOGUE_FORUM,
        datetime.date(2024, 11, 14),
        "Undertecknades vid dialogforum den 14 november 2024.",
    ),
}


@dataclass
class DemoOrganisation:
    name: str
    state: str
    legal_form: str = LegalForm.ASSOCIATION
    areas: list[str] = field(default_factory=list)
    description: str = ""
    no_number_reason: str = ""
    representative: bool = False  # the demo representative acts for it too
    version_key: str = ""  # EARLIER_VERSION: which version


@dataclass
class DemoMunicipality:
    slug: str
    city: str
    postal_code: str
    phone_prefix: str
    admin_email: str  # the demo organisation admin of this municipality's organisations
    officer_email: str
    units: list[tuple[str, str]]  # (name, kind)
    officer_unit: str
    organisations: list[DemoOrganisation]


MUNICIPALITIES = [
    DemoMunicipality(
        slug="boras",
        city="Borås",
        postal_code="503 30",
        phone_prefix="033",
        admin_email="orgadmin-boras@demo.example",
        officer_email="handlaggare-boras@demo.example",
        units=[
            ("Kommunstyrelsen", MunicipalUnit.Kind.BOARD),
            ("Fritids- och folkhälsonämnden", MunicipalUnit.Kind.BOARD),
            ("Sociala omsorgsförvaltningen", MunicipalUnit.Kind.ADMINISTRATION),
        ],
        officer_unit="Fritids- och folkhälsonämnden",
        organisations=[
            DemoOrganisation(
                "Sjöbo Läxhjälp (demo)",
                PENDING,
                areas=["children-youth", "adult-education"],
                description="Läxhjälp för skolbarn på Sjöbo två kvällar i veckan.",
            ),
            DemoOrganisation(
                "Knallebygdens Seniorförening (demo)",
                VERIFIED,
                areas=["older-people", "community"],
                description="Träffar, studiecirklar och utflykter för seniorer.",
            ),
            DemoOrganisation(
                "Viskadalens Kulturkollektiv (demo)",
                PAPER,
                legal_form=LegalForm.COOPERATIVE,
                areas=["culture"],
                description="Ett kollektiv av musiker och konstnärer som driver en scen.",
            ),
            DemoOrganisation(
                "Hässlehus Mötesplats (demo)",
                FORUM,
                areas=["local-community", "integration"],
                description="Öppen mötesplats med språkcafé och rådgivning.",
            ),
            DemoOrganisation(
                "Cykelfrämjarna i Borås (demo)",
                WITHDRAWN,
                areas=["environment", "sport"],
                description="Verkade för säkra cykelvägar. Föreningen är nedlagd.",
            ),
            DemoOrganisation(
                "Grannsamverkan Norrbyvägen (demo)",
                REGISTERED,
                legal_form=LegalForm.NETWORK,
                areas=["local-community"],
                description="Ett nätverk av grannar i tre kvarter.",
                no_number_reason="Ett löst nätverk utan eget organisationsnummer.",
            ),
            DemoOrganisation(
                "Stadsparkens Schackklubb (demo)",
                EARLIER_VERSION,
                areas=["sport", "children-youth"],
                description="Schack för alla åldrar. Anslöt sig till 2016 års överenskommelse.",
                version_key="2016",
            ),
        ],
    ),
    DemoMunicipality(
        slug="sodertalje",
        city="Södertälje",
        postal_code="151 89",
        phone_prefix="08",
        admin_email="orgadmin-sodertalje@demo.example",
        officer_email="handlaggare-sodertalje@demo.example",
        units=[
            ("Kommunstyrelsen", MunicipalUnit.Kind.BOARD),
            ("Kultur- och fritidsnämnden", MunicipalUnit.Kind.BOARD),
            ("Socialförvaltningen", MunicipalUnit.Kind.ADMINISTRATION),
        ],
        officer_unit="Kommunstyrelsen",
        organisations=[
            DemoOrganisation(
                "Telgeslättens Ungdomsråd (demo)",
                PENDING,
                areas=["children-youth", "democracy"],
                description="Unga som driver frågor om fritid och inflytande.",
            ),
            DemoOrganisation(
                "Föreningen Kanalens Vänner (demo)",
                VERIFIED,
                areas=["environment", "local-community"],
                description="Städdagar, guidade promenader och berättelser om kanalen.",
            ),
            DemoOrganisation(
                "Kvinnonätverket Ronnaberget (demo)",
                PAPER,
                areas=["equality", "integration"],
                description="Ett nätverk för kvinnor: samtalsgrupper, sömnad och läxhjälp.",
            ),
            DemoOrganisation(
                "Södertälje Läsfrämjare (demo)",
                FORUM,
                areas=["culture", "adult-education"],
                description="Högläsning för barn och bokcirklar för vuxna.",
            ),
            DemoOrganisation(
                "Geneta Fotbollsvänner (demo)",
                WITHDRAWN,
                areas=["sport"],
                description="Fotboll för barn och unga. Har gått upp i en större klubb.",
            ),
            DemoOrganisation(
                "Stiftelsen Mälarstrands Omsorg (demo)",
                REGISTERED,
                legal_form=LegalForm.FOUNDATION,
                areas=["social-welfare", "older-people"],
                description="Stöd till äldre som bor ensamma.",
            ),
        ],
    ),
    DemoMunicipality(
        slug="goteborg",
        city="Göteborg",
        postal_code="411 01",
        phone_prefix="031",
        admin_email="orgadmin@demo.example",
        officer_email="handlaggare@demo.example",
        units=[
            ("Kommunstyrelsen", MunicipalUnit.Kind.BOARD),
            ("Stadsledningskontoret", MunicipalUnit.Kind.ADMINISTRATION),
            ("Socialförvaltningen Centrum", MunicipalUnit.Kind.ADMINISTRATION),
        ],
        officer_unit="Stadsledningskontoret",
        organisations=[
            DemoOrganisation(
                "Hisingens Läxhjälp (demo)",
                PENDING,
                areas=["children-youth", "adult-education"],
                description="Läxhjälp och studiero för mellanstadie- och högstadieelever.",
                representative=True,
            ),
            DemoOrganisation(
                "Föreningen Backa Mötesplats (demo)",
                VERIFIED,
                areas=["local-community", "community"],
                description="Mötesplats med öppet hus, språkcafé och föräldragrupper.",
                representative=True,
            ),
            DemoOrganisation(
                "Majornas Kulturförening (demo)",
                PAPER,
                areas=["culture"],
                description="Konserter, utställningar och en sommarfestival i kvarteren.",
            ),
            DemoOrganisation(
                "Angereds Ungdomsforum (demo)",
                FORUM,
                areas=["children-youth", "democracy"],
                description="Unga i Angered som samlas kring demokrati och påverkan.",
            ),
            DemoOrganisation(
                "Cykelköket Gamlestaden (demo)",
                WITHDRAWN,
                legal_form=LegalForm.SOCIAL_ENTERPRISE,
                areas=["environment", "employment"],
                description="Gör-det-själv-verkstad för cyklar. Verksamheten är avslutad.",
            ),
            DemoOrganisation(
                "Nätverket Ideella Frukostar (demo)",
                REGISTERED,
                legal_form=LegalForm.NETWORK,
                areas=["community"],
                description="Frukostmöten för föreningar i nordost.",
                no_number_reason="Nätverket har inget organisationsnummer.",
            ),
            DemoOrganisation(
                "Tynnereds Boulesällskap (demo)",
                REJECTED,
                areas=["sport", "older-people"],
                description="Boule på gruset vid torget varje tisdag.",
            ),
        ],
    ),
    DemoMunicipality(
        slug="botkyrka",
        city="Tumba",
        postal_code="147 80",
        phone_prefix="08",
        admin_email="orgadmin-botkyrka@demo.example",
        officer_email="handlaggare-botkyrka@demo.example",
        units=[
            ("Kommunstyrelsen", MunicipalUnit.Kind.BOARD),
            ("Kultur- och fritidsnämnden", MunicipalUnit.Kind.BOARD),
            ("Socialförvaltningen", MunicipalUnit.Kind.ADMINISTRATION),
        ],
        officer_unit="Kommunstyrelsen",
        organisations=[
            DemoOrganisation(
                "Föräldranätverket i Alby (demo)",
                PENDING,
                areas=["children-youth", "community"],
                description="Föräldrar som nattvandrar och ordnar aktiviteter för unga.",
            ),
            DemoOrganisation(
                "Fittja Kulturhusvänner (demo)",
                VERIFIED,
                areas=["culture", "integration"],
                description="Vänförening som ordnar teater och musik för alla åldrar.",
            ),
            DemoOrganisation(
                "Hallunda Idrottsallians (demo)",
                PAPER,
                legal_form=LegalForm.UMBRELLA,
                areas=["sport"],
                description="Paraplyorganisation för sju idrottsföreningar.",
            ),
            DemoOrganisation(
                "Tumba Pensionärsgille (demo)",
                FORUM,
                areas=["older-people"],
                description="Sammankomster, resor och friskvård för pensionärer.",
            ),
            DemoOrganisation(
                "Norsborgs Trädgårdsförening (demo)",
                WITHDRAWN,
                areas=["environment", "local-community"],
                description="Odlingslotter och kurser. Har slagits samman med en annan förening.",
            ),
            DemoOrganisation(
                "Studieförbundet Botkyrkabildning (demo)",
                REGISTERED,
                legal_form=LegalForm.STUDY_ASSOCIATION,
                areas=["adult-education"],
                description="Studiecirklar och kurser i hela kommunen.",
            ),
        ],
    ),
]

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

    # --- people --------------------------------------------------------------------------------

    def _load(self) -> None:
        users = {email: self._user(email, first, last) for email, first, last, *_ in ACCOUNTS}
        for email, *_rest, needs_mfa in ACCOUNTS:
            if needs_mfa:
                self._mfa(users[email])
        staff = users["personal@demo.example"]
        if not (staff.is_staff and staff.is_superuser):
            staff.is_staff = staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])

        for demo in MUNICIPALITIES:
            municipality = Municipality.objects.get(slug=demo.slug)
            units = {}
            for name, kind in demo.units:
                units[name], created = MunicipalUnit.objects.get_or_create(
                    municipality=municipality, name=name, defaults={"kind": kind}
                )
                if created:
                    self.created.append(f"unit {municipality.short_name}: {name}")
            officer = users[demo.officer_email]
            _role, created = OfficerRole.objects.get_or_create(
                user=officer, municipality=municipality, unit=units[demo.officer_unit]
            )
            if created:
                self.created.append(f"officer {officer.email} ({municipality.short_name})")
            self._organisations(demo, municipality, users, officer)

        council_member = users["samrad@demo.example"]
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

    # --- organisations and their accessions ---------------------------------------------------

    def _organisations(self, demo: DemoMunicipality, municipality, users, officer) -> None:
        agreement = Agreement.objects.get(slug=demo.slug)
        current = agreement.current_version
        admin = users[demo.admin_email]
        representative = users["representant@demo.example"]
        offset = [m.slug for m in MUNICIPALITIES].index(demo.slug) * 20
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
            description=f"{spec.description} Påhittad organisation i portalens demodata.",
            contact_name="Kim Exempel",
            contact_email=f"kontakt@{slug}.demo.example",
            contact_phone=f"070-000 {n:02d} 00",
            contact_is_public=n % 2 == 0,
        )

    def _signature(self, admin, *, board: bool = False) -> services.Signature:
        return services.Signature(
            basis=Accession.Basis.BOARD_DECISION if board else Accession.Basis.SIGNATORY,
            signer_name=admin.get_full_name(),
            signer_title="Ordförande",
            declaration_confirmed=True,
            board_decision_date=datetime.date(2025, 3, 12) if board else None,
        )

    def _accession(self, spec, organisation, agreement, current, admin, officer, index) -> None:
        state = spec.state
        if state == REGISTERED:
            return
        if state in (PAPER, FORUM):
            source, signed_on, note = RECORDED[state]
            services.accession_record(
                organisation=organisation,
                version=current,
                officer=officer,
                source=source,
                signature=self._signature(admin, board=state == PAPER),
                signed_on=signed_on,
                note=note,
            )
            return
        if state == EARLIER_VERSION:
            self._earlier_accession(organisation, agreement, spec.version_key, admin, officer)
            return
        accession = services.accession_sign(
            organisation=organisation,
            version=current,
            user=admin,
            signature=self._signature(admin, board=index % 2 == 0),
        )
        if state in (VERIFIED, WITHDRAWN):
            services.accession_verify(accession=accession, officer=officer)
        if state == WITHDRAWN:
            services.accession_withdraw(
                accession=accession,
                user=admin,
                reason="Föreningen har upphört efter beslut på årsmötet.",
            )
        if state == REJECTED:
            services.accession_reject(
                accession=accession,
                officer=officer,
                reason=(
                    "Undertecknaren finns inte som firmatecknare i registreringsbeviset. "
                    "Skicka styrelsens beslut om anslutning, eller låt en firmatecknare "
                    "underteckna."
                ),
            )

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
            signer_title="Ordförande",
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
            note="Överförd från den tidigare pappersförteckningen över undertecknare.",
        )
