"""Read everything `mcctl status` shows, side by side, and assemble it (`mcctl.domain.status`).

The parts are independent reads — the stamps' health (after the inventory it judges), the SQL
failover group, the operator lease, the journal's open operations — so they run in parallel
(`read_parallel`); a part that fails is reported in `errors` and shown as unknown, and never
blanks the others.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.outside import Journaled, started_outside
from mcctl.domain.status import EstateStatus, OpenOperation, OperationState, estate_status
from mcctl.domain.statuses import OperationStatus
from mcctl.ops.inflight import InFlightStep, Landing, in_flight
from mcctl.ops.lease_base import process_alive
from mcctl.ops.parallel import read_parallel

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate
    from mcctl.domain.health import EstateHealth
    from mcctl.domain.lease import LockStatus
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import Journal, OperationRecord
    from mcctl.ops.registry import Registry

# Ended part way with nothing left running: `mcctl resume` continues them, `mcctl rollback` undoes them.
STOPPED_PART_WAY = (
    OperationStatus.PARTIAL,
    OperationStatus.STOPPED,
    OperationStatus.INTERRUPTED,
    OperationStatus.INCOMPLETE,
    OperationStatus.TIMEOUT,
)
# What a rollback (or a --revert-on-failure) that put an operation back ends as (`usecases._refuse_undone`).
PUT_BACK = (OperationStatus.SUCCEEDED, OperationStatus.PARTIAL)


@dataclass(frozen=True)
class _Health:
    inventory: Inventory
    health: EstateHealth


def read_estate_status(
    session: AzureSession,
    estate: Estate,
    journal: Journal,
    *,
    registry: Registry | None = None,
    timeout: float | None = None,
) -> EstateStatus:
    """The estate at a glance. Raises only on a bug: every failed read is listed in `errors`.

    `timeout`: per health probe (default the estate file's `health.timeout`)."""
    reads: dict[str, Callable[[], Any]] = {
        "health": lambda: _read_health(session, estate, registry, timeout, journal),
        "lock": lambda: _read_lock(session, estate),
        "operations": lambda: _read_operations(session, estate, journal, registry),
    }
    if estate.sql is not None:
        reads["sql"] = lambda: _read_sql(session, estate)
    done = read_parallel(reads)
    errors = [f"{_PARTS[key]}: {exc.message}" for key, exc in done.errors.items()]
    read: _Health | None = done.values.get("health")
    if read is not None:
        errors = list(read.health.errors) + errors  # (they include the inventory's)
    operations: _Operations | None = done.values.get("operations")
    outside = started_outside(
        done.values.get("sql"),
        read.inventory.views if read is not None else None,
        operations.journaled if operations is not None else None,
    )
    lock = done.values.get("lock")
    return estate_status(
        estate,
        health=read.health if read is not None else None,
        views=read.inventory.views if read is not None else None,
        sql=done.values.get("sql"),
        lock=lock,
        operations=_still_running(operations.open, lock) if operations is not None else None,
        errors=errors,
        in_flight=outside,
    )


def _still_running(operations: list[OpenOperation], lock: LockStatus | None) -> list[OpenOperation]:
    """An operation the journal shows stopped part way is still running while its own process holds
    the operator lease and lives (between step groups, waiting out an interval): not one to resume.
    (A holder on another machine cannot be checked: its live lease says it runs.)"""
    holder = lock.holder if lock is not None and lock.held else None
    if holder is None or not holder.operation:
        return operations
    if holder.host == socket.gethostname() and not process_alive(holder.pid):
        return operations
    return [
        replace(op, state=OperationState.RUNNING)
        if op.id == holder.operation and op.state is OperationState.INTERRUPTED
        else op
        for op in operations
    ]


_PARTS = {
    "health": "assessing health",
    "lock": "reading the operator lease",
    "operations": "reading the journal",
    "sql": "reading the SQL failover group",
}


def _read_health(
    session: AzureSession, estate: Estate, registry: Registry | None, timeout: float | None, journal: Journal
) -> _Health:
    """The inventory, then the health judged from it (one inventory read for both); the journal
    tells a region drained on purpose from a degraded one."""
    from mcctl.ops.health import assess
    from mcctl.ops.inventory import read_inventory

    inventory = read_inventory(session, estate)
    operations = journal.operations_touching(v.stamp.origin for v in inventory.views)  # drained on purpose
    health = assess(session, estate, timeout=timeout, inventory=inventory, registry=registry, operations=operations)
    return _Health(inventory, health)


def _read_sql(session: AzureSession, estate: Estate) -> Any:
    from mcctl.ops.sqlfailover import read_status

    return read_status(session, estate)


def _read_lock(session: AzureSession, estate: Estate) -> Any:
    from mcctl.ops.lease import open_lease

    return open_lease(session, estate).status()


@dataclass(frozen=True)
class _Operations:
    open: list[OpenOperation]
    journaled: Journaled  # mcctl's changes that may still land: a change in flight none explains is another's


def _read_operations(session: AzureSession, estate: Estate, journal: Journal, registry: Registry | None) -> _Operations:
    found = in_flight(session, estate, journal, registry=registry)
    landing = [s for s in found if s.landing.may_still_land]
    journaled = Journaled(
        frozenset(s.step.resource_id.lower() for s in landing), frozenset(s.step.kind for s in landing)
    )
    return _Operations(_open_operations(estate, journal, found), journaled)


def open_operations(
    session: AzureSession, estate: Estate, journal: Journal, registry: Registry | None = None
) -> list[OpenOperation]:
    """The estate's operations that are not over, oldest first: those a change of which may still
    land (in flight; live state decides), and those that stopped part way and were neither finished
    (a resume ends them) nor put back by a rollback."""
    return _open_operations(estate, journal, in_flight(session, estate, journal, registry=registry))


def _open_operations(estate: Estate, journal: Journal, landing: list[InFlightStep]) -> list[OpenOperation]:
    records = [r for r in journal.operations_not_over() if r.header.get("estate", estate.name) == estate.name]
    put_back = {r.parent for r in records if r.parent and r.status in PUT_BACK}
    steps: dict[str, list[InFlightStep]] = {}
    for item in landing:
        steps.setdefault(item.operation, []).append(item)
    found = []
    for record in records:
        if record.refused:
            continue
        if record.id in steps:
            state = _state_in_flight(record, steps[record.id])
        elif record.status in STOPPED_PART_WAY and record.id not in put_back:
            state = OperationState.INTERRUPTED
        else:
            continue
        if state is not None:
            running = sum(1 for s in steps.get(record.id, ()) if s.landing.may_still_land)
            found.append(_open(record, state, running))
    return found


def _state_in_flight(record: OperationRecord, steps: list[InFlightStep]) -> OperationState | None:
    """In flight while a change may still land; once every such change settled: over if each
    landed and the rest is done (the journal says so at the next run), else stopped part way."""
    if any(s.landing.may_still_land for s in steps):
        return OperationState.IN_FLIGHT
    uncertain = {s.index for s in steps}
    rest_done = all(record.finished(i) for i in range(record.steps_total) if i not in uncertain)
    if rest_done and all(s.landing is Landing.LANDED for s in steps):
        return None
    return OperationState.INTERRUPTED


def _open(record: OperationRecord, state: OperationState, running: int) -> OpenOperation:
    summary = record.summary()
    return OpenOperation(
        id=record.id,
        state=state,
        status=str(record.status),
        kind=summary["kind"],
        summary=summary["summary"],
        steps=summary["steps"],
        started=summary["started"],
        actor=summary["actor"],
        may_still_land=running,
    )
