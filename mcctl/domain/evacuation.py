"""Evacuating a region as one plan (pure): carry its load, move the SQL primary out, drain it.

`mcctl evacuate REGION` is one journaled operation whose step groups run in this order:

1. carry — scale the stamps of the other regions so they can serve the region's load
   (`mcctl.domain.capacity`: the load before the incident, never "serving now");
2. SQL — if the failover group's primary is in REGION, fail over to the best survivor (planned;
   forced only with --allow-data-loss when the primary does not answer);
3. drain — REGION's origins, gradually (`mcctl.domain.frontdoor.plan_drain`), health-gated;
4. Redis — force-unlink REGION's database, only when asked (--unlink-redis, data loss).

The order is the point: capacity is there before traffic moves, and the database follows the
traffic's new home before the region stops serving. `Plan.inverse` undoes applied steps last
first, so a rollback puts traffic back on REGION, then the SQL primary, and scales in last.
The reverse operation is `mcctl.domain.evacuation_reinstate`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.capacity import RegionLoad, SplitPolicy, carry_steps, plan_carry, region_load
from mcctl.domain.frontdoor import FrontDoorObserved, ShiftRequest, plan_drain
from mcctl.domain.plan import Plan, Step
from mcctl.domain.redisgeo import RedisObserved, UnlinkRequest, plan_unlink
from mcctl.domain.regions import normalize_region
from mcctl.domain.selection import StampSelection, known_region
from mcctl.domain.sqlfailover import FailoverObserved, FailoverRequest, plan_failover
from mcctl.domain.traffic import with_traffic
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.domain.evacuation_history import PastEvacuation
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.domain.stampview import StampView

DEFAULT_STEPS = (50, 100)
DEFAULT_INTERVAL = 60.0
MAX_FACTOR = 100.0
GATE = "health"  # the registered gate between groups (mcctl.ops.frontdoor.HealthGate)
PREFLIGHT = "preflight"  # the params key of the first step that carries the health pre-flight


class EvacuationKind(StrEnum):
    """The plans' kinds, as journaled (a journal and JSON contract: reinstate finds evacuations by it)."""

    EVACUATE = "evacuate"
    REINSTATE = "reinstate"


class PreflightRule(StrEnum):
    """The safety rules (mcctl.domain.evacuation_rules) that judge a plan's health pre-flight."""

    SURVIVORS_HEALTHY = "survivors_healthy"
    REGION_HEALTHY = "region_healthy"


@dataclass(frozen=True)
class HealthVerdict:
    """One stamp's verdict from `mcctl health` (healthy / degraded / unhealthy / unknown) and why."""

    status: str
    reasons: tuple[str, ...] = ()

    @property
    def unhealthy(self) -> bool:
        return self.status == "unhealthy"


@dataclass(frozen=True)
class EvacuationObserved:
    """What ops read for an evacuation: the stamps, Front Door's journaled priors, the SQL group as
    its members see it (None: no SQL in the estate), each stamp's health, the journaled drain of
    each stamp already drained by hand (stamp -> op id), every Redis member's database (only read
    for --unlink-redis), what the operator lease says (one line, for the notes), and an earlier
    evacuation of the region still in effect (the survivors are sized from before it)."""

    views: tuple[StampView, ...]
    frontdoor: FrontDoorObserved
    sql: FailoverGroupStatus | None = None
    health: Mapping[str, HealthVerdict] = field(default_factory=dict)
    drained_by: Mapping[str, str] = field(default_factory=dict)
    redis: RedisObserved | None = None
    lock: str | None = None
    previous: PastEvacuation | None = None  # an evacuation of the region still in effect


