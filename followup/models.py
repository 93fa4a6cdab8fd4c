"""How it went: follow-up cycles, their questions, the parties' reports and the evaluation.

A cycle copies its questions from the agreement when it is created, so later edits to the
agreement or to another cycle never change what a cycle asked. Reports are never deleted and every
saved version of a report is kept. A published evaluation is frozen: its compiled data, narrative
and PDF never change afterwards.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agreements.models import (
    Agreement,
    AgreementVersion,
    Commitment,
    FollowUpArea,
    Principle,
)
from organisations.models import (
    MunicipalUnit,
    OfficerRole,
    Organisation,
    Representative,
    display_name,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


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
        SCHEDULED = "scheduled", _("scheduled to open")
        OPEN = "open", _("open for reports")
        CLOSED = "closed", _("closed")
        IN_REVIEW = "in_review", _("in review by the council")
        PUBLISHED = "published", _("published")
        DELETED = "deleted", _("deleted draft")

    # Not opened yet: nobody has been invited, nothing was reported. Only these can be deleted.
    UNOPENED = (Status.DRAFT, Status.SCHEDULED)

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
            # A deleted draft is kept (with its history) but does not hold its period.
            models.UniqueConstraint(
                fields=["agreement", "kind", "period_start"],
                condition=~models.Q(status="deleted"),
                name="cycle_unique_period",
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

    @property
    def is_unopened(self) -> bool:
        """A draft or scheduled: nobody has been invited yet, so it can still be deleted."""
        return self.status in self.UNOPENED

    @property
    def opens_later(self) -> bool:
        """Its opening date is still ahead: opening it means scheduling it (or opening early)."""
        return self.is_unopened and self.opens_on > timezone.localdate()


class CycleReminder(models.Model):
    """One reminder of a cycle's schedule, so many days before the deadline (e.g. 14 and 3).

    Its date follows the deadline (``due_on``). It is sent once, by the task worker on its day
    (``services.cycle_run_schedule``), and counts as sent only when an e-mail was really queued
    to at least one address; otherwise it is "not sent", with the reason. Moving the deadline
    plans a reminder whose new day is still ahead again (the history keeps the earlier sending).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent")

    class Skipped(models.TextChoices):
        BEFORE_OPENING = "before_opening", _("its day had come when the cycle opened")
        SUPERSEDED = "superseded", _("a later reminder was due at the same time")
        DEADLINE_MOVED = "deadline_moved", _("the notice of the new deadline took its place")
        DEADLINE_PASSED = "deadline_passed", _("the deadline had passed")
        CLOSED = "closed", _("the cycle closed before its day")
        NOBODY = "nobody", _("every respondent had submitted")
        NO_RECIPIENT = "no_recipient", _("nobody who had not submitted had anyone to receive it")
        REMINDED_TODAY = (
            "reminded_today",
            _("everyone it was for had already been reminded that day"),
        )

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("cycle")
    )
    days_before = models.PositiveSmallIntegerField(_("days before the deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    skipped_because = models.CharField(
        _("not sent because"), max_length=20, choices=Skipped.choices, blank=True
    )
    done_at = models.DateTimeField(_("sent or passed over"), null=True, blank=True)
    reminded = models.PositiveIntegerField(
        _("respondents reminded"),
        default=0,
        help_text=_("Respondents an e-mail was queued for, to at least one address."),
    )
    unreached = models.PositiveIntegerField(
        _("respondents without a recipient"),
        default=0,
        help_text=_("Respondents who had not submitted and had nobody to receive the reminder."),
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["cycle", "-days_before"]  # earliest first
        constraints = [
            models.UniqueConstraint(fields=["cycle", "days_before"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.days_before}"

    def due_on(self, deadline: datetime.date | None = None) -> datetime.date:
        """The reminder's day, for the cycle's deadline (or another one)."""
        return (deadline or self.cycle.deadline) - datetime.timedelta(days=self.days_before)


class CycleEvent(models.Model):
    """One step in a cycle's life: who took it, when, and the values before and after.

    Written by ``followup.services`` in the transaction of the change it records, never changed
    or deleted afterwards. The actor is empty only for what the portal does by itself (a PDF
    marked failed by the scheduled check).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("cycle created")
        UPDATED = "updated", _("cycle's settings changed")
        QUESTION_ADDED = "question_added", _("question added")
        QUESTION_CHANGED = "question_changed", _("question changed")
        QUESTION_DELETED = "question_deleted", _("question deleted")
        OPENED = "opened", _("cycle opened")
        DEADLINE_MOVED = "deadline_moved", _("deadline moved")
        REPORT_REOPENED = "report_reopened", _("report reopened")
        CLOSED = "closed", _("cycle closed")
        EVALUATION_EDITED = "evaluation_edited", _("evaluation edited")
        SENT_TO_COUNCIL = "sent_to_council", _("evaluation sent to the council")
        COMMENTED = "commented", _("evaluation commented on")
        APPROVED = "approved", _("evaluation approved")
        PUBLISHED = "published", _("evaluation published")
        PDF_RETRIED = "pdf_retried", _("PDF asked for again")
        PDF_FAILED = "pdf_failed", _("PDF marked failed")
        SCHEDULED = "scheduled", _("opening scheduled")
        UNSCHEDULED = "unscheduled", _("scheduled opening cancelled")
        OPENED_ON_SCHEDULE = "opened_on_schedule", _("cycle opened as scheduled")
        INVITED = "invited", _("invitations sent")
        REMINDERS_CHANGED = "reminders_changed", _("reminders changed")
        REMINDED = "reminded", _("reminders sent")
        REMINDER_NOT_SENT = "reminder_not_sent", _("reminder not sent")
        RECIPIENT_ADDED = "recipient_added", _("recipient added")
        CLOSE_NOTICES = "close_notices", _("respondents told of the closing")
        DELETED = "deleted", _("draft deleted")

    # What the portal does by itself (the task worker), the only kinds that may have no actor:
    # a PDF marked failed, a scheduled opening, the invitations, reminders and notices it sends.
    # A reminder sent with the officer's button has the officer as its actor.
    SYSTEM_KINDS = (
        Kind.PDF_FAILED,
        Kind.OPENED_ON_SCHEDULE,
        Kind.INVITED,
        Kind.REMINDED,
        Kind.REMINDER_NOT_SENT,
        Kind.CLOSE_NOTICES,
    )

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="events", verbose_name=_("cycle")
    )
    kind = models.CharField(_("what"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty only for what the portal did by itself."),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    details = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("The values before and after, where there are any."),
    )

    class Meta:
        verbose_name = _("cycle event")
        verbose_name_plural = _("cycle events")
        ordering = ["-created_at", "-pk"]  # newest first, as the cycle's page shows them
        constraints = [
            models.CheckConstraint(
                condition=models.Q(actor__isnull=False)
                | models.Q(
                    kind__in=[
                        "pdf_failed",
                        "opened_on_schedule",
                        "invited",
                        "reminded",
                        "reminder_not_sent",
                        "close_notices",
                    ]
                ),
                name="cycle_event_actor_unless_system",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} – {self.get_kind_display()} {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("followup:cycle", kwargs={"pk": self.cycle_id}) + "#history"

    @property
    def actor_name(self) -> str:
        """Who acted, as the history shows it: the name, else the e-mail address."""
        actor = self.actor
        if actor is None:
            return str(_("the portal"))
        return display_name(actor)  # "deleted account" for a deleted one

    def describe(self) -> str:
        """What was done, in plain words in the active language (dates included)."""
        from django.utils.formats import date_format

        def day(value: str | None) -> str:
            if not value:
                return "–"
            return date_format(datetime.date.fromisoformat(value), "j F Y")

        d = self.details
        before, after = d.get("before", {}), d.get("after", {})
        kinds = self.Kind
        if self.kind == kinds.CREATED:
            return str(_("Created the cycle"))
        if self.kind == kinds.UPDATED:
            fields = {f.name: f for f in Cycle._meta.fields}
            names = [
                str(getattr(fields[name], "verbose_name", name))
                if name in fields
                else str(_("reminders"))
                for name in after
                if name in fields or name == "reminder_days"
            ]
            return str(_("Changed the cycle's settings: %(fields)s")) % {"fields": ", ".join(names)}
        if self.kind == kinds.QUESTION_ADDED:
            return str(_("Added the question “%(text)s”")) % {"text": after.get("text", "")}
        if self.kind == kinds.QUESTION_CHANGED:
            return str(_("Changed the question “%(text)s”")) % {"text": after.get("text", "")}
        if self.kind == kinds.QUESTION_DELETED:
            return str(_("Deleted the question “%(text)s”")) % {"text": before.get("text", "")}
        if self.kind == kinds.SCHEDULED:
            return str(_("Scheduled the cycle to open on %(date)s")) % {
                "date": day(d.get("opens_on"))
            }
        if self.kind == kinds.UNSCHEDULED:
            return str(
                _("Cancelled the opening scheduled for %(date)s: the cycle is a draft again")
            ) % {"date": day(d.get("opens_on"))}
        if self.kind == kinds.OPENED:
            if before.get("opens_on"):
                return str(_("Opened the cycle before its opening date, %(date)s")) % {
                    "date": day(before.get("opens_on"))
                }
            return str(_("Opened the cycle"))
        if self.kind == kinds.OPENED_ON_SCHEDULE:
            return str(_("Opened the cycle on its opening date, as scheduled"))
        if self.kind == kinds.INVITED:
            count = int(d.get("invited", 0))
            text = ngettext(
                "Sent the invitation to one respondent",
                "Sent the invitation to %(count)s respondents",
                count,
            ) % {"count": count}
            return text + unreached_clause(int(d.get("unreached", 0)))
        if self.kind == kinds.REMINDERS_CHANGED:
            return str(_("Changed the reminders from %(before)s to %(after)s")) % {
                "before": reminder_days_text(before.get("reminder_days", [])),
                "after": reminder_days_text(after.get("reminder_days", [])),
            }
        if self.kind == kinds.REMINDED:
            count = int(d.get("reminded", 0))
            if not count:  # the officer's button, with nobody to receive it: nothing was sent
                return str(_("Did not send a reminder: %(reason)s")) % {
                    "reason": CycleReminder.Skipped.NO_RECIPIENT.label
                } + unreached_clause(int(d.get("unreached", 0)))
            if d.get("due_on"):
                text = ngettext(
                    "Sent the reminder of %(date)s to one respondent",
                    "Sent the reminder of %(date)s to %(count)s respondents",
                    count,
                ) % {"count": count, "date": day(d.get("due_on"))}
            else:
                text = ngettext(
                    "Sent a reminder to one respondent",
                    "Sent a reminder to %(count)s respondents",
                    count,
                ) % {"count": count}
            return text + unreached_clause(int(d.get("unreached", 0)))
        if self.kind == kinds.REMINDER_NOT_SENT:
            reason = d.get("reason", "")
            skipped = CycleReminder.Skipped
            label = skipped(reason).label if reason in skipped.values else ""
            return str(_("Did not send the reminder of %(date)s: %(reason)s")) % {
                "date": day(d.get("due_on")),
                "reason": label,
            } + unreached_clause(int(d.get("unreached", 0)))
        if self.kind == kinds.RECIPIENT_ADDED:
            return str(_("Added %(email)s as the recipient for %(unit)s")) % {
                "email": d.get("email", ""),
                "unit": d.get("unit", ""),
            }
        if self.kind == kinds.DEADLINE_MOVED:
            return str(_("Moved the deadline from %(before)s to %(after)s")) % {
                "before": day(before.get("deadline")),
                "after": day(after.get("deadline")),
            }
        if self.kind == kinds.REPORT_REOPENED:
            return str(_("Reopened the report of %(respondent)s: “%(reason)s”")) % {
                "respondent": d.get("respondent", ""),
                "reason": d.get("reason", ""),
            }
        if self.kind == kinds.CLOSED:
            return str(_("Closed the cycle"))
        if self.kind == kinds.CLOSE_NOTICES:
            count = int(d.get("told", 0))
            text = ngettext(
                "Told one respondent who had not submitted that the cycle closed",
                "Told %(count)s respondents who had not submitted that the cycle closed",
                count,
            ) % {"count": count}
            return text + unreached_clause(int(d.get("unreached", 0)))
        if self.kind == kinds.DELETED:
            return str(_("Deleted the draft"))
        if self.kind == kinds.EVALUATION_EDITED:
            return str(_("Edited the evaluation"))
        if self.kind == kinds.SENT_TO_COUNCIL:
            return str(_("Sent the evaluation to the council"))
        if self.kind == kinds.COMMENTED:
            return str(_("Commented on the evaluation"))
        if self.kind == kinds.APPROVED:
            return str(_("Approved the evaluation"))
        if self.kind == kinds.PUBLISHED:
            return str(_("Published the evaluation"))
        if self.kind == kinds.PDF_RETRIED:
            return str(_("Asked for the evaluation's PDF to be made again"))
        if self.kind == kinds.PDF_FAILED:
            return str(_("Marked the evaluation's PDF failed: it was not made in time"))
        return str(self.get_kind_display())


def unreached_clause(count: int) -> str:
    """ "; 2 without a recipient": the respondents an e-mail could not go to, if any."""
    if not count:
        return ""
    return "; " + ngettext("one without a recipient", "%(count)s without a recipient", count) % {
        "count": count
    }


def reminder_days_text(days: list[int]) -> str:
    """A reminder schedule in words: "14 and 3 days before the deadline", or "no reminders"."""
    days = sorted({int(d) for d in days}, reverse=True)
    if not days:
        return str(_("no reminders"))
    listed = get_text_list([str(d) for d in days], str(_("and")))
    number = days[0] if len(days) == 1 else len(days)  # "1 day", "3 days", "14 and 3 days"
    return ngettext(
        "%(days)s day before the deadline", "%(days)s days before the deadline", number
    ) % {"days": listed}


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


class ReportQuerySet(models.QuerySet["Report"]):
    def not_submitted(self) -> ReportQuerySet:
        """Not started or drafts: the reports reminders and notices go to."""
        return self.exclude(status=Report.Status.SUBMITTED)

    def not_invited(self) -> ReportQuerySet:
        """Never invited: the respondent had nobody to receive the invitation (so far)."""
        return self.filter(invited_at__isnull=True)

    def reminded_on(self, day: datetime.date) -> ReportQuerySet:
        """Reminded on this (local) day already: a respondent is reminded at most once a day,
        whether by the schedule or by the officer's button."""
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return self.filter(
            last_reminded_at__gte=start, last_reminded_at__lt=start + datetime.timedelta(days=1)
        )

    def fileable_by(self, user: AbstractBaseUser | AnonymousUser) -> ReportQuerySet:
        """The reports a user may fill in: their organisations' (as a current representative),
        their units' (as an officer of the unit), and their own as a council member.

        The one statement of the rule: ``permissions.can_file_report`` asks it of one report,
        the respondent's list of reports of all of them.
        """
        if not user.is_authenticated:
            return self.none()
        organisations = (
            Representative.objects.current().filter(user_id=user.pk).values("organisation_id")
        )
        units = OfficerRole.objects.filter(user_id=user.pk, unit__isnull=False).values("unit_id")
        return self.filter(
            models.Q(organisation_id__in=organisations)
            | models.Q(unit_id__in=units)
            | models.Q(council_member_id=user.pk)
        )


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
    invited_at = models.DateTimeField(
        _("invited"),
        null=True,
        blank=True,
        help_text=_(
            "When the invitation was queued to at least one address; empty while the respondent "
            "has nobody to receive it."
        ),
    )
    last_reminded_at = models.DateTimeField(
        _("last reminded"),
        null=True,
        blank=True,
        help_text=_("Set only when a reminder was queued to at least one address."),
    )

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
    decision_reference = models.CharField(
        _("reference number of the decision"),
        max_length=100,
        blank=True,
        help_text=_("The municipality's reference number (dnr) for the evaluation's decision."),
    )
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
