"""Background work of the follow-up app, run by the task worker (``manage.py db_worker``)."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task

from core.pagecache import public_data_changed

from .models import Cycle, Evaluation

logger = logging.getLogger(__name__)


@task()
def send_invitations(cycle_id: int) -> int:
    """Invite every respondent of a cycle just opened who has somebody to receive it."""
    from .services import cycle_send_invitations

    return cycle_send_invitations(cycle=Cycle.objects.get(pk=cycle_id)).sent


@task()
def send_reminders(cycle_id: int, due_on: str | None = None, actor_id: int | None = None) -> int:
    """Remind everyone who has not submitted now: the officer's button (``actor_id``).

    A run that carries the date it was due (queued by an earlier release, which planned each
    reminder as a deferred task) sends the cycle's scheduled reminders whose day has come, once,
    as the daily schedule does.
    """
    from django.contrib.auth import get_user_model

    from .services import cycle_send_due_reminders, cycle_send_reminders

    cycle = Cycle.objects.get(pk=cycle_id)
    if due_on is not None:
        return cycle_send_due_reminders(cycle=cycle)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return cycle_send_reminders(cycle=cycle, actor=actor)


@task()
def run_schedule(today: str | None = None, cycle_id: int | None = None) -> str:
    """The follow-up's daily schedule (``services.cycle_run_schedule``): scheduled cycles
    opened on their date, late invitations, the reminders whose day has come. ``today`` (ISO)
    runs it for another day; without it, the day the worker runs it."""
    from .services import cycle_run_schedule

    day = datetime.date.fromisoformat(today) if today else None
    return str(cycle_run_schedule(today=day, cycle_id=cycle_id))


@task()
def send_closed(cycle_id: int) -> int:
    """Tell everyone who had not submitted that the cycle closed."""
    from .services import cycle_send_closed

    return cycle_send_closed(cycle=Cycle.objects.get(pk=cycle_id))


@task()
def send_deadline_moved(cycle_id: int, previous: str) -> int:
    """Tell everyone who has not submitted that the deadline was moved from ``previous``."""
    from .services import cycle_send_deadline_moved

    return cycle_send_deadline_moved(
        cycle=Cycle.objects.get(pk=cycle_id), previous=datetime.date.fromisoformat(previous)
    )


@task()
def render_evaluation_pdf(evaluation_id: int) -> str:
    """Render a published evaluation's PDF once and store it.

    The PDF is rendered completely in memory first; only a finished file is stored, so a crash
    leaves the evaluation marked failed (with a retry button) and no broken file behind.
    """
    from .pdf import evaluation_pdf_bytes

    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
        if evaluation.pdf_status == Evaluation.PdfStatus.READY or not evaluation.is_published:
            return evaluation.pdf_status
        evaluation.pdf_status = Evaluation.PdfStatus.RENDERING
        evaluation.save(update_fields=["pdf_status"])
    try:
        pdf = evaluation_pdf_bytes(evaluation)
    except Exception as exc:
        logger.exception("Rendering the PDF of evaluation %s failed", evaluation_id)
        return _failed(evaluation_id, exc)
    digest = hashlib.sha256(pdf).hexdigest()[:16]
    field = Evaluation._meta.get_field("pdf")
    name = ""
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.select_for_update().get(pk=evaluation_id)
            # The name is chosen first, so that a write that breaks off can be removed.
            name = field.storage.get_available_name(
                field.generate_filename(
                    evaluation, f"utvardering-{evaluation.cycle_id}-{digest}.pdf"
                )
            )
            evaluation.pdf.name = field.storage.save(name, ContentFile(pdf))
            name = evaluation.pdf.name
            evaluation.pdf_status = Evaluation.PdfStatus.READY
            evaluation.pdf_error = ""
            evaluation.save(update_fields=["pdf", "pdf_status", "pdf_error"])
    except Exception as exc:
        # Storing failed (a full disk, a lost database): the row does not point at the file, and
        # whatever part of it was written is removed, so no partial file is ever served.
        logger.exception("Storing the PDF of evaluation %s failed", evaluation_id)
        _remove_partial(field.storage, name)
        return _failed(evaluation_id, exc)
    public_data_changed()  # the public page links the PDF now
    return Evaluation.PdfStatus.READY


def _failed(evaluation_id: int, exc: Exception) -> str:
    Evaluation.objects.filter(pk=evaluation_id).update(
        pdf_status=Evaluation.PdfStatus.FAILED, pdf_error=f"{type(exc).__name__}: {exc}"[:500]
    )
    public_data_changed()
    return Evaluation.PdfStatus.FAILED


def _remove_partial(storage, name: str) -> None:
    if name and storage.exists(name):
        storage.delete(name)
