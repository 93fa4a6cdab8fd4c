"""Demo data for follow-up: past published evaluations and one open cycle for each agreement.

Runs after ``manage.py load_demo``, which makes the organisations, their accessions, the municipal
units and the demo accounts; this command refuses with a clear message when that data is missing.
Like load_demo it creates accounts with the published demo password (council members for Borås,
Södertälje and Botkyrka, one per side, so that a council can approve), so it refuses to run unless
settings.DEBUG is True or ``--force`` is given. Every comment, example and narrative is made up.

For each agreement, on the agreement's own cadence (Borås every second year, the others yearly):
two past cycles, reported, closed, compiled, reviewed by the council and published with a PDF,
the second compared with the first; and the current cycle, open, with a deadline four weeks ahead
and a mix of reports: submitted, draft, reopened by an officer, not started.

Everything is built through followup.services, as officers' and respondents' clicks would build
it, so the versions, comments, approvals, the cycles' histories (CycleEvents) and frozen figures
look as real ones do. One step needs a
detour: a past cycle's deadline has passed, and ``report_save`` rightly refuses a report after the
deadline (DEADLINE_PASSED). So a past cycle is created with its real opening date but with a
deadline a week from today; its reports are filed, the cycle is closed, the evaluation written,
reviewed and published; and only then are the deadline and the timestamps (created, opened,
closed, saved, submitted, reminded, commented, approved, published, and the history's events)
moved back to the cycle's real calendar with queryset updates. The PDF is rendered after that,
so it carries the real date.

Background work: while loading, the task backend is the dummy one and e-mail goes nowhere, so
demo cycles send no invitations and publishing queues no render task. The command renders each
new PDF itself, synchronously, once the data is committed, by calling the task's function
(``render_evaluation_pdf.call(pk)``), so the PDFs exist without a worker. The open cycle's reminder
is then scheduled on the configured backend, as opening a cycle does.

Idempotent: a cycle is identified by agreement, kind and period start; one that exists is left
alone, so a second run changes nothing. A published evaluation of a demo period whose PDF is not
ready (an interrupted run) is rendered again.

Time: on the two-core development machine about 18 s when it is otherwise idle (3 s of data,
15 s for the eight PDFs, which WeasyPrint makes slow) and about 60 s when other work
keeps both cores busy. The command prints how long it took.
"""

from __future__ import annotations

import datetime
import random
import time
import zlib
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from agreements.models import Agreement, AgreementVersion, Body
from demo.management.commands.load_demo import (
    DEMO_PASSWORD,
    MUNICIPALITIES,
    RECOVERY_CODES,
    TOTP_SECRET,
)
from followup import services
from followup.compile import CompiledEvaluation, compile_evaluation
from followup.models import (
    Cycle,
    CycleEvent,
    Evaluation,
    EvaluationApproval,
    EvaluationComment,
    Question,
    Report,
    ReportVersion,
    RespondentGroup,
)
from followup.tasks import render_evaluation_pdf
from organisations.models import (
    Accession,
    CouncilMembership,
    MunicipalUnit,
    OfficerRole,
    Representative,
)

REFUSED = (
    "load_followup_demo creates council accounts with a published password and two-factor "
    "secret. It only runs when settings.DEBUG is True (development); on a throwaway test server, "
    "run it with --force."
)
NOT_LOADED = "Run `manage.py load_demo` first. Missing: "

DEMO_REPRESENTATIVE = "representant@demo.example"
GOTEBORG_COUNCIL_MEMBER = "samrad@demo.example"
OFFICERS = {m.slug: m.officer_email for m in MUNICIPALITIES}

MUNICIPALITY = CouncilMembership.Side.MUNICIPALITY
CIVIL_SOCIETY = CouncilMembership.Side.CIVIL_SOCIETY


@dataclass(frozen=True)
class Member:
    email: str
    first_name: str
    last_name: str
    side: str


@dataclass(frozen=True)
class DemoFollowup:
    slug: str
    rule_kind: str  # which of the agreement's follow-up rules the demo cycles follow
    council: str  # how the texts name the council
    forum: str  # where the parties meet, as the texts name it
    findings: tuple[str, str]  # an agreement's own finding, for each of the two past cycles
    members: tuple[Member, ...] = ()  # council members created here (Göteborg's is load_demo's)
    anonymise: bool = False


