"""Blue-green traffic shifts between two stamp sets, planned (pure): `mcctl shift --from A --to B`.

A shift moves the edge traffic the --from set serves now to the --to set, step by step. At step p
(a percentage from `parse_steps`) the --to set gets p% of the pair's traffic (`PairWeights`): with W
the enabled --from and --to origins' weights together (Front Door weights 1..1000 per origin), the
--to origins share W*p/100 evenly and each --from origin keeps its part of W*(100-p)/100; when a --to
weight would exceed 1000 every weight of the step is scaled down alike (ARM refuses 0: at least 1). A
step at or below the --to set's share now is left out (a shift never lowers it). The first step also
enables disabled --to origins (at the --from set's priority, so the weights split at all); the last
one (100) disables the --from origins, recording the weight and priority each had before (`prior`,
as a drain does, so `frontdoor restore` can bring one back). Then, in a group of its own (gated like
the others), the sets' lifecycle tags: --to active, --from retiring.

The two sets' `set_origin` steps of one step share one parallel group: their weights change
together. Every shift step carries what the `shift` gate (ops) and the `shift-capacity` rule need in
its params (`sets`, `side`, `share`, `gate`), so a resumed shift is gated and judged like the first run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import Lifecycle
from mcctl.domain.frontdoor import (
    MAX_WEIGHT,
    MIN_WEIGHT,
    FrontDoorObserved,
    Prior,
    live_origin,
    origin_step,
)
from mcctl.domain.lifecycle import lifecycle_step
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.safety import RuleContext, SafetyRule, Verdict
from mcctl.domain.traffic import SET_ORIGIN, traffic_preview
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.observed import OriginState

SHIFT = PlanKind.SHIFT
GATE = "shift"  # the gate between the steps of a gradual shift (registered by mcctl.ops.shift)
RULE = "shift-capacity"
FROM, TO = "from", "to"  # a shift step's params["side"]
DEFAULT_PROBES = 20  # answers of the public endpoint the error-rate gate reads after each interval


def parse_stamp_set(text: str, option: str) -> tuple[str, ...]:
    """`--from weu-1,weu-2`: stamp names, comma-separated, each once."""
    names = tuple(part.strip() for part in text.split(","))
    if not text.strip() or any(not name for name in names):
        raise UsageError(f"{option}: expected stamp names like weu-1,weu-2, got '{text}'")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"{option}: stamp {', '.join(twice)} named twice")
    return names


@dataclass(frozen=True)
class SetShiftRequest:
    """A shift as the operator asked for it: from one stamp set to another, at once (`(100,)`) or by
    `percentages` with `interval` seconds between the steps; `max_error_rate` (percent) adds an
    error-rate check of the public endpoint (`probes` answers) to the gate between steps."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    percentages: tuple[int, ...] = (100,)
    interval: float = 60.0
    max_error_rate: float | None = None
    probes: int = DEFAULT_PROBES

    @property
    def gradual(self) -> bool:
        return len(self.percentages) > 1

    def validate(self, estate: Estate) -> None:
        """Bad input names the option (exit 2, nothing read or changed)."""
        for option, names in (("--from", self.sources), ("--to", self.targets)):
            if not names:
                raise UsageError(f"{option}: name at least one stamp")
            for name in names:
                if estate.stamp(name) is not None:
                    continue
                if estate.retired_stamp(name) is not None:
                    raise UsageError(f"{option}: stamp {name} is retired; a shift moves traffic between serving stamps")
                known = ", ".join(s.name for s in estate.stamps)
                raise UsageError(f"{option}: no stamp '{name}' in the estate (stamps: {known})")
        both = [name for name in self.targets if name in self.sources]
        if both:
            raise UsageError(f"--to: {', '.join(both)} also in --from: the two sets must be disjoint")
        regions = {
            option: _regions(estate, names) for option, names in (("--from", self.sources), ("--to", self.targets))
        }
        if set(regions["--from"]) != set(regions["--to"]):
            raise UsageError(
                f"--to: the sets must cover the same regions (--from: {', '.join(regions['--from'])}; "
                f"--to: {', '.join(regions['--to'])})"
            )
        if self.max_error_rate is not None and not 0 <= self.max_error_rate < 100:
            raise UsageError(f"--max-error-rate: a percentage from 0 to below 100, got {self.max_error_rate:g}")
        if self.probes < 1:
            raise UsageError("--probes: must be at least 1")

    def gate_params(self) -> dict[str, Any]:
        return {"max_error_rate": self.max_error_rate, "probes": self.probes}


