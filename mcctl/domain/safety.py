"""Safety rules: checks every plan must pass before anything changes.

Rules compare the snapshot before a plan with the snapshot after it. They are registered in a
registry (plugins add their own the same way), never hard-coded in commands. A rule refuses only a
plan that makes things worse: restoring a region is never blocked because the estate is already
below a threshold. A refused rule can be bypassed by name with a reason (break-glass), which is
always journaled; rules marked not overridable (the data-loss acknowledgement) cannot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mcctl.domain.estate import Estate, SafetySettings
from mcctl.domain.plan import Plan
from mcctl.domain.snapshot import EstateSnapshot


@dataclass(frozen=True)
class RuleContext:
    plan: Plan
    before: EstateSnapshot
    after: EstateSnapshot
    settings: SafetySettings
    data_loss_acknowledged: bool = False
    # For rules that need more than the snapshots: the estate (e.g. a plugin's `estate.plugins`
    # settings) and the time, the session clock's wall time in epoch seconds (simulated under --sim).
    estate: Estate | None = None
    now: float | None = None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    message: str
    overridden: bool = False
    reason: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    overridable: bool = True  # whether --override can bypass it (the result document's override hint)

    @property
    def refused(self) -> bool:
        return not self.passed and not self.overridden

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "passed": self.passed,
            "overridden": self.overridden,
            "reason": self.reason,
            "message": self.message,
            "numbers": self.numbers,
        }


Verdict = tuple[bool, str, dict[str, Any]]
Check = Callable[[RuleContext], Verdict | None]  # None: the rule does not apply to this plan


@dataclass(frozen=True)
class SafetyRule:
    name: str
    description: str
    check: Check
    overridable: bool = True


class RuleRegistry:
    def __init__(self, rules: Iterable[SafetyRule] = ()) -> None:
        self._rules: dict[str, SafetyRule] = {}
        for rule in rules:
            self.register(rule)

    def register(self, rule: SafetyRule) -> SafetyRule:
        if rule.name in self._rules:
            raise ValueError(f"safety rule '{rule.name}' is already registered")
        self._rules[rule.name] = rule
        return rule

    @property
    def rules(self) -> tuple[SafetyRule, ...]:
        return tuple(self._rules.values())

    def unknown_overrides(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n not in self._rules]

    def not_overridable(self, names: Iterable[str]) -> list[SafetyRule]:
        """The rules named that --override cannot bypass (asking to is bad input, not a no-op)."""
        return [self._rules[n] for n in names if n in self._rules and not self._rules[n].overridable]

    def evaluate(self, context: RuleContext, overrides: dict[str, str] | None = None) -> list[RuleResult]:
        """Every applicable rule's result; `overrides` maps rule name → reason."""
        overrides = overrides or {}
        results = []
        for rule in self._rules.values():
            verdict = rule.check(context)
            if verdict is None:
                continue
            passed, message, numbers = verdict
            reason = overrides.get(rule.name, "").strip()
            overridden = not passed and rule.overridable and bool(reason)
            if not passed and not overridden:
                hint = (
                    f"; override with --override {rule.name} --reason TEXT"
                    if rule.overridable
                    else " (cannot be overridden)"
                )
                message += hint
            results.append(
                RuleResult(
                    rule=rule.name,
                    passed=passed,
                    message=message,
                    overridden=overridden,
                    reason=reason if overridden else None,
                    numbers=numbers,
                    overridable=rule.overridable,
                )
            )
        return results


def _names(stamps: Iterable[Any]) -> str:
    return ", ".join(s if isinstance(s, str) else s.name for s in stamps) or "none"


def _at_least(noun: str, before: tuple[Any, ...], after: tuple[Any, ...], minimum: int) -> Verdict | None:
    """Refuse a plan that lowers the count of serving `noun`s below `minimum` (only if it lowers it)."""
    numbers = {"before": len(before), "after": len(after), "minimum": minimum}
    if len(after) >= len(before):
        return None
    if len(after) >= minimum:
        return True, f"{len(after)} {noun}s would still serve (minimum {minimum})", numbers
    return (
        False,
        f"only {len(after)} {noun}(s) would serve ({_names(after)}), "
        f"below the minimum of {minimum} (now {len(before)})",
        numbers,
    )


def min_serving_regions(ctx: RuleContext) -> Verdict | None:
    return _at_least("region", ctx.before.serving_regions, ctx.after.serving_regions, ctx.settings.min_serving_regions)


def min_serving_stamps(ctx: RuleContext) -> Verdict | None:
    return _at_least("stamp", ctx.before.serving_stamps, ctx.after.serving_stamps, ctx.settings.min_serving_stamps)


def min_serving_capacity(ctx: RuleContext) -> Verdict | None:
    before, after = ctx.before.serving_capacity, ctx.after.serving_capacity
    ratio = ctx.settings.min_serving_capacity
    if after >= before or before == 0:
        return None
    share = after / before
    numbers = {"before": before, "after": after, "share": round(share, 4), "minimum_share": ratio}
    text = f"{after} of {before} serving instances would remain ({share:.0%})"
    if share >= ratio:
        return True, f"{text}, minimum {ratio:.0%}", numbers
    return False, f"{text}, below the minimum of {ratio:.0%}", numbers


def sql_failover_target_serving(ctx: RuleContext) -> Verdict | None:
    targets = [s.after.get("primary_region") for s in ctx.plan.steps if s.kind == "sql_failover"]
    if not targets:
        return None
    target = targets[-1]
    serving = ctx.after.serving_in(target)
    numbers = {"region": target, "serving_stamps": len(serving)}
    if serving:
        return True, f"{target} has {len(serving)} serving stamp(s) ({_names(serving)})", numbers
    way_out = (
        f"restore it first (`mcctl frontdoor restore {target}`, or `mcctl reinstate {target}` after an evacuation)"
    )
    return False, f"{target} has no serving stamp: the new SQL primary would serve no traffic; {way_out}", numbers


def data_loss_acknowledged(ctx: RuleContext) -> Verdict | None:
    if not ctx.plan.data_loss:
        return None
    if ctx.data_loss_acknowledged:
        return True, "data loss explicitly acknowledged", {}
    return False, "this plan can lose data and the data loss was not acknowledged", {}


BUILTIN_RULES = (
    SafetyRule("min_serving_regions", "never fewer serving regions than configured", min_serving_regions),
    SafetyRule("min_serving_stamps", "never fewer serving stamps than configured", min_serving_stamps),
    SafetyRule(
        "min_serving_capacity",
        "serving instances after a change, as a share of before, stay above the configured ratio",
        min_serving_capacity,
    ),
    SafetyRule(
        "sql_failover_target_serving", "no SQL failover to a region with no serving stamps", sql_failover_target_serving
    ),
    SafetyRule(
        "data_loss_acknowledged",
        "no forced (data-loss) operation without explicit acknowledgement",
        data_loss_acknowledged,
        overridable=False,
    ),
)


def default_registry() -> RuleRegistry:
    """The built-in rules. Plugins' rules join them in the ops registry (`Registry.rule_registry`)."""
    return RuleRegistry(BUILTIN_RULES)
