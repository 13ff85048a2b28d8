"""What `mcctl wait` waits for: the conditions and, for each, the judge that turns one reading into
an observed state (pure; ops reads and polls).

An `Observation` is what the live line shows and the timeout error names: a short `state` (a new
line is printed when it changes), a one-line `detail`, and whether the condition is `met`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.domain.frontdoor_verify import Verification

PENDING = "PENDING"  # the failover group's replicationState while a failover runs
UNREADABLE = "unreadable"  # the state of a poll whose read failed (the wait goes on)


class HealthWanted(StrEnum):
    HEALTHY = "healthy"
    DRAINED = "drained"  # a region drained on purpose (issue 14's health semantics)


class RedisWanted(StrEnum):
    LINKED = "linked"


class EdgeWanted(StrEnum):
    SERVING = "serving"  # every stamp of the region has answered at the edge
    DRAINED = "drained"  # `count` answers in a row came from elsewhere


@dataclass(frozen=True)
class Observation:
    state: str
    detail: str = ""
    met: bool = False

    def describe(self) -> str:
        return f"{self.state} ({self.detail})" if self.detail else self.state


def unreadable(message: str) -> Observation:
    """A poll whose read failed: not met, and the wait goes on (the next poll may answer)."""
    return Observation(UNREADABLE, message)


def judge_health(status: str, reasons: Sequence[str], wanted: HealthWanted) -> Observation:
    """A region's health verdict (`mcctl health`) against the wanted one."""
    return Observation(status, "; ".join(reasons), met=status == wanted.value)


def judge_sql(primary_region: str | None, replication_state: str | None, wanted: str) -> Observation:
    """Met once the group names `wanted` as primary and no failover is still running (PENDING)."""
    pending = replication_state == PENDING
    state = f"primary {primary_region or 'unknown'}" + (" (failover pending)" if pending else "")
    detail = f"replication state {replication_state}" if replication_state and not pending else ""
    return Observation(state, detail, met=primary_region == wanted and not pending)


def judge_redis(verdict: str, reason: str, wanted: RedisWanted) -> Observation:
    """The region's geo-replication verdict (`mcctl redis status`) against the wanted one."""
    return Observation(verdict, reason, met=verdict == wanted.value)


def judge_edge(verification: Verification, wanted: EdgeWanted) -> Observation:
    """What the edge's answers so far say about the region's stamps (`verification.stamps`)."""
    if verification.passed:
        return Observation(wanted.value, verification.describe(), met=True)
    last = verification.probes[-1] if verification.probes else None
    if last is not None and last.error:
        return Observation(UNREADABLE, last.error)
    mine = set(verification.stamps)
    if wanted is EdgeWanted.DRAINED:
        if last is not None and last.stamp in mine:
            return Observation(EdgeWanted.SERVING.value, f"answered from {last.stamp}")
        detail = f"{verification.streak} of {verification.count} answers in a row from elsewhere"
        return Observation("draining", detail)
    answered = [s for s in verification.stamps if s in {p.stamp for p in verification.probes}]
    if answered:
        missing = [s for s in verification.stamps if s not in answered]
        return Observation("partly serving", f"no answer from {', '.join(missing)} yet")
    where = f"last answer from {last.stamp}" if last is not None and last.stamp else "no answer names a stamp"
    return Observation("not serving", where)


@dataclass(frozen=True)
class WaitResult:
    """The `-o json` document of a wait: met, or (`met` false) the last poll before the timeout."""

    condition: str
    observed: Observation
    seconds: float
    polls: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "met": self.observed.met,
            "observed": self.observed.state,
            "detail": self.observed.detail,
            "seconds": round(self.seconds, 3),
            "polls": self.polls,
        }
