"""Changes in flight that no mcctl operation accounts for (pure): another client (az, the portal,
another machine's mcctl or tooling) started them, so mcctl's journal does not list them.

ARM shows a change in flight on the resource itself: a failover group's replicationState PENDING
while a failover runs, a non-terminal provisioningState (Updating, Creating, Deleting, ...) on an
origin or an App Service plan. `mcctl status` lists each one that no journaled mcctl change still
landing explains (`in_flight`), so an operator never mistakes it for settled state — and never
for an mcctl operation to resume or roll back. A plan with a step on such a resource is refused
before anything is applied (`racing_outside`): planned from a value another client is changing,
it would race with it (Azure answers 409 part way through the plan).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.domain.stampview import StampView

FAILOVER_KIND = "sql_failover"  # mcctl.domain.sqlfailover.STEP_KIND (which imports the status judge)
# The provisioningStates ARM reports once nothing runs on a resource; anything else (Updating,
# InProgress, Creating, Deleting, Accepted, ...) says an operation on it is still running.
TERMINAL_PROVISIONING_STATES = ("succeeded", "failed", "canceled", "cancelled")
OUTSIDE = "started outside mcctl (no mcctl operation in flight changes it: az, the portal, another machine?)"


def still_provisioning(state: str | None) -> bool:
    """A provisioningState that says an operation on the resource is still running. None or empty:
    the resource reports none, which says nothing is running (not "unknown")."""
    text = (state or "").strip().lower()
    return bool(text) and text not in TERMINAL_PROVISIONING_STATES


@dataclass(frozen=True)
class Journaled:
    """mcctl's own changes that may still land (from its journal): what they touch and their kinds."""

    resources: frozenset[str]  # ARM ids, lower-cased
    kinds: frozenset[str]

    def explains(self, resource_id: str | None) -> bool:
        return resource_id is not None and resource_id.lower() in self.resources


@dataclass(frozen=True)
class ResourceChange:
    """A resource of the estate with an operation running on it (seen in its provisioningState)."""

    resource_id: str
    what: str  # e.g. "App Service plan asp-mc-neu-1 (stamp neu-1)"
    state: str  # the provisioningState, as ARM spells it
    detail: str = ""  # what else the resource says about the change (e.g. "status Pending, 3 workers")

    def refusal(self) -> str:
        """Why a plan with a step on it is refused, and what to do."""
        detail = f", {self.detail}" if self.detail else ""
        return (
            f"{self.what} is being changed by another client (provisioningState {self.state}{detail}): "
            "wait for it, then plan again"
        )


def provisioning_changes(views: Sequence[StampView]) -> tuple[ResourceChange, ...]:
    """The plans and origins of `views` with an operation running on them (whoever started it),
    once each (stamps may share a plan)."""
    found: dict[str, ResourceChange] = {}
    for view in views:
        origin, plan = view.origin, view.plan
        if origin is not None and still_provisioning(origin.provisioning_state):
            found.setdefault(
                origin.id.lower(),
                ResourceChange(
                    origin.id,
                    f"Front Door origin {origin.name} (stamp {view.stamp.name})",
                    origin.provisioning_state or "",
                    "enabled" if origin.enabled else "disabled",
                ),
            )
        if plan is not None and still_provisioning(plan.provisioning_state):
            status = f"status {plan.status}, " if plan.status else ""
            target = plan.target_worker_count
            workers = f"{plan.capacity} → {target}" if target and target != plan.capacity else f"{plan.capacity}"
            found.setdefault(
                plan.id.lower(),
                ResourceChange(
                    plan.id,
                    f"App Service plan {plan.name} (stamp {view.stamp.name})",
                    plan.provisioning_state or "",
                    f"{status}{workers} workers",
                ),
            )
    return tuple(found.values())


def racing_outside(
    changes: Iterable[ResourceChange], resource_ids: Iterable[str], explained: Iterable[str] = ()
) -> tuple[ResourceChange, ...]:
    """The `changes` on one of `resource_ids` that no mcctl change explains (`explained`: the ARM
    ids mcctl's own in-flight changes touch): another client is changing them right now."""
    wanted = {r.lower() for r in resource_ids}
    ours = {r.lower() for r in explained}
    return tuple(c for c in changes if c.resource_id.lower() in wanted and c.resource_id.lower() not in ours)


def started_outside(
    sql: FailoverGroupStatus | None, views: Sequence[StampView] | None, journaled: Journaled | None
) -> tuple[str, ...]:
    """One line per change in flight that mcctl did not journal. `journaled` None: the journal could
    not be read, so no change can be told to be mcctl's (each is listed, saying so)."""
    whose = OUTSIDE if journaled is not None else "not known to be mcctl's (the journal could not be read)"
    found: list[str] = []
    if sql is not None and sql.failover_in_progress and (journaled is None or FAILOVER_KIND not in journaled.kinds):
        found.append(f"SQL failover group {sql.name}: a failover is in progress (replicationState PENDING), {whose}")
    for change in provisioning_changes(views or ()):
        if journaled is None or not journaled.explains(change.resource_id):
            found.append(f"{change.what}: provisioningState {change.state}, {whose}")
    return tuple(found)
