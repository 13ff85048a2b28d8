"""Simulated time: wall time plus a persisted offset.

The in-process transport turns every SDK sleep (LRO polling, Retry-After) into an advance of the
offset, so a 10-minute failover completes instantly in tests while still taking 10 simulated minutes.
Wall time keeps counting too, so an operation started with --no-wait completes on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    def __init__(self, offset: float = 0.0, wall: Callable[[], float] = time.time) -> None:
        self.offset = offset
        self._wall = wall

    def now(self) -> float:
        return self._wall() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.offset += seconds

    def advance_to(self, instant: float) -> None:
        self.advance(instant - self.now())


def iso(instant: float) -> str:
    """ARM timestamps: ISO 8601 UTC with a Z."""
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