def _regions(estate: Estate, names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(s.region for s in (estate.stamp(n) for n in names) if s is not None))


def _origin_of(observed: FrontDoorObserved, stamp: Stamp, option: str) -> OriginState:
    view = next((v for v in observed.views if v.stamp.name == stamp.name), None)
    failed = view is not None and view.origin is not None and (view.origin.provisioning_state or "") == "Failed"
    if failed and option == "--to":
        raise UsageError(
            f"--to: stamp {stamp.name}'s origin '{stamp.origin}' failed to be created (provisioning state Failed): "
            "Front Door does not route to it",
            hint="resume or roll back the `stamps add` that made it (`mcctl journal list`)",
        )
    if view is None or view.origin is None:
        if option == "--to":
            raise UsageError(
                f"--to: stamp {stamp.name} has no Front Door origin '{stamp.origin}' (or it could not be read)",
                hint=f"mcctl stamps add {stamp.name}",
            )
        raise UsageError(f"--from: stamp {stamp.name}: its Front Door origin '{stamp.origin}' could not be read")
    return view.origin


def _clamp(value: float) -> int:
    return max(MIN_WEIGHT, min(MAX_WEIGHT, round(value)))


def plan_shift(estate: Estate, observed: FrontDoorObserved, request: SetShiftRequest) -> Plan:
    """The shift as steps, one parallel group per percentage, the lifecycle tags in a last group of
    their own (see the module's docstring)."""
    request.validate(estate)
    sources = [s for s in (estate.stamp(n) for n in request.sources) if s is not None]
    targets = [s for s in (estate.stamp(n) for n in request.targets) if s is not None]
    to_live = {s.name: live_origin(_origin_of(observed, s, "--to")) for s in targets}
    from_origins = {s.name: _origin_of(observed, s, "--from") for s in sources}
    serving = [s for s in sources if from_origins[s.name].enabled]
    if not serving:
        raise UsageError(f"--from: {', '.join(request.sources)} serve nothing (origins disabled): nothing to shift")
    from_live = {s.name: live_origin(from_origins[s.name]) for s in serving}
    weights = PairWeights.of(from_live, to_live)
    priority = min(live["priority"] for live in from_live.values())
    shares = [p for p in request.percentages if p == 100 or p > weights.start]
    common: dict[str, Any] = {
        "sets": {FROM: list(request.sources), TO: list(request.targets)},
        **({"gate": request.gate_params()} if request.gradual else {}),
    }
    steps: list[Step] = []
    for group, percent in enumerate(shares):
        params = {"share": percent, **common}
        for stamp in targets:
            live = to_live[stamp.name]
            want: dict[str, Any] = {"weight": weights.target(percent, len(targets))}
            if not live["enabled"]:
                want["enabled"] = True
            if live["priority"] != priority:
                want["priority"] = priority  # the weights split only among origins of one priority
            changed = {k: v for k, v in want.items() if live[k] != v}
            if changed:
                was = {k: live[k] for k in changed}
                steps.append(origin_step(stamp, estate, was, changed, group, f"to {percent}%", side=TO, **params))
                live.update(changed)
        for stamp in serving:
            live = from_live[stamp.name]
            origin = from_origins[stamp.name]
            prior = observed.priors.get(stamp.origin) or Prior(origin.weight, origin.priority)
            change = _from_change(live, weights.source(origin.effective_weight, percent, len(targets)), percent)
            if change is None:
                continue
            before, after, label = change
            steps.append(
                origin_step(stamp, estate, before, after, group, label, side=FROM, prior=prior.as_params(), **params)
            )
            live.update(after)
    # Tagged once the traffic has moved (and, gradually, once the gate has seen the --to set carry
    # all of it): a step that failed or a run cut short never leaves a set marked for what it is not.
    tags = lifecycle_steps(targets, sources, len(shares))
    steps.extend(replace(step, params={**step.params, **common}) for step in tags)
    notes = _notes(request, sources, serving, targets, weights, shares)
    regions = ", ".join(_regions(estate, request.sources))
    what = f"shift {regions} from {', '.join(request.sources)} to {', '.join(request.targets)}"
    if request.gradual:
        what += f" in steps of {'/'.join(map(str, request.percentages))}%"
    plan = Plan(
        kind=SHIFT,
        summary=what,
        steps=_ordered(steps),
        notes=tuple(notes),
        gate=GATE if request.gradual else None,
        interval=request.interval if request.gradual else 0.0,
    )
    return replace(plan, traffic=set_traffic(observed, plan, request.sources, request.targets))


