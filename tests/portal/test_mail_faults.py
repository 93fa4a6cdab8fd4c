"""The mail server down: every change is saved, its e-mail waits and is sent once it is back.

E-mail is stored as an ``OutgoingMail`` row with the change that causes it and sent by the task
worker (core/mail.py). Here the mail server is first made to fail (the e-mail backend raises as
an SMTP connection does when nothing listens), then comes back. One test uses a real SMTP
conversation over a loopback socket: first a closed port, then a small SMTP server on it.
"""

from __future__ import annotations

import datetime
import smtplib
import socket
import socketserver
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from core.mail import mail_deliver, send_templated_mail
from core.models import MAIL_MAX_ATTEMPTS, OutgoingMail, mail_backoff
from followup import services as followup
from organisations import services
from organisations.models import Accession
from tests.factories import AccessionFactory, OfficerRoleFactory, RepresentativeFactory, with_mfa

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class MailServer:
    """Switches the test e-mail backend between "down" (connection refused) and "up"."""

    def __init__(self, monkeypatch):
        self.down = False
        self.error: type[Exception] = ConnectionRefusedError
        original = EmailBackend.send_messages

        def send_messages(backend, messages):
            if self.down:
                raise self.error(111, "Connection refused")
            return original(backend, messages)

        monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


@pytest.fixture
def smtp(monkeypatch):
    server = MailServer(monkeypatch)
    server.down = True
    return server


def _sign(client, rep):
    client.force_login(rep.user)
    return client.post(
        reverse("organisations:sign", kwargs={"pk": rep.organisation.pk}),
        {
            "declaration_confirmed": "on",
            "basis": Accession.Basis.SIGNATORY,
            "signer_name": "Anna Andersson",
            "signer_title": "Ordförande",
        },
    )


def test_signing_and_verifying_are_saved_while_the_mail_server_is_down(
    client, smtp, django_capture_on_commit_callbacks
):
    rep = RepresentativeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = _sign(client, rep)
    assert response.status_code == 302
    accession = Accession.objects.get(organisation=rep.organisation)
    assert accession.status == Accession.Status.PENDING

    client.force_login(with_mfa(OfficerRoleFactory().user))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisations:verify", args=[accession.pk]))
    assert response.status_code == 302
    accession.refresh_from_db()
    assert accession.status == Accession.Status.ACTIVE

    waiting = OutgoingMail.objects.order_by("pk")
    assert [m.template for m in waiting] == [
        "organisations/email/accession_signed",
        "organisations/email/accession_verified",
    ]
    for message in waiting:
        assert message.status == OutgoingMail.Status.PENDING
        assert message.attempts == 1
        assert message.sent_at is None
        assert "ConnectionRefusedError" in message.last_error
        assert message.recipients == [rep.user.email]
        assert message.next_attempt_at > timezone.now()
    assert not mail.outbox

    # The server comes back; the sweep (or the planned retry) sends each message exactly once.
    smtp.down = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_mail", "--all", verbosity=0)
    assert len(mail.outbox) == 2
    assert {m.subject for m in mail.outbox} == {m.subject for m in waiting}
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {"sent"}
    call_command("send_pending_mail", "--all", verbosity=0)
    for message in OutgoingMail.objects.all():
        assert mail_deliver(message.pk) == OutgoingMail.Status.SENT
    assert len(mail.outbox) == 2


def test_an_smtp_refusal_is_retried_like_a_refused_connection(
    smtp, django_capture_on_commit_callbacks
):
    smtp.error = smtplib.SMTPServerDisconnected
    rep = RepresentativeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_create(
            organisation=rep.organisation, actor=RepresentativeFactory().user, message="Hej"
        )
    message = OutgoingMail.objects.get()
    assert message.status == OutgoingMail.Status.PENDING
    assert "SMTPServerDisconnected" in message.last_error


def test_reminders_are_recorded_and_their_mail_waits_while_the_server_is_down(
    smtp, django_capture_on_commit_callbacks
):
    goteborg = Agreement.objects.get(slug="goteborg")
    rule = goteborg.current_version.followup_rules.get(kind="followup")
    cycle = followup.cycle_create(
        agreement=goteborg,
        rule=rule,
        actor=OfficerRoleFactory(municipality=goteborg.municipality).user,
    )
    rep = RepresentativeFactory()
    AccessionFactory(organisation=rep.organisation)
    with django_capture_on_commit_callbacks(execute=True):
        followup.cycle_open(cycle=cycle, actor=cycle.created_by)  # invitations: stored, not sent
        assert followup.cycle_send_reminders(cycle=cycle) == 1
    assert cycle.reports.get().last_reminded_at is not None
    assert sorted(OutgoingMail.objects.values_list("template", "status")) == [
        ("followup/email/invitation", "pending"),
        ("followup/email/reminder", "pending"),
    ]
    smtp.down = False
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pending_mail", "--all", verbosity=0)
    assert [m.to for m in mail.outbox] == [[rep.user.email]] * 2


def test_a_rolled_back_change_leaves_no_mail():
    rep = RepresentativeFactory()
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            send_templated_mail(
                to=[rep.user.email],
                template="organisations/email/access_request",
                context={"request": None, "url": "/"},
            )
            raise RuntimeError("the change fails")
    assert not OutgoingMail.objects.exists()


