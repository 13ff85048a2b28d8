"""Scale units: the read the planner (`mcctl.domain.scale.plan_scale`) needs.

The scale_plan step kind (apply, read, pending) is registered by `mcctl.ops.steps`; the planner,
the request's checks and the --to-carry arithmetic are pure and live in `mcctl.domain.scale`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcctl.domain.scale import ScaleObserved

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.ops.inventory import Inventory


@dataclass(frozen=True)
class ScaleRead(ScaleObserved):
    """What the planner observes, and the inventory it came from (the mutation's `before` snapshot)."""

    inventory: Inventory


def observe_scale(session: AzureSession, estate: Estate) -> ScaleRead:
    """Every stamp's plan capacity and maximum (a --to-carry plan needs the other region's too)."""
    from mcctl.ops.inventory import read_inventory

    inventory = read_inventory(session, estate)
    return ScaleRead(tuple(inventory.views), inventory)
