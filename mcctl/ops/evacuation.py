"""Evacuate and reinstate, the reads: what their planners (`mcctl.domain.evacuation`,
`mcctl.domain.evacuation_reinstate`) observe, the operator lease pre-flight, and the journal's
evacuations as plain values.

One read per command: the inventory and the SQL group's status in parallel, then every stamp's
health (`ops.health.assess` on the same inventory), Front Door's journaled priors, and for
--unlink-redis every Redis member's database. Nothing here changes the estate: the plans go
through the engine like every other (`cli.mutate.run_mutation`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.evacuation import (
    PREFLIGHT,
    EvacuateRequest,
    EvacuationKind,
    EvacuationObserved,
    HealthVerdict,
)
from mcctl.domain.evacuation_history import PastRun, evacuation_in_effect
from mcctl.domain.evacuation_reinstate import ReinstateObserved, ReinstateRequest
from mcctl.domain.plan import ROLLBACK_PREFIX
from mcctl.domain.statuses import OperationStatus
from mcctl.hookspecs import hookimpl
from mcctl.ops.parallel import read_parallel

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.frontdoor import FrontDoorObserved
    from mcctl.domain.health import EstateHealth
    from mcctl.domain.safety import SafetyRule
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import OperationRecord

# An evacuation whose changes reinstate puts back: it ended having applied some of its steps.
CHANGED = (OperationStatus.SUCCEEDED, OperationStatus.PARTIAL, OperationStatus.STOPPED)


@dataclass(frozen=True)
class EvacuationRead:
    observed: EvacuationObserved
    inventory: Inventory  # the mutation's `before` snapshot comes from it


@dataclass(frozen=True)
class ReinstateRead:
    observed: ReinstateObserved
    inventory: Inventory


# -- shared reads ----------------------------------------------------------------------------------
def _read_estate(session: AzureSession, estate: Estate) -> tuple[Inventory, FailoverGroupStatus | None]:
    """The inventory and the SQL group's status, in parallel (a read that fails raises)."""
    from mcctl.ops.inventory import read_inventory
    from mcctl.ops.sqlfailover import read_status

    reads: dict[str, Callable[[], Any]] = {"inventory": lambda: read_inventory(session, estate)}
    if estate.sql is not None:
        reads["sql"] = lambda: read_status(session, estate)
    result = read_parallel(reads)
    result.raise_first()
    inventory: Inventory = result.values["inventory"]
    inventory.snapshot()  # refuses to plan from an inventory with read errors (their own exit code)
    return inventory, result.values.get("sql")


def verdicts(health: EstateHealth) -> dict[str, HealthVerdict]:
    """Each stamp's verdict and reasons, as the planners take them."""
    return {name: HealthVerdict(str(s.status), tuple(s.reasons)) for name, s in health.stamps.items()}


def _health(session: AzureSession, estate: Estate, inventory: Inventory) -> dict[str, HealthVerdict]:
    from mcctl.ops.health import assess

    return verdicts(assess(session, estate, inventory=inventory))


def _frontdoor(
    inventory: Inventory, operations: Iterable[OperationRecord], health: Mapping[str, HealthVerdict]
) -> FrontDoorObserved:
    """The journaled priors; an unhealthy stamp counts as out of Front Door's rotation (its probes fail)."""
    from mcctl.ops.frontdoor import observe

    observed = observe(inventory, operations)
    return replace(observed, healthy={name: not verdict.unhealthy for name, verdict in health.items()})


def lock_preflight(session: AzureSession, estate: Estate, *, refuse: bool = True) -> str:
    """The operator lease before planning: held by someone else is refused now (exit 8), before any
    read is spent on a plan that could not run; `refuse=False` (a dry run) only says so."""
    from mcctl.domain.lease import held_error
    from mcctl.ops.lease import open_lease, saved_hold

    lease = open_lease(session, estate)
    status = lease.status()
    where = f"{status.kind} lock {status.location}"
    if status.held and saved_hold(lease) is None:  # a manual hold of ours is joined, not a refusal
        error = held_error(status, estate=estate.name, simulated=session.simulated)
        if refuse:
            raise error
        return f"pre-flight: the operator lease is held: {error.message}"
    if status.held:
        return f"pre-flight: the operator lease is held by this machine's manual hold, which mcctl joins ({where})"
    return f"pre-flight: the operator lease is free ({where})"


# -- evacuate --------------------------------------------------------------------------------------
def observe_evacuation(
    session: AzureSession,
    estate: Estate,
    operations: Iterable[OperationRecord],
    request: EvacuateRequest,
    *,
    lock: str | None = None,
) -> EvacuationRead:
    """What `plan_evacuation` needs; bad input is refused before any Azure call."""
    region = request.validate(estate)
    operations = list(operations)
    inventory, sql = _read_estate(session, estate)
    health = _health(session, estate, inventory)
    frontdoor = _frontdoor(inventory, operations, health)
    drained_by = {
        view.stamp.name: prior.operation
        for view in inventory.views
        if (prior := frontdoor.priors.get(view.stamp.origin)) is not None and prior.operation is not None
    }
    previous = evacuation_in_effect(past_runs(operations, estate), region)
    redis = None
    if request.unlink_redis:
        from mcctl.domain.redisgeo import UnlinkRequest
        from mcctl.ops.redisgeo import observe_unlink

        redis = observe_unlink(session, estate, UnlinkRequest(region))
    observed = EvacuationObserved(
        tuple(inventory.views), frontdoor, sql, health, drained_by, redis, lock, previous=previous
    )
    return EvacuationRead(observed, inventory)


