"""When the demo's accessions were made: spread over the years since their version was adopted.

A municipality that has had its agreement for years has organisations that joined in every one of
them, so the public register's "Ansluten sedan" shows a range, not the day the demo data was
loaded. ``accession_dates`` plans the days of one accession from its state: signed online a few
days ago and still waiting, verified within two weeks of signing, rejected a few months ago,
recorded by an officer some days after a paper application or a dialogue forum (held each
November), withdrawn years after joining. The board decision, where there is one, comes before
the signature. Every day lies between the version's adoption and today.

Organisations next to each other in the data file land years apart (``position``), and the
days come from a random generator seeded with the organisation's name, so the same
organisation gets the same days whenever the data is made on the same day (the span ends today).
``load_demo`` makes each accession through the services as they would today, then ``redate``
moves it and its history (the events and the dates their before/after values hold) to the
planned days, in one transaction with the rest.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from organisations.models import Accession, AccessionEvent

from .texts import State

SEED = "load_demo accession dates"
# A dialogue forum is held each year on the first Thursday on or after 10 November.
FORUM_MONTH_DAY = (11, 10)
THURSDAY = 3
GOLDEN = 0.6180339887498949


@dataclass(frozen=True)
class AccessionDates:
    """The planned moments of one accession (aware datetimes; None where nothing happened)."""

    signed: datetime.datetime
    decided: datetime.datetime | None = None  # verified, rejected, or recorded by the officer
    withdrawn: datetime.datetime | None = None
    board_decision: datetime.date | None = None

    @property
    def signed_on(self) -> datetime.date:
        return timezone.localdate(self.signed)


def adopted_on(version) -> datetime.date:
    """When the version was adopted: its adoption date, else its start of validity, else the
    first day of the year its key names ("2016"); five years ago if it says none of these."""
    if version.adopted_on:
        return version.adopted_on
    if version.valid_from:
        return version.valid_from
    if version.key.isdigit():
        return datetime.date(int(version.key), 1, 1)
    return timezone.localdate() - datetime.timedelta(days=5 * 365)


def _at(day: datetime.date, rng: random.Random, first_hour: int, last_hour: int):
    """A moment of ``day`` between the hours; never later than now (a version adopted today)."""
    moment = datetime.time(rng.randint(first_hour, last_hour), rng.randrange(0, 60, 5))
    return min(timezone.make_aware(datetime.datetime.combine(day, moment)), timezone.now())


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _spread(rng: random.Random, position: int) -> float:
    """Where in a span (0 to 1) the organisation at ``position`` in its list lands.

    Organisations next to each other in the list land far apart (the fractional parts of
    position × the golden ratio fill the span evenly for any number of them), and a little
    jitter keeps the days from looking planned.
    """
    return (position * GOLDEN + rng.uniform(-0.05, 0.05)) % 1.0


def _spread_day(
    rng: random.Random, first: datetime.date, last: datetime.date, position: int
) -> datetime.date:
    """A day between ``first`` and ``last`` for the organisation at ``position`` in its list."""
    if last <= first:
        return first
    return first + datetime.timedelta(days=round(_spread(rng, position) * (last - first).days))


def _after(day: datetime.date, rng: random.Random, low: int, high: int, *, today) -> datetime.date:
    """Some days after ``day``, at the latest yesterday (or ``day`` itself, if that is today)."""
    latest = max(today - datetime.timedelta(days=1), day)
    return min(day + datetime.timedelta(days=rng.randint(low, high)), latest)


def _forum_day(year: int) -> datetime.date:
    first = datetime.date(year, *FORUM_MONTH_DAY)
    return first + datetime.timedelta(days=(THURSDAY - first.weekday()) % 7)


def accession_dates(
    *,
    version,
    organisation_name: str,
    state: State,
    board: bool = False,
    position: int = 0,
    today: datetime.date | None = None,
) -> AccessionDates:
    """The days of one demo accession in ``state`` to ``version``; ``board`` if its basis is a
    board decision (dated before the signature); ``position`` is the organisation's place in its
    municipality's list, which spreads the joining days of neighbours over the years."""
    today = today or timezone.localdate()
    rng = random.Random(f"{SEED}:{organisation_name}")  # noqa: S311 (made-up data, not security)
    start = min(adopted_on(version), today)

    def ago(days: int) -> datetime.date:
        """``days`` before today, but never before the adoption."""
        return max(today - datetime.timedelta(days=days), start)

    decided = withdrawn = None
    if state == State.PENDING:  # signed lately, still waiting for the officer
        signed_day = _day_between(rng, ago(20), ago(2))
        signed = _at(signed_day, rng, 9, 21)
    elif state == State.REJECTED:
        signed_day = _day_between(rng, ago(200), ago(40))
        signed = _at(signed_day, rng, 9, 21)
        decided = _at(_after(signed_day, rng, 2, 10, today=today), rng, 8, 16)
    elif state == State.WITHDRAWN:  # joined early, left years later
        middle = start + datetime.timedelta(days=(today - start).days * 3 // 5)
        signed_day = _day_between(rng, start, min(middle, ago(400)))
        signed = _at(signed_day, rng, 9, 21)
        decided_day = _after(signed_day, rng, 1, 14, today=today)
        decided = _at(decided_day, rng, 8, 16)
        left = _day_between(rng, decided_day + datetime.timedelta(days=180), ago(7))
        latest = max(today - datetime.timedelta(days=1), decided_day)
        withdrawn = _at(min(left, latest), rng, 9, 21)  # left: 180 days or more after deciding
    elif state == State.FORUM:  # signed at a dialogue forum, recorded some days after
        years = [
            year
            for year in range(start.year, today.year + 1)
            if start <= _forum_day(year) <= today - datetime.timedelta(days=7)
        ]
        signed_day = ago(30)
        if years:
            index = int(_spread(rng, position) * len(years))
            signed_day = _forum_day(years[min(index, len(years) - 1)])
        signed = timezone.make_aware(datetime.datetime.combine(signed_day, datetime.time(12)))
        decided = _at(_after(signed_day, rng, 1, 10, today=today), rng, 8, 16)
    elif state == State.PAPER:  # an application by post, recorded when it arrived
        signed_day = _spread_day(rng, start, ago(30), position)
        signed = timezone.make_aware(datetime.datetime.combine(signed_day, datetime.time(12)))
        decided = _at(_after(signed_day, rng, 3, 21, today=today), rng, 8, 16)
    else:  # verified: signed online any time since the adoption, verified within two weeks
        signed_day = _spread_day(rng, start, ago(45), position)
        signed = _at(signed_day, rng, 9, 21)
        decided = _at(_after(signed_day, rng, 1, 14, today=today), rng, 8, 16)
    board_decision = None
    if board:
        board_day = signed_day - datetime.timedelta(days=rng.randint(5, 45))
        board_decision = max(board_day, start)
    return AccessionDates(
        signed=signed, decided=decided, withdrawn=withdrawn, board_decision=board_decision
    )


# Which planned moment each event of a demo accession happened at, by its action.
_EVENT_MOMENT: dict[str, str] = {
    AccessionEvent.Action.SIGNED: "signed_at",
    AccessionEvent.Action.RECORDED: "decided_at",
    AccessionEvent.Action.VERIFIED: "decided_at",
    AccessionEvent.Action.REJECTED: "decided_at",
    AccessionEvent.Action.WITHDRAWN: "withdrawn_at",
}


def redate(accession: Accession, dates: AccessionDates) -> None:
    """Move an accession the services just made, and its history, to the planned moments.

    The accession's signing, decision and withdrawal; each event's time; and the decision and
    withdrawal times its before/after values recorded. A moment the accession does not have
    (a pending accession's decision) stays empty.
    """
    moments = {"signed_at": dates.signed}
    if accession.decided_at is not None and dates.decided is not None:
        moments["decided_at"] = dates.decided
    if accession.withdrawn_at is not None and dates.withdrawn is not None:
        moments["withdrawn_at"] = dates.withdrawn
    Accession.objects.filter(pk=accession.pk).update(**moments)
    for event in AccessionEvent.objects.filter(accession=accession):
        event.at = moments.get(_EVENT_MOMENT.get(event.action, ""), event.at)
        for values in (event.before, event.after):
            for key in ("decided_at", "withdrawn_at"):
                if values.get(key) and key in moments:  # in UTC, as the services write them
                    values[key] = moments[key].astimezone(datetime.UTC).isoformat()
        event.save(update_fields=["at", "before", "after"])
