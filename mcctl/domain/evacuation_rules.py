"""The safety rules of evacuate and reinstate: stamp health, judged before anything changes.

The snapshot the rules see has no health in it, so the planners put what `mcctl health` said into
the first step's params (`evacuation.PREFLIGHT`): the stamps checked and the unhealthy ones with
their reasons. The rule judges the plan while that step is still to run — a first run, or a resume
of an operation that stopped before it — and not a rollback (its kind differs). Being rules, they
show in a --dry-run's results, can be overridden by name with --reason, and the override is
journaled with the operation like any other.
"""

from __future__ import annotations

from typing import Any

from mcctl.domain.evacuation import PREFLIGHT, EvacuationKind, PreflightRule
from mcctl.domain.safety import RuleContext, SafetyRule, Verdict


def _preflight(ctx: RuleContext, kind: EvacuationKind, rule: PreflightRule) -> dict[str, Any] | None:
    if ctx.plan.kind != kind:
        return None
    for step in ctx.plan.steps:
        found = step.params.get(PREFLIGHT)
        if isinstance(found, dict) and found.get("rule") == rule:
            return found
    return None


def _judge(found: dict[str, Any], what: str, consequence: str) -> Verdict:
    checked = list(found.get("checked") or [])
    unhealthy: dict[str, list[str]] = dict(found.get("unhealthy") or {})
    numbers = {"region": found.get("region"), "checked": len(checked), "unhealthy": len(unhealthy)}
    if unhealthy:
        detail = "; ".join(f"{name}: {_first(reasons)}" for name, reasons in unhealthy.items())
        return False, f"{len(unhealthy)} of {len(checked)} {what} unhealthy ({detail}): {consequence}", numbers
    unread = list(found.get("unread") or [])
    text = f"{len(checked)} {what} not unhealthy ({', '.join(checked) or 'none'})"
    if unread:
        text += f"; not assessed: {', '.join(unread)}"
    return True, text, numbers


def _first(reasons: list[str]) -> str:
    """The first reason (the probe's, when it failed), and how many more `mcctl health` lists."""
    if not reasons:
        return "unhealthy"
    return reasons[0] + (f" (+{len(reasons) - 1} more: mcctl health)" if len(reasons) > 1 else "")


def survivors_healthy(ctx: RuleContext) -> Verdict | None:
    found = _preflight(ctx, EvacuationKind.EVACUATE, PreflightRule.SURVIVORS_HEALTHY)
    if found is None:
        return None
    region = found.get("region")
    return _judge(found, "surviving stamp(s)", f"they would take {region}'s traffic")


def region_healthy(ctx: RuleContext) -> Verdict | None:
    found = _preflight(ctx, EvacuationKind.REINSTATE, PreflightRule.REGION_HEALTHY)
    if found is None:
        return None
    region = found.get("region")
    return _judge(found, f"stamp(s) of {region}", f"reinstating sends traffic back to {region}")


SURVIVORS_HEALTHY = SafetyRule(
    PreflightRule.SURVIVORS_HEALTHY,
    "evacuate: no stamp that takes the evacuated region's traffic is unhealthy",
    survivors_healthy,
)
REGION_HEALTHY = SafetyRule(
    PreflightRule.REGION_HEALTHY,
    "reinstate: no stamp of the region that gets its traffic back is unhealthy",
    region_healthy,
)
RULES = (SURVIVORS_HEALTHY, REGION_HEALTHY)