@override_settings(TASKS=DATABASE_TASKS)
def test_a_failed_attempt_plans_the_next_with_back_off_and_gives_up_in_the_end(smtp, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    rep = RepresentativeFactory()
    [message] = send_templated_mail(
        to=[rep.user.email],
        template="organisations/email/access_request",
        context={"request": None, "url": "/"},
    )
    for attempt in range(1, MAIL_MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert mail_deliver(message.pk) in ("pending", "failed")
        message.refresh_from_db()
        assert message.attempts == attempt
        if attempt < MAIL_MAX_ATTEMPTS:
            wait = mail_backoff(attempt)
            assert before + wait <= message.next_attempt_at <= timezone.now() + wait
            assert DBTaskResult.objects.filter(
                task_path="core.tasks.send_outgoing_mail",
                run_after=message.next_attempt_at,
                args_kwargs={"args": [message.pk], "kwargs": {}},
            ).exists()
            # The planned task does nothing before its time …
            assert mail_deliver(message.pk) == "pending"
            message.refresh_from_db()
            assert message.attempts == attempt
            # … and the next attempt is made when it is due.
            OutgoingMail.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message.status == OutgoingMail.Status.FAILED
    assert mail_backoff(1) == datetime.timedelta(minutes=1)
    assert mail_backoff(MAIL_MAX_ATTEMPTS) == datetime.timedelta(hours=2)
    # An operator queues it again once the server is back.
    smtp.down = False
    call_command("send_pending_mail", "--retry-failed", verbosity=0)
    # The worker closes stale connections between tasks; inside the test's transaction that would
    # close the test's own connection (on PostgreSQL), so it is a no-op here.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    message.refresh_from_db()
    assert message.status == OutgoingMail.Status.SENT
    assert len(mail.outbox) == 1


@override_settings(TASKS=DATABASE_TASKS)
def test_the_sweep_queues_only_messages_whose_task_was_lost(smtp):
    from django_tasks_db.models import DBTaskResult

    rep = RepresentativeFactory()
    [lost], [planned] = (
        send_templated_mail(
            to=[rep.user.email],
            template="organisations/email/access_request",
            context={"request": None, "url": "/"},
        )
        for _ in range(2)
    )
    now = timezone.now()
    OutgoingMail.objects.filter(pk=lost.pk).update(
        next_attempt_at=now - datetime.timedelta(hours=1)
    )
    OutgoingMail.objects.filter(pk=planned.pk).update(
        next_attempt_at=now - datetime.timedelta(minutes=1)
    )
    call_command("send_pending_mail", verbosity=0)
    assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == [
        {"args": [lost.pk], "kwargs": {}}
    ]


def test_two_workers_never_send_one_message_twice():
    rep = RepresentativeFactory()
    [message] = send_templated_mail(
        to=[rep.user.email],
        template="organisations/email/access_request",
        context={"request": None, "url": "/"},
    )
    # Another worker holds it right now.
    OutgoingMail.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert mail_deliver(message.pk) == "pending"
    assert not mail.outbox
    # A claim left by a worker that died long ago is taken over.
    OutgoingMail.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert mail_deliver(message.pk) == "sent"
    assert mail_deliver(message.pk) == "sent"
    assert len(mail.outbox) == 1


# --- A real SMTP conversation on a loopback port -------------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 localhost test SMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode(errors="replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.server.messages.append(b"".join(lines))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_real_smtp_server_that_refuses_and_then_accepts(django_capture_on_commit_callbacks):
    port = _free_port()  # nothing listens here yet: connections are refused
    smtp_settings = override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    )
    rep = RepresentativeFactory()
    with smtp_settings:
        with django_capture_on_commit_callbacks(execute=True):
            services.access_request_create(
                organisation=rep.organisation, actor=RepresentativeFactory().user, message="Hej"
            )
        message = OutgoingMail.objects.get()
        assert message.status == OutgoingMail.Status.PENDING
        assert "ConnectionRefusedError" in message.last_error

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _SMTPHandler)
        server.messages = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                call_command("send_pending_mail", "--all", verbosity=0)
            call_command("send_pending_mail", "--all", verbosity=0)
        finally:
            server.shutdown()
            server.server_close()
    message.refresh_from_db()
    assert message.status == OutgoingMail.Status.SENT
    assert message.attempts == 2
    assert len(server.messages) == 1
    assert rep.user.email.encode() in server.messages[0]


def test_outgoing_mail_is_readable_in_the_admin_and_never_changed_or_deleted(client):
    from tests.factories import UserFactory

    [message] = send_templated_mail(
        to=["someone@example.se"],
        template="organisations/email/access_request",
        context={"request": None, "url": "/"},
    )
    client.force_login(with_mfa(UserFactory(is_staff=True, is_superuser=True)))
    listing = client.get("/admin/core/outgoingmail/")
    assert listing.status_code == 200
    assert "someone@example.se" in listing.content.decode()
    detail = client.get(f"/admin/core/outgoingmail/{message.pk}/change/")
    assert detail.status_code == 200
    assert 'type="submit"' not in detail.content.decode().split('id="content-main"')[1]
    assert client.get("/admin/core/outgoingmail/add/").status_code == 403
    delete_url = f"/admin/core/outgoingmail/{message.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert OutgoingMail.objects.filter(pk=message.pk).exists()
