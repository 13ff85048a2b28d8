"""The safety rules around a plan: evaluated when it is made, and again once the lease is held.

A plan is judged against the live state plus every change still in flight (a `--no-wait` run, a
killed run). Between planning and applying, another operator may have acted (the plan waited at a
prompt), so under the lease the state is read again and every rule re-evaluated: a plan that became
unsafe is refused (exit 5) naming the rule and what changed, before anything is touched.

A plan with a step on a resource another client is changing right now (a provisioningState that is
not terminal, that no mcctl change in flight explains) is refused the same way, by
`CHANGED_OUTSIDE` (not overridable): planned from a value about to change, Azure would answer 409
part way through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.outside import racing_outside
from mcctl.domain.safety import RuleContext, RuleRegistry, RuleResult
from mcctl.errors import SafetyRefusal, UsageError
from mcctl.ops.registry import Registry, current_registry

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, SafetySettings
    from mcctl.domain.plan import Plan
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.inflight import InFlightStep

# The verdict's name: not a registered rule (nothing to configure or override), reported like one.
CHANGED_OUTSIDE = "changed_outside_mcctl"


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    results: tuple[RuleResult, ...]
    overrides: dict[str, str]
    before: EstateSnapshot | None = None  # what the rules were evaluated on (in-flight changes included)
    data_loss_acknowledged: bool = False
    in_flight: tuple[str, ...] = field(default=())  # changes of other operations that may still land
    # What the outside-change check covers, kept so the re-check under the lease judges the same:
    touches: tuple[str, ...] = ()  # resource ids the command is about beyond its steps
    explained: tuple[str, ...] = ()  # resource ids mcctl's own changes are on (a resumed operation's)

    @property
    def refused(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.refused)

    @property
    def used_overrides(self) -> list[dict[str, str]]:
        return [{"rule": r.rule, "reason": r.reason or ""} for r in self.results if r.overridden]

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_dict(),
            "rules": [r.to_dict() for r in self.results],
            "refused": [r.rule for r in self.refused],
            "overrides": self.used_overrides,
            "in_flight": list(self.in_flight),
        }


def evaluate(
    plan: Plan,
    before: EstateSnapshot,
    settings: SafetySettings,
    overrides: dict[str, str] | None = None,
    data_loss_acknowledged: bool = False,
    registry: RuleRegistry | None = None,
    in_flight: list[InFlightStep] | None = None,
    kinds: Registry | None = None,
    estate: Estate | None = None,
    now: float | None = None,
    *,
    touches: tuple[str, ...] = (),
    explained: tuple[str, ...] = (),
) -> Evaluation:
    """Every rule on `plan`; `in_flight` changes (of other operations) count the way that serves less.
    `estate` and `now` reach the rules through their context (`RuleContext.estate`, `.now`).

    First, whether another client is changing a resource of the plan's steps or `touches` right now
    (`before.changing`; mcctl's own changes still landing and `explained` are not another's)."""
    from mcctl.ops import inflight as pending

    kinds = kinds or current_registry()
    if registry is None:
        registry = kinds.rule_registry()  # the built-ins and the plugins' (e.g. SQL link pre-flight)
    overrides = overrides or {}
    check_overrides(overrides, registry)
    counted = [s for s in in_flight or [] if s.landing.may_still_land]
    before = pending.project(before, counted, kinds)
    after = plan.project(before, kinds.project_step)
    context = RuleContext(plan, before, after, settings, data_loss_acknowledged, estate=estate, now=now)
    ours = (*explained, *(s.step.resource_id for s in counted))
    outside = changed_outside(before, (*(s.resource_id for s in plan.steps), *touches), ours)
    return Evaluation(
        plan,
        (*outside, *registry.evaluate(context, overrides)),
        dict(overrides),
        before,
        data_loss_acknowledged,
        tuple(f"{s.describe()} may still land: counted the way that serves less" for s in counted),
        touches,
        tuple(explained),
    )


def changed_outside(
    before: EstateSnapshot, resources: tuple[str, ...], ours: tuple[str, ...]
) -> tuple[RuleResult, ...]:
    """The refusal (one verdict naming every such resource) when another client is changing one of
    `resources` now; nothing when none is. Not overridable: the change would race, not just risk."""
    racing = racing_outside(before.changing, resources, ours)
    if not racing:
        return ()
    message = "; ".join(change.refusal() for change in racing) + " (cannot be overridden)"
    numbers = {"resources": [c.resource_id for c in racing], "provisioning_states": [c.state for c in racing]}
    return (RuleResult(CHANGED_OUTSIDE, False, message, numbers=numbers, overridable=False),)


def check_overrides(names: Iterable[str], registry: RuleRegistry | Registry | None = None) -> None:
    """--override names only rules that exist and can be overridden: anything else is bad input
    (exit 2), said before anything is read or journaled, not accepted and then refused anyway."""
    if registry is None or isinstance(registry, Registry):
        registry = (registry or current_registry()).rule_registry()
    names = list(names)
    unknown = registry.unknown_overrides(names)
    if unknown:
        known = ", ".join(r.name for r in registry.rules)
        raise UsageError(f"--override: unknown rule '{unknown[0]}' (rules: {known})")
    fixed = registry.not_overridable(names)
    if fixed:
        rule = fixed[0]
        raise UsageError(
            f"--override: safety rule '{rule.name}' cannot be overridden ({rule.description}); nothing was changed"
        )


def reevaluate(
    evaluation: Evaluation,
    live: EstateSnapshot,
    settings: SafetySettings,
    in_flight: list[InFlightStep],
    kinds: Registry | None = None,
    estate: Estate | None = None,
    now: float | None = None,
) -> Evaluation:
    """The same plan, overrides and acknowledgement, judged again on fresh state."""
    return evaluate(
        evaluation.plan,
        live,
        settings,
        evaluation.overrides,
        evaluation.data_loss_acknowledged,
        in_flight=in_flight,
        kinds=kinds,
        estate=estate,
        now=now,
        touches=evaluation.touches,
        explained=evaluation.explained,
    )


def refusal(evaluation: Evaluation, *, since: EstateSnapshot | None = None, suffix: str = "") -> SafetyRefusal:
    """The exit-5 error for a refused evaluation; `since`: the snapshot the plan was first judged on."""
    first, *rest = evaluation.refused
    more = f" (and {len(rest)} more: {', '.join(r.rule for r in rest)})" if rest else ""
    changed = ""
    if since is not None and evaluation.before is not None:
        changed = f"; since the plan was made: {what_changed(since, evaluation.before)}"
    return SafetyRefusal(f"refused by safety rule {first.rule}: {first.message}{more}{changed}{suffix}")


def what_changed(old: EstateSnapshot, new: EstateSnapshot) -> str:
    """In words: how serving state moved between two snapshots (in-flight changes counted)."""
    parts = []
    stopped = [s.name for s in old.serving_stamps if s.name not in {n.name for n in new.serving_stamps}]
    started = [s.name for s in new.serving_stamps if s.name not in {o.name for o in old.serving_stamps}]
    lost = [r for r in old.serving_regions if r not in new.serving_regions]
    if lost:
        parts.append(f"region(s) {', '.join(lost)} stopped serving")
    if stopped:
        parts.append(f"stamp(s) {', '.join(stopped)} stopped serving")
    if started:
        parts.append(f"stamp(s) {', '.join(started)} started serving")
    if old.serving_capacity != new.serving_capacity:
        parts.append(f"serving instances {old.serving_capacity} → {new.serving_capacity}")
    if old.sql_primary != new.sql_primary:
        parts.append(f"SQL primary {old.sql_primary} → {new.sql_primary}")
    return "; ".join(parts) or "no change in what serves"
