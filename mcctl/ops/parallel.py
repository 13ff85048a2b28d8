"""The one way mcctl reads several things at once: bounded threads, results by key, errors kept.

Reads of different resources are independent and each waits on the network, so they run side by
side; an mcctl error (a resource missing, a region down) is kept next to its key so the caller can
report a partial picture. Any other exception is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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
