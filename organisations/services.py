"""Writes to the organisations app. Views and forms call these; nothing else changes the data.

Each function is keyword-only, checks the state it needs, and writes inside one transaction. Every
change of an accession's state is recorded as an AccessionEvent in that same transaction, and
logged to the ``portal.security`` logger. Every change of who acts for an organisation (its
invitations, requests for access and representatives) is recorded as a RepresentativeEvent, with
the acting user (``actor``), in the transaction of the change: a change whose event cannot be
written is undone.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementVersion, Body, Municipality
from core.accounts import stored_language
from core.errors import ActionRefused
from core.mail import send_templated_mail, site_url
from core.models import LanguagePreference
from core.pagecache import public_data_changed
from core.types import Actor

from . import notifications
from .models import (
    Accession,
    AccessionEvent,
    AccessRequest,
    ActivityArea,
    CouncilMembership,
    Invitation,
    MunicipalUnit,
    OfficerNotice,
    OfficerPreference,
    OfficerRole,
    Organisation,
    Representative,
    RepresentativeEvent,
)
from .selectors import open_question

security_log = logging.getLogger("portal.security")

INVITATION_VALID_DAYS = 14

# Error messages, reused by the tests.
ALREADY_JOINED = _(
    "The organisation has already joined this agreement, or its accession is waiting for "
    "verification."
)
NOT_CURRENT_VERSION = _("Only the version of the agreement in force can be signed.")
WRONG_MUNICIPALITY = _("An organisation can only join the agreement of its own municipality.")
NOT_PENDING = _("This accession has already been decided.")
NOT_OPEN = _("Only an active or pending accession can be withdrawn.")
REASON_REQUIRED = _("Give a reason, so that the organisation knows why.")
DECLARATION_REQUIRED = _("You must confirm that the organisation supports the agreement.")
BOARD_DATE_REQUIRED = _("Give the date of the board decision.")
BOARD_DATE_IN_FUTURE = _(
    "The date of the board decision cannot be in the future: give the date of the meeting at "
    "which the board decided."
)
INVITATION_USED = _("This invitation has already been used.")
INVITATION_EXPIRED = _("This invitation has expired or was withdrawn. Ask for a new one.")
INVITATION_OTHER_EMAIL = _(
    "This invitation was sent to another e-mail address. Log in with that address to accept it."
)
LAST_ADMIN = _("An organisation must keep at least one admin.")
ALREADY_INVITED = _(
    "This address has already been invited and the invitation is still open. Withdraw it first "
    "if it should be sent again."
)
TOO_MANY_INVITATIONS = _(
    "The organisation has sent as many invitations as it may in a day. Try again tomorrow."
)
TOO_MANY_INVITATIONS_TO_ADDRESS = _(
    "This address has received as many invitations as it may in a day. Try again tomorrow."
)
NOTHING_TO_RECONFIRM = _("There is no accession to an earlier version to re-confirm.")
# Notes, questions, answers and reasons that the organisation or the officer reads.
NOTE_MAX_LENGTH = 2000
NOTE_TOO_LONG = _("Write at most 2,000 characters.")
QUESTION_REQUIRED = _("Write the question the organisation should answer.")
ANSWER_REQUIRED = _("Write your answer to the municipality's question.")
QUESTION_NOT_PENDING = _(
    "Only an accession that waits for verification can be sent back with a question."
)
NO_OPEN_QUESTION = _("The municipality has no question waiting for an answer.")
WITHDRAWAL_REASON_REQUIRED = _(
    "Give the reason for withdrawing: the municipality is told, and it is kept in the history."
)
WITHDRAW_NEEDS_ADMIN = _(
    "Only the organisation's admins can withdraw it from the agreement. Ask one of them, listed "
    "below."
)
ORGANISATION_HAS_ADMIN = _(
    "The organisation has an admin, who invites new representatives. An officer can invite an "
    "admin only when the organisation has none left."
)


class DuplicateOrganisation(Exception):
    """The organisation number is already registered in the municipality."""

    def __init__(self, existing: Organisation):
        self.existing = existing
        super().__init__(str(existing))


def declaration_text(*, organisation: Organisation, version: AgreementVersion) -> str:
    """The declaration the signer confirms. It is part of the signed record, in Swedish."""
    agreement = version.agreement
    return (
        f"{organisation.name} ansluter sig till {version.title} "
        f"({agreement.municipality.name}) och stöder överenskommelsen i dess helhet: "
        f"dess {agreement.principle_plural} och de åtaganden som gäller "
        f"{agreement.civil_society_term}."
    )


def _actor_label(user: Actor | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email or user.get_username()


def _state(accession: Accession) -> dict[str, object]:
    return {
        "status": accession.status,
        "decided_at": accession.decided_at.isoformat() if accession.decided_at else None,
        "rejection_reason": accession.rejection_reason,
        "withdrawn_at": accession.withdrawn_at.isoformat() if accession.withdrawn_at else None,
        "withdrawal_reason": accession.withdrawal_reason,
    }


def _record(
    accession: Accession,
    action: str,
    actor: Actor | None,
    before: dict[str, object],
    note: str = "",
) -> None:
    AccessionEvent.objects.create(
        accession=accession,
        action=action,
        actor=actor,
        actor_label=_actor_label(actor),
        before=before,
        after=_state(accession),
        note=note,
    )
    # The register, the agreement's signatories and the organisation's page may change.
    public_data_changed()
    security_log.info(
        "accession %s %s by user %s (organisation %s, agreement %s)",
        accession.pk,
        action,
        getattr(actor, "pk", None),
        accession.organisation_id,
        accession.agreement_id,
    )


def _checked_text(text: str, *, field: str, required: Promise | None = None) -> str:
    """A note, question, answer or reason, stripped; refused if empty (if required) or too long."""
    text = text.strip()
    if required is not None and not text:
        raise ValidationError({field: required})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError({field: NOTE_TOO_LONG})
    return text


def _tell_officers_pending(accession: Accession) -> None:
    notifications.officers_notify(
        organisation=accession.organisation,
        kind=OfficerNotice.Kind.ACCESSION_PENDING,
        template="officer_accession_pending",
        context={"accession": accession},
        path=accession.get_absolute_url(),
    )


def _organisation_addresses(organisation: Organisation) -> list[str]:
    reps = organisation.representatives.current().select_related("user")
    addresses = {rep.user.email for rep in reps}
    if organisation.contact_email:
        addresses.add(organisation.contact_email)
    return sorted(addresses)


# --- The register ---------------------------------------------------------------------------


def organisation_find_duplicate(
    *, municipality_id: int, organisation_number: str, exclude_pk: int | None = None
) -> Organisation | None:
    if not organisation_number:
        return None
    duplicates = Organisation.objects.filter(
        municipality_id=municipality_id, organisation_number=organisation_number
    )
    if exclude_pk:
        duplicates = duplicates.exclude(pk=exclude_pk)
    return duplicates.first()


def _set_history_user(organisation: Organisation, actor: Actor) -> None:
    """Who django-simple-history records as the author of the next save of the organisation."""
    # simple_history reads this attribute when the row is saved.
    organisation._history_user = actor  # type: ignore[attr-defined]


@transaction.atomic
def organisation_register(
    *, actor: Actor, organisation: Organisation, activity_areas: list[ActivityArea]
) -> Organisation:
    """Register an organisation (an unsaved instance from the form); the actor becomes its admin."""
    existing = organisation_find_duplicate(
        municipality_id=organisation.municipality_id,
        organisation_number=organisation.organisation_number,
    )
    if existing:
        raise DuplicateOrganisation(existing)
    organisation.full_clean()
    _set_history_user(organisation, actor)
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:  # a simultaneous registration of the same number
        existing = organisation_find_duplicate(
            municipality_id=organisation.municipality_id,
            organisation_number=organisation.organisation_number,
        )
        if existing:
            raise DuplicateOrganisation(existing) from exc
        raise
    organisation.activity_areas.set(activity_areas)
    Representative.objects.create(
        user=actor, organisation=organisation, role=Representative.Role.ADMIN
    )
    _record_representatives(
        organisation,
        RepresentativeEvent.Kind.REGISTERED,
        actor,
        person=actor,
        role=Representative.Role.ADMIN,
    )
    return organisation


@transaction.atomic
def organisation_register_by_officer(
    *, actor: Actor, organisation: Organisation, activity_areas: list[ActivityArea]
) -> Organisation:
    """An officer registers an organisation of their municipality (to record its paper
    accession at once). Nobody becomes its representative: the organisation can ask for access
    later (``access_request_create``) or be invited by its officers."""
    officer = OfficerRole.objects.filter(user=actor, municipality_id=organisation.municipality_id)
    if not officer.exists():
        raise ActionRefused(
            _("Only an officer of the municipality can register an organisation in it."),
            status=403,
        )
    existing = organisation_find_duplicate(
        municipality_id=organisation.municipality_id,
        organisation_number=organisation.organisation_number,
    )
    if existing:
        raise DuplicateOrganisation(existing)
    organisation.full_clean()
    _set_history_user(organisation, actor)
    organisation.save()
    organisation.activity_areas.set(activity_areas)
    return organisation


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    actor: Actor,
    activity_areas: list[ActivityArea] | None = None,
) -> Organisation:
    """Save changes made by a form; the previous values stay in the organisation's history."""
    existing = organisation_find_duplicate(
        municipality_id=organisation.municipality_id,
        organisation_number=organisation.organisation_number,
        exclude_pk=organisation.pk,
    )
    if existing:
        raise DuplicateOrganisation(existing)
    organisation.full_clean()
    _set_history_user(organisation, actor)
    organisation.save()
    public_data_changed()
    if activity_areas is not None:
        organisation.activity_areas.set(activity_areas)
    return organisation


