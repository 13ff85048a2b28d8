"""`mcctl wait`, the I/O side: read a condition's state every `interval` on the session clock until it
is met or `timeout` passes (then WaitTimedOut, exit 6, naming the last observed state and carrying
the result document of the last poll).

Against the simulator, `session.sleep` advances simulated time, so a ten-minute wait is instant in
tests and running operations (a failover, an edge propagation) complete while it waits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mcctl.domain.selection import known_region
from mcctl.domain.wait import (
    EdgeWanted,
    HealthWanted,
    Observation,
    RedisWanted,
    WaitResult,
    judge_edge,
    judge_health,
    judge_redis,
    judge_sql,
    unreadable,
)
from mcctl.errors import AzureRequestError, UsageError, WaitTimeout

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.ops.journal import OperationRecord

EDGE_PROBE_SECONDS = 10.0  # one probe of the Front Door endpoint (as `frontdoor verify`)

# (what was observed, seconds since the start, seconds left): the CLI's live line
OnPoll = Callable[[Observation, float, float], None]


class WaitTimedOut(WaitTimeout):
    """The wait's timeout (exit 6), carrying the result document of the last poll (`met` false):
    `-o json` writes it as on success, so a script reads what was last observed."""

    def __init__(self, message: str, result: WaitResult, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


@dataclass(frozen=True)
class Condition:
    """What is waited for: its words ("health eastus2 healthy"), one read of it, and what to run
    when it is not met in time. Built (and its input checked) before any session exists: bad input
    fails before any Azure call."""

    text: str
    observe: Callable[[AzureSession], Observation]
    hint: str


def wait_until(
    session: AzureSession,
    condition: Condition,
    *,
    timeout: float,
    interval: float,
    on_poll: OnPoll = lambda observed, elapsed, left: None,
) -> WaitResult:
    """Poll until `condition` is met; a failed read is observed as `unreadable` and polled again
    (a region coming back may not answer at first). The last poll is at the deadline."""
    if not (math.isfinite(timeout) and timeout > 0):
        raise UsageError("--timeout: must be greater than 0")
    if not (math.isfinite(interval) and interval > 0):
        raise UsageError("--interval: must be greater than 0")
    started = session.now()
    deadline = started + timeout
    polls = 0
    while True:
        observed = _observe(session, condition)
        polls += 1
        now = session.now()
        on_poll(observed, now - started, max(0.0, deadline - now))
        if observed.met:
            return WaitResult(condition.text, observed, now - started, polls)
        if now >= deadline:
            raise WaitTimedOut(
                f"timed out after {timeout:g}s waiting for {condition.text}: last observed {observed.describe()}",
                WaitResult(condition.text, observed, now - started, polls),
                hint=condition.hint,
            )
        session.sleep(min(interval, deadline - now))


def _observe(session: AzureSession, condition: Condition) -> Observation:
    try:
        return condition.observe(session)
    except AzureRequestError as exc:  # auth and usage errors end the wait: polling cannot fix them
        return unreadable(exc.message)


# -- the conditions --------------------------------------------------------------------------------
def health_condition(
    estate: Estate,
    region: str,
    wanted: HealthWanted,
    operations: Callable[[], Iterable[OperationRecord]] | None = None,
) -> Condition:
    """The region's health verdict, as `mcctl health --region` rolls it up. `operations`: the
    journal, re-read at each poll (it says which stamps were drained on purpose); None: every stamp
    is judged as meant to serve, so a region is never `drained`."""
    name = known_region(estate, region)

    def observe(session: AzureSession) -> Observation:
        from mcctl.ops.health import assess

        journaled = operations() if operations is not None else None
        found = assess(session, estate, region=name, operations=journaled).regions.get(name)
        if found is None:
            return Observation("unknown", f"{name} was not assessed")
        return judge_health(found.status, found.reasons, wanted)

    return Condition(f"health {name} {wanted.value}", observe, f"mcctl health --region {name} shows why")


def sql_condition(estate: Estate, primary: str) -> Condition:
    """The failover group's primary region, once no failover is running."""
    from mcctl.domain.regions import normalize_region
    from mcctl.domain.sqlfailover import sql_config

    sql = sql_config(estate)
    wanted = normalize_region(primary)
    if sql.server_in(wanted) is None:
        regions = ", ".join(s.region for s in sql.servers)
        raise UsageError(f"--primary: '{primary}' has no server of failover group {sql.name} (regions: {regions})")

    def observe(session: AzureSession) -> Observation:
        from mcctl.ops.sqlfailover import read_status

        status = read_status(session, estate)
        return judge_sql(status.primary_region, status.replication_state, wanted)

    return Condition(f"sql primary {wanted}", observe, "mcctl sql status shows the group as each member sees it")


def redis_condition(estate: Estate, region: str, wanted: RedisWanted) -> Condition:
    """The region's geo-replication verdict, as `mcctl redis status` judges it."""
    from mcctl.domain.redisgeo import member_of, redis_of

    name = member_of(redis_of(estate), region, "--region").region

    def observe(session: AzureSession) -> Observation:
        from mcctl.ops.redisgeo import read_status

        verdict = read_status(session, estate).verdicts[name]
        return judge_redis(verdict.verdict, verdict.reason, wanted)

    return Condition(f"redis {name} {wanted.value}", observe, "mcctl redis status shows each member's view")


def edge_condition(estate: Estate, region: str, wanted: EdgeWanted, *, count: int = 10) -> Condition:
    """At the Front Door edge, probing like `frontdoor verify`: `drained` — `count` answers in a row
    from other stamps than the region's; `serving` — every stamp of the region has answered."""
    from mcctl.domain.frontdoor_verify import Verification, endpoint_url

    name = known_region(estate, region)
    if count < 1:
        raise UsageError("--count: must be at least 1")
    stamps = tuple(s.name for s in estate.stamps if s.region == name)
    mode = "away" if wanted is EdgeWanted.DRAINED else "back"
    # The answers of the whole wait, judged as `frontdoor verify` judges them (its timeout is only
    # shown in its own description, which a wait does not use when not met).
    seen = Verification(mode, endpoint_url(estate), stamps, count, timeout=0.0)
    started: list[float] = []  # the session clock at the first probe

    def observe(session: AzureSession) -> Observation:
        from mcctl.ops.frontdoor import verify_traffic

        # One probe: with an infinite interval verify_traffic returns after its first answer, so
        # the probing (and what counts as an answer) stays the one `frontdoor verify` uses.
        one = verify_traffic(session, estate, stamps, mode=mode, count=1, timeout=EDGE_PROBE_SECONDS, interval=math.inf)
        started[:] = started or [session.now()]
        for probe in one.probes:  # timed from the start of the wait, not of this one-probe check
            seen.add(replace(probe, seconds=session.now() - started[0]))
        seen.require_served_by()
        seen.seconds = session.now() - started[0]
        return judge_edge(seen, wanted)

    again = f"mcctl frontdoor verify {name}" + (" --restored" if wanted is EdgeWanted.SERVING else "")
    return Condition(f"frontdoor {name} {wanted.value}", observe, f"the edge may still be applying a change: {again}")
