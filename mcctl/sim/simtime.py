"""Simulated time, a part of `Sim` (a mixin: its store, clock, ticks and thread-local time).

Time moves in memory: a sleep (a probe's latency, an LRO poll, a Retry-After) advances the clock
without writing the state file; the clock is written with the next change of state, by `advance`
(a command of its own), or by `flush` when the command ends. Writing the whole state on every sleep
made a 240-stamp `stamps list` O(stamps²) and let probes queue behind the file lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mcctl.sim.clock import ClockSpeed, SimClock, iso
from mcctl.sim.store import SimStore
from mcctl.sim.ticks import Callback, Ticks


class SimTime:
    """Needs the store, clock and ticks of the class it is mixed into, and its `settle`."""

    store: SimStore
    clock: SimClock
    ticks: Ticks
    _thread_time: threading.local
    _clock_moved: bool
    _synced_from: dict[str, Any]
    _generation: int

    def settle(self) -> None:
        raise NotImplementedError  # Sim's

    def sleep(self, seconds: float) -> None:
        """What a client's sleep means here: simulated time passes (parallel sleepers overlap), in
        chunks that stop at each tick listener's due instant (`every`)."""
        with self.store.transaction():
            self._sync_clock()
            start = getattr(self._thread_time, "last", self.clock.now())
        self.ticks.pass_time(start + seconds, self._move_clock, self.clock.now)

    def every(self, interval: float, callback: Callback, pace: float | None = None) -> Callable[[], None]:
        """Call `callback(simulated now)` each time `interval` simulated seconds pass, from the
        sleeps and advances of this process (mcctl/sim/ticks.py). `pace`: wall seconds to sleep per
        simulated second between ticks (None: no waiting). Returns a function that stops it."""
        with self.store.transaction():
            self._sync_clock()
            # Counted from this thread's own simulated time, which its next sleep starts from.
            base = getattr(self._thread_time, "last", self.clock.now())
        return self.ticks.add(interval, callback, base, pace)

    def _move_clock(self, instant: float, settle: bool) -> float:
        """One chunk of a sleep or advance (Ticks.pass_time): the clock to `instant`; returns now.
        Only in memory: a probe or an LRO poll must not rewrite the state file (hundreds of probes
        did, each a write of the whole state under the lock). The clock is written with the next
        change of state, by `advance`, or by `flush` when the command ends."""
        with self.store.transaction():
            self._sync_clock()
            self.clock.advance_to(instant)
            self._thread_time.last = self.clock.now()
            if settle:
                self.settle()
            self._save_clock(persist=False)
            return self.clock.now()

    def _sync_clock(self) -> None:
        """The clock as the state has it — unless this process moved its clock in memory (sleeps:
        `_move_clock`) and another process wrote the state meanwhile: then the later of the two
        instants, so the clock never runs back. A speed is always the state's (its server keeps it
        there); a state replaced in this process (`sim reset`) is taken as it is."""
        data = self.store.data
        stored = SimClock(
            data.get("clock_offset", 0.0), wall=self.clock.wall, speed=ClockSpeed.from_state(data.get("clock_speed"))
        )
        lead = 0.0
        if data is not self._synced_from:
            if self._clock_moved and self.store.generation == self._generation:
                lead = self.clock.lead_over(stored)  # another process wrote the state meanwhile
            self._clock_moved = lead > 0  # else the state has this process's time, or a later one
        self.clock.speed = stored.speed
        self.clock.offset = stored.offset + lead if lead > 0 else stored.offset
        self._synced_from, self._generation = data, self.store.generation

    def _save_clock(self, persist: bool = True) -> None:
        """The clock into the state. `persist`: mark the state changed, to be written when the
        transaction ends; else the clock rides along with the next write (a change, `flush`)."""
        if self.store.data.get("clock_offset") != self.clock.offset:
            self.store.data["clock_offset"] = self.clock.offset
            if persist:
                self.store.dirty = True
            else:
                self._clock_moved = True
        speed = self.clock.speed.to_state() if self.clock.speed is not None else None
        if self.store.data.get("clock_speed") != speed:
            if speed is None:
                self.store.data.pop("clock_speed", None)
            else:
                self.store.data["clock_speed"] = speed
            self.store.dirty = True  # a speed (its lease) is what other processes must see
        if self.store.dirty:
            self._clock_moved = False  # written with this transaction's change

    def flush(self) -> None:
        """Write the clock if it moved in memory only since the state file last had it (a command's
        probes and LRO polls): once, when the command ends (the CLI runtime's close)."""
        if self.store.path is None or not self._clock_moved:
            return
        with self.store.transaction():
            self._sync_clock()
            if self._clock_moved:
                self.store.dirty = True
        self._clock_moved = False

    @contextmanager
    def clock_transaction(self) -> Iterator[SimClock]:
        """The clock, up to date with the state and saved back to it, under the store lock: for
        whoever changes its speed (mcctl.sim.server.SpeedKeeper)."""
        with self.store.transaction():
            self._sync_clock()
            yield self.clock
            self._save_clock()

    def now(self) -> float:
        return self.clock.now()

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def advance(self, seconds: float) -> None:
        """Let simulated time pass (the `mcctl sim advance` command and tests)."""
        with self.store.transaction():
            self._sync_clock()
            if not self.ticks:
                self.clock.advance(seconds)
                self._save_clock()
                self.settle()
                return
            SimClock(self.clock.offset).advance(seconds)  # refuse a bad amount before the first chunk
            target = self.clock.now() + max(0.0, seconds)
        self.ticks.pass_time(target, self._move_clock, self.clock.now, settle=True)
        with self.store.transaction():  # an advance is a command of its own: other processes see it
            self._sync_clock()
            self._save_clock()