# -- reinstate -------------------------------------------------------------------------------------
def observe_reinstatement(
    session: AzureSession, estate: Estate, operations: Iterable[OperationRecord], request: ReinstateRequest
) -> ReinstateRead:
    """What `plan_reinstatement` needs: the live estate and the newest evacuation of the region."""
    region = request.validate(estate)
    operations = list(operations)
    inventory, sql = _read_estate(session, estate)
    health = _health(session, estate, inventory)
    frontdoor = _frontdoor(inventory, operations, health)
    past = evacuation_in_effect(past_runs(operations, estate), region)
    observed = ReinstateObserved(tuple(inventory.views), frontdoor, sql, health, past)
    return ReinstateRead(observed, inventory)


def past_runs(operations: Iterable[OperationRecord], estate: Estate) -> tuple[PastRun, ...]:
    """The journal's evacuations and reinstatements (oldest first) that changed something, each with
    the capacities before its applied carry steps and the SQL primary's region before its applied
    failover; `undone` when a rollback of it succeeded since."""
    operations = list(operations)
    rolled_back = {
        record.parent
        for record in operations
        if (record.kind or "").startswith(ROLLBACK_PREFIX) and record.status is OperationStatus.SUCCEEDED
    }
    kinds = {str(k): k for k in EvacuationKind}
    found = []
    for record in operations:
        kind = kinds.get(record.kind or "")
        if kind is None or record.status not in CHANGED:
            continue
        region = _region_of(record, estate)
        if region is not None:
            found.append(_run(record, kind, region, record.id in rolled_back))
    return tuple(found)


def _region_of(record: OperationRecord, estate: Estate) -> str | None:
    """The region: the pre-flight's, else the region of the origins it set."""
    steps = record.header.get("plan", {}).get("steps", [])
    for step in steps if isinstance(steps, list) else []:
        params = step.get("params") if isinstance(step, dict) else None
        preflight = params.get(PREFLIGHT) if isinstance(params, dict) else None
        if isinstance(preflight, dict) and isinstance(preflight.get("region"), str):
            return str(preflight["region"])
    for step in record.plan.steps:
        stamp = estate.stamp(str(step.params.get("stamp"))) if step.kind == "set_origin" else None
        if stamp is not None:
            return stamp.region
    return None


def _run(record: OperationRecord, kind: EvacuationKind, region: str, undone: bool) -> PastRun:
    capacities: dict[str, int] = {}
    added: dict[str, int] = {}
    sql_from = None
    for index, step in enumerate(record.plan.steps):
        if not record.applied(index):
            continue
        if step.kind == "scale_plan" and "carry" in step.params:
            name = str(step.params["stamp"])
            capacities.setdefault(name, int(step.before["capacity"]))
            added[name] = added.get(name, 0) + int(step.after["capacity"]) - int(step.before["capacity"])
        elif step.kind == "sql_failover" and sql_from is None:
            sql_from = step.before.get("primary_region")
    return PastRun(record.id, kind, str(record.status), region, capacities, sql_from, undone, added)


# -- afterwards ------------------------------------------------------------------------------------
def routed_stamps(session: AzureSession, estate: Estate, region: str) -> list[str]:
    """The region's stamps Front Door's configuration sends traffic to now (enabled, at the lowest
    priority in use, weight > 0): the ones a check that traffic is back can expect to answer."""
    from mcctl.domain.traffic import origin_shares, routes_from_views
    from mcctl.ops.inventory import read_inventory

    routes = routes_from_views(read_inventory(session, estate).views)
    shares = origin_shares(routes)
    return [r.stamp for r, share in zip(routes, shares, strict=True) if r.region == region and share > 0]


def final_health(session: AzureSession, estate: Estate, operations: Iterable[OperationRecord]) -> str:
    """One line: the estate's health verdict after the operation, and why — as `mcctl health` says
    it: judged with the journal (`operations`), so a region drained on purpose is drained, not degraded."""
    from mcctl.ops.health import assess

    health = assess(session, estate, operations=list(operations))
    why = "; ".join(health.reasons)
    return f"final health: estate {health.name} {health.status}" + (f" — {why}" if why else "")


@hookimpl
def register_safety_rules(register: Callable[[SafetyRule], None]) -> None:
    """The health pre-flights of `evacuate` (survivors healthy) and `reinstate` (region healthy):
    real rules, so --dry-run shows them and --override RULE --reason is journaled like any other."""
    from mcctl.domain.evacuation_rules import RULES

    for rule in RULES:
        register(rule)