@dataclass(frozen=True)
class PairWeights:
    """The two sets' weights: W = the enabled --from and --to origins' weights together (a --to set
    already serving keeps its part: the shift never lowers it). At step p the --to origins share
    W×p% evenly and each --from origin keeps its part of W×(100−p)%; when a --to weight would exceed
    Front Door's 1000, every weight of the step is scaled down alike, so the split stays p%."""

    from_total: int
    to_total: int  # of the enabled --to origins

    @classmethod
    def of(cls, from_live: Mapping[str, Mapping[str, Any]], to_live: Mapping[str, Mapping[str, Any]]) -> PairWeights:
        to_total = sum(int(live["weight"]) for live in to_live.values() if live["enabled"])
        return cls(sum(int(live["weight"]) for live in from_live.values()), to_total)

    @property
    def total(self) -> int:
        return self.from_total + self.to_total

    @property
    def start(self) -> float:
        """The --to set's share of the pair now, in percent (a step at or below it changes nothing)."""
        return 100 * self.to_total / self.total

    def _scale(self, percent: int, count: int) -> float:
        wanted = self.total * percent / 100 / count
        return min(1.0, MAX_WEIGHT / wanted) if wanted > 0 else 1.0

    def target(self, percent: int, count: int) -> int:
        return _clamp(self.total * percent / 100 / count * self._scale(percent, count))

    def source(self, weight: int, percent: int, count: int = 1) -> int:
        part = weight * self.total * (100 - percent) / 100 / self.from_total
        return _clamp(part * self._scale(percent, count))


def _from_change(live: dict[str, Any], weight: int, percent: int) -> tuple[dict[str, Any], dict[str, Any], str] | None:
    """A --from origin at step `percent`: `weight` (PairWeights.source), disabled at the last step;
    None when the weight would not go down."""
    if percent == 100:
        return {"enabled": True}, {"enabled": False}, "from 0%: disabled"
    if weight >= live["weight"]:
        return None
    return {"weight": live["weight"]}, {"weight": weight}, f"from {100 - percent}%"


def lifecycle_steps(targets: Sequence[Stamp], sources: Sequence[Stamp], group: int) -> list[Step]:
    """The sets' lifecycle once the traffic has moved: --to active, --from retiring (in the last group)."""
    steps = [
        lifecycle_step(s, s.lifecycle, Lifecycle.ACTIVE, group) for s in targets if s.lifecycle != Lifecycle.ACTIVE
    ]
    steps += [
        lifecycle_step(s, s.lifecycle, Lifecycle.RETIRING, group) for s in sources if s.lifecycle != Lifecycle.RETIRING
    ]
    return steps


def _ordered(steps: list[Step]) -> tuple[Step, ...]:
    return tuple(sorted(steps, key=lambda s: s.group))  # stable: --to before --from within a group


def _notes(
    request: SetShiftRequest,
    sources: Sequence[Stamp],
    serving: Sequence[Stamp],
    targets: Sequence[Stamp],
    weights: PairWeights,
    shares: Sequence[int],
) -> list[str]:
    notes = [
        f"{s.name} serves nothing now (origin disabled): nothing of it to shift" for s in sources if s not in serving
    ]
    skipped = [p for p in request.percentages if p not in shares]
    if skipped:
        notes.append(
            f"{', '.join(request.targets)} already take {weights.start:.0f}% of the pair's traffic: "
            f"step(s) {', '.join(f'{p}%' for p in skipped)} would lower it, left out"
        )
    per = "; ".join(f"{p}%: {weights.target(p, len(targets))}" for p in shares)
    notes.append(
        f"weights: W = {weights.total} (the enabled --from and --to origins' now); at step p the --to origins "
        f"share W×p% ({per} each), each --from origin keeps its part of W×(100-p)%, all scaled down alike "
        f"above 1000; the last step disables the --from origins, then tags the sets active / retiring"
    )
    if request.gradual:
        check = f"no stamp of {', '.join(request.targets)} is unhealthy"
        if request.max_error_rate is not None:
            check += f" and at most {request.max_error_rate:g}% of {request.probes} answers of the endpoint fail"
        notes.append(f"before each next step: wait {request.interval:g}s, then go on only if {check}")
    notes.append("Front Door applies an accepted change at the edge minutes later")
    return notes


def set_label(side: str, names: Sequence[str]) -> str:
    """The traffic preview's key of a set: `from weu-1` / `to weu-3,weu-4`."""
    return f"{side} {','.join(names)}"


