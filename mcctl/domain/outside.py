"""Changes in flight that no mcctl operation accounts for (pure): another client (az, the portal,
another machine's mcctl or tooling) started them, so mcctl's journal does not list them.

ARM shows a change in flight on the resource itself: a failover group's replicationState PENDING
while a failover runs, a non-terminal provisioningState (Updating, Creating, Deleting, ...) on an
origin or an App Service plan. `mcctl status` lists each one that no journaled mcctl change still
landing explains (`in_flight`), so an operator never mistakes it for settled state — and never
for an mcctl operation to resume or roll back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.domain.stampview import StampView

FAILOVER_KIND = "sql_failover"  # mcctl.domain.sqlfailover.STEP_KIND (which imports the status judge)
_SETTLED = ("", "succeeded", "failed", "canceled", "cancelled")  # provisioningStates with nothing running
OUTSIDE = "started outside mcctl (no mcctl operation in flight changes it: az, the portal, another machine?)"


@dataclass(frozen=True)
class Journaled:
    """mcctl's own changes that may still land (from its journal): what they touch and their kinds."""

    resources: frozenset[str]  # ARM ids, lower-cased
    kinds: frozenset[str]

    def explains(self, resource_id: str | None) -> bool:
        return resource_id is not None and resource_id.lower() in self.resources


def provisioning(state: str | None) -> bool:
    """A provisioningState that says an operation on the resource is still running."""
    return (state or "").strip().lower() not in _SETTLED


def started_outside(
    sql: FailoverGroupStatus | None, views: Sequence[StampView] | None, journaled: Journaled | None
) -> tuple[str, ...]:
    """One line per change in flight that mcctl did not journal. `journaled` None: the journal could
    not be read, so no change can be told to be mcctl's (each is listed, saying so)."""
    whose = OUTSIDE if journaled is not None else "not known to be mcctl's (the journal could not be read)"
    found: list[str] = []
    if sql is not None and sql.failover_in_progress and (journaled is None or FAILOVER_KIND not in journaled.kinds):
        found.append(f"SQL failover group {sql.name}: a failover is in progress (replicationState PENDING), {whose}")
    for view in views or ():
        origin, plan = view.origin, view.plan
        if origin is not None and provisioning(origin.provisioning_state):
            if journaled is None or not journaled.explains(origin.id):
                found.append(
                    f"Front Door origin {origin.name} (stamp {view.stamp.name}): provisioningState "
                    f"{origin.provisioning_state}, {whose}"
                )
        if plan is not None and provisioning(plan.provisioning_state):
            if journaled is None or not journaled.explains(plan.id):
                found.append(
                    f"App Service plan {plan.name} (stamp {view.stamp.name}): provisioningState "
                    f"{plan.provisioning_state}, {whose}"
                )
    return tuple(dict.fromkeys(found))  # stamps may share a plan