@dataclass(frozen=True)
class EvacuateRequest:
    region: str
    percentages: tuple[int, ...] = DEFAULT_STEPS
    interval: float = DEFAULT_INTERVAL
    factor: float = 1.0
    split: SplitPolicy = SplitPolicy.PROPORTIONAL
    to: str | None = None  # --to: the SQL region to fail over to (default: the best survivor)
    allow_data_loss: bool = False
    unlink_redis: bool = False

    def validate(self, estate: Estate) -> str:
        """The normalized region; every argument check that needs no Azure call."""
        region = known_region(estate, self.region, "REGION")
        if len(estate.regions) < 2:
            raise UsageError(f"REGION: the estate has no other region than {region} to carry its traffic")
        if not (math.isfinite(self.factor) and 0 < self.factor <= MAX_FACTOR):
            raise UsageError(f"--factor: must be greater than 0 and at most {MAX_FACTOR:g}, got {self.factor}")
        if not (math.isfinite(self.interval) and self.interval >= 0):
            raise UsageError(f"--interval: must be 0 or more, got {self.interval:g}")
        if self.to is not None:
            if estate.sql is None:
                raise UsageError(f"--to: estate '{estate.name}' has no SQL failover group")
            to = normalize_region(self.to)
            if estate.sql.server_in(to) is None:
                regions = ", ".join(s.region for s in estate.sql.servers)
                raise UsageError(f"--to: failover group {estate.sql.name} has no server in '{self.to}' ({regions})")
            if to == region:
                raise UsageError(f"--to: must name another region than the one evacuated ({region})")
        if self.unlink_redis and (estate.redis is None or estate.redis.member_in(region) is None):
            raise UsageError(f"--unlink-redis: the estate has no Redis member in {region}")
        return region


# -- shared by evacuate and reinstate --------------------------------------------------------------
def preflight_params(
    rule: PreflightRule, region: str, checked: Sequence[str], health: Mapping[str, HealthVerdict]
) -> dict[str, Any]:
    """What the first step carries for its rule: the stamps checked and the unhealthy ones' reasons."""
    unhealthy = {name: list(health[name].reasons) for name in checked if name in health and health[name].unhealthy}
    unknown = [name for name in checked if name not in health or health[name].status == "unknown"]
    return {"rule": str(rule), "region": region, "checked": list(checked), "unhealthy": unhealthy, "unread": unknown}


def with_preflight(steps: Sequence[Step], preflight: dict[str, Any]) -> tuple[Step, ...]:
    """The steps, the first one carrying the pre-flight (judged by its rule while that step is to run)."""
    if not steps:
        return tuple(steps)
    first = steps[0]
    return (replace(first, params={**first.params, PREFLIGHT: preflight}), *steps[1:])


def shifted(steps: Sequence[Step], offset: int) -> tuple[Step, ...]:
    """The steps with their groups moved after the `offset` groups that run before them."""
    return tuple(replace(s, group=s.group + offset) for s in steps)


def group_count(steps: Sequence[Step]) -> int:
    return max((s.group for s in steps), default=-1) + 1


def redis_report(views: Sequence[StampView], region: str) -> str | None:
    """One line: every region's Redis link verdict (the estate's REDIS column)."""
    verdicts: dict[str, str] = {}
    for view in views:
        if view.redis is not None:
            verdicts.setdefault(view.stamp.region, f"{view.redis.verdict} ({view.redis.reason})")
    if not verdicts:
        return None
    here = verdicts.get(region, "unknown")
    others = ", ".join(f"{r} {v.split(' ')[0]}" for r, v in verdicts.items() if r != region)
    return f"Redis: {region} {here}; {others}"