# --- Accessions -----------------------------------------------------------------------------


@dataclass
class Signature:
    """What the signer states. Checked here, whatever form it came from."""

    basis: str
    signer_name: str
    signer_title: str
    declaration_confirmed: bool
    board_decision_date: datetime.date | None = None
    minutes: UploadedFile | None = None

    def check(self) -> None:
        errors: dict[str, Promise] = {}
        if not self.declaration_confirmed:
            errors["declaration_confirmed"] = DECLARATION_REQUIRED
        if self.basis == Accession.Basis.BOARD_DECISION and not self.board_decision_date:
            errors["board_decision_date"] = BOARD_DATE_REQUIRED
        elif self.board_decision_date and self.board_decision_date > timezone.localdate():
            errors["board_decision_date"] = BOARD_DATE_IN_FUTURE
        if not self.signer_name.strip():
            errors["signer_name"] = _("Give the signer's full name.")
        if not self.signer_title.strip():
            errors["signer_title"] = _("Give the signer's title or role.")
        if errors:
            raise ValidationError(errors)


def _lock_organisation(organisation: Organisation) -> Organisation:
    """Serialise accession writes per organisation (a row lock on PostgreSQL)."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _create_accession(
    *,
    organisation: Organisation,
    version: AgreementVersion,
    signature: Signature,
    status: str,
    source: str,
    user: Actor | None,
    recorded_by: Actor | None = None,
    signed_at: datetime.datetime | None = None,
    replaces: Accession | None = None,
) -> Accession:
    signature.check()
    if not version.is_current:
        raise ActionRefused(NOT_CURRENT_VERSION)
    if version.agreement.municipality_id != organisation.municipality_id:
        raise ActionRefused(WRONG_MUNICIPALITY)
    _lock_organisation(organisation)
    open_accessions = Accession.objects.open().filter(
        organisation=organisation, agreement=version.agreement
    )
    if replaces is not None:
        open_accessions = open_accessions.exclude(pk=replaces.pk)
    if open_accessions.exists():
        raise ActionRefused(ALREADY_JOINED)
    now = timezone.now()
    accession = Accession(
        organisation=organisation,
        agreement=version.agreement,
        version=version,
        status=status,
        source=source,
        declaration_text=declaration_text(organisation=organisation, version=version),
        basis=signature.basis,
        board_decision_date=signature.board_decision_date,
        signer_name=signature.signer_name.strip(),
        signer_title=signature.signer_title.strip(),
        signed_at=signed_at or now,
        signed_by=user,
        signed_by_email=getattr(user, "email", "") or "",
        recorded_by=recorded_by,
        decided_at=now if status == Accession.Status.ACTIVE else None,
        decided_by=recorded_by if status == Accession.Status.ACTIVE else None,
        replaces=replaces,
    )
    if signature.minutes:
        accession.minutes.save("minutes.pdf", signature.minutes, save=False)
    try:
        with transaction.atomic():
            accession.save()
    except IntegrityError as exc:  # the database's own guard against a second open accession
        if accession.minutes:
            accession.minutes.delete(save=False)
        raise ActionRefused(ALREADY_JOINED) from exc
    return accession


@transaction.atomic
def accession_sign(
    *, organisation: Organisation, version: AgreementVersion, actor: Actor, signature: Signature
) -> Accession:
    """A representative signs online. The accession waits for an officer's verification."""
    accession = _create_accession(
        organisation=organisation,
        version=version,
        signature=signature,
        status=Accession.Status.PENDING,
        source=Accession.Source.ONLINE,
        user=actor,
    )
    _record(accession, AccessionEvent.Action.SIGNED, actor, before={})
    send_templated_mail(
        to=_organisation_addresses(organisation),
        template="organisations/email/accession_signed",
        context={"accession": accession, "url": site_url(accession.get_absolute_url())},
    )
    _tell_officers_pending(accession)
    return accession


