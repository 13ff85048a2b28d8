"""Capacity to carry a region's load in an incident: what the region carried, and how survivors split it (pure).

The load a failed region leaves is its capacity *before* the incident: its App Service plans'
capacity, which a drain or a stopped app does not change. Counting "instances serving now" instead
sizes the survivors for nothing once the region is drained (the natural first move when it is
down). On the carrying side only stamps that serve now count and get instances: a disabled origin
or a stopped app takes no traffic however many instances its plan has.

The carriers need ⌈(their serving capacity + the load) × factor⌉ instances in total, split by a
policy and bounded by each plan's maximum (what one carrier cannot take goes to those with
headroom; what none can take is the shortfall). `scale --to-carry` and `evacuate` size with this
code, and the `survivors_can_carry` rule refuses a plan with a shortfall, with the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Step
from mcctl.domain.regions import normalize_region
from mcctl.domain.safety import RuleContext, SafetyRule, Verdict
from mcctl.errors import AzureRequestError

if TYPE_CHECKING:
    from mcctl.domain.estate import Stamp
    from mcctl.domain.stampview import StampView

# App Service gives no duration; this estimate (used for the plan's expected time) matches the
# simulator: 30 s plus 20 s per instance added or removed.
BASE_SECONDS = 30
SECONDS_PER_INSTANCE = 20
STEP_KIND = "scale_plan"
CARRY_RULE_NAME = "survivors_can_carry"


class SplitPolicy(StrEnum):
    EVEN = "even"  # the carriers end as level as possible (the smallest raised first)
    PROPORTIONAL = "proportional"  # default: proportional to each carrier's current capacity


@dataclass(frozen=True)
class RegionLoad:
    region: str
    serving_now: int  # plan capacity of the region's stamps that serve now
    to_carry: int  # the region's capacity before the incident (what the carriers must absorb)
    source: str  # what was counted: "westeurope serves 0 now; 6 before operation OP"


def region_load(views: Sequence[StampView], region: str, drained_by: Mapping[str, str] | None = None) -> RegionLoad:
    """The load `region` leaves: its stamps' plan capacity, serving or not.

    `drained_by` (stamp name → the journaled operation that drained its origin) names where the
    pre-drain state comes from when the region serves less now than its plans hold.
    """
    wanted = normalize_region(region)
    stamps = [v for v in views if v.stamp.region == wanted]
    for view in stamps:
        if view.plan is None or view.plan.capacity is None:  # a plan never guesses the load
            raise AzureRequestError(f"stamp {view.stamp.name}: the App Service plan's capacity could not be read")
    capacity = {v.stamp.name: v.plan.capacity or 0 for v in stamps if v.plan is not None}
    serving_now = sum(capacity[v.stamp.name] for v in stamps if v.serving is True)
    to_carry = sum(capacity.values())
    source = f"{wanted} serves {serving_now} now"
    if serving_now != to_carry:
        idle = [v.stamp.name for v in stamps if v.serving is not True]
        operations = list(dict.fromkeys((drained_by or {})[n] for n in idle if n in (drained_by or {})))
        if operations:
            noun = "operation" if len(operations) == 1 else "operations"
            source += f"; {to_carry} before {noun} {', '.join(operations)}"
        else:
            source += f"; {to_carry} in its plans ({', '.join(idle)} not serving)"
    return RegionLoad(wanted, serving_now, to_carry, source)


@dataclass(frozen=True)
class CarryPlan:
    targets: Mapping[str, int]  # carrier stamp -> instances (never below its current capacity)
    current: Mapping[str, int]
    needed: int  # ⌈(the carriers' serving capacity + load.to_carry) × factor⌉
    planned: int  # what the targets give (== needed unless plan maximums bound it)
    notes: tuple[str, ...]  # what was counted, the split, carriers left out or capped
    factor: float = 1.0  # the head-room multiplier `needed` includes (the rule's message names it)

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.planned)


def plan_carry(
    views: Sequence[StampView],
    carriers: Sequence[str],
    load: RegionLoad,
    factor: float = 1.0,
    policy: SplitPolicy = SplitPolicy.PROPORTIONAL,
) -> CarryPlan:
    """Instances per serving carrier so that together they carry their own load and `load`."""
    by_name = {v.stamp.name: v for v in views}
    current: dict[str, int] = {}
    caps: dict[str, int | None] = {}
    left_out = []
    for name in dict.fromkeys(carriers):
        view = by_name.get(name)
        why = "not in the estate's stamps" if view is None else _not_serving(view)
        if why or view is None or view.plan is None or view.plan.capacity is None:
            left_out.append(f"{name} not counted: {why}")
            continue
        current[name] = view.plan.capacity
        maximum = view.plan.maximum_number_of_workers
        caps[name] = None if maximum is None else max(maximum, view.plan.capacity)  # never scale in
    serving = sum(current.values())
    needed = ceil_instances((serving + load.to_carry) * factor)
    targets = _split(current, caps, needed, policy)
    unbounded = _split(current, dict.fromkeys(current), needed, policy)
    planned = sum(targets.values())
    notes = [
        f"sized to carry {load.region}: {load.source}",
        f"needed ⌈({serving} serving on the carriers + {load.to_carry}) × {factor:g}⌉ = {needed} instances",
        f"split {_describe(policy)}: "
        + (", ".join(f"{n} {current[n]}→{targets[n]}" for n in targets) or "no carrier serves"),
        *left_out,
        *(
            f"{n} capped at its plan's maximum of {caps[n]} workers (the split gave it {unbounded[n]})"
            for n in targets
            if targets[n] < unbounded[n]
        ),
    ]
    if planned < needed:
        notes.append(f"survivors can carry {planned} of the {needed} instances needed (short by {needed - planned})")
    return CarryPlan(targets, current, needed, planned, tuple(notes), factor)


def carry_steps(views: Sequence[StampView], carry: CarryPlan, load: RegionLoad) -> tuple[Step, ...]:
    """One scale_plan step per carrier whose target differs, in one parallel group; each carries
    the numbers the `survivors_can_carry` rule judges."""
    by_name = {v.stamp.name: v for v in views}
    numbers = {
        "region": load.region,
        "needed": carry.needed,
        "planned": carry.planned,
        "source": load.source,
        "factor": carry.factor,
    }
    return tuple(
        scale_step(by_name[name].stamp, carry.current[name], target, {"carry": dict(numbers)})
        for name, target in carry.targets.items()
        if target != carry.current[name]
    )


def scale_step(stamp: Stamp, now: int, target: int, extra: Mapping[str, Any] | None = None, group: int = 0) -> Step:
    """The scale_plan step that sets `stamp`'s plan capacity from `now` to `target`."""
    return Step(
        kind=STEP_KIND,
        target=f"stamp {stamp.name} plan {stamp.app_service_plan}",
        resource_id=stamp.plan_ref.id,
        before={"capacity": now},
        after={"capacity": target},
        params={"stamp": stamp.name, **(extra or {})},
        expected_seconds=BASE_SECONDS + SECONDS_PER_INSTANCE * abs(target - now),
        group=group,  # every stamp of a region scales in parallel
    )


