"""Tick listeners: callbacks the simulator calls each time `interval` simulated seconds pass.

Simulated time only moves when somebody sleeps or advances it, so a periodic job (a drill's
synthetic probes) cannot run on a thread of its own: the sleeper calls it as its sleep passes each
due instant. `Sim.sleep`/`Sim.advance` move the clock in chunks, one per due instant, settle the
operations due by then, and call the listeners between chunks, outside the store lock, so a listener
can make requests to the simulator itself (which sleep in turn: those nested sleeps just move time).

Only one thread calls listeners at a time. A sleeper that finds another thread calling them waits
for that round to end, then calls the listeners due itself — so parallel sleepers (a drill's
parallel steps) never carry the clock past ticks meanwhile. The calling thread's own nested sleeps,
and sleeps shorter than a tick meanwhile (a listener's requests on threads of its own, sleeping
their latency), just move time; a wait longer than FIRING_WAIT_SECONDS of wall time gives up and
passes the time without ticks.
Ticks a sleep jumped over are coalesced into one call (a probe cannot be sent in the past).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Callback = Callable[[float], None]
MAX_CHUNK_SECONDS = 3600.0  # a paced chunk never sleeps for more than an hour of simulated time
FIRING_WAIT_SECONDS = 10.0  # a listener round takes a probe timeout or two: never wait longer than this


@dataclass
class _Listener:
    interval: float
    callback: Callback
    next_due: float
    pace: float | None
    active: bool = True


class Ticks:
    """The listeners of one simulator."""

    def __init__(self) -> None:
        self._listeners: list[_Listener] = []
        self._lock = threading.Lock()
        self._round_over = threading.Condition(self._lock)
        self._firing = 0  # > 0 while some thread is calling listeners
        self._firer: int | None = None  # which one

    def add(self, interval: float, callback: Callback, now: float, pace: float | None = None) -> Callable[[], None]:
        """Call `callback(instant)` each time `interval` seconds pass after `now`. Returns stop()."""
        if not math.isfinite(interval) or interval <= 0:
            raise ValueError(f"interval: must be a positive number of seconds, got {interval}")
        if pace is not None and (not math.isfinite(pace) or pace < 0):
            raise ValueError(f"pace: must be a number of wall seconds at least 0, got {pace}")
        listener = _Listener(interval, callback, now + interval, pace)
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                listener.active = False
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._listeners)

    def next_due(self, upto: float) -> float | None:
        """The first due instant at or before `upto`, or None."""
        with self._lock:
            due = [entry.next_due for entry in self._listeners if entry.next_due <= upto]
        return min(due) if due else None

    def _shortest(self) -> float:
        with self._lock:
            return min((entry.interval for entry in self._listeners), default=math.inf)

    def _firing_elsewhere(self) -> bool | None:
        """None: nobody calls listeners now; True: another thread does; False: this one does."""
        with self._lock:
            if not self._firing:
                return None
            return self._firer != threading.get_ident()

    def _wait_for_round(self) -> bool:
        """Wait (wall time, bounded) until no other thread calls listeners; True if it ended."""
        deadline = time.monotonic() + FIRING_WAIT_SECONDS
        with self._lock:
            while self._firing and time.monotonic() < deadline:
                self._round_over.wait(timeout=max(0.0, deadline - time.monotonic()))
            return not self._firing

    def pace(self) -> float | None:
        """Wall seconds to sleep per simulated second between chunks: the slowest listener's."""
        with self._lock:
            paces = [entry.pace for entry in self._listeners if entry.pace]
        return max(paces) if paces else None

    def fire(self, now: float) -> int:
        """Call every listener due at `now` (each once, however many ticks it missed). Returns how
        many were called. A listener's exception is logged, never raised into the sleeper."""
        with self._lock:
            if self._firing:
                return 0
            due = [entry for entry in self._listeners if entry.next_due <= now]
            for entry in due:
                missed = math.floor((now - entry.next_due) / entry.interval)
                entry.next_due += (missed + 1) * entry.interval
            self._firing += 1
            self._firer = threading.get_ident()
        try:
            for entry in due:
                if not entry.active:
                    continue  # stopped by an earlier listener of this round
                try:
                    entry.callback(now)
                except Exception:  # a broken listener must not break the sleep it rides on
                    log.exception("tick listener %r failed", entry.callback)
        finally:
            with self._lock:
                self._firing -= 1
                self._firer = None
                self._round_over.notify_all()
        return len(due)

    def pass_time(
        self,
        target: float,
        move: Callable[[float, bool], float],
        now: Callable[[], float],
        *,
        settle: bool = False,
    ) -> None:
        """Move the clock to `target` with `move(instant, settle) -> now` (it takes the store lock),
        stopping at each due instant on the way: there the due operations are settled and the
        listeners called, outside the lock. With a `pace`, each chunk first sleeps its wall time."""
        while True:
            due = self.next_due(target) if self else None
            if due is None:
                move(target, settle)
                return
            elsewhere = self._firing_elsewhere()
            if elsewhere is False or (elsewhere and target - now() < self._shortest()):
                # the calling thread's own nested sleep, or a sleep shorter than a tick while a round
                # runs (a listener's requests, on its own threads, sleeping their latency): no ticks
                move(target, settle)
                return
            if elsewhere:
                if not self._wait_for_round():  # (before moving the clock: the round sees its own time)
                    move(target, settle)  # a round that does not end: no ticks rather than a hang
                    return
                continue
            pace = self.pace()
            if pace:
                # Wall time moves the simulated clock too: sleeping first makes the chunk take
                # `pace` wall seconds per simulated second; the offset covers the rest.
                time.sleep(max(0.0, min(due - now(), MAX_CHUNK_SECONDS)) * pace)
            self.fire(move(due, True))
