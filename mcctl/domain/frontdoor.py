"""Front Door traffic shifts, planned (pure): draining and restoring a region or a stamp, and
reverting a shift that stopped part-way.

A drain disables origins (weight 0 is not a drain: ARM refuses it, and a low weight still serves).
Plans are ordinary `set_origin` steps, so the safety rules, the journal, resume and rollback apply
as for any mutation. A gradual drain or restore is one plan whose groups change weights step by
step; between groups the `health` gate (ops) waits the interval and stops the run when a stamp
that will still serve is unhealthy.

Restore puts back the weight and priority an origin had before it was drained: the `prior` each
drain step records, from the newest drain of that origin in the journal (a later successful
restore or rollback means there is no drain to undo). Without one, AFD's own defaults apply
(weight 1000, priority 1). The journal reaches this module as plain values (`PastOperation`): ops
reads it and hands over the priors per origin in `FrontDoorObserved`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import Lifecycle
from mcctl.domain.observed import AFD_DEFAULT_PRIORITY, AFD_DEFAULT_WEIGHT
from mcctl.domain.plan import ROLLBACK_PREFIX, Plan, PlanKind, Step
from mcctl.domain.selection import StampSelection
from mcctl.domain.statuses import OperationStatus
from mcctl.domain.traffic import SET_ORIGIN, OriginRoute, routes_from_views, with_traffic
from mcctl.errors import SafetyRefusal, UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.observed import OriginState
    from mcctl.domain.stampview import StampView

# Lifecycles whose origins a region's restore leaves alone (blue-green: `shift` decides their traffic).
RELEASE_HELD = (Lifecycle.CANDIDATE, Lifecycle.RETIRING)

DRAIN = PlanKind.FRONTDOOR_DRAIN
RESTORE = PlanKind.FRONTDOOR_RESTORE
STEP_KIND = SET_ORIGIN
MIN_WEIGHT, MAX_WEIGHT = 1, 1000
ORIGIN_UPDATE_SECONDS = 30.0  # Front Door accepts an origin change in tens of seconds (plan estimate)
# Operation statuses after which a drain may have changed its origins (refused/failed changed nothing).
MAY_HAVE_CHANGED = (
    OperationStatus.SUCCEEDED,
    OperationStatus.PARTIAL,
    OperationStatus.STOPPED,
    OperationStatus.INTERRUPTED,
    OperationStatus.TIMEOUT,
    OperationStatus.SUBMITTED,
    OperationStatus.INCOMPLETE,
)

# What drain, restore and verify act on: a region or one stamp, exactly one of them (REGION, --stamp).
Target = StampSelection


def parse_steps(text: str) -> tuple[int, ...]:
    """`--steps 50,90,100`: percentages, strictly increasing, ending at 100."""
    parts = text.replace(" ", "").split(",")
    if not all(re.fullmatch(r"[0-9]{1,3}", part) for part in parts):  # int() also takes 5_0 and ٥٠
        raise UsageError(f"--steps: expected percentages like 50,90,100, got '{text}'")
    values = tuple(int(part) for part in parts)
    if any(not 1 <= v <= 100 for v in values):
        raise UsageError(f"--steps: each step is a percentage from 1 to 100, got '{text}'")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise UsageError(f"--steps: percentages must increase, got '{text}'")
    if values[-1] != 100:
        raise UsageError(f"--steps: the last step must be 100 (the origin is fully drained or restored), got '{text}'")
    return values


# -- weights and priorities before a drain ---------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """The weight and priority an origin had before it was drained, and where that is recorded."""

    weight: int | None
    priority: int | None
    operation: str | None = None  # the journaled drain it comes from; None: live values or defaults

    def as_params(self) -> dict[str, int | None]:
        return {"weight": self.weight, "priority": self.priority}


@dataclass(frozen=True)
class OriginChange:
    """One journaled `set_origin` step, as plain values."""

    origin: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    prior: Mapping[str, Any] | None = None  # what a drain step recorded of the origin before the drain


@dataclass(frozen=True)
class PastOperation:
    """A journaled operation that set origins: what priors and reverts need of it."""

    id: str
    kind: str | None
    status: str
    changes: tuple[OriginChange, ...] = ()

    def changes_of(self, origin: str) -> list[OriginChange]:
        return [c for c in self.changes if c.origin == origin]


def _is_drain(operation: PastOperation, changes: list[OriginChange]) -> bool:
    if operation.kind == DRAIN:
        return True
    return any(c.after.get("enabled") is False for c in changes)


def _prior_of(operation: PastOperation, changes: list[OriginChange]) -> Prior:
    recorded = next((c.prior for c in changes if c.prior is not None), None)
    if recorded is not None:
        return Prior(recorded.get("weight"), recorded.get("priority"), operation.id)
    # A drain by another tool or kind: the first value each field had before any step changed it.
    weight = next((c.before["weight"] for c in changes if "weight" in c.before), None)
    priority = next((c.before["priority"] for c in changes if "priority" in c.before), None)
    return Prior(weight, priority, operation.id)


def prior_from_history(history: Sequence[PastOperation], origin: str) -> Prior | None:
    """The prior of the newest drain of `origin` that has not been undone since, or None.

    `history` is oldest first. A drain counts once it may have changed something (succeeded,
    stopped by a gate, interrupted, ...); a later restore or rollback that succeeded means the
    origin is back and there is nothing to undo.
    """
    for operation in reversed(history):
        changes = operation.changes_of(origin)
        if not changes or operation.status in ("refused", "failed"):
            continue
        if _is_drain(operation, changes):
            if operation.status in MAY_HAVE_CHANGED:
                return _prior_of(operation, changes)
            continue
        if operation.status == OperationStatus.SUCCEEDED:
            return None  # restored (or a drain rolled back) since
    return None


# -- what the planners are given -------------------------------------------------------------------
@dataclass(frozen=True)
class FrontDoorObserved:
    """What ops read for a plan: each stamp's live state, the journaled priors by origin name (only
    origins with a drain not undone since), the region of the SQL primary when known, and which
    stamps Front Door's probes keep in rotation when read (stamp -> healthy; missing: healthy)."""

    views: tuple[StampView, ...]
    priors: Mapping[str, Prior] = field(default_factory=dict)
    sql_primary: str | None = None
    healthy: Mapping[str, bool] = field(default_factory=dict)

    @property
    def routes(self) -> tuple[OriginRoute, ...]:
        """The routing now, which a plan's traffic preview starts from."""
        return routes_from_views(self.views, self.healthy)

    def origins(self, stamps: Iterable[Stamp]) -> list[tuple[Stamp, OriginState]]:
        """Each stamp's live origin; a plan never guesses one that could not be read."""
        by_name = {v.stamp.name: v for v in self.views}
        found = []
        waiting: list[Stamp] = []  # candidates a pipeline deployed, before `stamps add`: no origin yet
        for stamp in stamps:
            view = by_name.get(stamp.name)
            if view is not None and view.origin is None and view.no_origin and stamp.candidate:
                waiting.append(stamp)  # nothing of it to drain or restore: it does not hold up its region
                continue
            if view is None or view.origin is None:
                raise UsageError(f"stamp {stamp.name}: its Front Door origin '{stamp.origin}' could not be read")
            found.append((stamp, view.origin))
        if waiting and not found:
            name = waiting[0].name
            raise UsageError(
                f"stamp {name}: a candidate with no Front Door origin yet; nothing was changed",
                hint=f"give it one first: mcctl stamps add {name}",
            )
        return found