@transaction.atomic
def accession_record(
    *,
    organisation: Organisation,
    version: AgreementVersion,
    actor: Actor,
    source: str,
    signature: Signature,
    signed_on: datetime.date,
    note: str = "",
) -> Accession:
    """An officer records an accession made at a dialogue forum or on paper; active at once."""
    if source not in (Accession.Source.DIALOGUE_FORUM, Accession.Source.PAPER):
        raise ActionRefused(_("Choose where the accession was made."))
    signed_at = timezone.make_aware(datetime.datetime.combine(signed_on, datetime.time(12)))
    accession = _create_accession(
        organisation=organisation,
        version=version,
        signature=signature,
        status=Accession.Status.ACTIVE,
        source=source,
        user=None,
        recorded_by=actor,
        signed_at=signed_at,
    )
    _record(accession, AccessionEvent.Action.RECORDED, actor, before={}, note=note)
    send_templated_mail(
        to=_organisation_addresses(organisation),
        template="organisations/email/accession_verified",
        context={"accession": accession, "url": site_url(accession.get_absolute_url())},
    )
    return accession


@transaction.atomic
def accession_attach_application(
    *, accession: Accession, actor: Actor, upload: UploadedFile
) -> Accession:
    """An officer attaches the scanned paper application (a checked PDF) to an accession. An
    earlier scan stays in the private storage; the event names both files."""
    accession = _lock_accession(accession)
    before = {"application": accession.application.name or None}
    accession.application.save("application.pdf", upload, save=False)
    accession.save(update_fields=["application"])
    AccessionEvent.objects.create(
        accession=accession,
        action=AccessionEvent.Action.APPLICATION_ATTACHED,
        actor=actor,
        actor_label=_actor_label(actor),
        before=before,
        after={"application": accession.application.name},
    )
    security_log.info(
        "accession %s application attached by user %s", accession.pk, getattr(actor, "pk", None)
    )
    return accession


