"""How the built-in step kinds move an estate snapshot: pure functions, one per kind.

Each belongs to its `StepKind` (mcctl.ops), which is what the executor and the safety rules use.
`BUILTIN_PROJECTIONS` is the same three as read-only data, so domain code and its tests can project
a plan with no registry at hand; a plugin's kind projects only through the registry.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcctl.domain.plan import Step
    from mcctl.domain.snapshot import EstateSnapshot


def project_scale(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    return snapshot.with_stamp(step.params["stamp"], instances=int(step.after["capacity"]))


def project_origin(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    if "enabled" not in step.after:
        return snapshot
    return snapshot.with_stamp(step.params["stamp"], origin_enabled=bool(step.after["enabled"]), origin_settled=True)


def project_failover(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    return replace(snapshot, sql_primary=step.after["primary_region"])


BUILTIN_PROJECTIONS = MappingProxyType(
    {"scale_plan": project_scale, "set_origin": project_origin, "sql_failover": project_failover}
)


def project_builtin(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    fn = BUILTIN_PROJECTIONS.get(step.kind)
    return fn(step, snapshot) if fn else snapshot
