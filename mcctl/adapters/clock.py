"""The clock an mcctl run measures time on, injected into the session by the composition root.

Against Azure it is the machine's clock; against the simulator it is simulated time (the simulator
package provides that one), so waits and deadlines pass instantly in tests and `sim advance` moves
lease expiries and timestamps too.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a clock that never goes back: deadlines and durations are measured on it."""

    def wall(self) -> float:
        """Seconds since the epoch: timestamps written down and compared with Azure's (lease expiry)."""

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass on this clock (nothing for 0 or less)."""


class SystemClock:
    """Real time: monotonic for deadlines (a wall-clock jump must not end or stretch a wait)."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
