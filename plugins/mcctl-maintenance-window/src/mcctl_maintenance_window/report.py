"""The calendar in words and as a document: the rule's messages and `maintenance status -o json`.

Every instant is shown in the estate's time zone and in UTC: the operator reads local time, the
journal and Azure speak UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from mcctl_maintenance_window.calendar import DAY_NAMES, ActiveBlackout, Calendar, Period, Situation


def _local(calendar: Calendar, instant: float) -> datetime:
    return datetime.fromtimestamp(instant, UTC).astimezone(calendar.zone)


def when(calendar: Calendar, instant: float) -> str:
    """'Tue 2026-03-31 22:00 CEST (20:00 UTC)'; the UTC date too when it differs."""
    local = _local(calendar, instant)
    utc = datetime.fromtimestamp(instant, UTC)
    utc_text = utc.strftime("%H:%M UTC") if utc.date() == local.date() else utc.strftime("%a %Y-%m-%d %H:%M UTC")
    if calendar.zone_name.upper() == "UTC":
        return utc.strftime("%a %Y-%m-%d %H:%M UTC")
    return f"{local.strftime('%a %Y-%m-%d %H:%M %Z')} ({utc_text})"


def instant(calendar: Calendar, at: float) -> dict[str, str] | None:
    """{"local": ISO 8601 with the zone's offset, "utc": ISO 8601 with Z}; None for no bound."""
    if not math.isfinite(at):
        return None
    whole = math.floor(at)  # to the second: a document, not a stopwatch
    utc = datetime.fromtimestamp(whole, UTC)
    return {"local": _local(calendar, whole).isoformat(), "utc": utc.strftime("%Y-%m-%dT%H:%M:%SZ")}


def period(calendar: Calendar, found: Period | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"start": instant(calendar, found.start), "end": instant(calendar, found.end)}


def blackout(calendar: Calendar, found: ActiveBlackout | None) -> dict[str, Any] | None:
    if found is None:
        return None
    b = found.blackout
    return {
        "from": b.first.isoformat(),
        "to": b.last.isoformat(),
        "reason": b.reason,
        "start": instant(calendar, found.period.start),
        "end": instant(calendar, found.period.end),
    }


def document(calendar: Calendar, now: Situation) -> dict[str, Any]:
    """The `maintenance status` JSON contract."""
    return {
        "configured": True,
        "timezone": calendar.zone_name,
        "now": instant(calendar, now.at),
        "state": now.state.value,
        "open": now.open,
        "current_window": period(calendar, now.current),
        "next_window": period(calendar, now.next),
        "blackout": blackout(calendar, now.blackout),
        "next_blackout": blackout(calendar, now.next_blackout),
        "plans": sorted(calendar.plans) if calendar.plans is not None else None,
        "windows": [
            {
                "days": [DAY_NAMES[d] for d in sorted(w.days)],
                "start": w.start.strftime("%H:%M"),
                "duration_minutes": int(w.duration.total_seconds() // 60),
            }
            for w in calendar.windows
        ],
    }


def next_opening(calendar: Calendar, now: Situation) -> str:
    if now.next is None:
        return "no window opens in the calendar"
    return f"the next window opens {when(calendar, now.next.start)}"


def closing(calendar: Calendar, now: Situation) -> str:
    if now.current is None or not math.isfinite(now.current.end):
        return "no end in the calendar"
    return f"until {when(calendar, now.current.end)}"


def blackout_words(found: ActiveBlackout) -> str:
    b = found.blackout
    why = f" ({b.reason})" if b.reason else ""
    return f"{b.first.isoformat()} to {b.last.isoformat()}{why}"
