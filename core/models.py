"""The base app's records: outgoing e-mail, kept until (and after) it is sent, and the language a
person reads the portal's e-mail in."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# How many times the task worker tries to hand a message to the mail server before it gives up
# (an operator can queue it again with `manage.py send_pending_mail --retry-failed`).
MAIL_MAX_ATTEMPTS = 8
# Wait before attempt n+1: 1, 2, 4, 8 … minutes, at most 2 hours (together about 4½ hours).
MAIL_BACKOFF_BASE = datetime.timedelta(minutes=1)
MAIL_BACKOFF_MAX = datetime.timedelta(hours=2)
# A message whose attempt is this much overdue has lost its task: the sweep queues it again.
MAIL_OVERDUE = datetime.timedelta(minutes=10)


def mail_backoff(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return min(MAIL_BACKOFF_BASE * 2 ** max(attempts - 1, 0), MAIL_BACKOFF_MAX)


class OutgoingMailQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(status=OutgoingMail.Status.PENDING)

    def overdue(self, now: datetime.datetime | None = None):
        """Pending messages whose next attempt should have run some time ago (its task is lost)."""
        now = now or timezone.now()
        return self.unsent().filter(next_attempt_at__lte=now - MAIL_OVERDUE)


class OutgoingMail(models.Model):
    """One e-mail message, stored in the transaction of the change that caused it.

    The task worker sends it (``core.tasks.send_outgoing_mail``) and retries with back-off when
    the mail server cannot be reached, so a mail server outage never loses a message nor fails the
    request that caused it. Rows are never deleted: they are the record of what was sent to whom.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed (gave up)")

    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(pgettext_lazy("e-mail", "body"))
    template = models.CharField(_("template"), max_length=200, blank=True)
    # The language the message was written in: its recipients' (core.accounts.mail_languages).
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Sign-in and reset links, confirmation and login codes: the admin never shows such a body,
    # and it is blanked once the message is sent (core/mail.py).
    sensitive = models.BooleanField(
        _("contains a secret"),
        default=False,
        help_text=_("A link or code that gives access: never shown, and blanked once sent."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("being sent since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        # The table kept its name when the model moved from portal to core (a state-only move).
        db_table = "portal_outgoingmail"
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoingmail_due")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"


class LanguagePreference(models.Model):
    """The language a person wants the portal's e-mail in (and the site, once they sign in).

    Set at sign-up from the language the page was in, whenever the person uses the language
    switch while signed in, and on their account's "Name and language" page
    (core/accounts.py). No row means the site's language (Swedish): accounts made before the
    choice existed keep getting Swedish e-mail, as they always did.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="language_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("language preference")
        verbose_name_plural = _("language preferences")
        ordering = ["user"]

    def __str__(self) -> str:
        return f"{self.user} → {self.language}"
