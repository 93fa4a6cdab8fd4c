"""What was agreed: municipalities, their agreements and every part of the agreed text.

Differences between municipalities are data: the terms an agreement uses, which parts it has,
and how often it is followed up are all stored here, never decided in code. The content is
loaded from the YAML files in ``agreements/data/`` (see docs/data-format.md) and can be edited
in the admin, where every change is kept in the history.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


def format_partial_date(value: datetime.date | None, precision: str) -> str:
    """Show a date no more precisely than the source document gave it."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "j F Y")


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    website = models.URLField(_("website"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme that principles of different agreements share, for the comparison page.

    Themes are the portal's own categories, so they carry a Swedish and an English name.
    """

    key = models.SlugField(_("key"), unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name_sv

    @property
    def name(self) -> str:
        return self.name_en if get_language() == "en" else self.name_sv

    @property
    def description(self) -> str:
        return self.description_en if get_language() == "en" else self.description_sv


class AgreementQuerySet(models.QuerySet):
    def with_current_version(self) -> AgreementQuerySet:
        return self.select_related("municipality").prefetch_related(
            models.Prefetch(
                "versions",
                queryset=AgreementVersion.objects.filter(status=AgreementVersion.Status.CURRENT),
                to_attr="current_versions",
            )
        )


class Agreement(models.Model):
    """A municipality's compact with civil society, across all its versions."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("municipality"),
    )
    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    order = models.PositiveIntegerField(_("order"), default=0)
    principle_singular = models.CharField(
        _("term for a principle"), max_length=100, default="princip"
    )
    principle_plural = models.CharField(
        _("term for principles"), max_length=100, default="principer"
    )
    civil_society_term = models.CharField(
        _("term for civil society"), max_length=100, default="idéburna organisationer"
    )
    party_municipality_label = models.CharField(
        _("heading for the municipality's commitments"), max_length=200, blank=True
    )
    party_civil_society_label = models.CharField(
        _("heading for civil society's commitments"), max_length=200, blank=True
    )
    party_both_label = models.CharField(
        _("heading for both parties' commitments"), max_length=200, blank=True
    )
    source = models.TextField(_("source"), blank=True)
    content_updated_at = models.DateTimeField(_("content last changed"), null=True, blank=True)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:detail", kwargs={"slug": self.slug})

    @property
    def current_version(self) -> AgreementVersion | None:
        """The version in force; uses the prefetch of ``with_current_version`` when present."""
        if hasattr(self, "current_versions"):
            return self.current_versions[0] if self.current_versions else None
        return self.versions.filter(status=AgreementVersion.Status.CURRENT).first()


class AgreementVersionQuerySet(models.QuerySet):
    def published(self) -> AgreementVersionQuerySet:
        """The versions the public may see: in force or replaced, never a draft."""
        return self.exclude(status=AgreementVersion.Status.DRAFT)


class AgreementVersion(models.Model):
    """One adopted text of an agreement. Only the current version's content is published.

    A draft is a new version being prepared in the admin (a copy of the current one); nobody but
    staff sees it until it is published and becomes current (agreements.services).
    """

    class Status(models.TextChoices):
        CURRENT = "current", _("in force")
        REPLACED = "replaced", _("replaced")
        DRAFT = "draft", _("draft")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="versions", verbose_name=_("agreement")
    )
    key = models.SlugField(_("key"), max_length=50)
    order = models.PositiveIntegerField(_("order"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    title = models.CharField(_("title"), max_length=300)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    adopted_on_precision = models.CharField(
        _("precision of the adoption date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_from_precision = models.CharField(
        _("precision of the start date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    valid_until_precision = models.CharField(
        _("precision of the end date"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    reference_numbers = models.JSONField(
        _("reference numbers"),
        default=list,
        blank=True,
        help_text=_('A list of {"number": "KS 17/53", "note": "…"} entries.'),
    )
    replaces = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    replaces_document = models.CharField(
        _("replaces an earlier document"), max_length=300, blank=True
    )
    document_owner = models.CharField(_("document owner"), max_length=200, blank=True)
    revision_note = models.TextField(_("revision"), blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AgreementVersionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["agreement", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "key"], name="agreementversion_unique_key"
            ),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(status="current"),
                name="agreementversion_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.key})"

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_on_record(self) -> bool:
        """Whether a record of a higher app names this version: an organisation signed it (an
        accession) or it was followed up (a cycle). Its text is then what was signed, and no
        part of it may be deleted (agreements.admin).

        Found through the relations that protect the version, so this app names none of them.
        """
        return any(
            relation.related_model._base_manager.filter(**{relation.field.name: self}).exists()
            for relation in self._meta.related_objects
            if relation.on_delete is models.PROTECT
            and relation.related_model._meta.app_label != self._meta.app_label
        )

    @property
    def adopted_on_display(self) -> str:
        return format_partial_date(self.adopted_on, self.adopted_on_precision)

    @property
    def valid_from_display(self) -> str:
        return format_partial_date(self.valid_from, self.valid_from_precision)

    @property
    def valid_until_display(self) -> str:
        return format_partial_date(self.valid_until, self.valid_until_precision)


class Section(models.Model):
    """A passage of the agreement's own text: declaration, vision, purpose, background, …"""

    class Kind(models.TextChoices):
        INTRODUCTION = "introduction", _("introduction")
        DECLARATION = "declaration", _("declaration")
        VISION = "vision", _("vision")
        PURPOSE = "purpose", _("purpose")
        GOALS = "goals", _("goals")
        VALUES = "values", _("values")
        PARTIES = "parties", _("parties")
        BACKGROUND = "background", _("background")
        ROLES = "roles", _("roles")
        APPROACH = "approach", _("working approach")
        ORGANISATION = "organisation", _("organisation")
        FOLLOWUP = "followup", _("follow-up")
        VALIDITY = "validity", _("validity")
        ACCESSION = "accession", _("accession")
        FOOTNOTE = "footnote", _("footnote")
        OTHER = "other", _("other")

    class Part(models.TextChoices):
        ABOUT = "about", _("About the agreement")
        PRINCIPLES = "principles", _("Principles")
        COMMITMENTS = "commitments", _("Commitments")
        DEVELOPMENT_AREAS = "development_areas", _("Development areas")
        ACTION_PLANS = "action_plans", _("Action plans")
        ORGANISATION = "organisation", _("Council and organisation")
        FOLLOWUP = "followup", _("Follow-up")
        ACCESSION = "accession", _("Joining the agreement")
        VALIDITY = "validity", _("Validity")

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    part = models.CharField(_("part"), max_length=20, choices=Part.choices, default=Part.ABOUT)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Principle(models.Model):
    """A shared value (Borås: a common approach, "gemensamt förhållningssätt")."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="principles",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"))
    themes = models.ManyToManyField(
        Theme, related_name="principles", verbose_name=_("themes"), blank=True
    )

    history = HistoricalRecords(m2m_fields=[themes])

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="principle_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def anchor(self) -> str:
        return f"princip-{self.key}"


class Party(models.TextChoices):
    MUNICIPALITY = "municipality", pgettext_lazy("party", "the municipality")
    CIVIL_SOCIETY = "civil_society", pgettext_lazy("party", "civil society")
    BOTH = "both", pgettext_lazy("party", "both parties")


class Commitment(models.Model):
    """A promise by one party, or both, serving one or more principles."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    party = models.CharField(_("party"), max_length=20, choices=Party.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    principles_text = models.CharField(_("principles as written"), max_length=300, blank=True)
    principles = models.ManyToManyField(
        Principle, related_name="commitments", verbose_name=_("principles served")
    )
    listed_under = models.ForeignKey(
        Principle,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="listed_commitments",
        verbose_name=_("listed under principle"),
        help_text=_("Set when the document lists the commitment under a principle."),
    )

    history = HistoricalRecords(m2m_fields=[principles])

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="commitment_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title or self.body[:80]

    @property
    def anchor(self) -> str:
        return f"atagande-{self.key}"


class DevelopmentArea(models.Model):
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="development_areas",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("development area")
        verbose_name_plural = _("development areas")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="developmentarea_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class DevelopmentAreaItem(models.Model):
    area = models.ForeignKey(
        DevelopmentArea,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("development area"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("development area item")
        verbose_name_plural = _("development area items")
        ordering = ["area", "order"]
        constraints = [
            models.UniqueConstraint(fields=["area", "order"], name="developmentareaitem_order"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class Body(models.Model):
    """The council and every other body or function the agreement names."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("council")
        STEERING_GROUP = "steering_group", _("steering group")
        SECRETARIAT = "secretariat", _("secretariat")
        NETWORK = "network", _("network")
        FORUM = "forum", _("forum")
        BOARD = "board", _("board")
        UNIT = "unit", _("unit")
        FUNCTION = "function", _("function")

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="bodies",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    is_council = models.BooleanField(
        _("is the council"),
        default=False,
        help_text=_("The joint body that reviews the follow-up and the evaluation."),
    )
    composition = models.TextField(_("composition"), blank=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="body_unique_key"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(is_council=True), name="body_one_council"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BodyTask(models.Model):
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("body")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("text"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["body", "order"]
        constraints = [
            models.UniqueConstraint(fields=["body", "order"], name="bodytask_order"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class FollowUpRule(models.Model):
    """How often the agreement is followed up, evaluated or revised."""

    class Kind(models.TextChoices):
        FOLLOWUP = "followup", _("follow-up")
        EVALUATION = "evaluation", _("evaluation")
        EXTERNAL_EVALUATION = "external_evaluation", _("external evaluation")
        PLAN_EVALUATION = "plan_evaluation", _("evaluation of the plan")
        REVISION = "revision", _("revision")

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="followup_rules",
        verbose_name=_("version"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    interval_years = models.PositiveSmallIntegerField(_("every … years"))
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    description = models.TextField(_("as the agreement says"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up rule")
        verbose_name_plural = _("follow-up rules")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="followuprule_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} / {self.interval_years}"


class RespondentGroup(models.TextChoices):
    UNITS = "units", _("boards, administrations and companies")
    SIGNATORIES = "signatories", _("signatory organisations")
    COUNCIL = "council", _("council members")
    CIVIL_SOCIETY = "civil_society", _("civil society organisations")


class FollowUpArea(models.Model):
    """A row of the agreement's follow-up table: what is asked, who answers, who is in charge."""

    class AnswerKind(models.TextChoices):
        TEXT = "text", _("free text")
        SCALE = "scale", _("scale")
        COUNT = "count", _("count")
        LIST = "list", _("list")

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="followup_areas",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    topic = models.TextField(_("area to follow up"))
    responsible = models.CharField(_("responsible"), max_length=300)
    respondents = models.CharField(_("who is asked"), max_length=500)
    respondent_groups = models.JSONField(
        _("respondent groups"),
        default=list,
        help_text=_("Any of: units, signatories, council, civil_society."),
    )
    answer_kind = models.CharField(
        _("kind of answer"), max_length=10, choices=AnswerKind.choices, default=AnswerKind.TEXT
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up area")
        verbose_name_plural = _("follow-up areas")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="followuparea_unique_key"),
        ]

    def __str__(self) -> str:
        return self.topic[:80]

    def get_respondent_group_labels(self) -> list[str]:
        labels = dict(RespondentGroup.choices)
        return [str(labels[group]) for group in self.respondent_groups if group in labels]


class FollowUpQuestion(models.Model):
    area = models.ForeignKey(
        FollowUpArea,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("follow-up area"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("question"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up question")
        verbose_name_plural = _("follow-up questions")
        ordering = ["area", "order"]
        constraints = [
            models.UniqueConstraint(fields=["area", "order"], name="followupquestion_order"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class ActionPlan(models.Model):
    """A time-bound plan (handlingsplan, utvecklingsplan) under an agreement."""

    class Kind(models.TextChoices):
        ACTION_PLAN = "action_plan", _("action plan")
        DEVELOPMENT_PLAN = "development_plan", _("development plan")

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="action_plans",
        verbose_name=_("agreement"),
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_plans",
        verbose_name=_("made for version"),
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period_start = models.PositiveSmallIntegerField(_("first year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    duration_years = models.PositiveSmallIntegerField(_("length in years"), null=True, blank=True)
    reference_numbers = models.JSONField(_("reference numbers"), default=list, blank=True)
    description = models.TextField(_("description"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["agreement", "order"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="actionplan_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_display(self) -> str:
        if self.period_start and self.period_end:
            return f"{self.period_start}–{self.period_end}"
        return str(self.period_start or self.period_end or "")


class PlanArea(models.Model):
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="areas", verbose_name=_("plan")
    )
    key = models.SlugField(_("key"), max_length=80)
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    development_area = models.ForeignKey(
        DevelopmentArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_areas",
        verbose_name=_("development area"),
    )
    body = models.TextField(_("text"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan area")
        verbose_name_plural = _("plan areas")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="planarea_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    area = models.ForeignKey(
        PlanArea, on_delete=models.CASCADE, related_name="items", verbose_name=_("plan area")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["area", "order"]
        constraints = [
            models.UniqueConstraint(fields=["area", "order"], name="planitem_order"),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:80]
