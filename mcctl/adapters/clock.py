"""The clock an mcctl run measures time on, injected into the session by the composition root.

Against Azure it is the machine's clock; against the simulator it is simulated time (the simulator
package provides that one), so waits and deadlines pass instantly in tests and `sim advance` moves
lease expiries and timestamps too.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a clock that never goes back: deadlines and durations are measured on it."""

    def wall(self) -> float:
        """Seconds since the epoch: timestamps written down and compared with Azure's (lease expiry)."""

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass on this clock (nothing for 0 or less)."""

    def every(
        self, interval: float, callback: Callable[[float], None], pace: float | None = None
    ) -> Callable[[], None]:
        """Call `callback(now)` each time `interval` seconds of this clock pass; returns stop().
        `pace` (simulated clocks only): wall seconds slept per simulated second between ticks."""


class SystemClock:
    """Real time: monotonic for deadlines (a wall-clock jump must not end or stretch a wait)."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def every(
        self, interval: float, callback: Callable[[float], None], pace: float | None = None
    ) -> Callable[[], None]:
        """A daemon thread calls `callback(now)` on a fixed schedule (start + k * interval, so a slow
        callback does not drift it; ticks missed meanwhile are skipped). `pace` is meaningless in
        real time and ignored. A callback's exception is logged and the ticks go on."""
        if not math.isfinite(interval) or interval <= 0:
            raise ValueError(f"interval: must be a positive number of seconds, got {interval}")
        stopped = threading.Event()

        def run() -> None:
            due = self.now() + interval
            while not stopped.wait(max(0.0, due - self.now())):
                now = self.now()
                try:
                    callback(now)
                except Exception:
                    log.exception("clock tick callback %r failed", callback)
                due += interval * (math.floor((self.now() - due) / interval) + 1)

        threading.Thread(target=run, name="mcctl-clock-every", daemon=True).start()
        return stopped.set
