"""How it went: follow-up cycles, their questions, the parties' reports and the evaluation.

A cycle copies its questions from the agreement when it is created, so later edits to the
agreement or to another cycle never change what a cycle asked. Reports are never deleted and every
saved version of a report is kept. A published evaluation is frozen: its compiled data, narrative
and PDF never change afterwards.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import (
    Agreement,
    AgreementVersion,
    Commitment,
    FollowUpArea,
    Principle,
)
from organisations.models import MunicipalUnit, Organisation


class RespondentGroup(models.TextChoices):
    ORGANISATIONS = "organisations", _("signatory organisations")
    UNITS = "units", _("boards, administrations and companies")
    COUNCIL = "council", _("council members")


class Cycle(models.Model):
    """One round of follow-up or evaluation of an agreement, on the agreement's own cadence."""

    class Kind(models.TextChoices):
        FOLLOWUP = "followup", _("annual follow-up")
        EVALUATION = "evaluation", _("evaluation")
        EXTERNAL_EVALUATION = "external_evaluation", _("external evaluation")
        PLAN_EVALUATION = "plan_evaluation", _("evaluation of the plan")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open for reports")
        CLOSED = "closed", _("closed")
        IN_REVIEW = "in_review", _("in review by the council")
        PUBLISHED = "published", _("published")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("agreement")
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("agreement version"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    opens_on = models.DateField(_("opens"))
    deadline = models.DateField(_("deadline"))
    reminder_days_before = models.PositiveSmallIntegerField(
        _("send reminders this many days before the deadline"), default=7
    )
    anonymise_free_text = models.BooleanField(
        _("anonymise free-text answers in the evaluation"), default=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up cycle")
        verbose_name_plural = _("follow-up cycles")
        ordering = ["agreement", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "period_start"], name="cycle_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="cycle_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")),
                name="cycle_deadline_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("followup:cycle", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def accepts_reports(self) -> bool:
        return self.status == self.Status.OPEN and timezone.localdate() <= self.deadline


class Question(models.Model):
    """A question of one cycle, copied from the agreement so that it never changes afterwards."""

    class Source(models.TextChoices):
        PRINCIPLE = "principle", _("principle")
        COMMITMENT = "commitment", _("commitment")
        AGREEMENT = "agreement", _("the agreement's follow-up question")
        CUSTOM = "custom", _("added by an officer")

    class AnswerKind(models.TextChoices):
        SCALE = "scale", _("self-assessment 1–5")
        TEXT = "text", _("free text")
        COUNT = "count", _("a number")
        LIST = "list", _("a list")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="questions", verbose_name=_("cycle")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    answer_kind = models.CharField(_("kind of answer"), max_length=10, choices=AnswerKind.choices)
    respondent_groups = models.JSONField(
        _("asked of"), default=list, help_text=_("Any of: organisations, units, council.")
    )
    section = models.CharField(_("section"), max_length=300, blank=True)
    text = models.TextField(_("question"))
    help_text = models.TextField(_("explanation"), blank=True)
    principle = models.ForeignKey(
        Principle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("principle"),
    )
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("commitment"),
    )
    followup_area = models.ForeignKey(
        FollowUpArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions_asked",
        verbose_name=_("follow-up area"),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["cycle", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def asks(self, group: str) -> bool:
        return group in self.respondent_groups


class ReportQuerySet(models.QuerySet):
    def not_submitted(self) -> ReportQuerySet:
        """Not started or drafts: the reports reminders and notices go to."""
        return self.exclude(status=Report.Status.SUBMITTED)


class Report(models.Model):
    """One respondent's report in a cycle: an organisation, a municipal unit or a council member."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="reports", verbose_name=_("cycle")
    )
    group = models.CharField(_("respondent group"), max_length=20, choices=RespondentGroup.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("organisation"),
    )
    unit = models.ForeignKey(
        MunicipalUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("municipal unit"),
    )
    council_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="council_reports",
        verbose_name=_("council member"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    revision = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Raised by every save; guards against lost updates.")
    )
    updated_at = models.DateTimeField(_("last saved"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last saved by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["cycle", "group", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="report_one_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["cycle", "unit"],
                condition=models.Q(unit__isnull=False),
                name="report_one_per_unit",
            ),
            models.UniqueConstraint(
                fields=["cycle", "council_member"],
                condition=models.Q(council_member__isnull=False),
                name="report_one_per_council_member",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        group="organisations",
                        organisation__isnull=False,
                        unit__isnull=True,
                        council_member__isnull=True,
                    )
                    | models.Q(
                        group="units",
                        organisation__isnull=True,
                        unit__isnull=False,
                        council_member__isnull=True,
                    )
                    | models.Q(
                        group="council",
                        organisation__isnull=True,
                        unit__isnull=True,
                        council_member__isnull=False,
                    )
                ),
                name="report_one_respondent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent_name} – {self.cycle}"

    def get_absolute_url(self) -> str:
        return reverse("followup:report", kwargs={"pk": self.pk})

    @property
    def respondent_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        if self.unit_id:
            return self.unit.name
        if self.council_member_id:
            return self.council_member.get_full_name() or self.council_member.email
        return ""

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Answer(models.Model):
    """The current answer to one question in one report. Earlier versions are ReportVersions."""

    class Scale(models.IntegerChoices):
        ONE = 1, _("1 – not at all")
        TWO = 2, "2"
        THREE = 3, "3"
        FOUR = 4, "4"
        FIVE = 5, _("5 – fully")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="answers", verbose_name=_("report")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    score = models.PositiveSmallIntegerField(
        _("self-assessment"), choices=Scale.choices, null=True, blank=True
    )
    not_applicable = models.BooleanField(_("don't know / not applicable"), default=False)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True, max_length=10000)
    comment = models.TextField(_("comment"), blank=True, max_length=10000)
    examples = models.TextField(_("examples"), blank=True, max_length=10000)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["report", "question"], name="answer_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="answer_score_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} / {self.question}"

    def as_data(self) -> dict:
        return {
            "score": self.score,
            "not_applicable": self.not_applicable,
            "number": self.number,
            "text": self.text,
            "comment": self.comment,
            "examples": self.examples,
        }


class ReportVersion(models.Model):
    """Every saved state of a report (draft saves, submission, reopening), never deleted."""

    class Action(models.TextChoices):
        SAVED = "saved", _("draft saved")
        SUBMITTED = "submitted", _("submitted")
        REOPENED = "reopened", _("reopened by an officer")

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="versions", verbose_name=_("report")
    )
    revision = models.PositiveIntegerField(_("revision"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    answers = models.JSONField(_("answers"), default=dict)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "revision", "pk"]

    def __str__(self) -> str:
        return f"{self.report} #{self.revision}"


class EvaluationQuerySet(models.QuerySet):
    def pdf_stuck(self, now: datetime.datetime | None = None):
        """Published evaluations whose PDF was asked for longer ago than
        ``PORTAL_PDF_RENDER_TIMEOUT`` and is still waiting or "being made": the worker that was
        making it stopped, or its task was lost."""
        now = now or timezone.now()
        cutoff = now - datetime.timedelta(seconds=settings.PORTAL_PDF_RENDER_TIMEOUT)
        return self.filter(
            published_at__isnull=False,
            pdf_status__in=[Evaluation.PdfStatus.QUEUED, Evaluation.PdfStatus.RENDERING],
            pdf_requested_at__lt=cutoff,
        )


class Evaluation(models.Model):
    """The compiled evaluation of a cycle: figures from the reports plus the officers' narrative."""

    class PdfStatus(models.TextChoices):
        NONE = "none", _("not rendered")
        QUEUED = "queued", _("queued")
        RENDERING = "rendering", _("rendering")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="evaluation", verbose_name=_("cycle")
    )
    summary = models.TextField(_("summary"), blank=True, max_length=20000)
    conclusions = models.TextField(_("conclusions"), blank=True, max_length=20000)
    recommendations = models.TextField(_("recommendations"), blank=True, max_length=20000)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    compiled_at = models.DateTimeField(_("compiled"), null=True, blank=True)
    frozen_data = models.JSONField(
        _("published figures"), null=True, blank=True, help_text=_("Set once, when published.")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    pdf = models.FileField(_("PDF"), upload_to="evaluations/", blank=True)
    pdf_status = models.CharField(
        _("PDF status"), max_length=20, choices=PdfStatus.choices, default=PdfStatus.NONE
    )
    pdf_error = models.TextField(_("PDF error"), blank=True)
    pdf_requested_at = models.DateTimeField(_("PDF requested"), null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return str(self.cycle)

    def get_absolute_url(self) -> str:
        return reverse("followup:evaluation", kwargs={"pk": self.cycle_id})

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def pdf_is_stuck(self) -> bool:
        """Waiting or "being made" for longer than any render takes (see ``pdf_stuck``)."""
        if not self.is_published or self.pdf_requested_at is None:
            return False
        limit = datetime.timedelta(seconds=settings.PORTAL_PDF_RENDER_TIMEOUT)
        return (
            self.pdf_status
            in (
                self.PdfStatus.QUEUED,
                self.PdfStatus.RENDERING,
            )
            and self.pdf_requested_at < timezone.now() - limit
        )


class EvaluationComment(models.Model):
    """A council member's comment on one section of the draft evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="comments", verbose_name=_("evaluation")
    )
    section = models.CharField(_("section"), max_length=100)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class EvaluationApproval(models.Model):
    """A council member approves the draft evaluation."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("evaluation")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("council member"),
    )
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)
    evaluation_revision = models.PositiveIntegerField(_("of revision"))

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "member"], name="approval_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.evaluation}"
