"""Who may do what in follow-up: plain functions used by views, templates and services.

Every function takes the user first (signed in or not) and answers True or False; views turn
False into 403. A rule that lists objects too is written once as a QuerySet method and asked of
the one object here (``can_file_report``: ``Report.objects.fileable_by``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agreements.models import Agreement
from organisations.models import CouncilMembership, OfficerRole

from .models import Cycle, Report

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def is_officer_for(user: User, agreement: Agreement) -> bool:
    """An officer of the agreement's municipality runs its cycles and compiles the evaluation."""
    return (
        user.is_authenticated
        and OfficerRole.objects.filter(
            user_id=user.pk, municipality_id=agreement.municipality_id
        ).exists()
    )


def is_council_member_of(user: User, agreement: Agreement) -> bool:
    return (
        user.is_authenticated
        and CouncilMembership.objects.filter(user_id=user.pk, agreement_id=agreement.pk).exists()
    )


def can_file_report(user: User, report: Report) -> bool:
    """The organisation's current representatives, the unit's officers, or the council member
    (the rule of ``Report.objects.fileable_by``, asked of this report: one query)."""
    if not user.is_authenticated:
        return False
    return Report.objects.fileable_by(user).filter(pk=report.pk).exists()


def can_view_report(user: User, report: Report) -> bool:
    return can_file_report(user, report) or is_officer_for(user, report.cycle.agreement)


def can_manage_cycle(user: User, cycle: Cycle) -> bool:
    return is_officer_for(user, cycle.agreement)


def can_read_draft_evaluation(user: User, cycle: Cycle) -> bool:
    return is_officer_for(user, cycle.agreement) or is_council_member_of(user, cycle.agreement)


def can_review_evaluation(user: User, cycle: Cycle) -> bool:
    return is_council_member_of(user, cycle.agreement)
