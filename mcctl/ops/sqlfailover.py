"""The Azure SQL failover group plugin: reading it, the `sql_failover` step kind, its pre-flight rule.

Status reads every member server in parallel (its view of the group, the server itself, and the
replication links of each database in the group), so one region being down does not hide the
others; `mcctl.domain.sqlfailover_status.judge` turns the reads into a verdict, and
`mcctl.domain.sqlfailover.plan_failover` plans from what `read_preflight` observed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from mcctl.domain.projections import project_failover
from mcctl.domain.safety import SafetyRule
from mcctl.domain.sqlfailover import STEP_KIND, FailoverObserved, links_ready, member_server, sql_config, step_mode
from mcctl.domain.sqlfailover_status import FailoverGroupStatus, MemberRead, database_names, judge, primary_of
from mcctl.errors import AzureRequestError, McctlError
from mcctl.hookspecs import hookimpl
from mcctl.ops.parallel import read_parallel
from mcctl.ops.registry import StepKind
from mcctl.ops.sqlpreflight import observe_failover

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, SqlFailoverGroup, SqlServer
    from mcctl.domain.observed import ReplicationLinkState
    from mcctl.domain.plan import Step
    from mcctl.ops.inventory import Inventory
    from mcctl.ops.journal import Journal


BUSY = "FailoverGroupBusy"  # ARM's 409 to a failover request while a failover of the group runs


# -- status ----------------------------------------------------------------------------------------
def _read_member(session: AzureSession, sql: SqlFailoverGroup, server: SqlServer) -> MemberRead:
    """One member's view of the group, the server itself and its links; an error stops only this member."""
    from mcctl.adapters import sql as sqladapter

    view = None
    info = None
    links: list[ReplicationLinkState] = []
    try:
        view = sqladapter.get_failover_group_from(session, sql, server)
        info = sqladapter.get_server(session, server)
        for database in database_names(view):
            links.extend(sqladapter.list_replication_links(session, server, database))
    except McctlError as exc:
        return MemberRead(server, view, info, tuple(links), exc)
    return MemberRead(server, view, info, tuple(links))


def read_status(session: AzureSession, estate: Estate) -> FailoverGroupStatus:
    """The failover group as every member sees it; raises only when no member answers."""
    sql = sql_config(estate)
    # One server per region keys the reads. _read_member keeps its own error (with what it read
    # before it), so every member has a value here.
    result = read_parallel({s.region: partial(_read_member, session, sql, s) for s in sql.servers})
    reads = [result.values[s.region] for s in sql.servers]
    if not any(r.view is not None for r in reads):
        first = next(r.error for r in reads if r.error is not None)
        assert first is not None
        raise first
    return judge(sql, reads)


# -- the step kind ---------------------------------------------------------------------------------
def _apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import sql as sqladapter

    sql = sql_config(estate)
    target = member_server(sql, step.after["primary_region"])
    try:
        sqladapter.failover(session, sql, target, step_mode(step), options)  # type: ignore[arg-type]
    except AzureRequestError as exc:
        if exc.code != BUSY:
            raise
        # Another failover of the group runs (planned before it began): never adopted, never retried.
        raise AzureRequestError(
            f"{exc.message} — another client's failover of {sql.name} is running (not started by this mcctl "
            "run: az, the portal, another machine or another mcctl run); mcctl's failover was not started",
            status=exc.status,
            code=exc.code,
            hint="wait for it to end (`mcctl sql status` shows failover_in_progress), then plan again",
        ) from exc


def _read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    """The primary region as both ends of the step see it (the new and the old primary).

    Both must agree: a failover is verified only once roles swapped on both servers. An end that
    does not answer (its region is down) is left out; if neither does, any member answers.
    """
    from mcctl.adapters import sql as sqladapter
    from mcctl.errors import AzureRequestError

    sql = sql_config(estate)
    ends = dict.fromkeys(r for r in (step.after.get("primary_region"), step.before.get("primary_region")) if r)
    said: dict[str, str | None] = {}
    for region in ends:
        server = sql.server_in(region)
        if server is None:
            continue
        try:
            said[region] = primary_of(sqladapter.get_failover_group_from(session, sql, server))
        except AzureRequestError:
            continue
    if not said:
        return {"primary_region": primary_of(sqladapter.get_failover_group(session, sql))}
    if len(set(said.values())) == 1:
        return {"primary_region": next(iter(said.values()))}
    return {"primary_region": None, "members_disagree": said}


def _pending(session: AzureSession, estate: Estate, step: Step) -> bool:
    """A failover still running: the group shows replicationState PENDING on a member that answers."""
    from mcctl.adapters import sql as sqladapter
    from mcctl.errors import AzureRequestError

    sql = sql_config(estate)
    for region in dict.fromkeys(r for r in (step.after.get("primary_region"), step.before.get("primary_region")) if r):
        server = sql.server_in(region)
        if server is None:
            continue
        try:
            group = sqladapter.get_failover_group_from(session, sql, server)
        except AzureRequestError:
            continue
        return (group.replication_state or "").upper() == "PENDING"
    return False


# `observe`: a resume or rollback re-reads the links as `sql failover` does, so the same pre-flight rules judge it.
SQL_FAILOVER = StepKind(STEP_KIND, _apply, _read, project=project_failover, pending=_pending, observe=observe_failover)

LINKS_RULE = SafetyRule(
    "sql_links_ready",
    "no planned SQL failover unless every replication link is CATCH_UP; never to a secondary still seeding",
    links_ready,
    overridable=False,  # ARM would refuse it anyway: overriding could only turn exit 5 into exit 4
)


@hookimpl
def register_step_kinds(register: Callable[[StepKind], None]) -> None:
    register(SQL_FAILOVER)


@hookimpl
def register_safety_rules(register: Callable[[SafetyRule], None]) -> None:
    register(LINKS_RULE)


# -- one read for the failover command -------------------------------------------------------------
@dataclass(frozen=True)
class Preflight(FailoverObserved):
    """What the planner observes, and the inventory it came from (the mutation's `before` snapshot)."""

    inventory: Inventory


def read_preflight(session: AzureSession, estate: Estate, journal: Journal | None = None) -> Preflight:
    """The group's status and the estate's stamps (for the safety rules and the context notes), in
    parallel. `journal`: tells a failover running now that mcctl journaled from one another client
    started (without it, the refusal of a failover planned meanwhile cannot say which)."""
    from mcctl.ops.inflight import journaled
    from mcctl.ops.inventory import read_inventory

    sql_config(estate)
    reads: dict[str, Callable[[], Any]] = {
        "status": lambda: read_status(session, estate),
        "inventory": lambda: read_inventory(session, estate),
    }
    result = read_parallel(reads)
    result.raise_first()
    inventory: Inventory = result.values["inventory"]
    status: FailoverGroupStatus = result.values["status"]
    ours = journaled(journal, estate, STEP_KIND) if journal is not None and status.failover_in_progress else None
    return Preflight(status, tuple(inventory.views), inventory, journaled_failovers=ours)
