"""Who may do what in follow-up: plain functions used by views and templates."""

from __future__ import annotations

from organisations.models import CouncilMembership, OfficerRole, Representative

from .models import Cycle, Report


def is_officer_for(user, agreement) -> bool:
    """An officer of the agreement's municipality runs its cycles and compiles the evaluation."""
    return (
        user.is_authenticated
        and OfficerRole.objects.filter(
            user=user, municipality_id=agreement.municipality_id
        ).exists()
    )


def is_council_member_of(user, agreement) -> bool:
    return (
        user.is_authenticated
        and CouncilMembership.objects.filter(user=user, agreement_id=agreement.pk).exists()
    )


def can_file_report(user, report: Report) -> bool:
    """The organisation's representatives, the unit's officers, or the council member."""
    if not user.is_authenticated:
        return False
    if report.organisation_id:
        return Representative.objects.filter(
            user=user, organisation_id=report.organisation_id, removed_at__isnull=True
        ).exists()
    if report.unit_id:
        return OfficerRole.objects.filter(user=user, unit_id=report.unit_id).exists()
    return report.council_member_id == user.pk


def can_view_report(user, report: Report) -> bool:
    return can_file_report(user, report) or is_officer_for(user, report.cycle.agreement)


def can_manage_cycle(user, cycle: Cycle) -> bool:
    return is_officer_for(user, cycle.agreement)


def can_read_draft_evaluation(user, cycle: Cycle) -> bool:
    return is_officer_for(user, cycle.agreement) or is_council_member_of(user, cycle.agreement)


def can_review_evaluation(user, cycle: Cycle) -> bool:
    return is_council_member_of(user, cycle.agreement)
