"""Simulated time: wall time plus a persisted offset, optionally running faster than the wall.

The in-process transport turns every SDK sleep (LRO polling, Retry-After) into an advance of the
offset, so a 10-minute failover completes instantly in tests while still taking 10 simulated minutes.
Wall time keeps counting too, so an operation started with --no-wait completes on its own.

A client outside the process (`mcctl sim serve` for the az CLI) sleeps on the wall clock, so time
can also run `factor` times faster than the wall (`sim serve --speed N`). The speed is state data
(`ClockSpeed`, persisted next to the offset) rather than a property of the server, so every process
on the state file computes the same `now`; it holds only until a lease (`until`) that the serving
process renews, so a killed server stops accelerating time within seconds instead of forever.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

MAX_ADVANCE = 3650 * 86400.0  # one `sim advance` passes at most ten years
MAX_OFFSET = 100 * 365 * 86400.0  # simulated time stays within a century of wall time (dates stay renderable)
MAX_SPEED = 86400.0  # a simulated day per wall second: anything faster is a typo


def speed_problem(factor: object) -> str | None:
    """Why `factor` cannot be a clock speed (None: it can)."""
    if not isinstance(factor, int | float) or isinstance(factor, bool) or not math.isfinite(factor):
        return f"must be a finite number, got {factor!r}"
    if not 1 <= factor <= MAX_SPEED:
        return f"must be between 1 and {MAX_SPEED:.0f} simulated seconds per wall second, got {factor:g}"
    return None


@dataclass(frozen=True)
class ClockSpeed:
    """`factor` simulated seconds pass per wall second from wall instant `since` until `until` (the
    lease its keeper renews); `owner` names the keeper (mcctl.sim.server.SpeedKeeper)."""

    factor: float
    since: float
    until: float
    owner: str = ""

    def extra(self, wall: float) -> float:
        """Simulated seconds gained over the wall since `since`, as of wall instant `wall`: never
        negative, and frozen once the lease ran out."""
        return (self.factor - 1) * max(0.0, min(wall, self.until) - self.since)

    def live(self, wall: float) -> bool:
        return self.since <= wall < self.until

    def to_state(self) -> dict[str, Any]:
        return {"factor": self.factor, "since": self.since, "until": self.until, "owner": self.owner}

    @classmethod
    def from_state(cls, value: object) -> ClockSpeed | None:
        """The speed a state holds (None when it has none or a damaged one: `state_problem` reports those)."""
        if clock_speed_problem(value) is not None or value is None:
            return None
        assert isinstance(value, dict)
        return cls(float(value["factor"]), float(value["since"]), float(value["until"]), str(value.get("owner", "")))


def clock_speed_problem(value: object) -> str | None:
    """Why a state's `clock_speed` value is unusable (None: it is usable, or absent)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        return f"clock_speed is not an object but {type(value).__name__}"
    problem = speed_problem(value.get("factor"))
    if problem:
        return f"clock_speed.factor {problem}"
    for key in ("since", "until"):
        number = value.get(key)
        if not isinstance(number, int | float) or isinstance(number, bool) or not math.isfinite(number) or number < 0:
            return f"clock_speed.{key} {number!r} is not a wall-clock instant"
    if value["until"] < value["since"]:
        return "clock_speed.until is before clock_speed.since"
    if not isinstance(value.get("owner", ""), str):
        return "clock_speed.owner is not a string"
    return None


