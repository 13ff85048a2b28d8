"""`stamps add` and `stamps retire`, the I/O side: what their planners (mcctl.domain.release) are
given, read from ARM, and the checks that come before a plan — the candidate validated before its
origin is created, the edge sending a stamp nothing before its origin is deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.domain.originspec import origin_for
from mcctl.domain.release import ReleaseObserved
from mcctl.errors import SafetyRefusal
from mcctl.ops.inventory import Inventory, read_inventory

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.frontdoor_verify import Verification
    from mcctl.ops.journal import Journal


def observe_release(session: AzureSession, estate: Estate, stamp: Stamp) -> tuple[ReleaseObserved, Inventory]:
    """The stamp's origin as it exists, the origin it should have, its plan's instances and the
    region's other stamps with an enabled origin; with the inventory the rules' snapshot comes from."""
    from mcctl.adapters import frontdoor_origins

    inventory = read_inventory(session, estate)
    inventory.snapshot()  # a failed read stops here with its own error, not a guess
    views = {v.stamp.name: v for v in inventory.views}
    view = views[stamp.name]
    found = frontdoor_origins.read_origin(session, estate.frontdoor, stamp.origin)
    existing, state = found if found is not None else (None, None)
    host = view.app.default_host_name if view.app is not None else None
    priorities = [v.origin.effective_priority for v in inventory.views if v.origin is not None and v.origin.enabled]
    wanted = origin_for(stamp, host, min(priorities, default=1)) if host else None
    others = tuple(
        v.stamp.name
        for v in inventory.views
        if v.stamp.region == stamp.region and v.stamp.name != stamp.name and v.origin is not None and v.origin.enabled
    )
    capacity = view.plan.capacity if view.plan is not None else None
    return ReleaseObserved(stamp, existing, wanted, capacity, others, state), inventory


def validation_of(session: AzureSession, estate: Estate, stamp: Stamp) -> dict[str, Any]:
    """`stamps validate`'s verdict on the stamp, as the `create_origin` step keeps it for the rule
    `stamp-validated`: `verdict` and the failed checks' lines."""
    from mcctl.ops.stampvalidate import validate_stamp

    result = validate_stamp(session, estate, stamp)
    return {"verdict": str(result.verdict), "failed": [f"{c.name}: {c.detail}" for c in result.failed_checks]}


def require_edge_drained(
    session: AzureSession, estate: Estate, stamp: Stamp, *, timeout: float, count: int = 10
) -> Verification:
    """Before its origin is deleted, the edge must send the stamp nothing: a disabled origin keeps
    getting traffic until the change has propagated (minutes), and deleting it then cuts requests."""
    from mcctl.ops.frontdoor import verify_traffic

    verification = verify_traffic(session, estate, [stamp.name], mode="away", count=count, timeout=timeout)
    if not verification.passed:
        raise SafetyRefusal(
            f"stamp {stamp.name} still serves at the edge: {verification.describe()}; nothing was changed",
            hint=f"wait for the edge, then retry: mcctl frontdoor verify --stamp {stamp.name}",
        )
    return verification


def require_no_open_operation(session: AzureSession, estate: Estate, journal: Journal, stamp: Stamp) -> None:
    """A stamp an unfinished operation still works on (a shift or its rollback cut short) is not
    retired: deleting its origin would leave that operation with nothing to resume or roll back."""
    from mcctl.ops.status import open_operations

    for found in open_operations(session, estate, journal):
        record = journal.operation(found.id)
        if any(step.params.get("stamp") == stamp.name for step in record.plan.steps):
            raise SafetyRefusal(
                f"stamp {stamp.name} is part of operation {found.id} ({found.summary}), which is not over "
                f"({found.status}); nothing was changed",
                hint=f"finish it first: {found.resume}, or {found.rollback}",
            )
