"""Window arithmetic: when changes are allowed, given weekly windows in a time zone and blackout dates.

Pure: instants are epoch seconds (the session clock's wall time), so the simulator's clock and a
test's fixed instant work alike. A window opens at its local start time on each of its days and stays
open for its duration of elapsed time, so a 4-hour window is 4 hours long on a DST night too. A start
time that does not exist that day (the spring-forward gap) opens when the clock jumps past it (22:00 is
never skipped; 02:30 in Europe/Amsterdam on the last Sunday of March opens at 03:30 CEST); one that
occurs twice (fall back) opens the first time. A blackout runs from 00:00 of its first day to 24:00
of its last day, local time, and wins over any window it overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

SECTION = "maintenance-window"  # the estate file's `plugins.<SECTION>`, also the rule's name
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index: date.weekday()
DAY = 86400.0
WEEK = 7 * DAY


@dataclass(frozen=True)
class WeeklyWindow:
    days: frozenset[int]  # 0 = Monday ... 6 = Sunday (date.weekday())
    start: time  # local wall time in the calendar's zone
    duration: timedelta


@dataclass(frozen=True)
class Blackout:
    first: date  # inclusive, local dates
    last: date
    reason: str | None = None


@dataclass(frozen=True)
class Calendar:
    """The parsed `plugins.maintenance-window` section."""

    zone: tzinfo
    zone_name: str
    windows: tuple[WeeklyWindow, ...] = ()  # none: open at any time outside the blackouts
    blackouts: tuple[Blackout, ...] = ()
    plans: frozenset[str] | None = None  # the plan kinds guarded; None: every plan

    def guards(self, plan_kind: str) -> bool:
        """Whether a plan of this kind is judged; a rollback is judged like the plan it reverses."""
        if self.plans is None:
            return True
        return plan_kind in self.plans or plan_kind.split(":", 1)[-1] in self.plans


@dataclass(frozen=True)
class Period:
    """An interval of epoch seconds, [start, end); -inf/inf when it has no start or end in sight."""

    start: float
    end: float

    def contains(self, instant: float) -> bool:
        return self.start <= instant < self.end


@dataclass(frozen=True)
class ActiveBlackout:
    blackout: Blackout
    period: Period


class WindowState(StrEnum):
    OPEN = "open"  # inside a window, no blackout
    CLOSED = "closed"  # outside every window
    BLACKOUT = "blackout"  # inside a blackout (whatever the windows say)


@dataclass(frozen=True)
class Situation:
    """The calendar at one instant: what `maintenance status` shows and the rule judges."""

    at: float
    state: WindowState
    current: Period | None  # the open period `at` is in
    next: Period | None  # the next open period after `at` (after `current` when open)
    blackout: ActiveBlackout | None  # the blackout `at` is in
    next_blackout: ActiveBlackout | None  # the next one starting after `at`

    @property
    def open(self) -> bool:
        return self.state is WindowState.OPEN


def local_instant(calendar: Calendar, day: date, at: time) -> float:
    """Epoch seconds of a local wall time (fold 0: a skipped time counts with the offset before the
    jump, landing after it; a repeated time is its first occurrence)."""
    return datetime.combine(day, at, tzinfo=calendar.zone).timestamp()


def blackout_period(calendar: Calendar, blackout: Blackout) -> Period:
    start = local_instant(calendar, blackout.first, time(0))
    return Period(start, local_instant(calendar, blackout.last + timedelta(days=1), time(0)))


def window_periods(calendar: Calendar, low: float, high: float) -> list[Period]:
    """Every window occurrence overlapping [low, high), overlapping or touching ones merged."""
    if not calendar.windows:
        return [Period(-math.inf, math.inf)]
    longest = max(w.duration.total_seconds() for w in calendar.windows)
    first = _local_date(calendar, low - longest - DAY)
    last = _local_date(calendar, high + DAY)
    found: list[Period] = []
    day = first
    while day <= last:
        for window in calendar.windows:
            if day.weekday() in window.days:
                start = local_instant(calendar, day, window.start)
                period = Period(start, start + window.duration.total_seconds())
                if period.end > low and period.start < high:
                    found.append(period)
        day += timedelta(days=1)
    return _merge(found)


def open_periods(calendar: Calendar, low: float, high: float) -> list[Period]:
    """The periods in [low, high) when changes are allowed: the windows minus the blackouts."""
    cuts = _merge(blackout_period(calendar, b) for b in calendar.blackouts)
    result: list[Period] = []
    for period in window_periods(calendar, low, high):
        pieces = [period]
        for cut in cuts:
            pieces = [piece for p in pieces for piece in _minus(p, cut)]
        result.extend(pieces)
    return result


def situation(calendar: Calendar, at: float) -> Situation:
    """Whether changes are allowed at `at`, the current and next open periods, the blackouts."""
    cut_periods = [blackout_period(calendar, b) for b in calendar.blackouts]
    blackouts = sorted(
        (ActiveBlackout(b, p) for b, p in zip(calendar.blackouts, cut_periods, strict=True)),
        key=lambda a: a.period.start,
    )
    active = next((b for b in blackouts if b.period.contains(at)), None)
    upcoming = next((b for b in blackouts if b.period.start > at), None)
    # Past the last blackout the windows repeat weekly: a week (plus the longest window, plus a DST
    # day) beyond it holds the next opening if there is one. Periods reaching the edges of the
    # search continue beyond them.
    longest = max((w.duration.total_seconds() for w in calendar.windows), default=0.0)
    last_cut = max((p.end for p in cut_periods), default=at)
    low = at - longest - WEEK
    high = max(at, last_cut) + 2 * WEEK + longest + DAY
    periods = [_unbounded(p, low, high) for p in open_periods(calendar, low, high)]
    current = next((p for p in periods if p.contains(at)), None)
    after = current.end if current is not None else at
    following = next((p for p in periods if p.start >= after and p.start > at), None)
    if active is not None:
        state = WindowState.BLACKOUT
    elif current is not None:
        state = WindowState.OPEN
    else:
        state = WindowState.CLOSED
    return Situation(at, state, current, following, active, upcoming)


def _unbounded(period: Period, low: float, high: float) -> Period:
    return Period(-math.inf if period.start <= low else period.start, math.inf if period.end >= high else period.end)


def _local_date(calendar: Calendar, instant: float) -> date:
    return datetime.fromtimestamp(instant, UTC).astimezone(calendar.zone).date()


def _merge(periods: Iterable[Period]) -> list[Period]:
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: p.start):
        if merged and period.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Period(last.start, max(last.end, period.end))
        else:
            merged.append(period)
    return merged


def _minus(period: Period, cut: Period) -> list[Period]:
    if cut.end <= period.start or cut.start >= period.end:
        return [period]
    pieces = []
    if period.start < cut.start:
        pieces.append(Period(period.start, cut.start))
    if cut.end < period.end:
        pieces.append(Period(cut.end, period.end))
    return pieces