def _lock_accession(accession: Accession) -> Accession:
    return Accession.objects.select_for_update().select_related("organisation").get(pk=accession.pk)


@transaction.atomic
def accession_verify(*, accession: Accession, actor: Actor, note: str = "") -> Accession:
    """An officer confirms that the signer may sign for the organisation.

    The optional ``note`` is shown to the organisation (on the accession's page and in the
    e-mail) and kept in the event.
    """
    note = _checked_text(note, field="note")
    accession = _lock_accession(accession)
    if accession.status != Accession.Status.PENDING:
        raise ActionRefused(NOT_PENDING)
    before = _state(accession)
    accession.status = Accession.Status.ACTIVE
    accession.decided_at = timezone.now()
    accession.decided_by = actor
    accession.save(update_fields=["status", "decided_at", "decided_by"])
    _record(accession, AccessionEvent.Action.VERIFIED, actor, before, note=note)
    if accession.replaces is not None:
        old = _lock_accession(accession.replaces)
        if old.status == Accession.Status.ACTIVE:
            old_before = _state(old)
            old.status = Accession.Status.SUPERSEDED
            old.save(update_fields=["status"])
            _record(old, AccessionEvent.Action.SUPERSEDED, actor, old_before)
    send_templated_mail(
        to=_organisation_addresses(accession.organisation),
        template="organisations/email/accession_verified",
        context={
            "accession": accession,
            "note": note,
            "url": site_url(accession.get_absolute_url()),
        },
    )
    return accession


@transaction.atomic
def accession_reject(*, accession: Accession, actor: Actor, reason: str) -> Accession:
    """An officer rejects a pending accession; the reason is the note shown to the organisation."""
    reason = _checked_text(reason, field="reason", required=REASON_REQUIRED)
    accession = _lock_accession(accession)
    if accession.status != Accession.Status.PENDING:
        raise ActionRefused(NOT_PENDING)
    before = _state(accession)
    accession.status = Accession.Status.REJECTED
    accession.decided_at = timezone.now()
    accession.decided_by = actor
    accession.rejection_reason = reason.strip()
    accession.save(update_fields=["status", "decided_at", "decided_by", "rejection_reason"])
    _record(accession, AccessionEvent.Action.REJECTED, actor, before, note=reason.strip())
    send_templated_mail(
        to=_organisation_addresses(accession.organisation),
        template="organisations/email/accession_rejected",
        context={"accession": accession, "url": site_url(accession.get_absolute_url())},
    )
    return accession


def _withdraw(accession: Accession, user: Actor, reason: str) -> None:
    before = _state(accession)
    accession.status = Accession.Status.WITHDRAWN
    accession.withdrawn_at = timezone.now()
    accession.withdrawal_reason = reason.strip()
    accession.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
    _record(accession, AccessionEvent.Action.WITHDRAWN, user, before, note=reason.strip())


@transaction.atomic
def accession_withdraw(*, accession: Accession, actor: Actor, reason: str) -> Accession:
    """The organisation leaves the agreement. It leaves the public register; history stays.

    The reason is required: the municipality's officers are told of the withdrawal with it.
    """
    reason = _checked_text(reason, field="reason", required=WITHDRAWAL_REASON_REQUIRED)
    accession = _lock_accession(accession)
    if accession.status not in (Accession.Status.ACTIVE, Accession.Status.PENDING):
        raise ActionRefused(NOT_OPEN)
    _withdraw(accession, actor, reason)
    # A re-confirmation that was waiting for verification is withdrawn with it.
    pending = Accession.objects.select_for_update().filter(
        replaces=accession, status=Accession.Status.PENDING
    )
    for reconfirmation in pending:
        _withdraw(reconfirmation, actor, reason)
    send_templated_mail(
        to=_organisation_addresses(accession.organisation),
        template="organisations/email/accession_withdrawn",
        context={"accession": accession, "url": site_url(accession.get_absolute_url())},
    )
    notifications.officers_notify(
        organisation=accession.organisation,
        kind=OfficerNotice.Kind.WITHDRAWN,
        template="officer_accession_withdrawn",
        context={"accession": accession, "by": _actor_label(actor)},
        path=accession.get_absolute_url(),
    )
    return accession


@transaction.atomic
def accession_request_information(
    *, accession: Accession, actor: Actor, question: str
) -> Accession:
    """Send a pending accession back to the organisation with the officer's question.

    The accession stays pending; the question is an event, shown to the organisation's
    representatives on the accession's page and e-mailed to them, until they answer it
    (``accession_answer``).
    """
    question = _checked_text(question, field="question", required=QUESTION_REQUIRED)
    accession = _lock_accession(accession)
    if accession.status != Accession.Status.PENDING:
        raise ActionRefused(QUESTION_NOT_PENDING)
    _record(accession, AccessionEvent.Action.INFO_REQUESTED, actor, _state(accession), question)
    send_templated_mail(
        to=_organisation_addresses(accession.organisation),
        template="organisations/email/accession_information_requested",
        context={
            "accession": accession,
            "question": question,
            "url": site_url(accession.get_absolute_url()),
        },
    )
    return accession