PLANS = [
    DemoFollowup(
        slug="boras",
        rule_kind="evaluation",
        council="Samrådet",
        forum="Stormötet",
        findings=(
            "Stormötet i november samlade ett fyrtiotal organisationer och är det forum som flest "
            "lyfter fram. Ortsråden i serviceorterna nämns sällan, och Samrådet vill veta varför.",
            "Antalet samverkansavtal och IOP:er har ökat sedan förra utvärderingen. Samrådet vill "
            "följa hur de fungerar över tid och inte bara räkna dem.",
        ),
        members=(
            Member("samrad-boras-kommun@demo.example", "Anders", "Lund", MUNICIPALITY),
            Member("samrad-boras-ideburen@demo.example", "Fatima", "Nord", CIVIL_SOCIETY),
        ),
    ),
    DemoFollowup(
        slug="sodertalje",
        rule_kind="followup",
        council="samverkansgruppen",
        forum="det årliga dialogforumet",
        findings=(
            "Utvecklingsplanens område om lokaler har kommit längst. Området om kunskap om "
            "överenskommelsen inom förvaltningarna behöver mer arbete.",
            "Samverkansgruppen ser att dialogforumet har blivit en etablerad mötesplats, men att "
            "åtagandena om uppföljning av bidrag fortfarande bedöms lägst av föreningarna.",
        ),
        members=(
            Member("samrad-sodertalje-kommun@demo.example", "Gustav", "Ström", MUNICIPALITY),
            Member("samrad-sodertalje-ideburen@demo.example", "Amina", "Björk", CIVIL_SOCIETY),
        ),
    ),
    DemoFollowup(
        slug="goteborg",
        rule_kind="followup",
        council="styrgruppen",
        forum="det årliga dialogforumet",
        findings=(
            "De skriftliga rapporterna från förvaltningarna var av mycket olika omfattning. Kansli "
            "Got United föreslår en gemensam mall till nästa år.",
            "Dialogforumet i Gamlestaden visade att intresset för överenskommelsen är stort bland "
            "nya organisationer, inte minst bland nätverk utan anställda.",
        ),
    ),
    DemoFollowup(
        slug="botkyrka",
        rule_kind="followup",
        council="styrgruppen",
        forum="Plattformens möten",
        findings=(
            "Plattformen har vuxit och fler organisationer deltar i mötena, men deltagandet "
            "varierar mycket mellan kommundelarna.",
            "Processledarna har haft en viktig roll i att samordna organisationerna inför "
            "dialogmötena, och flera svar lyfter fram deras arbete.",
        ),
        members=(
            Member("samrad-botkyrka-kommun@demo.example", "Sofia", "Vik", MUNICIPALITY),
            Member("samrad-botkyrka-ideburen@demo.example", "Omar", "Lilja", CIVIL_SOCIETY),
        ),
        anonymise=True,
    ),
]

# --- What respondents write ---------------------------------------------------------------------
# Comments by theme and respondent group. A cycle uses each sentence at most once, so that the
# evaluation's free-text section reads like answers from different people.

THEME_WORDS = [
    ("independence", ("självständ", "oberoende", "integritet", "identitet")),
    ("openness", ("insyn", "öppen", "öppna")),
    ("quality", ("kvalit",)),
    ("longterm", ("långsikt",)),
    ("diversity", ("mångfald",)),
    ("democracy", ("demokrati", "involverad", "delaktighet")),
    ("development", ("samhällsutveckling",)),
    ("dialogue", ("dialog",)),
]

