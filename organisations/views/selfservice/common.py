"""What the self-service views share: the posted data, people's names, accession states."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from agreements.models import AgreementVersion

from ...models import Accession, display_name

OPEN_STATUSES = (Accession.Status.PENDING, Accession.Status.ACTIVE)


def posted_data(request: HttpRequest) -> QueryDict | None:
    """The submitted data, or None to show an unbound form (an empty POST is still a POST)."""
    return request.POST if request.method == "POST" else None


def posted_files(request: HttpRequest) -> MultiValueDict | None:
    return request.FILES if request.method == "POST" else None


def user_label(user) -> str:
    """A person as the pages name them; "deleted account" for a deleted one."""
    return display_name(user)


def needs_reconfirmation(accession: Accession | None, current: AgreementVersion | None) -> bool:
    return (
        accession is not None
        and accession.status == Accession.Status.ACTIVE
        and current is not None
        and accession.version_id != current.pk
    )