def ceil_instances(value: float) -> int:
    """Instances for a fractional need, rounded up; 10 × 1.1 is 11, not the 12 float error makes it."""
    return math.ceil(round(value, 6))


def raise_evenly(
    current: Mapping[str, int], missing: int, caps: Mapping[str, int | None] | None = None
) -> dict[str, int]:
    """Add `missing` instances, the smallest stamps first (the first one on ties), none above its cap.

    The smallest are raised level by level, not one instance at a time, so a large total costs no
    more than a small one. What no stamp can take is simply not placed."""
    caps = caps or {}
    targets = dict(current)
    while missing > 0:
        open_ = [n for n in targets if targets[n] < _room(caps.get(n))]
        if not open_:
            break
        low = min(targets[n] for n in open_)
        lowest = [n for n in open_ if targets[n] == low]
        ceilings = [targets[n] for n in open_ if targets[n] > low]
        ceilings += [c for n in lowest if (c := caps.get(n)) is not None]
        if ceilings and (min(ceilings) - low) * len(lowest) <= missing:
            for name in lowest:
                targets[name] = min(ceilings)
            missing -= (min(ceilings) - low) * len(lowest)
            continue
        each, extra = divmod(missing, len(lowest))
        for index, name in enumerate(lowest):
            targets[name] += each + (1 if index < extra else 0)
        missing = 0
    return targets