@transaction.atomic
def accession_answer(*, accession: Accession, actor: Actor, answer: str) -> Accession:
    """A representative answers the officer's open question; the officers are told."""
    answer = _checked_text(answer, field="answer", required=ANSWER_REQUIRED)
    accession = _lock_accession(accession)
    question = open_question(accession)
    if question is None:
        raise ActionRefused(NO_OPEN_QUESTION)
    _record(accession, AccessionEvent.Action.INFO_GIVEN, actor, _state(accession), answer)
    notifications.officers_notify(
        organisation=accession.organisation,
        kind=OfficerNotice.Kind.INFORMATION_GIVEN,
        template="officer_information_given",
        context={"accession": accession, "question": question.note, "answer": answer},
        path=accession.get_absolute_url(),
    )
    return accession


@transaction.atomic
def accession_reconfirm(*, accession: Accession, actor: Actor, signature: Signature) -> Accession:
    """Sign the agreement's new version; the earlier accession stays active until verified."""
    current = accession.agreement.current_version
    if (
        accession.status != Accession.Status.ACTIVE
        or current is None
        or accession.version_id == current.pk
    ):
        raise ActionRefused(NOTHING_TO_RECONFIRM)
    new = _create_accession(
        organisation=accession.organisation,
        version=current,
        signature=signature,
        status=Accession.Status.PENDING,
        source=Accession.Source.ONLINE,
        user=actor,
        replaces=accession,
    )
    _record(new, AccessionEvent.Action.RECONFIRMED, actor, before={})
    send_templated_mail(
        to=_organisation_addresses(new.organisation),
        template="organisations/email/accession_signed",
        context={"accession": new, "url": site_url(new.get_absolute_url())},
    )
    _tell_officers_pending(new)
    return new


def accessions_to_reconfirm(*, agreement: Agreement) -> list[Accession]:
    """Active accessions to an earlier version, with no re-confirmation waiting."""
    current = agreement.current_version
    if current is None:
        return []
    return list(
        Accession.objects.filter(agreement=agreement, status=Accession.Status.ACTIVE)
        .exclude(version=current)
        .exclude(replaced_by__status=Accession.Status.PENDING)
        .select_related("organisation", "version", "agreement__municipality")
    )


@transaction.atomic
def reconfirmation_invite(*, agreement: Agreement, actor: Actor | None) -> int:
    """Ask the signatories of an earlier version to re-confirm for the version in force.

    Their accession stays active meanwhile; each invitation is recorded on the accession, with
    the officer who sent it (None when the scheduled command sends them).
    """
    accessions = accessions_to_reconfirm(agreement=agreement)
    for accession in accessions:
        before = _state(accession)
        _record(accession, AccessionEvent.Action.RECONFIRM_INVITED, actor, before)
        url = site_url(reverse("organisations:reconfirm", kwargs={"pk": accession.pk}))
        send_templated_mail(
            to=_organisation_addresses(accession.organisation),
            template="organisations/email/reconfirm_invitation",
            context={"accession": accession, "current": agreement.current_version, "url": url},
        )
    return len(accessions)


# --- Representatives --------------------------------------------------------------------------