@dataclass(frozen=True)
class ShiftRequest:
    """A drain or restore as the operator asked for it: at once, or gradually by `percentages`
    (from `parse_steps`) with `interval` seconds between the steps."""

    selection: StampSelection
    percentages: tuple[int, ...] = ()
    interval: float = 60.0

    @property
    def gradual(self) -> bool:
        return len(self.percentages) > 1

    def validate(self, estate: Estate) -> None:
        self.selection.validate(estate)


@dataclass(frozen=True)
class RevertRequest:
    """Put back what operation `operation` changed: per origin it touched (in step order), each
    field's value before the operation first changed it."""

    operation: str
    kind: str | None
    summary: str
    starts: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    @classmethod
    def of(cls, operation: str, kind: str | None, summary: str, changes: Iterable[OriginChange]) -> RevertRequest:
        starts: dict[str, dict[str, Any]] = {}
        for change in changes:
            start = starts.setdefault(change.origin, {})
            for key, value in change.before.items():
                start.setdefault(key, value)
        return cls(operation, kind, summary, tuple(starts.items()))


# -- planning --------------------------------------------------------------------------------------
def origin_step(
    stamp: Stamp, estate: Estate, before: dict, after: dict, group: int, step: str = "", **params: Any
) -> Step:
    """A `set_origin` step on the stamp's origin; `step` labels what it does (`-50% of weight`)."""
    return Step(
        kind=STEP_KIND,
        target=f"stamp {stamp.name} origin {stamp.origin}" + (f" ({step})" if step else ""),
        resource_id=estate.frontdoor.origin_id(stamp.origin),
        before=before,
        after=after,
        params={"stamp": stamp.name, "origin": stamp.origin, **params},
        expected_seconds=ORIGIN_UPDATE_SECONDS,
        group=group,
    )


