"""Reinstating an evacuated region as one plan (pure): traffic back, then SQL, then scale in.

`mcctl reinstate REGION` is the reverse of `mcctl evacuate REGION`, in the reverse order:

1. restore — REGION's origins, gradually, with the weights and priorities they had before the
   evacuation's drain (the drain steps' journaled `prior`), health-gated;
2. SQL — with --sql, a planned failover back to REGION, once traffic is back (a failover to a
   region that serves nothing is what `sql_failover_target_serving` refuses);
3. scale — the survivors back to the capacities they had before the newest evacuation of REGION
   (its carry steps' `before`), last: they carry REGION's load until it serves again.

Refused while a stamp of REGION is unhealthy (safety rule `region_healthy`, overridable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mcctl.domain.capacity import scale_step
from mcctl.domain.evacuation import (
    DEFAULT_INTERVAL,
    DEFAULT_STEPS,
    GATE,
    EvacuationKind,
    HealthVerdict,
    PreflightRule,
    group_count,
    preflight_params,
    shifted,
    with_preflight,
)
from mcctl.domain.evacuation_history import PastEvacuation
from mcctl.domain.frontdoor import FrontDoorObserved, ShiftRequest, plan_restore
from mcctl.domain.plan import Plan, Step
from mcctl.domain.selection import StampSelection, known_region
from mcctl.domain.sqlfailover import FailoverObserved, FailoverRequest, plan_failover
from mcctl.domain.traffic import with_traffic
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.domain.stampview import StampView


@dataclass(frozen=True)
class ReinstateObserved:
    """What ops read: the stamps, Front Door's journaled priors, the SQL group (None: no SQL in the
    estate), each stamp's health, and the evacuation of the region still in effect (None: none)."""

    views: tuple[StampView, ...]
    frontdoor: FrontDoorObserved
    sql: FailoverGroupStatus | None = None
    health: Mapping[str, HealthVerdict] = field(default_factory=dict)
    evacuation: PastEvacuation | None = None


@dataclass(frozen=True)
class ReinstateRequest:
    region: str
    percentages: tuple[int, ...] = DEFAULT_STEPS
    interval: float = DEFAULT_INTERVAL
    sql: bool = False  # --sql: fail the SQL primary back to REGION (planned only)

    def validate(self, estate: Estate) -> str:
        region = known_region(estate, self.region, "REGION")
        if self.interval < 0 or self.interval != self.interval:
            raise UsageError(f"--interval: must be 0 or more, got {self.interval:g}")
        if self.sql:
            if estate.sql is None:
                raise UsageError(f"--sql: estate '{estate.name}' has no SQL failover group")
            if estate.sql.server_in(region) is None:
                raise UsageError(f"--sql: failover group {estate.sql.name} has no server in {region}")
        return region


def plan_reinstatement(estate: Estate, observed: ReinstateObserved, request: ReinstateRequest) -> Plan:
    """Restore REGION's origins → (with --sql) fail SQL back → scale the survivors back."""
    region = request.validate(estate)
    views = observed.views
    past = observed.evacuation
    notes = [_order_note(region)]

    shift = ShiftRequest(StampSelection(region, None), request.percentages, request.interval)
    restore = plan_restore(estate, observed.frontdoor, shift)
    steps: list[Step] = list(restore.steps)
    notes.extend(restore.notes)

    failover, sql_notes = _failback(estate, observed, request, region)
    steps.extend(shifted(failover, group_count(steps)))
    notes.extend(sql_notes)

    scale, scale_notes = _scale_back(estate, views, past, region)
    steps.extend(shifted(scale, group_count(steps)))
    notes.extend(scale_notes)
    notes.extend(_redis_note(views, region))

    checked = [s.name for s in estate.stamps_in(region)]
    ordered = with_preflight(steps, preflight_params(PreflightRule.REGION_HEALTHY, region, checked, observed.health))
    gated = group_count(ordered) > 1
    plan = Plan(
        kind=EvacuationKind.REINSTATE,
        summary=_summary(region, restore.steps, failover, scale, request),
        steps=ordered,
        notes=tuple(dict.fromkeys(notes)),
        gate=GATE if gated else None,
        interval=request.interval if gated else 0.0,
    )
    return with_traffic(plan, observed.frontdoor.routes)


