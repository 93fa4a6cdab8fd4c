"""Who joined: roles of people, the organisation register, and accessions to agreements.

Nothing here is ever hard-deleted: an accession keeps its signed content forever, and every change
of its state is an ``AccessionEvent`` with who, when, and the values before and after; every change
of who acts for an organisation (invitations, requests for access, representatives) is a
``RepresentativeEvent``. Roles are ended (``removed_at``), never deleted: ``current()`` is the one
place that says which are current.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Self

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agreements.models import Agreement, AgreementVersion, Body, Municipality
from core.types import Actor


def private_storage():
    return storages["private"]


class ActivityArea(models.Model):
    """An area of activity an organisation works in (from the agreements' themes)."""

    key = models.SlugField(_("key"), unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("area of activity")
        verbose_name_plural = _("areas of activity")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_sv


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", _("non-profit association")
    FOUNDATION = "foundation", _("foundation")
    FAITH_COMMUNITY = "faith_community", _("faith community")
    STUDY_ASSOCIATION = "study_association", _("study association")
    SOCIAL_ENTERPRISE = "social_enterprise", _("social enterprise")
    COOPERATIVE = "cooperative", _("cooperative")
    NETWORK = "network", _("network")
    UMBRELLA = "umbrella", _("umbrella organisation")
    OTHER = "other", _("other")


def _number_digits(text: str) -> str:
    """The digits of a search that is (part of) an organisation number, written with or without
    the hyphen or spaces; "" when it is not one (letters, or fewer than three digits)."""
    digits = text.replace(" ", "").replace("-", "")
    return digits if digits.isdigit() and len(digits) >= 3 else ""


class OrganisationQuerySet(models.QuerySet):
    def signatories(self) -> OrganisationQuerySet:
        """Organisations with an active accession to an agreement (the public register)."""
        return self.filter(accessions__status=Accession.Status.ACTIVE).distinct()

    # --- the public register (organisations.views.public) -------------------------------------
    # Filters use EXISTS subqueries rather than joins, so that no row is repeated and the
    # queryset can be counted, sorted and paginated without DISTINCT.

    def public_register(self) -> OrganisationQuerySet:
        """Active signatories, with what a row of the register shows, in a fixed number of queries.

        Each organisation carries ``active_accessions`` (agreement and version fetched) and
        ``latest_accession_at``, the signing date of its most recent active accession (the date
        it joined, not the date an officer verified or recorded it).
        """
        active = Accession.objects.filter(
            organisation=models.OuterRef("pk"), status=Accession.Status.ACTIVE
        )
        return (
            self.filter(models.Exists(active))
            .select_related("municipality")
            .annotate(
                latest_accession_at=models.Subquery(
                    active.order_by(models.F("signed_at").desc()).values("signed_at")[:1]
                )
            )
            .prefetch_related(
                models.Prefetch(
                    "accessions",
                    queryset=Accession.objects.filter(status=Accession.Status.ACTIVE)
                    .select_related("agreement", "version")
                    .order_by("agreement__order", "signed_at"),
                    to_attr="active_accessions",
                )
            )
        )

    def search(self, text: str) -> OrganisationQuerySet:
        """Name contains the text, ignoring case (every letter, on SQLite too: core/lookups.py),
        or the organisation number contains it, written with or without the hyphen."""
        text = text.strip()
        if not text:
            return self
        digits = _number_digits(text)
        if not digits:
            return self.filter(name__icontains=text)
        return self.alias(
            number_digits=Replace("organisation_number", models.Value("-"), models.Value(""))
        ).filter(models.Q(name__icontains=text) | models.Q(number_digits__contains=digits))

    def in_municipality(self, municipality: Municipality) -> OrganisationQuerySet:
        return self.filter(municipality=municipality)

    def with_legal_form(self, legal_form: str) -> OrganisationQuerySet:
        return self.filter(legal_form=legal_form)

    def in_activity_area(self, area: ActivityArea) -> OrganisationQuerySet:
        return self.filter(
            models.Exists(
                Organisation.activity_areas.through.objects.filter(
                    organisation_id=models.OuterRef("pk"), activityarea_id=area.pk
                )
            )
        )

    def joined_in_year(self, year: int) -> OrganisationQuerySet:
        """Has an active accession signed in the given year (local time): the year it joined, also
        for an accession recorded or imported long after it was signed on paper."""
        return self.filter(
            models.Exists(
                Accession.objects.filter(
                    organisation=models.OuterRef("pk"),
                    status=Accession.Status.ACTIVE,
                    signed_at__year=year,
                )
            )
        )


class Organisation(models.Model):
    """A civil society organisation in the register. It may be registered without signing."""

    name = models.CharField(_("name"), max_length=200)
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        help_text=_("Ten digits, written NNNNNN-NNNN."),
    )
    no_number_reason = models.CharField(
        _("why there is no organisation number"), max_length=300, blank=True
    )
    legal_form = models.CharField(_("legal form"), max_length=30, choices=LegalForm.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    activity_areas = models.ManyToManyField(
        ActivityArea, related_name="organisations", verbose_name=_("areas of activity"), blank=True
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public e-mail"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact person's e-mail"), blank=True)
    contact_phone = models.CharField(_("contact person's phone"), max_length=40, blank=True)
    contact_is_public = models.BooleanField(
        _("show the contact person publicly"),
        default=False,
        help_text=_("Only when the contact person has agreed to it."),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[activity_areas])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "organisation_number"],
                condition=~models.Q(organisation_number=""),
                name="organisation_unique_number_per_municipality",
            ),
            models.CheckConstraint(
                condition=~models.Q(organisation_number="") | ~models.Q(no_number_reason=""),
                name="organisation_number_or_reason",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", kwargs={"pk": self.pk})


class EndableQuerySet(models.QuerySet):
    """Rows that are ended (``removed_at``), never deleted: representatives and roles."""

    def current(self) -> Self:
        """Not ended: the rows that grant something today."""
        return self.filter(removed_at__isnull=True)

    def ended(self) -> Self:
        return self.filter(removed_at__isnull=False)


class RepresentativeQuerySet(EndableQuerySet):
    def admins(self) -> Self:
        return self.filter(role=Representative.Role.ADMIN)


class Representative(models.Model):
    """A person who acts for an organisation. Admins can invite and remove representatives.

    A removed representative is kept (``removed_at``, ``removed_by``), never deleted; reads of
    current representatives use ``Representative.objects.current()``. Every change is recorded
    as a ``RepresentativeEvent`` by ``organisations.services``.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", _("organisation admin")
        REPRESENTATIVE = "representative", _("representative")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="representations",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="representatives",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )

    objects = RepresentativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("representative")
        verbose_name_plural = _("representatives")
        ordering = ["organisation", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(removed_at__isnull=True),
                name="representative_once_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class Invitation(models.Model):
    """An e-mailed invitation to become a representative of an organisation."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Representative.Role.choices,
        default=Representative.Role.REPRESENTATIVE,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class AccessRequest(models.Model):
    """A person asks an existing organisation's admins to become its representative."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("declined")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="access_requests",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_requests",
        verbose_name=_("user"),
    )
    message = models.TextField(_("message"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=models.Q(status="pending"),
                name="accessrequest_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


class MunicipalUnit(models.Model):
    """A board, administration or municipal company that officers work in and that reports."""

    class Kind(models.TextChoices):
        BOARD = "board", _("board")
        ADMINISTRATION = "administration", _("administration")
        COMPANY = "company", _("municipal company")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="units", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("municipal unit")
        verbose_name_plural = _("municipal units")
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


_RoleManager = models.Manager.from_queryset(EndableQuerySet)


class CurrentRoleManager(_RoleManager):
    """The default manager of officer roles and council memberships: only those not ended.

    A role is never deleted; it is ended (``removed_at``, ``removed_by``) and kept as the record of
    who could act when. Every read through ``objects`` (permissions, who is asked to report, the
    council's members, ``user.officer_roles``) therefore sees current roles only, without a filter
    to forget; ``all_objects`` includes the ended ones (the admin, the personal-data export).
    Django's deletion checks and the backup use the base manager, which sees every row.
    """

    def get_queryset(self) -> EndableQuerySet:
        return EndableQuerySet(self.model, using=self._db).current()


class OfficerRole(models.Model):
    """A municipal officer, for a municipality and optionally one of its units.

    Ended, never deleted: see ``CurrentRoleManager``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="officer_roles",
        verbose_name=_("user"),
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="officers",
        verbose_name=_("municipality"),
    )
    unit = models.ForeignKey(
        MunicipalUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("unit"),
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    removed_at = models.DateTimeField(_("ended"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    # Only current roles, unless asked for all: an ended role grants nothing, wherever it is read.
    all_objects = _RoleManager()
    objects = CurrentRoleManager()

    class Meta:
        default_manager_name = "objects"
        verbose_name = _("municipal officer")
        verbose_name_plural = _("municipal officers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality", "unit"],
                condition=models.Q(removed_at__isnull=True),
                name="officerrole_unique_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.unit or self.municipality}"


class OfficerPreference(models.Model):
    """How an officer wants to hear of new work: an e-mail for each, or one daily digest.

    One row per person (not per role): an officer of two municipalities chooses once. No row means
    an e-mail for each piece of work.
    """

    class WorkMail(models.TextChoices):
        EACH = "each", _("an e-mail for each new piece of work")
        DIGEST = "digest", _("one e-mail a day with everything new")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="officer_preference",
        verbose_name=_("user"),
    )
    work_mail = models.CharField(
        _("e-mail about new work"),
        max_length=10,
        choices=WorkMail.choices,
        default=WorkMail.EACH,
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("officer's preference")
        verbose_name_plural = _("officers' preferences")
        ordering = ["user"]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_work_mail_display()}"


class OfficerNotice(models.Model):
    """One piece of work that came to an officer who reads it in the daily digest.

    Written in the transaction of the change it reports (``organisations.notifications``);
    ``send_officer_digest`` puts each notice in exactly one digest and marks it ``digested_at``
    in the transaction that stores the digest's e-mail.
    """

    class Kind(models.TextChoices):
        ACCESSION_PENDING = "accession_pending", _("accession waiting for verification")
        WITHDRAWN = "withdrawn", _("withdrawal")
        ACCESS_REQUESTED = "access_requested", _("request for access")
        INFORMATION_GIVEN = "information_given", _("answer to a question")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="officer_notices",
        verbose_name=_("officer"),
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    organisation = models.ForeignKey(
        "Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    summary = models.CharField(_("summary"), max_length=500)
    url = models.CharField(_("address"), max_length=500)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    digested_at = models.DateTimeField(_("sent in a digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("officer's notice")
        verbose_name_plural = _("officers' notices")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "digested_at"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.summary}"


class CouncilMembership(models.Model):
    """A member of an agreement's council (Samrådet, styrgrupp, samverkansgrupp, …).

    Ended, never deleted: see ``CurrentRoleManager``.
    """

    class Side(models.TextChoices):
        MUNICIPALITY = "municipality", _("the municipality")
        CIVIL_SOCIETY = "civil_society", _("civil society")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="council_memberships",
        verbose_name=_("user"),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.PROTECT,
        related_name="council_members",
        verbose_name=_("agreement"),
    )
    body = models.ForeignKey(
        Body,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("council"),
    )
    side = models.CharField(_("represents"), max_length=20, choices=Side.choices)
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    removed_at = models.DateTimeField(_("ended"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    all_objects = _RoleManager()
    objects = CurrentRoleManager()

    class Meta:
        default_manager_name = "objects"
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agreement"],
                condition=models.Q(removed_at__isnull=True),
                name="councilmembership_unique_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.agreement}"


def minutes_upload_path(instance: Accession, filename: str) -> str:
    return f"minutes/{instance.organisation_id}/{uuid.uuid4().hex}.pdf"


def application_upload_path(instance: Accession, filename: str) -> str:
    return f"applications/{instance.organisation_id}/{uuid.uuid4().hex}.pdf"


class AccessionQuerySet(models.QuerySet):
    def open(self) -> AccessionQuerySet:
        """Pending or active: the accessions that block a new one for the same version."""
        return self.filter(status__in=[Accession.Status.PENDING, Accession.Status.ACTIVE])


class Accession(models.Model):
    """An organisation's signed accession to one version of an agreement.

    The signed content (declaration, basis, signer, version) never changes after signing; only the
    status moves, through ``organisations.services``, each move recorded as an AccessionEvent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for verification")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        SUPERSEDED = "superseded", _("replaced by a re-confirmation")

    class Source(models.TextChoices):
        ONLINE = "online", _("signed online")
        DIALOGUE_FORUM = "dialogue_forum", _("at a dialogue forum")
        PAPER = "paper", _("on a paper application")
        IMPORT = "import", _("imported from an earlier register")

    class Basis(models.TextChoices):
        SIGNATORY = "signatory", _("I am an authorised signatory of the organisation")
        BOARD_DECISION = "board_decision", _("The organisation's board decided to join")

    # The basis as a statement about the signer, for the accession's pages: the choices above
    # are the signer's own words on the signing form ("I am …"), which read wrongly on an
    # accession an officer recorded from paper, and to anyone but the signer.
    BASIS_STATEMENTS: ClassVar[dict[str, str | Promise]] = {
        Basis.SIGNATORY: _("The signer is an authorised signatory"),
        Basis.BOARD_DECISION: _("The organisation's board decided to join"),
    }

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="accessions",
        verbose_name=_("organisation"),
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="accessions", verbose_name=_("agreement")
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="accessions",
        verbose_name=_("agreement version"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    declaration_text = models.TextField(_("declaration"))
    basis = models.CharField(_("basis for signing"), max_length=20, choices=Basis.choices)
    board_decision_date = models.DateField(_("date of the board decision"), null=True, blank=True)
    minutes = models.FileField(
        _("minutes"),
        storage=private_storage,
        upload_to=minutes_upload_path,
        blank=True,
    )
    application = models.FileField(
        _("scanned application"),
        storage=private_storage,
        upload_to=application_upload_path,
        blank=True,
        help_text=_("The signed paper application, scanned, attached by an officer."),
    )
    signer_name = models.CharField(_("signer's full name"), max_length=200)
    signer_title = models.CharField(_("signer's title"), max_length=200)
    signed_at = models.DateTimeField(_("signed"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_accessions",
        verbose_name=_("signed from account"),
    )
    signed_by_email = models.EmailField(_("account's e-mail when signing"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_accessions",
        verbose_name=_("recorded by officer"),
    )
    decided_at = models.DateTimeField(_("verified or rejected"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified or rejected by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("re-confirms"),
    )

    objects = AccessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("accession")
        verbose_name_plural = _("accessions")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "version"],
                condition=models.Q(status__in=["pending", "active"]),
                name="accession_one_open_per_version",
            ),
        ]
        indexes = [models.Index(fields=["status", "agreement"])]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.agreement} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("organisations:accession", kwargs={"pk": self.pk})

    @property
    def basis_statement(self) -> str:
        """The basis in the third person ("The signer is an authorised signatory")."""
        return str(self.BASIS_STATEMENTS.get(self.basis, self.get_basis_display()))

    @property
    def active_since(self):
        return self.decided_at if self.status == self.Status.ACTIVE else None


class AccessionEvent(models.Model):
    """One change of an accession's state: who, when, and the values before and after."""

    class Action(models.TextChoices):
        SIGNED = "signed", _("signed")
        RECORDED = "recorded", _("recorded by an officer")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        RECONFIRMED = "reconfirmed", _("re-confirmed for a new version")
        SUPERSEDED = "superseded", _("replaced by a re-confirmation")
        RECONFIRM_INVITED = "reconfirm_invited", _("invited to re-confirm for a new version")
        INFO_REQUESTED = "info_requested", _("more information asked for")
        INFO_GIVEN = "info_given", _("more information given")
        IMPORTED = "imported", _("imported from an earlier register by an officer")
        APPLICATION_ATTACHED = "application", _("scanned application attached by an officer")

    accession = models.ForeignKey(
        Accession, on_delete=models.PROTECT, related_name="events", verbose_name=_("accession")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (as shown)"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("accession event")
        verbose_name_plural = _("accession events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"

    @property
    def actor_name(self) -> str:
        """Who acted, as the history shows it ("deleted account" once the account is deleted)."""
        if self.actor is not None and is_deleted_account(self.actor):
            return str(_("deleted account"))
        return self.actor_label


def is_deleted_account(user: Actor) -> bool:
    """An account its person deleted: ``services.user_delete`` keeps the row (records such as the
    histories still point at it) but makes it inactive and its address ``@invalid``."""
    return not user.is_active and user.email.endswith("@invalid")


def display_name(user: Actor | None) -> str:
    """How a person is shown wherever the portal names them: the name, else the e-mail address;
    "deleted account" for an account that was deleted (never its anonymised address)."""
    if user is None:
        return ""
    if is_deleted_account(user):
        return str(_("deleted account"))
    return user.get_full_name() or user.email or user.get_username()


class RepresentativeEventQuerySet(models.QuerySet):
    def for_history(self) -> Self:
        """Newest first, with everything a row of the history shows, in one query."""
        return self.select_related("actor", "person", "invitation").order_by("-created_at", "-pk")


class RepresentativeEvent(models.Model):
    """One change of who acts for an organisation: who did it, to whom, and when.

    Written by ``organisations.services`` in the transaction of the change it records (an
    invitation sent, withdrawn or accepted, access asked for and answered, a representative added,
    given another role or removed), never changed or deleted afterwards. Every change has someone
    who made it, so the actor is required.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("organisation registered")
        INVITED = "invited", _("invitation sent")
        INVITATION_REVOKED = "invitation_revoked", _("invitation withdrawn")
        INVITATION_ACCEPTED = "invitation_accepted", _("invitation accepted")
        ACCESS_REQUESTED = "access_requested", _("access asked for")
        ACCESS_GRANTED = "access_granted", _("access granted")
        ACCESS_REFUSED = "access_refused", _("access declined")
        ADDED = "added", _("representative added")
        ROLE_CHANGED = "role_changed", _("role changed")
        REMOVED = "removed", _("representative removed")
        LEFT = "left", _("left the organisation")
        ACCOUNT_DELETED = "account_deleted", _("ended with the deleted account")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="representative_events",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
        help_text=_("Empty for an invitation to an address that has no account yet."),
    )
    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("invitation"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Representative.Role.choices, blank=True
    )
    previous_role = models.CharField(
        _("previous role"), max_length=20, choices=Representative.Role.choices, blank=True
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    objects = RepresentativeEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("representative event")
        verbose_name_plural = _("representative events")
        ordering = ["-created_at", "-pk"]  # newest first, as the organisation's pages show them

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    @staticmethod
    def _name(user: Actor | None) -> str:
        return display_name(user)

    @property
    def actor_name(self) -> str:
        """Who acted, as the history shows it: the name, else the e-mail address."""
        return self._name(self.actor)

    @property
    def person_name(self) -> str:
        """Whom it concerned: the person, else the invited address."""
        if self.person_id is not None:
            return self._name(self.person)
        return self.invitation.email if self.invitation is not None else ""

    def describe(self) -> str:
        """What was done, in plain words in the active language."""
        person = self.person_name
        role = str(self.get_role_display())
        kinds = self.Kind
        texts: dict[str, Promise] = {
            kinds.REGISTERED: _("Registered the organisation and became its admin"),
            kinds.INVITED: _("Invited %(person)s as %(role)s"),
            kinds.INVITATION_REVOKED: _("Withdrew the invitation to %(person)s"),
            kinds.INVITATION_ACCEPTED: _("Accepted the invitation as %(role)s"),
            kinds.ACCESS_REQUESTED: _("Asked for access to the organisation"),
            kinds.ACCESS_GRANTED: _("Granted %(person)s access as %(role)s"),
            kinds.ACCESS_REFUSED: _("Declined the request for access from %(person)s"),
            kinds.ADDED: _("Added %(person)s as %(role)s"),
            kinds.ROLE_CHANGED: _("Changed the role of %(person)s from %(previous)s to %(role)s"),
            kinds.REMOVED: _("Removed %(person)s as a representative"),
            kinds.LEFT: _("Left the organisation"),
            kinds.ACCOUNT_DELETED: _("Ended the role of %(person)s when the account was deleted"),
        }
        text = texts.get(self.kind)
        if text is None:
            return str(self.get_kind_display())
        return str(text) % {
            "person": person,
            "role": role,
            "previous": str(self.get_previous_role_display()),
        }