def live_origin(origin: OriginState) -> dict[str, Any]:
    """The origin as steps read it back (null weight/priority as Front Door applies them)."""
    return {"enabled": origin.enabled, "weight": origin.effective_weight, "priority": origin.effective_priority}


def share_weight(weight: int, percent: int) -> int:
    """`percent` of `weight`, within what Front Door accepts (1..1000)."""
    return max(MIN_WEIGHT, min(MAX_WEIGHT, round(weight * percent / 100)))


def _gradual_note(percentages: Sequence[int], interval: float, verb: str) -> str:
    return (
        f"{verb} in {len(percentages)} steps ({', '.join(f'{p}%' for p in percentages)}); before each next step: "
        f"wait {interval:g}s, then stop if a stamp that will still serve is unhealthy"
    )


def _in_steps(percentages: Sequence[int]) -> str:
    return f" in steps of {'/'.join(map(str, percentages))}%" if percentages else ""


def _sql_note(estate: Estate, sql_primary: str | None, regions: set[str]) -> str | None:
    if estate.sql is None or sql_primary is None or sql_primary not in regions:
        return None
    return (
        f"{sql_primary} holds the SQL primary of failover group {estate.sql.name}: once it is drained every "
        f"write crosses regions; consider `mcctl sql failover` to a region that keeps serving first"
    )


def plan_drain(estate: Estate, observed: FrontDoorObserved, request: ShiftRequest) -> Plan:
    """Disable the selected stamps' enabled origins: at once (one parallel group), or gradually,
    lowering the weights group by group (never below 1) before the last group disables them."""
    request.validate(estate)
    stamps = observed.origins(request.selection.stamps(estate))
    percentages, gradual = request.percentages, request.gradual
    notes: list[str] = []
    steps: list[Step] = []
    for stamp, origin in stamps:
        if not origin.enabled:
            notes.append(f"{stamp.origin} ({stamp.name}) is already disabled")
            continue
        prior = observed.priors.get(stamp.origin) or Prior(origin.weight, origin.priority)
        if origin.weight is None:
            notes.append(
                f"{stamp.origin} ({stamp.name}) has no weight in the API (null): AFD uses {AFD_DEFAULT_WEIGHT}"
            )
        current = origin.effective_weight
        for group, percent in enumerate(percentages[:-1] if gradual else ()):
            weight = share_weight(prior.weight or AFD_DEFAULT_WEIGHT, 100 - percent)
            if weight >= current:
                continue
            # each step starts where the previous one leaves the origin (the executor checks only
            # the first step of a resource against live state; rollback walks the chain back)
            before, after = {"weight": current}, {"weight": weight}
            label = f"-{percent}% of weight"  # of the origin's own weight: the plan's preview says the traffic
            steps.append(origin_step(stamp, estate, before, after, group, label, prior=prior.as_params()))
            current = weight
        last = len(percentages) - 1 if gradual else 0
        label = "100%" if gradual else ""
        steps.append(
            origin_step(stamp, estate, {"enabled": True}, {"enabled": False}, last, label, prior=prior.as_params())
        )
    sql = _sql_note(estate, observed.sql_primary, {s.region for s, _ in stamps})
    if sql and steps:
        notes.insert(0, sql)
    if steps:
        if gradual:
            notes.append(_gradual_note(percentages, request.interval, "weights lowered"))
        notes.append("Front Door applies an accepted change at the edge minutes later: --verify waits for it")
    disabled = sorted({s.params["origin"] for s in steps if s.after.get("enabled") is False})
    what = f"disable {', '.join(disabled)}" if disabled else "already drained"
    summary = f"drain {request.selection.describe()}: {what}" + _in_steps(percentages if gradual and steps else ())
    return _plan(DRAIN, summary, steps, notes, request.interval, observed.routes)


