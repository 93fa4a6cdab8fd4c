"""E-mail from templates, in the portal's working language, with absolute links."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


def site_url(path: str) -> str:
    """An absolute address for a link in an e-mail."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def send_templated_mail(*, to: list[str], template: str, context: dict) -> None:
    """Send ``<template>_subject.txt`` and ``<template>.txt`` to each distinct address.

    E-mail is written in Swedish (settings.LANGUAGE_CODE) whatever language the person who
    caused it used: it goes to other people, whose choice we do not know.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, None, recipients)