# -- planning --------------------------------------------------------------------------------------
def plan_evacuation(estate: Estate, observed: EvacuationObserved, request: EvacuateRequest) -> Plan:
    """Carry → SQL failover (if the primary is in REGION) → gradual drain → Redis unlink (if asked)."""
    region = request.validate(estate)
    views = observed.views
    carriers = tuple(s.name for s in estate.stamps if s.region != region)
    serving = [v.stamp.name for v in views if v.stamp.region != region and v.serving]

    load = region_load(views, region, drained_by=observed.drained_by)
    scale, carry_notes = _carry(views, carriers, load, request, observed.previous)
    notes: list[str] = [_order_note(region)]
    notes.append(_health_note(serving, observed.health))
    if observed.lock:
        notes.append(observed.lock)
    notes.extend(carry_notes)

    failover, sql_notes, data_loss, confirm = _failover(estate, observed, request, region, scale)
    notes.extend(sql_notes)
    steps = [*scale, *shifted(failover, group_count(scale))]

    frontdoor = observed.frontdoor
    if failover:  # drained after the primary moved out: the drain's "SQL primary here" note no longer applies
        frontdoor = replace(frontdoor, sql_primary=failover[0].after["primary_region"])
    shift = ShiftRequest(StampSelection(region, None), request.percentages, request.interval)
    drain = plan_drain(estate, frontdoor, shift)
    steps.extend(shifted(drain.steps, group_count(steps)))
    notes.extend(n for n in drain.notes if "--verify" not in n)  # evacuate verifies unless --no-verify
    if drain.steps:
        notes.append("afterwards the edge is probed until no answer comes from the region (--no-verify: not)")

    redis_note = redis_report(views, region)
    if redis_note:
        notes.append(redis_note + ("" if request.unlink_redis else "; --unlink-redis unlinks it (data loss)"))
    unlinked: tuple[Step, ...] = ()
    if request.unlink_redis:
        unlink = _unlink(estate, observed, region)
        unlinked = shifted(unlink.steps, group_count(steps))
        steps.extend(unlinked)
        if unlinked:
            data_loss, confirm = True, confirm or unlink.confirm_name
            notes.append(f"rollback is refused once {region}'s Redis database is unlinked: reverse it by hand")
        notes.extend(unlink.notes)

    preflight = preflight_params(PreflightRule.SURVIVORS_HEALTHY, region, serving, observed.health)
    ordered = with_preflight(steps, preflight)
    gated = group_count(ordered) > 1
    plan = Plan(
        kind=EvacuationKind.EVACUATE,
        summary=_summary(region, scale, failover, drain.steps, request, bool(unlinked)),
        steps=ordered,
        data_loss=data_loss,
        confirm_name=confirm,
        notes=tuple(dict.fromkeys(notes)),
        gate=GATE if gated else None,
        interval=request.interval if gated else 0.0,
    )
    return with_traffic(plan, observed.frontdoor.routes)


def _carry(
    views: Sequence[StampView],
    carriers: Sequence[str],
    load: RegionLoad,
    request: EvacuateRequest,
    previous: PastEvacuation | None,
) -> tuple[tuple[Step, ...], list[str]]:
    """The carry steps. After an earlier evacuation of the region (still in effect) the survivors
    are sized from the capacities they had before it — else running evacuate again would count the
    load twice — and only scaled out where they are still short."""
    if previous is None or not previous.capacities:
        carry = plan_carry(views, carriers, load, factor=request.factor, policy=request.split)
        return carry_steps(views, carry, load), list(carry.notes)
    baseline = tuple(_with_capacity(v, previous.capacities.get(v.stamp.name)) for v in views)
    carry = plan_carry(baseline, carriers, load, factor=request.factor, policy=request.split)
    live = {v.stamp.name: v.plan.capacity for v in views if v.plan is not None and v.plan.capacity is not None}
    short = {n: t for n, t in carry.targets.items() if n in live and t > live[n]}  # never scales in
    steps = carry_steps(views, replace(carry, targets=short, current={n: live[n] for n in short}), load)
    was = ", ".join(f"{n} {c}" for n, c in previous.capacities.items())
    note = f"sized from before operation {previous.id} (evacuate {load.region}, {previous.status}): {was}"
    return steps, [note, *carry.notes]


def _with_capacity(view: StampView, capacity: int | None) -> StampView:
    if capacity is None or view.plan is None:
        return view
    return replace(view, plan=replace(view.plan, capacity=capacity))


def _order_note(region: str) -> str:
    return (
        f"order: scale the survivors, then move the SQL primary out of {region} (if it is there), then drain "
        f"{region}; rollback undoes it last first: traffic back on {region} first, then the SQL primary back, "
        "and the survivors scale in last"
    )


def _health_note(serving: Sequence[str], health: Mapping[str, HealthVerdict]) -> str:
    if not serving:
        return "pre-flight: no stamp of another region serves now"
    unhealthy = [n for n in serving if n in health and health[n].unhealthy]
    if unhealthy:
        return f"pre-flight: surviving stamp(s) unhealthy: {', '.join(unhealthy)}"
    verdicts = ", ".join(f"{n} {health[n].status if n in health else 'not assessed'}" for n in serving)
    return f"pre-flight: survivors {verdicts}"


def best_survivor(status: FailoverGroupStatus, region: str, capacity: Mapping[str, int]) -> str | None:
    """The secondary in the region with the most serving capacity once carried (ties: the group's order)."""
    candidates = [s.region for s in status.secondaries if s.region != region and s.error is None]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (capacity.get(r, 0), -candidates.index(r)))