def set_traffic(
    observed: FrontDoorObserved, plan: Plan, sources: Sequence[str], targets: Sequence[str]
) -> tuple[dict[str, float], ...]:
    """Per step group, each set's share of all edge traffic (Front Door's routing rule, with every
    other origin as it is): keys `from A,B` and `to C,D` (`set_label`)."""
    labels = {name: set_label(FROM, sources) for name in sources} | {name: set_label(TO, targets) for name in targets}
    routes = [
        replace(route, region=labels.get(route.stamp, f"other {route.region}")) for route in observed.routes
    ]  # the preview sums shares by `region`: here by set
    keep = (set_label(FROM, sources), set_label(TO, targets))
    return tuple({key: shares.get(key, 0.0) for key in keep} for shares in traffic_preview(routes, plan))


# -- the safety rule -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShiftSets:
    """What a shift plan moves, read back from its steps (also a resumed plan's remainder)."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    shares: tuple[tuple[int, int], ...]  # (step group, the --to set's share in percent after it)
    gate: Mapping[str, Any]

    @classmethod
    def of(cls, plan: Plan) -> ShiftSets:
        marked = [s for s in plan.steps if isinstance(s.params.get("sets"), dict)]
        origin_steps = [s for s in plan.steps if s.kind == SET_ORIGIN and s.params.get("side") in (FROM, TO)]
        if marked:  # every step of a shift names both sets, so a plan that moves one of them still knows both
            sets = marked[0].params["sets"]
            sources, targets = tuple(sets.get(FROM) or ()), tuple(sets.get(TO) or ())
        else:  # a plan journaled before the steps named the sets
            sources = tuple(dict.fromkeys(s.params["stamp"] for s in origin_steps if s.params["side"] == FROM))
            targets = tuple(dict.fromkeys(s.params["stamp"] for s in origin_steps if s.params["side"] == TO))
        shares = tuple(sorted({(s.group, int(s.params["share"])) for s in origin_steps if "share" in s.params}))
        gate: Mapping[str, Any] = next(
            (s.params["gate"] for s in plan.steps if isinstance(s.params.get("gate"), dict)), {}
        )
        return cls(sources, targets, shares, gate)


def shift_capacity(ctx: RuleContext) -> Verdict | None:
    """At every step the --to set runs at least min_serving_capacity × its share × the instances
    that serve the pair's traffic before the shift (the --from set's serving ones, and the --to
    set's if it already serves): the traffic it takes must not land on too few instances."""
    if ctx.plan.kind != SHIFT:
        return None
    sets = ShiftSets.of(ctx.plan)
    if not sets.sources or not sets.targets or not sets.shares:
        return None
    known = {s.name: s for s in ctx.before.stamps}
    from_instances = sum(known[n].instances for n in sets.sources if n in known and known[n].serving)
    to_instances = sum(known[n].instances for n in sets.targets if n in known)
    to_serving = sum(known[n].instances for n in sets.targets if n in known and known[n].serving)
    load = from_instances + to_serving
    ratio = ctx.settings.min_serving_capacity
    carriers = ", ".join(sets.sources) + (f", {', '.join(sets.targets)}" if to_serving else "")
    numbers: dict[str, Any] = {
        "from": list(sets.sources),
        "to": list(sets.targets),
        "from_instances": from_instances,
        "to_instances": to_instances,
        "serving_instances": load,
        "minimum_share": ratio,
    }
    for number, (_, percent) in enumerate(sets.shares, 1):
        needed = ratio * percent / 100 * load
        if to_instances < needed:
            numbers |= {"step": number, "share": percent, "needed": round(needed, 2)}
            return (
                False,
                f"step {number} ({percent}% to {', '.join(sets.targets)}, {100 - percent}% left on "
                f"{', '.join(sets.sources)}): {', '.join(sets.targets)} run(s) {to_instances} instance(s), below "
                f"{needed:g} ({ratio:.0%} × {percent}% of the {load} instance(s) of {carriers})",
                numbers,
            )
    top = max(p for _, p in sets.shares)
    return (
        True,
        f"{', '.join(sets.targets)} run(s) {to_instances} instance(s), enough for {top}% of the traffic of the "
        f"{load} instance(s) of {carriers} (minimum {ratio:.0%})",
        numbers,
    )


SHIFT_CAPACITY_RULE = SafetyRule(
    RULE,
    "at every step of a shift the --to set runs enough instances for its share of the --from set's traffic",
    shift_capacity,
)
