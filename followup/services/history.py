"""The cycle's history: one CycleEvent per step of its life, written by the service that takes
the step, in the transaction of the change (so a change that fails leaves no event).

The services call ``history.record`` through this module, so a test that replaces it here
replaces it for every topic.
"""

from __future__ import annotations

import datetime

from core.types import Actor

from ..models import Cycle, CycleEvent


def record(
    cycle: Cycle,
    kind: str,
    actor: Actor | None,
    *,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
    **details: object,
) -> CycleEvent:
    """Write one CycleEvent; called inside the transaction of the change it records."""
    if before:
        details["before"] = before
    if after:
        details["after"] = after
    return CycleEvent.objects.create(cycle_id=cycle.pk, kind=kind, actor=actor, details=details)


def json_value(value: object) -> object:
    """A field's value as the event's details store it (dates as ISO text)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value