def serving_capacity_after(views: Sequence[StampView], scale: Sequence[Step], region: str) -> dict[str, int]:
    """Serving instances per region other than `region`, once the carry steps are applied."""
    targets = {s.params["stamp"]: int(s.after["capacity"]) for s in scale}
    found: dict[str, int] = {}
    for view in views:
        if view.stamp.region == region or not view.serving or view.plan is None:
            continue
        count = targets.get(view.stamp.name, view.plan.capacity or 0)
        found[view.stamp.region] = found.get(view.stamp.region, 0) + count
    return found


def _failover(
    estate: Estate, observed: EvacuationObserved, request: EvacuateRequest, region: str, scale: Sequence[Step]
) -> tuple[tuple[Step, ...], list[str], bool, str | None]:
    """The SQL failover's steps (none unless the primary is in REGION), its notes, data loss, confirm name."""
    status = observed.sql
    if estate.sql is None or status is None:
        return (), [], False, None
    if status.primary_region != region:
        where = status.primary_region or "unknown"
        extra = f"; --to {normalize_region(request.to)} is not used" if request.to else ""
        return (), [f"SQL: the primary of {status.name} is in {where}, not {region}: no failover{extra}"], False, None
    capacity = serving_capacity_after(observed.views, scale, region)
    target = normalize_region(request.to) if request.to else best_survivor(status, region, capacity)
    if target is None:
        raise UsageError(f"failover group {status.name}: no secondary outside {region} answers; nothing was changed")
    primary = status.primary
    answers = primary is not None and primary.error is None
    # A primary that does not answer: forced with --allow-data-loss. Without it the plan keeps a planned
    # failover, which the registered rule `sql_links_ready` refuses (exit 5, journaled, named in the
    # result's `refused`) with the way out for this plan: --allow-data-loss. No refusal bypasses the rules.
    mode = "planned" if answers or not request.allow_data_loss else "forced"
    sql_request = FailoverRequest(to=target, mode=mode, allow_data_loss=request.allow_data_loss)
    plan = plan_failover(estate, FailoverObserved(status, observed.views), sql_request)
    counted = ", ".join(f"{r} {n}" for r, n in capacity.items())
    why = "" if request.to else f" (the secondary whose region serves the most instances once carried: {counted})"
    notes = [f"SQL: {mode} failover {region} → {target}{why}", *(f"SQL: {n}" for n in plan.notes)]
    if not answers and mode == "planned":
        who = f"{primary.name} ({region})" if primary else f"in {region}"
        notes.append(
            f"SQL: the primary {who} does not answer, so a planned failover cannot run; --allow-data-loss "
            f"makes it forced (the writes not yet replicated to {target} are lost)"
        )
    return plan.steps, notes, plan.data_loss, plan.confirm_name if plan.data_loss else None


def _unlink(estate: Estate, observed: EvacuationObserved, region: str) -> Plan:
    if observed.redis is None:
        raise UsageError("--unlink-redis: the Redis members' databases were not read")
    # the region's stamps no longer serve once the drain ran: its unlink note must not say they do
    redis = replace(observed.redis, serving_stamps=())
    plan = plan_unlink(estate, redis, UnlinkRequest(region))
    return replace(plan, notes=tuple(f"Redis: {n}" for n in plan.notes))


def _summary(
    region: str,
    scale: Sequence[Step],
    failover: Sequence[Step],
    drain: Sequence[Step],
    request: EvacuateRequest,
    unlink: bool,
) -> str:
    parts = []
    if scale:
        parts.append(f"scale {len({s.params['stamp'] for s in scale})} stamps")
    if failover:
        step = failover[0]
        mode = "" if step.params.get("mode") == "planned" else f" ({step.params.get('mode')})"
        parts.append(f"fail SQL over {step.before['primary_region']} → {step.after['primary_region']}{mode}")
    origins = {s.params["origin"] for s in drain if s.after.get("enabled") is False}
    if origins:
        count = len(request.percentages)
        parts.append(f"drain {len(origins)} origins" + (f" in {count} steps" if count > 1 else ""))
    if unlink:
        parts.append("unlink Redis")
    return f"evacuate {region}: " + (", ".join(parts) or "already evacuated")