def _order_note(region: str) -> str:
    return (
        f"order: traffic back on {region} first (gradual, health-gated), then the SQL primary (with --sql, "
        f"planned) once {region} serves, and the survivors scale in last; rollback undoes it last first"
    )


def _failback(
    estate: Estate, observed: ReinstateObserved, request: ReinstateRequest, region: str
) -> tuple[tuple[Step, ...], list[str]]:
    status = observed.sql
    past = observed.evacuation
    if estate.sql is None or status is None:
        return (), []
    if status.primary_region == region:
        return (), ([f"SQL: {region} holds the primary of {status.name} already"] if request.sql else [])
    moved_out = past is not None and past.sql_from == region
    if not request.sql:
        if moved_out:
            return (), [
                f"SQL: the primary stays in {status.primary_region}; --sql fails it back to {region} "
                f"(planned) once traffic is back"
            ]
        return (), []
    if not moved_out:  # --sql puts back what the evacuation moved; it is not a way to move the primary
        where = f"operation {past.id}" if past is not None else "no evacuation in the journal"
        return (), [
            f"SQL: {where} did not move the primary of {status.name} out of {region} (it is in "
            f"{status.primary_region}): --sql changes nothing; `mcctl sql failover --to {region}` moves it"
        ]
    plan = plan_failover(estate, FailoverObserved(status, observed.views), FailoverRequest(to=region, mode="planned"))
    head = f"SQL: planned fail-back {status.primary_region} → {region}, after {region} serves again"
    return plan.steps, [head, *(f"SQL: {n}" for n in plan.notes)]


def _redis_note(views: Sequence[StampView], region: str) -> list[str]:
    """Traffic comes back whatever Redis says, but an unlinked database (--unlink-redis) serves the
    region from a cache outside the group: the operator must hear it before confirming."""
    link = next((v.redis for v in views if v.stamp.region == region and v.redis is not None), None)
    if link is None or link.verdict == "linked":
        return []
    return [
        f"Redis: {region} is {link.verdict} ({link.reason}): its stamps will use a cache outside the group; "
        f"`mcctl redis relink {region}` (flushes it) rejoins it"
    ]


def _scale_back(
    estate: Estate, views: Sequence[StampView], past: PastEvacuation | None, region: str
) -> tuple[tuple[Step, ...], list[str]]:
    """Each stamp the evacuation scaled: back by what it added (so another region's evacuation since,
    still in effect, keeps its instances), or to its capacity before when what it added is unknown."""
    if past is None:
        return (), [f"no evacuation of {region} in the journal: the other regions' capacities are left as they are"]
    if not past.capacities:
        return (), [f"operation {past.id} (evacuate {region}) scaled nothing: no capacity to put back"]
    current = {v.stamp.name: v.plan.capacity for v in views if v.plan is not None}
    steps = []
    kept: list[str] = []
    for stamp in estate.stamps:
        before = past.capacities.get(stamp.name)
        now = current.get(stamp.name)
        if before is None or now is None:
            continue
        added = past.added.get(stamp.name)
        target = max(1, now - added) if added is not None else before
        if target != before:
            kept.append(f"{stamp.name} keeps {target - before:+d}")
        if target != now:
            steps.append(scale_step(stamp, now, target))  # no `carry`: scaling in carries nothing
    what = ", ".join(f"{s.params['stamp']} {s.before['capacity']}→{s.after['capacity']}" for s in steps)
    note = f"capacities from before operation {past.id} ({past.status}): " + (what or "every stamp is back already")
    if kept:  # another evacuation (or a hand) changed them since: only what this one added is taken back
        note += f"; only what it added is taken back ({', '.join(kept)} from changes made since)"
    return tuple(steps), [note]


def _summary(
    region: str, restore: Sequence[Step], failover: Sequence[Step], scale: Sequence[Step], request: ReinstateRequest
) -> str:
    parts = []
    origins = {s.params["origin"] for s in restore}
    if origins:
        count = len(request.percentages)
        parts.append(f"restore {len(origins)} origins" + (f" in {count} steps" if count > 1 else ""))
    if failover:
        step = failover[0]
        parts.append(f"fail SQL back {step.before['primary_region']} → {step.after['primary_region']}")
    if scale:
        parts.append(f"scale {len(scale)} stamps back")
    return f"reinstate {region}: " + (", ".join(parts) or "already reinstated")
