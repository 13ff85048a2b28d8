"""Scale units: plan App Service plan capacity changes per stamp or per region.

Scaling is a full PUT of the plan with sku.capacity changed (the adapter does that); here we only
decide the target counts, with bounds read live (maximumNumberOfWorkers), and leave the safety
rules (minimum serving capacity) to the shared mutation flow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mcctl.domain.estate import Estate, Stamp
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.regions import normalize_region
from mcctl.domain.selection import StampSelection, known_region, known_stamp
from mcctl.domain.stampview import StampView
from mcctl.errors import AzureRequestError, UsageError

# App Service gives no duration; this estimate (used for the plan's expected time) matches the
# simulator: 30 s plus 20 s per instance added or removed.
BASE_SECONDS = 30
SECONDS_PER_INSTANCE = 20
MAX_INSTANCES = 1000  # above any App Service plan's maximum: a larger count is a typo, not a plan
MAX_FACTOR = 100.0


@dataclass(frozen=True)
class ScaleObserved:
    """What the planner is given: the estate's stamps as the inventory read them (plan capacity and
    maximum, whether each serves)."""

    views: tuple[StampView, ...]


@dataclass(frozen=True)
class ScaleRequest:
    stamp: str | None = None
    region: str | None = None
    instances: int | None = None  # absolute target
    by: int | None = None  # relative change, + or -
    to_carry: str | None = None  # region whose traffic `region` must be able to carry as well
    factor: float | None = None  # head-room multiplier for --to-carry (default 1)

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
    """Instances per stamp so a region carries its own serving load plus another region's.

    The needed total is (serving here + serving there) × factor, rounded up. Instances are added to
    the smallest stamp first (the first one on ties), so the region ends up as even as possible with
    the fewest changes; a stamp is never scaled in by this. The smallest stamps are raised level by
    level, not one instance at a time, so a large total costs no more than a small one.
    """
    targets = dict(current)
    if not targets:
        return targets
    missing = math.ceil((serving_here + serving_there) * factor) - sum(targets.values())
    while missing > 0:
        low = min(targets.values())
        lowest = [name for name, count in targets.items() if count == low]
        above = [count for count in targets.values() if count > low]
        if above and (min(above) - low) * len(lowest) <= missing:
            for name in lowest:
                targets[name] = min(above)
            missing -= (min(above) - low) * len(lowest)
            continue
        each, extra = divmod(missing, len(lowest))
        for index, name in enumerate(lowest):
            targets[name] += each + (1 if index < extra else 0)
        missing = 0
    return targets


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
    if request.instances is not None:
        targets = {name: request.instances for name in current}
    elif request.by is not None:
        targets = {name: count + request.by for name, count in current.items()}
    else:
        assert request.to_carry is not None
        there = normalize_region(request.to_carry)
        serving_here = sum(v.plan.capacity or 0 for v in views if v.stamp.name in current and v.serving and v.plan)
        serving_there = sum(v.plan.capacity or 0 for v in views if v.stamp.region == there and v.serving and v.plan)
        targets = carry_targets(current, serving_here, serving_there, request.factor or 1.0)
    steps = []
    for stamp in stamps:
        target, now = targets[stamp.name], current[stamp.name]
        maximum = by_name[stamp.name].plan.maximum_number_of_workers  # type: ignore[union-attr]
        if target < 1:
            raise UsageError(f"--by: stamp {stamp.name} would have {target} instances (minimum 1)")
        if maximum is not None and target > maximum:
            raise UsageError(
                f"stamp {stamp.name}: {target} instances is above the maximum of {maximum} workers "
                f"of App Service plan {stamp.app_service_plan}"
            )
        if target == now:
            continue
        steps.append(
            Step(
                kind="scale_plan",
                target=f"stamp {stamp.name} plan {stamp.app_service_plan}",
                resource_id=stamp.plan_ref.id,
                before={"capacity": now},
                after={"capacity": target},
                params={"stamp": stamp.name},
                expected_seconds=BASE_SECONDS + SECONDS_PER_INSTANCE * abs(target - now),
                group=0,  # every stamp of a region scales in parallel
            )
        )
    where = f"stamp {request.stamp}" if request.stamp else f"region {normalize_region(request.region or '')}"
    summary = f"scale {where}: " + (
        ", ".join(f"{s.params['stamp']} {s.before['capacity']}→{s.after['capacity']}" for s in steps) or "no change"
    )
    notes: tuple[str, ...] = ()
    if request.to_carry:
        factor = request.factor or 1.0
        notes = (f"sized to carry {normalize_region(request.to_carry)}'s serving instances (factor {factor:g})",)
    return Plan(kind=PlanKind.SCALE, summary=summary, steps=tuple(steps), notes=notes)