class InvitationLimitReached(ActionRefused):
    """Too many invitations within a day: from this organisation, or to this address (429)."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message, status=429)


def _invitations_since(since: datetime.datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(created_at__gt=since)


def _record_representatives(
    organisation: Organisation,
    kind: str,
    actor: Actor,
    *,
    person: Actor | None = None,
    invitation: Invitation | None = None,
    role: str = "",
    previous_role: str = "",
    note: str = "",
) -> RepresentativeEvent:
    """Write one RepresentativeEvent; called inside the transaction of the change it records."""
    event = RepresentativeEvent.objects.create(
        organisation=organisation,
        kind=kind,
        actor=actor,
        person=person,
        invitation=invitation,
        role=role,
        previous_role=previous_role,
        note=note,
    )
    security_log.info(
        "representatives of organisation %s: %s by user %s (person %s, invitation %s)",
        organisation.pk,
        kind,
        actor.pk,
        getattr(person, "pk", None),
        getattr(invitation, "pk", None),
    )
    return event


@transaction.atomic
def invitation_send(
    *, organisation: Organisation, actor: Actor, email: str, role: str
) -> Invitation:
    """Invite someone to represent the organisation, within the day's limits.

    Counted from the invitations stored in the last 24 hours (revoked ones included: they were
    sent): at most ``PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY`` from an organisation and
    ``PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY`` to one address from all organisations together.
    An address with an open invitation from the organisation is not invited again. A refusal
    stores and sends nothing. The organisation's row is locked, so its admins' simultaneous
    invitations are counted one after the other.
    """
    email = email.strip().lower()
    _lock_organisation(organisation)
    now = timezone.now()
    if organisation.invitations.filter(
        email=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).exists():
        raise ActionRefused(ALREADY_INVITED)
    since = now - datetime.timedelta(days=1)
    if (
        _invitations_since(since).filter(organisation=organisation).count()
        >= settings.PORTAL_INVITATIONS_PER_ORGANISATION_PER_DAY
    ):
        raise InvitationLimitReached(TOO_MANY_INVITATIONS)
    if (
        _invitations_since(since).filter(email=email).count()
        >= settings.PORTAL_INVITATIONS_PER_ADDRESS_PER_DAY
    ):
        raise InvitationLimitReached(TOO_MANY_INVITATIONS_TO_ADDRESS)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_VALID_DAYS),
    )
    _record_representatives(
        organisation, RepresentativeEvent.Kind.INVITED, actor, invitation=invitation, role=role
    )
    url = site_url(reverse("organisations:invitation", kwargs={"token": invitation.token}))
    send_templated_mail(
        to=[invitation.email],
        template="organisations/email/invitation",
        context={"invitation": invitation, "url": url, "inviter": _actor_label(actor)},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, actor: Actor) -> Representative:
    """The invited person (``actor``, logged in with the invited address) becomes a
    representative."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    if invitation.accepted_at is not None:
        raise ActionRefused(INVITATION_USED)
    if not invitation.is_open:
        raise ActionRefused(INVITATION_EXPIRED)
    if invitation.email.lower() != (actor.email or "").lower():
        raise ActionRefused(INVITATION_OTHER_EMAIL)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    representative, _created = Representative.objects.current().get_or_create(
        user=actor,
        organisation=invitation.organisation,
        defaults={"role": invitation.role},
    )
    _record_representatives(
        invitation.organisation,
        RepresentativeEvent.Kind.INVITATION_ACCEPTED,
        actor,
        person=actor,
        invitation=invitation,
        role=representative.role,
    )
    return representative


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    """Withdraw an open invitation; one already accepted or withdrawn stays as it is."""
    invitation = (
        Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    )
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        _record_representatives(
            invitation.organisation,
            RepresentativeEvent.Kind.INVITATION_REVOKED,
            actor,
            invitation=invitation,
            role=invitation.role,
        )
    return invitation


@transaction.atomic
def organisation_invite_admin(
    *, organisation: Organisation, actor: Actor, email: str
) -> Invitation:
    """An officer invites a new admin to an organisation that has none left.

    The organisation's own admins invite everyone else; the municipality's officer steps in only
    when no current representative is an admin (the last one deleted their account, say). The
    invitation is sent and recorded as any other (``invitation_send``), with the officer as actor.
    """
    _lock_organisation(organisation)
    if _admin_count(organisation):
        raise ActionRefused(ORGANISATION_HAS_ADMIN)
    return invitation_send(
        organisation=organisation, actor=actor, email=email, role=Representative.Role.ADMIN
    )


@transaction.atomic
def representative_add(
    *, organisation: Organisation, user: Actor, role: str, actor: Actor
) -> Representative:
    """Make the user a representative of the organisation (staff, in the admin).

    One who already represents the organisation keeps their representation; only its role may
    change (``representative_change_role``).
    """
    _lock_organisation(organisation)
    representative, created = Representative.objects.current().get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    if created:
        _record_representatives(
            organisation, RepresentativeEvent.Kind.ADDED, actor, person=user, role=role
        )
    return representative


@transaction.atomic
def representative_change_role(
    *, representative: Representative, role: str, actor: Actor
) -> Representative:
    """Give a current representative another role; the organisation keeps at least one admin."""
    organisation = _lock_organisation(representative.organisation)
    representative = (
        Representative.objects.current().select_related("user").get(pk=representative.pk)
    )
    previous = representative.role
    if previous == role:
        return representative
    if previous == Representative.Role.ADMIN and _admin_count(organisation) <= 1:
        raise ActionRefused(LAST_ADMIN)
    representative.role = role
    representative.full_clean()
    representative.save(update_fields=["role"])
    _record_representatives(
        organisation,
        RepresentativeEvent.Kind.ROLE_CHANGED,
        actor,
        person=representative.user,
        role=role,
        previous_role=previous,
    )
    return representative


def _admin_count(organisation: Organisation) -> int:
    return Representative.objects.current().admins().filter(organisation=organisation).count()


@transaction.atomic
def representative_remove(*, representative: Representative, actor: Actor) -> Representative:
    """End a representation (kept, with when and by whom); removing oneself is leaving."""
    organisation = Organisation.objects.select_for_update().get(pk=representative.organisation_id)
    representative = Representative.objects.select_related("user").get(pk=representative.pk)
    if representative.removed_at is not None:
        return representative
    if representative.role == Representative.Role.ADMIN and _admin_count(organisation) <= 1:
        raise ActionRefused(LAST_ADMIN)
    representative.removed_at = timezone.now()
    representative.removed_by = actor
    representative.save(update_fields=["removed_at", "removed_by"])
    left = representative.user_id == actor.pk
    _record_representatives(
        organisation,
        RepresentativeEvent.Kind.LEFT if left else RepresentativeEvent.Kind.REMOVED,
        actor,
        person=representative.user,
        role=representative.role,
    )
    return representative


