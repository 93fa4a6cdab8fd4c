"""Who may do what with organisations and accessions: plain functions, used by views and templates.

Every function takes the acting user first and answers True or False; views turn False into 403
(or 404 where even the existence of the object is not the user's business). The user may be
anonymous: every function answers False for one who is not logged in.
"""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import AnonymousUser

from agreements.models import Municipality
from core.types import Actor

from .models import Accession, CouncilMembership, OfficerRole, Organisation, Representative

# Whoever a request has: a logged-in user or an anonymous visitor.
AnyUser = Actor | AnonymousUser


def _active_representation(user: AnyUser, organisation: Organisation) -> Representative | None:
    if not user.is_authenticated:
        return None
    return (
        Representative.objects.current()
        .filter(user=user, organisation=organisation)
        .only("role")
        .first()
    )


def is_representative(user: AnyUser, organisation: Organisation) -> bool:
    return _active_representation(user, organisation) is not None


def is_organisation_admin(user: AnyUser, organisation: Organisation) -> bool:
    rep = _active_representation(user, organisation)
    return rep is not None and rep.role == Representative.Role.ADMIN


def is_officer(user: AnyUser) -> bool:
    return user.is_authenticated and OfficerRole.objects.filter(user=user).exists()


def officer_municipality_ids(user: AnyUser) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(OfficerRole.objects.filter(user=user).values_list("municipality_id", flat=True))


def is_officer_of(user: AnyUser, municipality_id: int) -> bool:
    return municipality_id in officer_municipality_ids(user)


def is_council_member(user: AnyUser, agreement_id: int | None = None) -> bool:
    if not user.is_authenticated:
        return False
    memberships = CouncilMembership.objects.filter(user=user)
    if agreement_id is not None:
        memberships = memberships.filter(agreement_id=agreement_id)
    return memberships.exists()


def needs_mfa(user: AnyUser) -> bool:
    """Officers, council members and staff must use two-factor authentication."""
    if not user.is_authenticated:
        return False
    return user.is_staff or is_officer(user) or is_council_member(user)


def has_mfa(user: AnyUser) -> bool:
    return user.is_authenticated and bool(is_mfa_enabled(user))


def can_edit_organisation(user: AnyUser, organisation: Organisation) -> bool:
    return is_representative(user, organisation) or is_officer_of(
        user, organisation.municipality_id
    )


def can_manage_representatives(user: AnyUser, organisation: Organisation) -> bool:
    return is_organisation_admin(user, organisation)


def can_view_representative_history(user: AnyUser, organisation: Organisation) -> bool:
    """Who did what with the organisation's representatives: its admins and its officers."""
    return is_organisation_admin(user, organisation) or is_officer_of(
        user, organisation.municipality_id
    )


def can_sign_for(user: AnyUser, organisation: Organisation) -> bool:
    return is_representative(user, organisation)


def can_view_accession(user: AnyUser, accession: Accession) -> bool:
    """The organisation's representatives and the municipality's officers, nobody else."""
    return is_representative(user, accession.organisation) or is_officer_of(
        user, accession.agreement.municipality_id
    )


def can_decide_accession(user: AnyUser, accession: Accession) -> bool:
    return is_officer_of(user, accession.agreement.municipality_id)


def can_withdraw_accession(user: AnyUser, accession: Accession) -> bool:
    """Withdrawing the whole organisation is for its admins, not every representative."""
    return is_organisation_admin(user, accession.organisation)


def can_answer_accession(user: AnyUser, accession: Accession) -> bool:
    """Answering the municipality's question on an accession: any of its representatives."""
    return is_representative(user, accession.organisation)


def can_ask_about_accession(user: AnyUser, accession: Accession) -> bool:
    """Sending an accession back with a question: who may decide it."""
    return can_decide_accession(user, accession)


def can_invite_organisation_admin(user: AnyUser, organisation: Organisation) -> bool:
    """The municipality's officers, for an organisation left without an admin (the service
    refuses when it has one)."""
    return is_officer_of(user, organisation.municipality_id)


def can_record_accession(user: AnyUser, organisation: Organisation) -> bool:
    return is_officer_of(user, organisation.municipality_id)


def can_attach_application(user: AnyUser, accession: Accession) -> bool:
    """Attaching the scanned paper application: the municipality's officers."""
    return is_officer_of(user, accession.agreement.municipality_id)


def can_import_register(user: AnyUser, municipality: Municipality) -> bool:
    """Importing an existing register into a municipality: its own officers only."""
    return is_officer_of(user, municipality.pk)
