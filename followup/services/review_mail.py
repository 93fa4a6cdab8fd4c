"""Who is told what while the council reviews an evaluation, and when it is published.

- the draft is sent to the council: each member gets an e-mail of their own (nobody sees the
  other members' addresses);
- a member comments or approves: the municipality's officers are told (with which side of the
  council still has to approve);
- the officers change the text after members approved: each member whose approval lapsed is
  asked to approve again;
- the evaluation is published: the council's members and every respondent of the cycle are told,
  with the public page's address.

Every message is stored by ``core.mail`` in the transaction of the step (and vanishes with it),
one message per recipient. The evaluation services call these functions; nothing here decides who
may do what.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from core.mail import send_templated_mail, site_url
from core.types import Actor
from organisations.models import CouncilMembership
from organisations.notifications import officers_to_tell

from .. import recipients
from ..models import Cycle, Evaluation, EvaluationComment


def _each(addresses: Iterable[str], template: str, context: dict[str, Any]) -> int:
    """One message to each distinct address, in a stable order; returns how many."""
    distinct = {address.strip().lower(): address.strip() for address in addresses if address}
    sent = send_templated_mail(
        to=[address for _key, address in sorted(distinct.items())],
        template=f"followup/email/{template}",
        context=context,
        separately=True,
    )
    return len(sent)


def _officer_addresses(cycle: Cycle, *, besides: Actor | None = None) -> list[str]:
    officers = officers_to_tell(municipality_id=cycle.agreement.municipality_id)
    return [o.email for o in officers if besides is None or o.pk != besides.pk]


def _evaluation_url(cycle: Cycle) -> str:
    return site_url(reverse("followup:evaluation", kwargs={"pk": cycle.pk}))


def council_asked_to_review(*, cycle: Cycle) -> int:
    """The draft is before the council: each member is asked, by an e-mail of their own."""
    context = {"cycle": cycle, "url": _evaluation_url(cycle)}
    return _each(recipients.council_addresses(cycle), "review", context)


def officers_told_of_comment(*, cycle: Cycle, comment: EvaluationComment) -> int:
    context = {
        "cycle": cycle,
        "comment": comment,
        "member": comment.author,
        "url": _evaluation_url(cycle) + "#granskning",
    }
    return _each(_officer_addresses(cycle), "council_commented", context)


def officers_told_of_approval(
    *, cycle: Cycle, member: Actor, waiting: list[CouncilMembership.Side]
) -> int:
    """``waiting``: the council's sides that have still to approve (none: the evaluation can be
    published). Their names are translated when each message is rendered."""
    context = {
        "cycle": cycle,
        "member": member,
        "waiting": [side.label for side in waiting],
        "url": _evaluation_url(cycle),
    }
    return _each(_officer_addresses(cycle), "council_approved", context)


def members_asked_again(*, cycle: Cycle, evaluation: Evaluation) -> int:
    """The text changed after these members approved it: they are asked to approve it again
    (while they are on the council: only a member's approval counts)."""
    lapsed = evaluation.approvals.exclude(evaluation_revision=evaluation.revision)
    addresses = recipients.council_addresses(cycle, members=lapsed.values("member_id"))
    context = {"cycle": cycle, "evaluation": evaluation, "url": _evaluation_url(cycle)}
    return _each(addresses, "approve_again", context)


def publication_announced(*, cycle: Cycle) -> int:
    """The council's members and every respondent of the cycle, each told once."""
    url = site_url(
        reverse(
            "followup:public-evaluation",
            kwargs={"slug": cycle.agreement.slug, "pk": cycle.pk},
        )
    )
    addresses = recipients.council_addresses(cycle)
    for found in recipients.addresses(cycle, cycle.reports.all()).values():
        addresses.extend(found)
    return _each(addresses, "published", {"cycle": cycle, "url": url})