COMMENTS = {
    ("dialogue", "organisations"): [
        "Dialogmötena under våren var välbesökta, men vi hade önskat fler möten ute i "
        "stadsdelarna och inte bara i stadshuset.",
        "Vi blev inbjudna till två dialogmöten om fritidsgårdarnas öppettider och kände att våra "
        "synpunkter togs på allvar.",
        "Kallelserna kom ofta med kort varsel, vilket gör det svårt för oss som är ideella att "
        "delta på dagtid.",
        "Samtalen med förvaltningen har blivit mer regelbundna sedan vi fick en fast "
        "kontaktperson.",
        "Vi var med på {forum} och tyckte att samtalen i mindre grupper fungerade bäst.",
    ],
    ("dialogue", "units"): [
        "Förvaltningen har haft fyra dialogmöten med föreningarna i området; deltagandet ökade "
        "när vi flyttade mötena till kvällstid.",
        "Vi bjöd in till tidigt samråd om den nya modellen för föreningsbidrag men fick få svar "
        "från de mindre föreningarna.",
        "Dialogen fungerar bra med de etablerade organisationerna. Vi behöver hitta vägar att nå "
        "nya och mindre grupper.",
        "Vi har infört en stående punkt om civilsamhället på ledningsgruppens möten.",
    ],
    ("independence", "organisations"): [
        "Vi har kunnat driva frågor som kommunen inte alltid håller med om, utan att det har "
        "påverkat vårt bidrag.",
        "Villkoren i bidragsansökan upplevs ibland som styrande för vilken verksamhet vi kan "
        "bedriva.",
        "I IOP-samarbetet kring mötesplatsen har vi fått behålla vår egen profil och våra egna "
        "arbetssätt.",
        "Det är otydligt var gränsen går mellan samverkan och beställning när kommunen ber oss "
        "ta emot fler deltagare.",
    ],
    ("independence", "units"): [
        "Vi har sett över bidragsvillkoren så att de inte styr föreningarnas inre arbete mer än "
        "nödvändigt.",
        "I IOP och upphandlingar har vi varit noga med att skilja på samverkan och beställning.",
        "Föreningarnas kritik i remissvaren har redovisats oförändrad för nämnden.",
    ],
    ("openness", "organisations"): [
        "Det är fortfarande svårt att hitta information om vilka beslut som påverkar "
        "föreningslivet och när de fattas.",
        "Vi fick ta del av underlaget inför beslutet om lokalerna i god tid, vilket vi "
        "uppskattade.",
        "Vi har delat vår verksamhetsberättelse med förvaltningen och redovisat hur bidraget "
        "använts.",
        "Svaren på våra frågor om lokalhyrorna dröjde i flera månader.",
    ],
    ("openness", "units"): [
        "Fördelningen av föreningsbidragen publiceras nu på webben, med motiveringar.",
        "Vi har informerat om kommande lokalförändringar på föreningsträffar och i nyhetsbrevet.",
        "Vi har bjudit in föreningarna till budgetdialogen innan förslaget gick till nämnden.",
    ],
    ("quality", "organisations"): [
        "Våra volontärer känner målgruppen på ett sätt som kommunen inte gör, och det togs "
        "tillvara när sommarlovsaktiviteterna planerades.",
        "Vi hade önskat att kommunen frågade oss tidigare när nya insatser för äldre planeras.",
        "Vi har gått en utbildning om IOP tillsammans med tjänstepersoner, och det gav en "
        "gemensam bild av vad ett partnerskap kräver.",
        "Kommunen använder gärna våra kontakter i bostadsområdet men ersätter inte tiden det tar.",
    ],
    ("quality", "units"): [
        "Föreningarnas kunskap om unga i området har varit avgörande när lovverksamheten "
        "utformades.",
        "Vi har tagit fram en enkel gemensam uppföljning med föreningarna i stället för flera "
        "olika blanketter.",
        "Vi har ännu inte hittat ett bra sätt att ta tillvara de mindre föreningarnas kunskap.",
    ],
    ("longterm", "organisations"): [
        "Ettåriga bidrag gör det svårt att planera; ett treårigt IOP skulle ge oss arbetsro.",
        "Att lokalfrågan nu är löst för tre år framåt har betytt mycket för verksamheten.",
        "Kontaktpersonerna på förvaltningen byts ofta, och då får vi börja om.",
        "Vi uppskattar att {council} träffas regelbundet och att protokollen publiceras.",
    ],
    ("longterm", "units"): [
        "Vi har gått över till fleråriga överenskommelser med tre organisationer.",
        "Samverkan har fortsatt trots omorganisationen, tack vare fasta mötestider.",
        "Budgetläget gör att vi inte kan lova fleråriga bidrag, men vi har förlängt två IOP:er.",
    ],
    ("diversity", "organisations"): [
        "Det är framför allt de större föreningarna som hörs. Små föreningar och nätverk utan "
        "anställda har svårt att hinna med.",
        "Vi fick tolk till dialogmötet, vilket gjorde att fler av våra medlemmar kunde delta.",
        "Informationen finns nästan bara på svenska, vilket utestänger en del av våra medlemmar.",
    ],
    ("diversity", "units"): [
        "Vi har prövat öppna träffar på biblioteken för att nå föreningar som inte deltagit "
        "tidigare.",
        "Vi ser att samma organisationer deltar år efter år och vill bredda kretsen.",
    ],
    ("democracy", "organisations"): [
        "Vi lämnade synpunkter på förslaget till lokalförsörjningsplan men vet inte hur de "
        "användes.",
        "Vi blev involverade först när förslaget redan var klart, och då är det svårt att påverka.",
        "Ungdomarna i föreningen fick presentera sina förslag för nämnden, och två av dem "
        "genomfördes.",
        "Vi var med i referensgruppen för den nya bidragsmodellen från början.",
    ],
    ("democracy", "units"): [
        "Föreningarnas remissvar har redovisats i ärendet till nämnden.",
        "Vi har bjudit in till samråd i ett tidigare skede än förut, redan när ärendet planeras.",
    ],
    ("development", "organisations"): [
        "Vi deltar i trygghetsvandringarna i området och ser att det gör skillnad.",
        "Vi har varit med och tagit fram förslag till den nya aktivitetsparken.",
    ],
    ("development", "units"): [
        "Föreningarna har varit med i planeringen av den nya aktivitetsparken från start.",
        "Föreningarnas kunskap har använts i arbetet med det nya äldreboendets mötesplats.",
    ],
    ("general", "organisations"): [
        "Överenskommelsen är fortfarande okänd för många i vår styrelse; en kort introduktion "
        "vore bra.",
        "Vi vet inte riktigt vem på kommunen vi ska vända oss till med frågor om överenskommelsen.",
    ],
    ("general", "units"): [
        "Kännedomen om överenskommelsen varierar mellan förvaltningens enheter.",
        "Vi har tagit upp överenskommelsen på en arbetsplatsträff.",
    ],
}

EXAMPLES = {
    "organisations": [
        "Gemensam sommarlovsverksamhet med fritidsgården: 12 tillfällen, cirka 150 deltagare.",
        "IOP om en mötesplats för nyanlända föräldrar, tecknat för tre år.",
        "Språkcafé varannan vecka tillsammans med biblioteket.",
        "Kommunen lånade ut lokaler i skolan utan kostnad till vår läxhjälp.",
        "Vi satt med i referensgruppen för den nya modellen för föreningsbidrag.",
        "Gemensam utbildningskväll om överenskommelsen för nya styrelseledamöter.",
    ],
    "units": [
        "Dialogmöte om föreningsbidrag i mars, med 24 föreningar.",
        "IOP med en kvinnojour om skyddat boende.",
        "Workshop om trygghet i centrum med föreningar, fastighetsägare och polis.",
        "Förenklad ansökan om aktivitetsbidrag efter synpunkter från föreningarna.",
        "Gemensam planering av nationaldagsfirandet med ett tiotal föreningar.",
    ],
}

