"""Scale units: plan App Service plan capacity changes per stamp or per region.

Scaling is a full PUT of the plan with sku.capacity changed (the adapter does that); here we only
decide the target counts, with bounds read live (maximumNumberOfWorkers), and leave the safety
rules (minimum serving capacity, survivors can carry) to the shared mutation flow. `--to-carry`
sizes the region with `mcctl.domain.capacity`, as `evacuate` does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from mcctl.domain.capacity import (
    CarryPlan,
    RegionLoad,
    SplitPolicy,
    carry_steps,
    ceil_instances,
    plan_carry,
    raise_evenly,
    region_load,
    scale_step,
)
from mcctl.domain.estate import Estate, Stamp
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.regions import normalize_region
from mcctl.domain.selection import StampSelection, known_region, known_stamp
from mcctl.domain.stampview import StampView
from mcctl.errors import AzureRequestError, UsageError

MAX_INSTANCES = 1000  # above any App Service plan's maximum: a larger count is a typo, not a plan
MAX_FACTOR = 100.0


@dataclass(frozen=True)
class ScaleObserved:
    """What the planner is given: the estate's stamps as the inventory read them (plan capacity and
    maximum, whether each serves)."""

    views: tuple[StampView, ...]
    # stamp -> the journaled operation that drained its origin (ops reads the journal), for --to-carry
    drained_by: Mapping[str, str] = field(default_factory=dict, kw_only=True)


@dataclass(frozen=True)
class ScaleRequest:
    stamp: str | None = None
    region: str | None = None
    instances: int | None = None  # absolute target
    by: int | None = None  # relative change, + or -
    to_carry: str | None = None  # region whose traffic `region` must be able to carry as well
    factor: float | None = None  # head-room multiplier for --to-carry (default 1)
    split: str | None = None  # how --to-carry splits across the region's stamps (default proportional)

    @property
    def policy(self) -> SplitPolicy:
        return SplitPolicy((self.split or SplitPolicy.PROPORTIONAL).strip().lower())

    def validate(self, estate: Estate) -> None:
        """Argument checks that need no Azure call (bad input never reaches the API)."""
        if (self.stamp is None) == (self.region is None):
            raise UsageError("STAMP or --region: give exactly one")
        chosen = [
            n
            for n, v in (("--instances", self.instances), ("--by", self.by), ("--to-carry", self.to_carry))
            if v is not None
        ]
        if len(chosen) != 1:
            raise UsageError("give exactly one of --instances, --by, --to-carry")
        if self.instances is not None and self.instances < 1:
            raise UsageError(f"--instances: must be at least 1, got {self.instances}")
        if self.instances is not None and self.instances > MAX_INSTANCES:
            raise UsageError(f"--instances: must be at most {MAX_INSTANCES}, got {self.instances}")
        if self.by == 0:
            raise UsageError("--by: must not be 0")
        if self.by is not None and abs(self.by) > MAX_INSTANCES:
            raise UsageError(f"--by: must be between -{MAX_INSTANCES} and +{MAX_INSTANCES}, got {self.by:+d}")
        if self.factor is not None:
            # (NaN fails every comparison, so the range is checked the way NaN cannot pass)
            if not (math.isfinite(self.factor) and 0 < self.factor <= MAX_FACTOR):
                raise UsageError(f"--factor: must be greater than 0 and at most {MAX_FACTOR:g}, got {self.factor}")
            if self.to_carry is None:
                raise UsageError("--factor: only used with --to-carry")
        if self.split is not None:
            choices = [p.value for p in SplitPolicy]
            if self.split.strip().lower() not in choices:
                raise UsageError(f"--split: must be one of {', '.join(choices)}, got '{self.split}'")
            if self.to_carry is None:
                raise UsageError("--split: only used with --to-carry")
        if self.stamp is not None:
            known_stamp(estate, self.stamp, "STAMP")
        for option, region in (("--region", self.region), ("--to-carry", self.to_carry)):
            if region is not None:
                known_region(estate, region, option)
        if self.to_carry is not None:
            if self.region is None:
                raise UsageError("--to-carry: needs --region (the region that takes the traffic)")
            if normalize_region(self.to_carry) == normalize_region(self.region):
                raise UsageError("--to-carry: must name another region than --region")

    def stamps(self, estate: Estate) -> tuple[Stamp, ...]:
        """The stamps to scale, in estate order."""
        selection = StampSelection(self.region, self.stamp, region_option="--region", stamp_option="STAMP")
        return selection.stamps(estate)


def carry_targets(current: dict[str, int], serving_here: int, serving_there: int, factor: float) -> dict[str, int]:
    """Instances per stamp for ⌈(serving here + serving there) × factor⌉ in total, the smallest stamp
    raised first (the first one on ties), none scaled in, no maximum: the even split without bounds
    (`mcctl.domain.capacity` sizes `--to-carry`, with the maximums)."""
    if not current:
        return {}
    return raise_evenly(current, ceil_instances((serving_here + serving_there) * factor) - sum(current.values()))


def carry_for(estate: Estate, observed: ScaleObserved, request: ScaleRequest) -> tuple[RegionLoad, CarryPlan]:
    """--to-carry: the other region's load (its plans' capacity) and how the region's stamps carry it."""
    if request.to_carry is None or request.region is None:
        raise UsageError("--to-carry: needs --region (the region that takes the traffic)")
    load = region_load(observed.views, request.to_carry, observed.drained_by)
    carriers = [stamp.name for stamp in request.stamps(estate)]
    return load, plan_carry(observed.views, carriers, load, request.factor or 1.0, request.policy)


