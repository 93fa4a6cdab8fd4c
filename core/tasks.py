"""Background work of the portal itself, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_outgoing_mail(mail_id: int) -> str:
    """Send one stored e-mail; on failure it is planned again with back-off (core/mail.py)."""
    from .mail import mail_deliver

    return mail_deliver(mail_id)
