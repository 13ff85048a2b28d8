"""The one way mcctl reads several things at once: bounded threads, results by key, errors kept.

Reads of different resources are independent and each waits on the network, so they run side by
side; an mcctl error (a resource missing, a region down) is kept next to its key so the caller can
report a partial picture. Any other exception is a bug and propagates.

Two shapes: `read_parallel` for ARM reads (few, each bounded by ARM's own timeouts and retries) and
`start_bounded`/`run_bounded` for tasks that must never hang the command (health probes, the reads
beside them): each task has its own wall-clock limit after which it is abandoned, on daemon threads,
and several bounded runs can be in flight at once (probes beside the ARM reads).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mcctl.errors import WHOLE_RUN_FAILURES, McctlError

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")

MAX_PARALLEL_READS = 8  # ARM throttles per principal; eight in flight keeps a large estate well under it


@dataclass
class Reads(Generic[K, R]):
    values: dict[K, R] = field(default_factory=dict)
    errors: dict[K, McctlError] = field(default_factory=dict)

    def raise_first(self) -> None:
        """For callers that need every read: the first error (in the order the reads were given)."""
        for error in self.errors.values():
            raise error


def read_parallel(reads: Mapping[K, Callable[[], R]], max_workers: int = MAX_PARALLEL_READS) -> Reads[K, R]:
    """Run `reads` concurrently (at most `max_workers` at once); keep every value and every mcctl error."""
    result: Reads[K, R] = Reads()
    if not reads:
        return result
    with ThreadPoolExecutor(max_workers=min(max_workers, len(reads))) as pool:
        futures = {key: pool.submit(read) for key, read in reads.items()}
        for key, future in futures.items():
            try:
                result.values[key] = future.result()
            except McctlError as exc:
                result.errors[key] = exc
    cut_off = next((e for e in result.errors.values() if isinstance(e, WHOLE_RUN_FAILURES)), None)
    if cut_off is not None:
        raise cut_off  # no sign-in, or no way to ARM: nothing read means anything; one error, not one per read
    return result


# -- tasks with their own wall-clock limits ---------------------------------------------------------
Tasks = Mapping[Hashable, tuple[Callable[[], Any], float]]  # key -> (task, wall-clock limit in seconds)


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    done: bool = False
    started: float | None = None  # time.monotonic() when a worker picked the task up
    abandoned: bool = False


class BoundedRun:
    """`tasks` running on at most `max_workers` daemon threads, started at construction; `wait()`
    returns when every task has finished or run past its own limit. A worker stuck in an abandoned
    task is replaced, so a hung call delays neither the other tasks nor the process's exit."""

    def __init__(self, tasks: Tasks, max_workers: int, name: str = "mcctl-task") -> None:
        self._tasks = dict(tasks)
        self._name = name
        self.outcomes = {key: Outcome() for key in self._tasks}
        self._queue = deque(self._tasks)
        self._cond = threading.Condition()
        for _ in range(min(max(1, max_workers), len(self._tasks))):
            self._spawn()

    def _spawn(self) -> None:
        threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        cond, outcomes = self._cond, self.outcomes
        while True:
            with cond:
                if not self._queue:
                    return
                key = self._queue.popleft()
                outcomes[key].started = time.monotonic()
                cond.notify_all()
            try:
                value, error = self._tasks[key][0](), None
            except BaseException as exc:  # handed to the caller, which decides
                value, error = None, exc
            with cond:
                outcome = outcomes[key]
                if outcome.abandoned:
                    return  # a replacement worker has taken this one's place
                outcome.value, outcome.error, outcome.done = value, error, True
                cond.notify_all()

    def wait(self) -> dict[Hashable, Outcome]:
        with self._cond:
            while True:
                now = time.monotonic()
                waiting: list[float] = []
                for key, outcome in self.outcomes.items():
                    if outcome.done or outcome.abandoned:
                        continue
                    if outcome.started is None:
                        waiting.append(now + 0.05)  # queued: a worker will pick it up
                        continue
                    deadline = outcome.started + self._tasks[key][1]
                    if now >= deadline:
                        outcome.abandoned = True
                        if self._queue:
                            self._spawn()
                    else:
                        waiting.append(deadline)
                if not waiting:
                    return self.outcomes
                self._cond.wait(timeout=max(0.0, min(waiting) - now))


def start_bounded(tasks: Tasks, max_workers: int, name: str = "mcctl-task") -> BoundedRun:
    """Start `tasks` (see BoundedRun) and return at once: the caller starts other work beside them."""
    return BoundedRun(tasks, max_workers, name)


def run_bounded(tasks: Tasks, max_workers: int) -> dict[Hashable, Outcome]:
    """Run `{key: (fn, wall_limit_seconds)}` concurrently and wait for them (see BoundedRun)."""
    return BoundedRun(tasks, max_workers).wait()
