"""Simulated time: wall time plus a persisted offset.

The in-process transport turns every SDK sleep (LRO polling, Retry-After) into an advance of the
offset, so a 10-minute failover completes instantly in tests while still taking 10 simulated minutes.
Wall time keeps counting too, so an operation started with --no-wait completes on its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

MAX_ADVANCE = 3650 * 86400.0  # one `sim advance` passes at most ten years
MAX_OFFSET = 100 * 365 * 86400.0  # simulated time stays within a century of wall time (dates stay renderable)


class SimClock:
    def __init__(self, offset: float = 0.0, wall: Callable[[], float] = time.time) -> None:
        self.offset = offset
        self._wall = wall

    def now(self) -> float:
        return self._wall() + self.offset

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass (nothing for 0 or less). Raises ValueError, changing nothing, for a
        non-finite amount or one that takes the clock past MAX_OFFSET: a saved infinite clock would
        break every later request."""
        if not math.isfinite(seconds):
            raise ValueError(f"{seconds} is not a finite number of seconds")
        if seconds <= 0:
            return
        if self.offset + seconds > MAX_OFFSET:
            raise ValueError(
                f"simulated time cannot run more than {MAX_OFFSET / (365 * 86400):.0f} years ahead "
                f"(it is {self.offset / 86400:.0f} days ahead now)"
            )
        self.offset += seconds

    def advance_to(self, instant: float) -> None:
        self.advance(instant - self.now())


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
