"""E-mail from templates, in each recipient's language, with absolute links.

A message is rendered in the request that causes it and stored as an ``OutgoingMail`` row in the
same transaction as the change it reports, so it exists exactly when that change does. The task
worker sends it after the commit and retries with back-off while the mail server is down; the
request never waits for the mail server and never fails because of it. ``send_pending_mail``
(cron, every few minutes) queues again any message whose task was lost.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .accounts import mail_languages
from .models import MAIL_MAX_ATTEMPTS, OutgoingMail, mail_backoff

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died while sending; another may take over.
CLAIM_TIMEOUT = datetime.timedelta(minutes=15)
# Tolerance for a task that the queue starts a moment before its planned time.
EARLY_START = datetime.timedelta(seconds=5)


def site_url(path: str) -> str:
    """An absolute address for a link in an e-mail."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def send_templated_mail(
    *, to: list[str], template: str, context: dict, separately: bool = False
) -> list[OutgoingMail]:
    """Queue ``<template>_subject.txt`` and ``<template>.txt`` for each distinct address.

    Call it inside the transaction of the change the message reports: the message is stored with
    that change (and disappears with it if the transaction rolls back) and handed to the task
    worker once it commits.

    Each recipient reads it in their own language (``core.accounts.mail_languages``: the account's
    choice, Swedish for an account that never chose, the sender's language for an address with
    no account), so the message is rendered once per language among the recipients and stored as
    one message per language: a Swedish officer's verification reaches an English-speaking
    representative in English and their Swedish-speaking colleague in Swedish.

    ``separately``: one message to each address (nobody sees the others' addresses), still
    rendered once per language and with the languages looked up once for all of them.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return []
    by_language: dict[str, list[str]] = {}
    for address, language in mail_languages(recipients).items():
        by_language.setdefault(language, []).append(address)
    messages: list[OutgoingMail] = []
    for language in sorted(by_language):
        subject, body = render_mail(template, context, language=language)
        groups = [[a] for a in by_language[language]] if separately else [by_language[language]]
        messages.extend(
            mail_queue(
                recipients=group,
                subject=subject,
                body=body,
                template=template,
                language=language,
            )
            for group in groups
        )
    return messages


def render_mail(template: str, context: dict, *, language: str) -> tuple[str, str]:
    """The subject (one line) and body of ``<template>`` written in ``language``."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
    return subject, body


def mail_queue(
    *,
    recipients: list[str],
    subject: str,
    body: str,
    template: str = "",
    sensitive: bool = False,
    language: str = "",
) -> OutgoingMail:
    """Store one rendered message and hand it to the task worker once the transaction commits.

    ``sensitive`` marks a body that carries a secret (a sign-in or reset link, a code): the admin
    never shows it and it is blanked once the message is sent.
    """
    # Header injection is impossible either way (Django refuses newlines in headers), but a
    # subject rendered from data must stay one line.
    subject = " ".join(subject.split())
    mail = OutgoingMail.objects.create(
        recipients=sorted(set(recipients)),
        subject=subject,
        body=body,
        template=template,
        sensitive=sensitive,
        language=language,
    )
    transaction.on_commit(partial(mail_enqueue, mail.pk), robust=True)
    return mail


def mail_enqueue(mail_id: int, *, run_after=None) -> None:
    """Hand a stored message to the task worker (at ``run_after`` if the backend can defer)."""
    from .tasks import send_outgoing_mail

    task = send_outgoing_mail
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the immediate backend cannot wait: the sweep will pick the message up
        task = task.using(run_after=run_after)
    task.enqueue(mail_id)


def mail_deliver(mail_id: int) -> str:
    """Try to send one stored message now; returns its status afterwards.

    Only one worker can hold a message at a time (an atomic claim), a message already sent is
    never sent again, and a task that comes before the message's next attempt is due does nothing
    (another task is planned for that time).
    """
    now = timezone.now()
    claimed = (
        OutgoingMail.objects.filter(
            pk=mail_id,
            status=OutgoingMail.Status.PENDING,
            next_attempt_at__lte=now + EARLY_START,
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now)
    )
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None:
        return "missing"
    if not claimed:
        return mail.status
    try:
        EmailMessage(mail.subject, mail.body, None, mail.recipients).send()
    except Exception as exc:  # an unreachable server, a refusal, a timeout: all are retried
        return _attempt_failed(mail, exc)
    sent = {"body": ""} if mail.sensitive else {}  # a used link or code is not kept
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=OutgoingMail.Status.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        claimed_at=None,
        last_error="",
        **sent,
    )
    return OutgoingMail.Status.SENT


def _attempt_failed(mail: OutgoingMail, exc: Exception) -> str:
    attempts = mail.attempts + 1
    error = f"{timezone.localtime():%Y-%m-%d %H:%M:%S} {type(exc).__name__}: {exc}"[:1000]
    if attempts >= MAIL_MAX_ATTEMPTS:
        status, next_attempt = OutgoingMail.Status.FAILED, mail.next_attempt_at
        logger.error("e-mail %s not sent after %s attempts: %s", mail.pk, attempts, error)
    else:
        status, next_attempt = OutgoingMail.Status.PENDING, timezone.now() + mail_backoff(attempts)
        logger.warning("e-mail %s not sent (attempt %s), retrying: %s", mail.pk, attempts, error)
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=status,
        attempts=attempts,
        last_error=error,
        next_attempt_at=next_attempt,
        claimed_at=None,
    )
    if status == OutgoingMail.Status.PENDING:
        mail_enqueue(mail.pk, run_after=next_attempt)
    return status


def mail_requeue(*, retry_failed: bool = False, all_pending: bool = False) -> int:
    """Queue again the messages whose task was lost; with ``retry_failed`` also those given up.

    ``all_pending`` queues every unsent message at once, without waiting for its planned attempt
    (for an operator who knows the mail server is back).
    """
    now = timezone.now()
    ids: set[int] = set()
    if retry_failed:
        failed = OutgoingMail.objects.filter(status=OutgoingMail.Status.FAILED)
        ids.update(failed.values_list("pk", flat=True))
        failed.update(status=OutgoingMail.Status.PENDING, attempts=0, next_attempt_at=now)
    pending = OutgoingMail.objects.unsent()
    if all_pending:
        pending.update(next_attempt_at=now)
    else:
        pending = pending.overdue(now)
    ids.update(pending.values_list("pk", flat=True))
    for mail_id in sorted(ids):
        mail_enqueue(mail_id)
    return len(ids)
