"""The one day-counting convention of the rulebook (section 2), used by every rule.

An N-day period "counted from the day of leaving" starts on the leaving day L and
covers L .. L+N-1. A stay is within N days of the reference date R when
``R - L < N``; the first day after the period is ``L + N``. Chained measures follow
each other without a gap. Every date here is a calendar date in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from policies.engine.types import Measure

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=512)
def span(days: int) -> timedelta:
    """``timedelta(days=days)``, shared: rules add it to dates on the hot path."""
    return timedelta(days=days)


def within(reference: date, leaving: date | None, days: int) -> bool:
    """True when a stay left on ``leaving`` lies within ``days`` days of ``reference``.

    A stay with no leaving day (the traveller is still there) is always within.
    """
    return leaving is None or (reference - leaving).days < days


def period_after(leaving: date, days: int) -> date:
    """The first day after an N-day period counted from ``leaving``: ``L + N``."""
    return leaving + span(days)


def last_day(start: date, days: int) -> date:
    """The last day (inclusive) of an N-day period starting on ``start``."""
    return start + span(days - 1)


def chain(start: date, steps: tuple[tuple[str, int], ...], home_possible: bool = True):
    """Measures following each other from ``start``: ``((kind, days), ...)`` -> Measures.

    Without home-observation conditions, home observation becomes central
    observation (rulebook section 4), whichever rule asked for it.
    """
    measures = []
    for kind, days in steps:
        if not home_possible and kind == "home_observation":
            kind = "central_observation"
        end = start + span(days - 1)
        measures.append(Measure(kind, start, end))
        start = end + ONE_DAY
    return tuple(measures)


def chain_end(start: date, steps: tuple[tuple[str, int], ...]) -> date:
    """The first day after a chain of measures starting on ``start``."""
    total = 0
    for _kind, days in steps:
        total += days
    return start + span(total)
