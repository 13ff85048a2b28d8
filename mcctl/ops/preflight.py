"""The forward command's pre-flight for a plan made earlier: resume and rollback judge fresh facts.

A safety rule judges a plan and the snapshots around it; some also judge what the planner observed
(a SQL failover step carries the replication links it saw). A resumed or rolled-back step carries
what was observed when its operation was planned — or, inverted, nothing that speaks about the way
back. Each step kind that needs it re-observes its step (`StepKind.observe`), so the same registered
rules judge a recovery exactly as they judge the command that made the operation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.plan import Plan
    from mcctl.ops.registry import Registry


def observe_plan(session: AzureSession, estate: Estate, plan: Plan, registry: Registry) -> Plan:
    """`plan` with each step re-observed by its kind (a kind without `observe` keeps its step)."""
    steps = []
    changed = False
    for step in plan.steps:
        observe = registry.executor(step).observe
        if observe is None:
            steps.append(step)
            continue
        fresh = observe(session, estate, step)
        changed = changed or fresh != step
        steps.append(fresh)
    return replace(plan, steps=tuple(steps)) if changed else plan
