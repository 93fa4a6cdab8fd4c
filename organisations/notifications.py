"""Work that comes to the municipality's officers: an e-mail for each, or one daily digest.

A new accession waiting for verification, a withdrawal, a request for access and an
organisation's answer to an officer's question are told to the officers of the organisation's
municipality (those for the whole municipality; if it has none, every officer of it). Each officer
chooses in the workspace (``OfficerPreference``): an e-mail for each (queued through
``core.mail`` in the transaction of the change, like every e-mail of the portal), or an
``OfficerNotice`` row, written in that same transaction, that ``send_officer_digest`` puts in the
next daily digest exactly once.

The services call ``officers_notify`` inside their transaction; nothing here decides who may do
what.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.accounts import mail_languages
from core.mail import render_mail, send_templated_mail, site_url
from core.types import Actor

from .models import OfficerNotice, OfficerPreference, OfficerRole, Organisation, is_deleted_account


def officers_to_tell(*, municipality_id: int) -> list[Actor]:
    """The current officers who handle the municipality's accessions, in a stable order.

    Officers for the whole municipality; officers of one of its boards or companies (who answer
    its follow-up) only when the municipality has no officer for the whole of it.
    """
    roles = OfficerRole.objects.filter(
        municipality_id=municipality_id, user__is_active=True
    ).select_related("user")
    whole = [role for role in roles if role.unit_id is None]
    chosen = whole or list(roles)
    users = {role.user.pk: role.user for role in chosen if not is_deleted_account(role.user)}
    return [users[pk] for pk in sorted(users)]


def _wants_digest(users: list[Actor]) -> set[int]:
    return set(
        OfficerPreference.objects.filter(
            user__in=users, work_mail=OfficerPreference.WorkMail.DIGEST
        ).values_list("user_id", flat=True)
    )


def officers_notify(
    *,
    organisation: Organisation,
    kind: str,
    template: str,
    context: dict[str, Any],
    path: str,
) -> None:
    """Tell the officers of the organisation's municipality of one new piece of work.

    Call it inside the transaction of the change: the e-mails and digest notices are stored with
    it (and vanish with it). ``template`` names ``<template>.txt`` and ``<template>_subject.txt``
    under ``organisations/email/``; the subject is also the digest's line for it.
    """
    officers = officers_to_tell(municipality_id=organisation.municipality_id)
    if not officers:
        return
    url = site_url(path)
    context = {**context, "url": url, "organisation": organisation}
    digest = _wants_digest(officers)
    each = [officer.email for officer in officers if officer.pk not in digest]
    if each:
        send_templated_mail(to=each, template=f"organisations/email/{template}", context=context)
    if digest:
        # Each notice's line is written now, in its officer's language, as their digest will be.
        digested = [officer for officer in officers if officer.pk in digest]
        languages = mail_languages([officer.email for officer in digested])
        summaries: dict[str, str] = {}
        notices = []
        for officer in digested:
            language = languages.get(officer.email) or settings.LANGUAGE_CODE
            if language not in summaries:
                summaries[language], _body = render_mail(
                    f"organisations/email/{template}", context, language=language
                )
            notices.append(
                OfficerNotice(
                    user=officer,
                    kind=kind,
                    organisation=organisation,
                    summary=summaries[language][:500],
                    url=url[:500],
                )
            )
        OfficerNotice.objects.bulk_create(notices)


def officer_digest_send(*, now: datetime.datetime | None = None) -> int:
    """Send each officer with undigested notices one e-mail of them; returns how many were sent.

    Each officer's notices are locked, mailed and marked in one transaction, so a notice is in
    exactly one digest even when two runs overlap; an officer with nothing new gets nothing. The
    notices of one whose account was deleted or whose roles have all ended are marked without a
    message.
    """
    now = now or timezone.now()
    user_ids = (
        OfficerNotice.objects.filter(digested_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        with transaction.atomic():
            notices = list(
                OfficerNotice.objects.select_for_update()
                .filter(user_id=user_id, digested_at__isnull=True, created_at__lte=now)
                .select_related("user", "organisation")
                .order_by("created_at", "pk")
            )
            if not notices:
                continue  # another run took them
            officer = notices[0].user
            still_officer = OfficerRole.objects.filter(user=officer).exists()
            if still_officer and officer.is_active and not is_deleted_account(officer):
                send_templated_mail(
                    to=[officer.email],
                    template="organisations/email/officer_digest",
                    context={
                        "notices": notices,
                        "count": len(notices),
                        "url": site_url(reverse("organisations:officer")),
                    },
                )
                sent += 1
            OfficerNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(
                digested_at=now
            )
    return sent