def _room(cap: int | None) -> float:
    return math.inf if cap is None else cap


def _split(current: dict[str, int], caps: Mapping[str, int | None], needed: int, policy: SplitPolicy) -> dict[str, int]:
    missing = needed - sum(current.values())
    if missing <= 0 or not current:
        return dict(current)
    if policy is SplitPolicy.EVEN:
        return raise_evenly(current, missing, caps)
    # Proportional: shares of the total by current capacity; a carrier whose share is above its
    # maximum gets the maximum, and the others share the rest the same way.
    targets = dict(current)
    free, total = list(current), needed
    while free:
        shares = _largest_remainder(total, {n: current[n] for n in free})
        over = [n for n in free if (cap := caps.get(n)) is not None and shares[n] > cap]
        if not over:
            targets.update({n: max(current[n], shares[n]) for n in free})
            break
        for name in over:
            targets[name] = caps[name] or 0
            total -= targets[name]
            free.remove(name)
    return targets


def _largest_remainder(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` split in proportion to `weights`, in whole instances (largest remainders first)."""
    if sum(weights.values()) <= 0:
        weights = dict.fromkeys(weights, 1)
    whole = sum(weights.values())
    shares = {n: total * w // whole for n, w in weights.items()}
    by_remainder = sorted(weights, key=lambda n: -(total * weights[n] % whole))  # stable: first on ties
    for name in by_remainder[: total - sum(shares.values())]:
        shares[name] += 1
    return shares


def _describe(policy: SplitPolicy) -> str:
    return "proportional to current capacity" if policy is SplitPolicy.PROPORTIONAL else "evenly"


def _not_serving(view: StampView) -> str | None:
    """Why a carrier is not counted as capacity, or None if it serves."""
    if view.serving is None:
        return "its origin or web app could not be read"
    if view.plan is None or view.plan.capacity is None:
        return "its App Service plan's capacity could not be read"
    if view.serving:
        return None
    if view.origin is not None and not view.origin.enabled:
        return "its origin is disabled"
    if view.app is not None and (view.app.state or "").lower() != "running":
        return f"its web app is {view.app.state or 'not running'}"
    return "its plan has no workers"


# -- the rule --------------------------------------------------------------------------------------
def carry_verdict(carry: Mapping[str, Any]) -> Verdict:
    """Whether the carriers can take what one carry plan needs (its steps' params["carry"])."""
    needed, planned = int(carry.get("needed", 0)), int(carry.get("planned", 0))
    context = "; ".join(str(p) for p in (carry.get("source"), _factor(carry.get("factor"))) if p)
    numbers = {
        "region": carry.get("region"),
        "needed": needed,
        "planned": planned,
        "shortfall": max(0, needed - planned),
        "factor": carry.get("factor"),
    }
    where = f" ({context})" if context else ""
    if planned >= needed:
        return True, f"survivors can carry the {needed} instances needed{where}", numbers
    return (
        False,
        f"survivors can carry {planned} of the {needed} instances needed{where}; "
        "to carry it all, give the carriers room (more serving stamps: `mcctl frontdoor restore` a drained "
        "one; a larger App Service plan SKU for a higher maximum; a lower --factor); "
        "with the rule overridden, the plan carries what they can",
        numbers,
    )


def survivors_can_carry(ctx: RuleContext) -> Verdict | None:
    """Refuse a plan that scales carriers out to less than the load they must carry.

    Judged on the scale-outs that carry a region (`params["carry"]`): a rollback's scale-ins and
    plans without carry numbers get no verdict."""
    carries = []
    for step in ctx.plan.steps:
        carry = step.params.get("carry")
        if step.kind != STEP_KIND or not isinstance(carry, Mapping):
            continue
        if int(step.after.get("capacity") or 0) <= int(step.before.get("capacity") or 0):
            continue
        if carry not in carries:
            carries.append(carry)
    if not carries:
        return None
    verdicts = [carry_verdict(carry) for carry in carries]
    return next((v for v in verdicts if not v[0]), verdicts[0])


def _factor(value: Any) -> str | None:
    return None if value is None else f"factor {float(value):g}"


CARRY_RULE = SafetyRule(
    CARRY_RULE_NAME,
    "no scale-out to carry a region that leaves the survivors short of the load (bounded by plan maximums)",
    survivors_can_carry,
)
