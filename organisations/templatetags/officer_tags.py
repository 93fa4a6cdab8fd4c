"""What an officer may do on pages that others see too (the accession's page)."""

from __future__ import annotations

from django import template

from .. import permissions
from ..models import Accession

register = template.Library()


@register.filter
def may_attach_application(user: permissions.AnyUser, accession: Accession) -> bool:
    return permissions.can_attach_application(user, accession)