# Answers to Borås's own follow-up questions, found by a word in the question.
AGREEMENT_ANSWERS = [
    (
        "arbetssätt",
        [
            "Vi bjuder in föreningar till referensgrupper i ett tidigt skede och har ett stående "
            "samråd med föreningsrådet inför budgeten.",
            "Tidig dialog på föreningsträffar två gånger om året, och en kontaktperson för "
            "civilsamhället på förvaltningen.",
            "Vi har börjat använda en checklista för tidig samverkan när nya ärenden startar.",
        ],
    ),
    (
        "röstbärande",
        [
            "Stormötet, föreningsrådet, pensionärsrådet och ortsråden i serviceorterna.",
            "Rådet för funktionshinderfrågor och ungdomsrådet.",
            "Stormötet och de lokala nätverken i bostadsområdena.",
        ],
    ),
    (
        "återkommande forum",
        [
            "Stormötet, dialogmöten om föreningsbidrag och de lokala nätverken i bostadsområdena.",
            "Föreningsträffar på fritidsgården varje termin och Samrådets öppna möten.",
            "Nätverket för mötesplatser i Sjöbo och Hässleholmen.",
            "Ortsråden i serviceorterna.",
        ],
    ),
    (
        "samverkan mellan",
        [
            "Vi samverkar med två andra föreningar om läxhjälp och delar lokal med ett "
            "studieförbund.",
            "Genom det lokala nätverket i bostadsområdet planerar vi aktiviteter tillsammans.",
            "Vi ingår i en paraplyorganisation som samordnar våra kontakter med staden.",
            "Mest informellt, men vi träffas på Stormötet.",
        ],
    ),
    (
        "organisering",
        [
            "Staden står för lokal och fika vid nätverksträffarna och bekostar en gemensam "
            "utbildningsdag.",
            "Vi stödjer föreningsrådet med en sekreterarfunktion.",
            "Genom bidrag till paraplyorganisationernas samordning.",
        ],
    ),
    (
        "kunskapshöjande",
        [
            "Gemensam utbildningsdag om IOP för förtroendevalda och föreningar.",
            "Seminarium om överenskommelsen på Stormötet.",
        ],
    ),
]

REOPEN_REASONS = [
    "Antalet deltagare i sommarlovsverksamheten blev fel. Rätta siffrorna och skicka in igen.",
    "Föreningen bad att få lägga till ett exempel som saknades. Lämna in igen när det är klart.",
]


def _seed(*parts) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _theme(question: Question) -> str:
    words = f"{question.principle.title if question.principle_id else ''} {question.text}".lower()
    for theme, keys in THEME_WORDS:
        if any(key in words for key in keys):
            return theme
    return "general"