@transaction.atomic
def access_request_create(
    *, organisation: Organisation, actor: Actor, message: str = ""
) -> AccessRequest:
    """The actor asks the organisation's admins to become a representative (once while open)."""
    request, created = AccessRequest.objects.get_or_create(
        organisation=organisation,
        user=actor,
        status=AccessRequest.Status.PENDING,
        defaults={"message": message.strip()},
    )
    if created:
        _record_representatives(
            organisation, RepresentativeEvent.Kind.ACCESS_REQUESTED, actor, person=actor
        )
        admins = organisation.representatives.current().admins().select_related("user")
        url = site_url(reverse("organisations:representatives", kwargs={"pk": organisation.pk}))
        send_templated_mail(
            to=[admin.user.email for admin in admins],
            template="organisations/email/access_request",
            context={"request": request, "url": url},
        )
        notifications.officers_notify(
            organisation=organisation,
            kind=OfficerNotice.Kind.ACCESS_REQUESTED,
            template="officer_access_request",
            context={"request": request, "has_admin": admins.exists()},
            path=reverse("organisations:edit", kwargs={"pk": organisation.pk}),
        )
    return request


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, actor: Actor, approve: bool
) -> AccessRequest:
    """An admin approves (the person becomes a representative) or declines a request."""
    access_request = (
        AccessRequest.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=access_request.pk)
    )
    if access_request.status != AccessRequest.Status.PENDING:
        raise ActionRefused(_("This request has already been answered."))
    access_request.status = (
        AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REJECTED
    )
    access_request.decided_at = timezone.now()
    access_request.decided_by = actor
    access_request.save(update_fields=["status", "decided_at", "decided_by"])
    role = ""
    if approve:
        representative, _created = Representative.objects.current().get_or_create(
            user=access_request.user,
            organisation=access_request.organisation,
            defaults={"role": Representative.Role.REPRESENTATIVE},
        )
        role = representative.role
    _record_representatives(
        access_request.organisation,
        RepresentativeEvent.Kind.ACCESS_GRANTED
        if approve
        else RepresentativeEvent.Kind.ACCESS_REFUSED,
        actor,
        person=access_request.user,
        role=role,
    )
    send_templated_mail(
        to=[access_request.user.email],
        template="organisations/email/access_request_answered",
        context={
            "request": access_request,
            "approved": approve,
            "url": site_url(reverse("organisations:dashboard")),
        },
    )
    return access_request


# --- Officers' preferences ---------------------------------------------------------------------


def officer_preference_set(*, user: Actor, work_mail: str) -> OfficerPreference:
    """How the officer hears of new work: an e-mail for each, or the daily digest."""
    if work_mail not in OfficerPreference.WorkMail.values:
        raise ValidationError({"work_mail": _("Choose how you want to be told of new work.")})
    preference, _created = OfficerPreference.objects.update_or_create(
        user=user, defaults={"work_mail": work_mail}
    )
    return preference


# --- Personal data ------------------------------------------------------------------------------


def user_personal_data(*, user: Actor) -> dict[str, object]:
    """Everything the portal holds about a person, for the data export (GDPR art. 15 and 20)."""
    from allauth.account.models import EmailAddress

    return {
        "account": {
            "email": user.email,
            "name": user.get_full_name(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            # The language of the portal's e-mail to the person, as stored (None: never chosen).
            "language": stored_language(user),
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": e.email, "verified": e.verified, "primary": e.primary}
                for e in EmailAddress.objects.filter(user=user)
            ],
        },
        "representations": [
            {
                "organisation": r.organisation.name,
                "role": r.role,
                "since": r.created_at.isoformat(),
                "removed": r.removed_at.isoformat() if r.removed_at else None,
            }
            for r in user.representations.select_related("organisation")
        ],
        "signed_accessions": [
            {
                "organisation": a.organisation.name,
                "agreement": a.agreement.title,
                "signed_at": a.signed_at.isoformat(),
                "signer_name": a.signer_name,
                "signer_title": a.signer_title,
                "status": a.status,
            }
            for a in user.signed_accessions.select_related("organisation", "agreement")
        ],
        "officer_roles": [str(r) for r in user.officer_roles.select_related("municipality")],
        "officer_work_mail": OfficerPreference.objects.filter(user=user)
        .values_list("work_mail", flat=True)
        .first(),
        "council_memberships": [
            str(m) for m in user.council_memberships.select_related("agreement")
        ],
    }


