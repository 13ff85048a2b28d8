"""Scale units: the reads the planner (`mcctl.domain.scale.plan_scale`) needs.

The scale_plan step kind (apply, read, pending) and the `survivors_can_carry` rule are registered by
`mcctl.ops.steps`; the planner, the request's checks and the --to-carry sizing are pure and live in
`mcctl.domain.scale` and `mcctl.domain.capacity`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcctl.domain.frontdoor import prior_from_history
from mcctl.domain.scale import ScaleObserved

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.stampview import StampView
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import OperationRecord


@dataclass(frozen=True)
class ScaleRead(ScaleObserved):
    """What the planner observes, and the inventory it came from (the mutation's `before` snapshot)."""

    inventory: Inventory


def observe_scale(session: AzureSession, estate: Estate, operations: Iterable[OperationRecord] = ()) -> ScaleRead:
    """Every stamp's plan capacity and maximum (a --to-carry plan needs the other region's too), and,
    from `operations` (the journal, oldest first), the drain behind each disabled origin."""
    from mcctl.ops.inventory import read_inventory

    inventory = read_inventory(session, estate)
    views = tuple(inventory.views)
    return ScaleRead(views, inventory, drained_by=journaled_drains(views, operations))


def journaled_drains(views: Iterable[StampView], operations: Iterable[OperationRecord]) -> dict[str, str]:
    """stamp -> the id of the journaled operation that drained its origin, for every stamp whose
    origin is disabled now by a drain not undone since (what `frontdoor restore` would undo)."""
    from mcctl.ops.frontdoor import history

    past = history(operations)
    found = {}
    for view in views:
        if view.origin is None or view.origin.enabled:
            continue
        prior = prior_from_history(past, view.stamp.origin)
        if prior is not None and prior.operation is not None:
            found[view.stamp.name] = prior.operation
    return found