class Command(BaseCommand):
    help = (
        "Load follow-up demo data: for each agreement two published cycles with PDFs and one "
        "open cycle. Run after load_demo. Development only: refuses unless DEBUG is True or "
        "--force is given. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is False (a throwaway test server, never production).",
        )

    def handle(self, *args, force: bool, **options):
        if not (settings.DEBUG or force):
            raise CommandError(REFUSED)
        started = time.monotonic()
        self.created: list[str] = []
        self.new_open_cycles: list[int] = []
        self.past_cycles: list[int] = []  # the demo periods' published cycles, new or not
        self.password_hash = ""
        self.today = timezone.localdate()
        # No invitations, reminders or render tasks for demo data while it is built: the PDFs
        # are rendered below, the open cycles' reminders scheduled after the commit.
        quiet = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
        )
        with quiet, translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            self._check_prerequisites()
            for plan in PLANS:
                self._agreement(plan)
        loaded = time.monotonic()
        for cycle_id in self.new_open_cycles:
            services.schedule_reminders(Cycle.objects.get(pk=cycle_id))
        rendered = self._render_pdfs()
        finished = time.monotonic()
        for line in self.created:
            self.stdout.write(f"  {line}")
        if self.created or rendered:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Follow-up demo data loaded ({len(self.created)} new, {rendered} PDFs "
                    f"rendered) in {finished - started:.1f} s (data {loaded - started:.1f} s, "
                    f"PDFs {finished - loaded:.1f} s)."
                )
            )
        else:
            self.stdout.write("No changes: the follow-up demo data is already loaded.")
        accounts = [member.email for plan in PLANS for member in plan.members]
        self.stdout.write(
            f"Council accounts (password {DEMO_PASSWORD}, two-factor as in load_demo): "
            + ", ".join([GOTEBORG_COUNCIL_MEMBER, *accounts])
        )

    # --- What load_demo must have made ----------------------------------------------------------

    def _check_prerequisites(self) -> None:
        missing = []
        self.officers = {}
        for plan in PLANS:
            agreement = (
                Agreement.objects.select_related("municipality").filter(slug=plan.slug).first()
            )
            if agreement is None or agreement.current_version is None:
                missing.append(f"the agreement '{plan.slug}' (run manage.py load_agreements)")
                continue
            place = agreement.municipality.short_name
            if not MunicipalUnit.objects.filter(municipality=agreement.municipality).exists():
                missing.append(f"municipal units of {place}")
            if not Accession.objects.filter(
                agreement=agreement, status=Accession.Status.ACTIVE
            ).exists():
                missing.append(f"an active accession to the agreement of {place}")
            role = (
                OfficerRole.objects.filter(
                    user__email=OFFICERS[plan.slug], municipality=agreement.municipality
                )
                .select_related("user")
                .first()
            )
            if role is None:
                missing.append(f"the demo officer {OFFICERS[plan.slug]}")
            else:
                self.officers[plan.slug] = role.user
        if not CouncilMembership.objects.filter(
            user__email=GOTEBORG_COUNCIL_MEMBER, agreement__slug="goteborg"
        ).exists():
            missing.append(f"the demo council member {GOTEBORG_COUNCIL_MEMBER}")
        if missing:
            raise CommandError(NOT_LOADED + "; ".join(missing) + ".")

    # --- Council members ------------------------------------------------------------------------

    def _council(self, plan: DemoFollowup, agreement: Agreement) -> list[CouncilMembership]:
        body = Body.objects.filter(
            version__agreement=agreement,
            version__status=AgreementVersion.Status.CURRENT,
            is_council=True,
        ).first()
        for member in plan.members:
            user = self._account(member)
            _membership, created = CouncilMembership.objects.get_or_create(
                user=user, agreement=agreement, defaults={"body": body, "side": member.side}
            )
            if created:
                self.created.append(f"council member {user.email} ({agreement.title})")
        return list(
            CouncilMembership.objects.filter(agreement=agreement)
            .select_related("user")
            .order_by("side", "pk")
        )

    def _account(self, member: Member):
        user, created = get_user_model().objects.get_or_create(
            username=member.email,
            defaults={
                "email": member.email,
                "first_name": member.first_name,
                "last_name": member.last_name,
            },
        )
        if created:
            # Hashing is slow on purpose: hash the shared demo password once per run.
            if not self.password_hash:
                self.password_hash = make_password(DEMO_PASSWORD)
            user.password = self.password_hash
            user.save(update_fields=["password"])
            self.created.append(f"account {member.email}")
        EmailAddress.objects.get_or_create(
            user=user, email=member.email, defaults={"verified": True, "primary": True}
        )
        # Council pages ask for two-factor authentication, as load_demo's accounts have it.
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": encrypt(TOTP_SECRET)}},
        )
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.RECOVERY_CODES,
            defaults={
                "data": {"migrated_codes": [encrypt(c) for c in RECOVERY_CODES], "used_mask": 0}
            },
        )
        return user

    # --- Cycles ---------------------------------------------------------------------------------

    def _agreement(self, plan: DemoFollowup) -> None:
        agreement = Agreement.objects.select_related("municipality").get(slug=plan.slug)
        rule = agreement.current_version.followup_rules.get(kind=plan.rule_kind)
        kind = services.RULE_KINDS[rule.kind]
        members = self._council(plan, agreement)
        years = rule.interval_years
        year = self.today.year
        # Two past periods and the one just ended, e.g. 2023, 2024 and 2025 (2026) or
        # 2020–2021, 2022–2023 and 2024–2025 (Borås, every second year).
        for stage, back in enumerate((3, 2, 1)):
            start = datetime.date(year - years * back, 1, 1)
            end = datetime.date(year - years * (back - 1) - 1, 12, 31)
            existing = Cycle.objects.filter(agreement=agreement, kind=kind, period_start=start)
            if existing.exists():
                if back > 1:
                    self.past_cycles.extend(existing.values_list("pk", flat=True))
                continue
            context = {
                "plan": plan,
                "agreement": agreement,
                "rule": rule,
                "kind": kind,
                "stage": stage,
                "officer": self.officers[plan.slug],
                "members": members,
            }
            if back > 1:
                self.past_cycles.append(self._past_cycle(start, end, **context).cycle_id)
            else:
                self._open_cycle(start, end, **context)

    def _title(self, kind: str, start: datetime.date, end: datetime.date) -> str:
        years = str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
        return f"{str(Cycle.Kind(kind).label).capitalize()} {years}"

    def _past_cycle(self, start, end, *, plan, agreement, rule, kind, stage, officer, members):
        opens_on = datetime.date(end.year + 1, 1, 20)
        deadline = datetime.date(end.year + 1, 3, 1)
        cycle = services.cycle_create(
            agreement=agreement,
            rule=rule,
            actor=officer,
            kind=kind,
            title=self._title(kind, start, end),
            period_start=start,
            period_end=end,
            opens_on=opens_on,
            # report_save refuses after the deadline: moved back to the real one when published.
            deadline=self.today + datetime.timedelta(days=7),
            anonymise_free_text=plan.anonymise,
        )
        cycle = services.cycle_open(cycle=cycle, actor=officer)
        self._file_reports(cycle, plan, stage, officer)
        cycle = services.cycle_close(cycle=cycle, actor=officer)
        summary, conclusions, recommendations = self._narrative(
            plan, agreement, compile_evaluation(cycle), stage
        )
        services.evaluation_update(
            cycle=cycle,
            actor=officer,
            summary=summary,
            conclusions=conclusions,
            recommendations=recommendations,
        )
        services.evaluation_send_to_council(cycle=cycle, actor=officer)
        self._review(cycle, plan, members, officer, summary, conclusions, recommendations)
        evaluation = services.evaluation_publish(cycle=cycle, actor=officer)
        self._backdate_past_cycle(cycle, opens_on, deadline)
        self.created.append(f"published cycle {agreement.municipality.short_name}: {cycle.title}")
        return evaluation

    def _open_cycle(self, start, end, *, plan, agreement, rule, kind, stage, officer, members):
        opens_on = self.today - datetime.timedelta(days=14)
        cycle = services.cycle_create(
            agreement=agreement,
            rule=rule,
            actor=officer,
            kind=kind,
            title=self._title(kind, start, end),
            period_start=start,
            period_end=end,
            opens_on=opens_on,
            deadline=self.today + datetime.timedelta(days=28),
            anonymise_free_text=plan.anonymise,
        )
        cycle = services.cycle_open(cycle=cycle, actor=officer)
        self._file_reports(cycle, plan, stage, officer)
        created_at = self._at(opens_on - datetime.timedelta(days=10), 14)
        Cycle.objects.filter(pk=cycle.pk).update(
            created_at=created_at, opened_at=self._at(opens_on, 9)
        )
        self._backdate_reports(cycle, opens_on, self.today - datetime.timedelta(days=1))
        self._backdate_events(
            cycle,
            {
                CycleEvent.Kind.CREATED: [created_at],
                CycleEvent.Kind.OPENED: [self._at(opens_on, 9)],
                CycleEvent.Kind.REPORT_REOPENED: self._reopened_at(cycle),
            },
        )
        self.new_open_cycles.append(cycle.pk)
        self.created.append(f"open cycle {agreement.municipality.short_name}: {cycle.title}")

    # --- Reports --------------------------------------------------------------------------------

    def _held(self, report: Report) -> bool:
        """A report that a demo account files: left for the visitor in the open cycle."""
        if report.organisation_id:
            return Representative.objects.filter(
                organisation_id=report.organisation_id,
                user__email=DEMO_REPRESENTATIVE,
                removed_at__isnull=True,
            ).exists()
        if report.unit_id:
            return OfficerRole.objects.filter(
                unit_id=report.unit_id, user__email__in=OFFICERS.values()
            ).exists()
        return report.council_member.email == GOTEBORG_COUNCIL_MEMBER

    def _fate(self, stage: int, group: str, index: int, count: int, held: bool) -> str:
        """What happens to a report: submitted, draft, reopened, resubmitted or not started.

        In the open cycle, ``index`` counts only the reports no demo account holds.
        """
        if stage == 0:  # the first cycle: a few did not make it
            if group == RespondentGroup.ORGANISATIONS:
                return "draft" if index == count - 1 and count > 1 else "submitted"
            if group == RespondentGroup.UNITS:
                return "submitted" if index < 2 else "not_started"
            return "submitted" if index == 0 else "not_started"
        if stage == 1:  # a better response rate, and one report corrected after reopening
            if group == RespondentGroup.ORGANISATIONS:
                return "resubmitted" if index == 0 else "submitted"
            if group == RespondentGroup.UNITS:
                return "draft" if index == count - 1 and count > 1 else "submitted"
            return "submitted"
        # The open cycle: the representative's draft waits to be finished and submitted, the
        # officer's own unit has not started; the others show every state an officer follows.
        if group == RespondentGroup.ORGANISATIONS:
            return "draft" if held else ("submitted", "reopened", "not_started")[index % 3]
        if group == RespondentGroup.UNITS:
            return "not_started" if held else ("submitted", "draft")[index % 2]
        return "submitted" if index == 0 and not held else "not_started"

    def _respondent(self, report: Report, officer):
        """Who files it: a representative, an officer of the unit, or the council member.

        Units without an officer account in the demo data are filed by the municipality's demo
        officer: the services do not check who files (the views do).
        """
        if report.organisation_id:
            representative = (
                Representative.objects.filter(
                    organisation_id=report.organisation_id, removed_at__isnull=True
                )
                .select_related("user")
                .order_by("pk")
                .first()
            )
            return representative.user if representative else officer
        if report.unit_id:
            role = (
                OfficerRole.objects.filter(unit_id=report.unit_id)
                .select_related("user")
                .order_by("pk")
                .first()
            )
            return role.user if role else officer
        return report.council_member

    def _file_reports(self, cycle: Cycle, plan: DemoFollowup, stage: int, officer) -> None:
        reports = list(cycle.reports.select_related("organisation", "unit", "council_member"))
        questions = list(cycle.questions.select_related("principle").order_by("order", "pk"))
        used: set[str] = set()  # sentences already used in this cycle
        for group in RespondentGroup.values:
            in_group = sorted(
                (r for r in reports if r.group == group), key=lambda r: r.respondent_name
            )
            free = 0  # reports no demo account holds, so far
            for index, report in enumerate(in_group):
                held = stage == 2 and self._held(report)
                fate = self._fate(stage, group, free if stage == 2 else index, len(in_group), held)
                free += not held
                if fate == "not_started":
                    continue
                # Made-up answers, the same on every machine: no secrecy needed.
                seed = _seed(plan.slug, cycle.period_start, report.respondent_name)
                rng = random.Random(seed)  # noqa: S311
                answers = self._answers(plan, stage, report, index, questions, rng, used)
                self._file(report, fate, answers, self._respondent(report, officer), officer)

    def _file(self, report, fate, answers, user, officer) -> None:
        save = services.report_save
        if fate == "draft":
            half = answers[: len(answers) // 2]
            save(report=report, actor=user, answers=half, based_on_revision=0)
            return
        revision = 0
        if report.pk % 2 == 0 or fate != "submitted":  # some save a draft first
            save(report=report, actor=user, answers=answers[:3], based_on_revision=0)
            revision = 1
        report = save(
            report=report, actor=user, answers=answers, based_on_revision=revision, submit=True
        )
        if fate in ("reopened", "resubmitted"):
            reason = REOPEN_REASONS[report.pk % len(REOPEN_REASONS)]
            report = services.report_reopen(report=report, actor=officer, reason=reason)
        if fate == "resubmitted":
            for answer in answers:
                if answer.examples == "" and answer.score is not None:
                    answer.examples = "Studiebesök hos en förening med IOP i grannkommunen."
                    break
            save(
                report=report,
                actor=user,
                answers=answers,
                based_on_revision=report.revision,
                submit=True,
            )

    def _answers(self, plan, stage, report, index, questions, rng, used) -> list:
        group = report.group
        answers = []
        for question in questions:
            if not question.asks(group):
                continue
            answer = services.AnswerInput(question_id=question.pk)
            if question.answer_kind == Question.AnswerKind.SCALE:
                is_commitment = question.source == Question.Source.COMMITMENT
                if rng.random() < (0.15 if is_commitment else 0.08):
                    answer.not_applicable = True
                else:
                    # A level per question, a respondent's own leaning that stays from cycle
                    # to cycle, and a little higher each cycle: means rise, unevenly.
                    base = 2.5 + (_seed(plan.slug, question.order) % 100) / 90
                    leaning = ((_seed(report.respondent_name, question.order) % 5) - 2) / 2
                    value = base + leaning + 0.45 * stage + rng.choice((-0.3, 0, 0, 0.3))
                    answer.score = min(5, max(1, round(value)))
                pool = COMMENTS.get((_theme(question), group), [])
                if pool and rng.random() < (0.12 if is_commitment else 0.55):
                    answer.comment = self._pick(pool, index, used, plan)
                if group in EXAMPLES and not is_commitment and rng.random() < 0.3:
                    answer.examples = self._pick(EXAMPLES[group], index + stage, used, plan)
            elif question.answer_kind == Question.AnswerKind.COUNT:
                answer.number = rng.randint(1, 3) + stage
            else:
                text = question.text.lower()
                pool = next((p for word, p in AGREEMENT_ANSWERS if word in text), [])
                answer.text = self._pick(pool, index + stage, used, plan)
            answers.append(answer)
        return answers

    def _pick(self, pool: list[str], start: int, used: set[str], plan: DemoFollowup) -> str:
        for offset in range(len(pool)):
            text = pool[(start + offset) % len(pool)].format(forum=plan.forum, council=plan.council)
            if text not in used:
                used.add(text)
                return text
        return ""

    # --- The evaluation -------------------------------------------------------------------------

    def _narrative(
        self, plan: DemoFollowup, agreement: Agreement, compiled: CompiledEvaluation, stage: int
    ) -> tuple[str, str, str]:
        submitted = sum(rate.submitted for rate in compiled.rates)
        rates = ", ".join(
            f"{rate.submitted} av {rate.invited} {rate.label}" for rate in compiled.rates
        )
        scored = [s for s in compiled.principle_scores if s.mean is not None]
        summary = [
            f"{compiled.title} av {agreement.title} bygger på {submitted} inlämnade "
            f"rapporter: {rates}."
        ]
        if scored:
            best = max(scored, key=lambda s: s.mean)
            worst = min(scored, key=lambda s: s.mean)
            summary.append(
                f"På en skala från 1 till 5 bedömdes ”{best.title}” högst, med medelvärdet "
                f"{_decimal(best.mean)}, och ”{worst.title}” lägst, med {_decimal(worst.mean)}."
            )
        changes = [s.change for s in scored if s.change is not None]
        if changes:
            up = sum(change > 0 for change in changes)
            summary.append(
                f"Jämfört med {compiled.previous_title} har medelvärdet höjts för {up} av "
                f"{len(changes)} {agreement.principle_plural}. Fler svarade den här gången."
            )
        else:
            summary.append(
                "Det här är den första uppföljningen som görs i portalen; tidigare år "
                "redovisades skriftligt och går inte att jämföra siffra för siffra."
            )
        summary.append(plan.findings[stage])
        if stage == 0:
            conclusions = [
                "Samverkan fungerar bäst där det finns fasta mötesplatser och en utsedd "
                "kontaktperson i förvaltningen. Många organisationer upplever ändå att de bjuds "
                "in sent, när förslagen redan är färdiga.",
                "Lokalfrågan och bidragens ettåriga villkor återkommer i många svar. Flera "
                f"organisationer lyfter fram {plan.forum} som den viktigaste mötesplatsen.",
            ]
            recommendations = [
                "- Bjud in organisationerna redan när ett ärende planeras, inte när förslaget "
                "är klart.",
                "- Utse en kontaktperson för civilsamhället i varje förvaltning och publicera "
                "namnen.",
                "- Pröva fleråriga bidrag och IOP där verksamheten är långsiktig.",
            ]
        else:
            conclusions = [
                "Bedömningarna har blivit något högre sedan förra uppföljningen, främst när det "
                "gäller dialog och öppenhet. Kontaktpersonerna i förvaltningarna nämns ofta som "
                "en förklaring.",
                "De mindre organisationerna och nätverken utan anställda hörs fortfarande mindre "
                "än de större, och flera svar efterfrågar information på fler språk.",
            ]
            recommendations = [
                "- Fortsätt med kontaktpersonerna och följ upp att de är kända i organisationerna.",
                "- Erbjud möten på kvällstid och tolk vid behov, så att ideella kan delta.",
                "- Ta fram en gemensam mall för förvaltningarnas rapporter.",
            ]
        return "\n\n".join(summary), "\n\n".join(conclusions), "\n".join(recommendations)

    def _review(self, cycle, plan, members, officer, summary, conclusions, recommendations):
        """The council comments, the officer answers in the text, then every member approves."""
        comments = {
            MUNICIPALITY: (
                "conclusions",
                "Bra att lokalfrågan lyfts. Lägg gärna till att kommunens översyn av lokalerna "
                "pågår och ska vara klar nästa år.",
            ),
            CIVIL_SOCIETY: (
                "recommendations",
                "Gör rekommendationen om tidigt samråd mer konkret: skriv vilka slags ärenden den "
                "gäller, till exempel bidragsregler och lokaler.",
            ),
        }
        for membership in members:
            section, text = comments[membership.side]
            services.evaluation_comment(
                cycle=cycle, actor=membership.user, section=section, text=text
            )
        if members:
            services.evaluation_comment(
                cycle=cycle,
                actor=members[-1].user,
                section="summary",
                text="Sammanfattningen ger en rättvisande bild av året.",
            )
        services.evaluation_update(
            cycle=cycle,
            actor=officer,
            summary=summary,
            conclusions=conclusions,
            recommendations=recommendations
            + "\n- Redovisa vid nästa uppföljning vilka ärenden om bidragsregler och lokaler "
            f"som gick på tidigt samråd (efter synpunkter från {plan.council}).",
        )
        for membership in members:
            services.evaluation_approve(cycle=cycle, actor=membership.user)

    # --- Moving a past cycle back to its own calendar -------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    def _backdate_reports(self, cycle: Cycle, first: datetime.date, last: datetime.date) -> None:
        """Spread the saves between two days, in the order they were made."""
        reports = list(cycle.reports.prefetch_related("versions").order_by("pk"))
        span = max((last - first).days, 1)
        for index, report in enumerate(reports):
            versions = list(report.versions.all())
            if not versions:
                continue
            day = first + datetime.timedelta(days=(span * (index + 1)) // (len(reports) + 1))
            times = []
            for step, version in enumerate(versions):
                at = self._at(min(day + datetime.timedelta(days=step), last), 9 + index % 8, 17)
                ReportVersion.objects.filter(pk=version.pk).update(at=at)
                times.append((version.action, at))
            submitted = [at for action, at in times if action == ReportVersion.Action.SUBMITTED]
            Report.objects.filter(pk=report.pk).update(
                updated_at=times[-1][1],
                submitted_at=submitted[-1] if report.status == Report.Status.SUBMITTED else None,
            )

    def _backdate_past_cycle(self, cycle, opens_on: datetime.date, deadline: datetime.date):
        closed = deadline + datetime.timedelta(days=2)
        to_council = deadline + datetime.timedelta(days=21)
        published = deadline + datetime.timedelta(days=52)
        Cycle.objects.filter(pk=cycle.pk).update(
            deadline=deadline,
            created_at=self._at(opens_on - datetime.timedelta(days=14), 13),
            opened_at=self._at(opens_on, 9),
            closed_at=self._at(closed, 10),
        )
        self._backdate_reports(cycle, opens_on + datetime.timedelta(days=2), deadline)
        reminded = deadline - datetime.timedelta(days=cycle.reminder_days_before)
        cycle.reports.not_submitted().update(last_reminded_at=self._at(reminded, 8))
        evaluation = Evaluation.objects.get(cycle=cycle)
        for step, comment in enumerate(evaluation.comments.order_by("pk")):
            day = to_council + datetime.timedelta(days=6 + 2 * step)
            EvaluationComment.objects.filter(pk=comment.pk).update(created_at=self._at(day, 15))
        for step, approval in enumerate(evaluation.approvals.order_by("pk")):
            day = published - datetime.timedelta(days=8 - step)
            EvaluationApproval.objects.filter(pk=approval.pk).update(approved_at=self._at(day, 11))
        Evaluation.objects.filter(pk=evaluation.pk).update(
            compiled_at=self._at(to_council - datetime.timedelta(days=1), 16),
            published_at=self._at(published, 10),
            pdf_requested_at=self._at(published, 10),
        )
        # The history tells the real calendar too; the detour's deadline never happened, so
        # the cycle was created with its real one.
        created = cycle.events.get(kind=CycleEvent.Kind.CREATED)
        created.details["after"]["deadline"] = deadline.isoformat()
        CycleEvent.objects.filter(pk=created.pk).update(details=created.details)
        self._backdate_events(
            cycle,
            {
                CycleEvent.Kind.CREATED: [self._at(opens_on - datetime.timedelta(days=14), 13)],
                CycleEvent.Kind.OPENED: [self._at(opens_on, 9)],
                CycleEvent.Kind.REPORT_REOPENED: self._reopened_at(cycle),
                CycleEvent.Kind.CLOSED: [self._at(closed, 10)],
                # The draft, then the answer to the council's comments (after the comments,
                # before the approvals).
                CycleEvent.Kind.EVALUATION_EDITED: [
                    self._at(to_council - datetime.timedelta(days=1), 16),
                    self._at(published - datetime.timedelta(days=10), 14),
                ],
                CycleEvent.Kind.SENT_TO_COUNCIL: [self._at(to_council, 10)],
                CycleEvent.Kind.COMMENTED: list(
                    evaluation.comments.order_by("pk").values_list("created_at", flat=True)
                ),
                CycleEvent.Kind.APPROVED: list(
                    evaluation.approvals.order_by("pk").values_list("approved_at", flat=True)
                ),
                CycleEvent.Kind.PUBLISHED: [self._at(published, 10)],
            },
        )

    def _reopened_at(self, cycle: Cycle) -> list[datetime.datetime]:
        """When the officer reopened each report, from the reports' (backdated) versions."""
        return list(
            ReportVersion.objects.filter(report__cycle=cycle, action=ReportVersion.Action.REOPENED)
            .order_by("pk")
            .values_list("at", flat=True)
        )

    def _backdate_events(self, cycle: Cycle, times: dict[str, list[datetime.datetime]]) -> None:
        """Move the cycle's events of each kind, in the order they were written, to the times
        of the steps they record."""
        for kind, kind_times in times.items():
            events = cycle.events.filter(kind=kind).order_by("pk").values_list("pk", flat=True)
            for pk, at in zip(events, kind_times, strict=True):
                CycleEvent.objects.filter(pk=pk).update(created_at=at)

    # --- PDFs -----------------------------------------------------------------------------------

    def _render_pdfs(self) -> int:
        """Render each demo period's published PDF that is not ready, by calling the task."""
        rendered = 0
        pending = Evaluation.objects.filter(
            cycle__in=self.past_cycles, published_at__isnull=False
        ).exclude(pdf_status=Evaluation.PdfStatus.READY)
        for evaluation_id in pending.order_by("pk").values_list("pk", flat=True):
            status = render_evaluation_pdf.call(evaluation_id)
            if status != Evaluation.PdfStatus.READY:
                raise CommandError(f"The PDF of evaluation {evaluation_id} could not be rendered.")
            rendered += 1
        return rendered