@transaction.atomic
def user_delete(*, user: Actor, actor: Actor | None = None) -> None:
    """Delete an account by anonymising the person. Organisations' accessions stay intact.

    The one way an account is "deleted": by the person on their own page (``actor`` is None or
    the person) and by staff in the admin (``actor`` is the staff member). The user row is kept,
    so the records that name it (accessions and their events, reports and their versions, the
    council's comments and approvals, invitations, roles: all ``PROTECT``) keep who did what; the
    signed accession (with the signer's name and title) is the organisation's record. The person's
    name, e-mail addresses, language, password and two-factor authenticators are removed, and their
    representations, officer roles and council memberships are ended (kept, with when and by whom).
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    actor = actor or user
    now = timezone.now()
    ended = {"removed_at": now, "removed_by": actor}
    representations = Representative.objects.current().filter(user=user).select_for_update()
    for representation in representations.select_related("organisation"):
        _record_representatives(
            representation.organisation,
            RepresentativeEvent.Kind.ACCOUNT_DELETED,
            actor,
            person=user,
            role=representation.role,
        )
    representations.update(**ended)
    OfficerRole.objects.filter(user=user).update(**ended)
    CouncilMembership.objects.filter(user=user).update(**ended)
    user.access_requests.filter(status=AccessRequest.Status.PENDING).update(
        status=AccessRequest.Status.REJECTED, decided_at=now
    )
    Accession.objects.filter(signed_by=user).update(signed_by_email="")
    AccessionEvent.objects.filter(actor=user).update(actor_label=str(_("deleted account")))
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    LanguagePreference.objects.filter(user=user).delete()
    anonymous = f"deleted-{user.pk}"
    user.username = anonymous
    user.email = f"{anonymous}@invalid"
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    if actor.pk == user.pk:
        security_log.info("user %s deleted their account (anonymised)", user.pk)
    else:
        security_log.warning("user %s anonymised by staff user %s", user.pk, actor.pk)


@transaction.atomic
def role_end(*, role: OfficerRole | CouncilMembership, actor: Actor) -> bool:
    """End an officer role or a council membership: kept, with when and by whom, never deleted.

    From then on it grants nothing (``CurrentRoleManager``). False if it had already ended.
    """
    ended = (
        type(role).objects.filter(pk=role.pk).update(removed_at=timezone.now(), removed_by=actor)
    )
    if ended:
        security_log.info(
            "%s %s of user %s ended by %s",
            role._meta.model_name,
            role.pk,
            role.user_id,
            getattr(actor, "pk", None),
        )
    return bool(ended)


# --- Onboarding a municipality: its officers and council members ---------------------------------

UNIT_OF_OTHER_MUNICIPALITY = _("The unit belongs to another municipality.")
BODY_OF_OTHER_AGREEMENT = _("The council belongs to another agreement.")


def _account_for_role(
    *, email: str, first_name: str = "", last_name: str = ""
) -> tuple[Actor, bool]:
    """The account with this e-mail address, made if there is none.

    A new account has no password (the person sets one with "Forgot your password?", which proves
    they read the address) and its address counts as verified, because the municipality vouches
    for it. Officers and council members must then add two-factor authentication before they
    reach their pages.
    """
    from allauth.account.models import EmailAddress

    email = Actor.objects.normalize_email(email.strip()).lower()
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address:
        existing: Actor = address.user
        return existing, False
    user = Actor(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


@transaction.atomic
def officer_add(
    *,
    email: str,
    municipality: Municipality,
    unit: MunicipalUnit | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: str = "",
) -> tuple[OfficerRole, bool, bool]:
    """Make the person with this address an officer of the municipality (or one of its units).

    Returns ``(role, account_created, role_created)``; adding the same role twice changes nothing.
    """
    if unit is not None and unit.municipality_id != municipality.pk:
        raise ValidationError({"unit": UNIT_OF_OTHER_MUNICIPALITY})
    user, account_created = _account_for_role(
        email=email, first_name=first_name, last_name=last_name
    )
    role, role_created = OfficerRole.objects.get_or_create(
        user=user, municipality=municipality, unit=unit
    )
    if role_created:
        security_log.info(
            "officer role granted: user=%s municipality=%s unit=%s by %s",
            user.pk,
            municipality.slug,
            getattr(unit, "pk", None),
            actor or "-",
        )
    return role, account_created, role_created


@transaction.atomic
def council_member_add(
    *,
    email: str,
    agreement: Agreement,
    side: str,
    body: Body | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: str = "",
) -> tuple[CouncilMembership, bool, bool]:
    """Make the person with this address a member of the agreement's council.

    Without ``body``, the council of the version in force (the body marked ``is_council`` in the
    data file). Returns ``(membership, account_created, membership_created)``.
    """
    if side not in CouncilMembership.Side.values:
        raise ValidationError({"side": _("Choose the municipality or civil society.")})
    version = agreement.current_version
    if body is None and version is not None:
        body = version.bodies.filter(is_council=True).order_by("pk").first()
    if body is not None and body.version.agreement_id != agreement.pk:
        raise ValidationError({"body": BODY_OF_OTHER_AGREEMENT})
    user, account_created = _account_for_role(
        email=email, first_name=first_name, last_name=last_name
    )
    membership, created = CouncilMembership.objects.get_or_create(
        user=user, agreement=agreement, defaults={"body": body, "side": side}
    )
    if created:
        security_log.info(
            "council membership granted: user=%s agreement=%s side=%s by %s",
            user.pk,
            agreement.slug,
            side,
            actor or "-",
        )
    return membership, account_created, created