class SimClock:
    def __init__(
        self, offset: float = 0.0, wall: Callable[[], float] = time.time, speed: ClockSpeed | None = None
    ) -> None:
        self.offset = offset
        self.speed = speed
        self._wall = wall

    def wall(self) -> float:
        """Wall time, as this clock reads it (injected in tests)."""
        return self._wall()

    def now(self) -> float:
        wall = self._wall()
        return wall + self.offset + self._extra(wall)

    def _extra(self, wall: float) -> float:
        # Clamped so the clock stays within MAX_OFFSET of the wall however long a fast server runs.
        if self.speed is None:
            return 0.0
        return max(0.0, min(self.speed.extra(wall), MAX_OFFSET - self.offset))

    def effective_offset(self) -> float:
        """How far simulated time is ahead of the wall now (the offset plus what a speed gained)."""
        return self.offset + self._extra(self._wall())

    def lead_over(self, other: SimClock) -> float:
        """How many seconds this clock is ahead of `other` (negative: behind), at one wall instant."""
        wall = self._wall()
        return (self.offset + self._extra(wall)) - (other.offset + other._extra(wall))

    def factor(self) -> float:
        """Simulated seconds per wall second right now (1 without a live speed)."""
        if self.speed is not None and self.speed.live(self._wall()):
            return self.speed.factor
        return 1.0

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass (nothing for 0 or less). Raises ValueError, changing nothing, for a
        non-finite amount or one that takes the clock past MAX_OFFSET: a saved infinite clock would
        break every later request."""
        if not math.isfinite(seconds):
            raise ValueError(f"{seconds} is not a finite number of seconds")
        if seconds <= 0:
            return
        ahead = self.effective_offset()
        if ahead + seconds > MAX_OFFSET:
            raise ValueError(
                f"simulated time cannot run more than {MAX_OFFSET / (365 * 86400):.0f} years ahead "
                f"(it is {ahead / 86400:.0f} days ahead now)"
            )
        self.offset += seconds

    def advance_to(self, instant: float) -> None:
        self.advance(instant - self.now())

    # -- speed (kept by mcctl.sim.server.SpeedKeeper) ----------------------------------------------
    def _fold(self, wall: float) -> None:
        """Move what the speed gained up to `wall` into the offset and restart it there: `now` does
        not change, for any reader, at this instant or later."""
        if self.speed is None:
            return
        self.offset += self._extra(wall)
        self.speed = replace(self.speed, since=wall, until=max(wall, self.speed.until))

    def keep_speed(self, factor: float, lease: float, owner: str) -> bool:
        """Run at `factor` for `lease` more wall seconds. Refuses (False, nothing changed) while
        another keeper's live speed holds the clock: one server serves a state at a time. Raises
        ValueError for a bad factor."""
        problem = speed_problem(factor)
        if problem:
            raise ValueError(f"--speed: {problem}")
        wall = self._wall()
        current = self.speed
        if current is not None and current.live(wall) and current.owner != owner:
            return False
        self._fold(wall)
        self.speed = ClockSpeed(float(factor), wall, wall + max(0.0, lease), owner)
        return True

    def drop_speed(self, owner: str) -> None:
        """Back to wall speed, keeping the time gained, when the speed is `owner`'s (a clean stop) or
        has run out (nobody keeps it any more); another keeper's live speed stays."""
        wall = self._wall()
        if self.speed is None or (self.speed.owner != owner and self.speed.live(wall)):
            return
        self._fold(wall)
        self.speed = None


class _Simulator(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def every(
        self, interval: float, callback: Callable[[float], None], pace: float | None = None
    ) -> Callable[[], None]: ...


class ClientClock:
    """Simulated time as the client side sees it (the session's Clock): deadlines, timestamps and
    waits all run on it, so a 10-minute wait passes instantly and `sim advance` moves them all."""

    def __init__(self, sim: _Simulator) -> None:
        self._sim = sim

    def now(self) -> float:
        return self._sim.now()

    def wall(self) -> float:
        return self._sim.now()  # simulated time is epoch-based already

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._sim.sleep(seconds)

    def every(
        self, interval: float, callback: Callable[[float], None], pace: float | None = None
    ) -> Callable[[], None]:
        """`callback(now)` each time `interval` simulated seconds pass: called by whoever sleeps or
        advances the simulator in this process, between chunks of its sleep (mcctl/sim/ticks.py).
        `pace`: wall seconds slept per simulated second between ticks (None: instant)."""
        return self._sim.every(interval, callback, pace)


def iso(instant: float) -> str:
    """ARM timestamps: ISO 8601 UTC with a Z."""
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