def plan_scale(estate: Estate, observed: ScaleObserved, request: ScaleRequest) -> Plan:
    """One scale_plan step per selected stamp whose target differs from its capacity (one parallel group)."""
    request.validate(estate)
    views = observed.views
    by_name = {v.stamp.name: v for v in views}
    stamps = request.stamps(estate)
    current: dict[str, int] = {}
    for stamp in stamps:
        plan = by_name[stamp.name].plan
        if plan is None or plan.capacity is None:
            raise AzureRequestError(f"stamp {stamp.name}: the App Service plan's capacity could not be read")
        current[stamp.name] = plan.capacity
    steps: list[Step] = []
    notes: tuple[str, ...] = ()
    if request.to_carry is not None:
        load, carry = carry_for(estate, observed, request)
        steps.extend(carry_steps(views, carry, load))
        notes = carry.notes  # what was counted: shown even when the plan is empty
    else:
        if request.instances is not None:
            targets = {name: request.instances for name in current}
        else:
            assert request.by is not None
            targets = {name: count + request.by for name, count in current.items()}
        for stamp in stamps:
            target, now = targets[stamp.name], current[stamp.name]
            _check_bounds(stamp, target, by_name[stamp.name])
            if target != now:
                steps.append(scale_step(stamp, now, target))
    where = f"stamp {request.stamp}" if request.stamp else f"region {normalize_region(request.region or '')}"
    summary = f"scale {where}: " + (
        ", ".join(f"{s.params['stamp']} {s.before['capacity']}→{s.after['capacity']}" for s in steps) or "no change"
    )
    return Plan(kind=PlanKind.SCALE, summary=summary, steps=tuple(steps), notes=notes)


def _check_bounds(stamp: Stamp, target: int, view: StampView) -> None:
    maximum = view.plan.maximum_number_of_workers if view.plan else None
    if target < 1:
        raise UsageError(f"--by: stamp {stamp.name} would have {target} instances (minimum 1)")
    if maximum is not None and target > maximum:
        raise UsageError(
            f"stamp {stamp.name}: {target} instances is above the maximum of {maximum} workers "
            f"of App Service plan {stamp.app_service_plan}"
        )