def plan_restore(estate: Estate, observed: FrontDoorObserved, request: ShiftRequest) -> Plan:
    """Enable the selected stamps' origins with the weight and priority they had before their drain.

    A disabled origin is enabled (at the first step's share of its weight when gradual); an enabled
    one is only changed when the journal holds an unfinished drain of it (weights left lowered by a
    stopped gradual drain). Origins already as they were are left alone.
    """
    request.validate(estate)
    stamps = observed.origins(request.selection.stamps(estate))
    percentages, gradual = request.percentages, request.gradual
    notes: list[str] = []
    steps: list[Step] = []
    for stamp, origin in stamps:
        journaled = observed.priors.get(stamp.origin)
        if origin.enabled and journaled is None:
            continue  # serving as configured: nothing of ours to undo
        if request.selection.stamp is None and stamp.lifecycle in RELEASE_HELD:
            # a region's restore (or reinstate) brings back what was drained, not a release's stamps:
            # a candidate gets traffic from `shift`, a retiring one was shifted off on purpose
            notes.append(
                f"{stamp.name} left out: a {stamp.lifecycle} stamp of a release (`mcctl shift` moves its traffic)"
            )
            continue
        prior = journaled or Prior(None, None)
        weight = prior.weight if prior.weight is not None else AFD_DEFAULT_WEIGHT
        priority = prior.priority if prior.priority is not None else AFD_DEFAULT_PRIORITY
        source = f"operation {prior.operation}" if prior.operation else "the estate defaults (no drain journaled)"
        planned = _restore_steps(stamp, origin, estate, weight, priority, percentages if gradual else ())
        if planned:
            notes.append(f"{stamp.origin} ({stamp.name}): weight {weight}, priority {priority} from {source}")
        steps.extend(planned)
    if steps and gradual:
        notes.append(_gradual_note(percentages, request.interval, "weights raised"))
    enabled = sorted({s.params["origin"] for s in steps})
    what = f"restore {', '.join(enabled)}" if enabled else "already serving"
    summary = f"restore {request.selection.describe()}: {what}" + _in_steps(percentages if gradual and steps else ())
    return _plan(RESTORE, summary, steps, notes, request.interval, observed.routes)


def _restore_steps(
    stamp: Stamp, origin: OriginState, estate: Estate, weight: int, priority: int, percentages: Sequence[int]
) -> list[Step]:
    live = live_origin(origin)
    steps: list[Step] = []
    shares = [(p, share_weight(weight, p)) for p in percentages[:-1]] + [(100, weight)]
    for group, (percent, share) in enumerate(shares):
        final = group == len(shares) - 1
        if not live["enabled"]:
            want = {"enabled": True, "weight": share, "priority": priority}
        elif final:
            want = {"weight": share, "priority": priority}
        elif share <= live["weight"]:
            continue  # already at least this far back
        else:
            want = {"weight": share}
        changed = {k: v for k, v in want.items() if live[k] != v}
        if not changed:
            continue
        label = f"{percent}% of weight" if len(shares) > 1 else ""
        steps.append(origin_step(stamp, estate, {k: live[k] for k in changed}, changed, group, label))
        live.update(changed)
    return steps


def _plan(
    kind: str, summary: str, steps: list[Step], notes: list[str], interval: float, routes: Sequence[OriginRoute]
) -> Plan:
    """A drain or restore plan, with its traffic preview from `routes`; with more than one step
    group it is gradual: health-gated."""
    ordered = _regroup(steps)
    gated = len({s.group for s in ordered}) > 1
    plan = Plan(
        kind=kind,
        summary=summary,
        steps=ordered,
        notes=tuple(notes),
        gate="health" if gated else None,
        interval=interval if gated else 0.0,
    )
    return with_traffic(plan, routes)


def _regroup(steps: list[Step]) -> tuple[Step, ...]:
    """Order steps by group (parallel within one), numbering the groups that exist 0, 1, 2, ..."""
    numbers = {g: n for n, g in enumerate(sorted({s.group for s in steps}))}
    ordered = sorted(steps, key=lambda s: s.group)  # stable: stamps keep the estate's order
    return tuple(replace(s, group=numbers[s.group]) for s in ordered)


def plan_revert(estate: Estate, observed: FrontDoorObserved, request: RevertRequest) -> Plan:
    """Put every origin a stopped drain or restore touched back as it was before that operation:
    one step per origin, all in parallel (a cautious inverse of a gradual plan in one move)."""
    steps: list[Step] = []
    by_origin = {v.stamp.origin: v for v in observed.views}
    for name, start in request.starts:
        view = by_origin.get(name)
        if view is None or view.origin is None:
            raise UsageError(f"origin {name}: not in the estate file or could not be read; nothing was changed")
        live = live_origin(view.origin)
        changed = {k: v for k, v in start.items() if live.get(k) != v and v is not None}
        if changed:
            steps.append(origin_step(view.stamp, estate, {k: live[k] for k in changed}, changed, 0))
    summary = f"revert {request.operation}: {request.summary}"
    return with_traffic(
        Plan(kind=f"{ROLLBACK_PREFIX}{request.kind}", summary=summary, steps=tuple(steps)), observed.routes
    )


class Reverted(SafetyRefusal):
    """A drain or restore stopped (by its health gate or a failed step) and reverted with
    --revert-on-failure: in the end nothing changed (exit 5)."""


def leaving_stamps(plan: Plan) -> frozenset[str]:
    """Stamps whose origins the plan disables (the health gate does not watch them)."""
    return frozenset(s.params["stamp"] for s in plan.steps if s.after.get("enabled") is False)
