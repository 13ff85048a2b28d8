"""Azure SQL: logical servers, failover groups and replication links, via azure-mgmt-sql.

A failover group is one resource per member server, each view stating that server's role. Reads
can therefore ask any member; actions go to the server named by the caller (a failover must be
sent to the secondary that is to become primary; deciding which one is the ops layer's job).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.adapters.sdkvalues import plain
from mcctl.domain.observed import FailoverGroupPartner, FailoverGroupState, ReplicationLinkState
from mcctl.errors import AzureRequestError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import SqlFailoverGroup, SqlServer

FailoverMode = Literal["planned", "forced", "try-planned"]

# The SDK operation behind each mode, and how it reads in messages.
_BEGIN = {
    "planned": ("begin_failover", "planned failover"),
    "forced": ("begin_force_failover_allow_data_loss", "forced failover (data loss allowed)"),
    "try-planned": ("begin_try_planned_before_forced_failover", "planned-then-forced failover"),
}


def _segment_after(resource_id: str | None, segment: str) -> str | None:
    """The name following `/{segment}/` in an ARM id (ids mix casing, so compare case-insensitively)."""
    if not resource_id:
        return None
    parts = resource_id.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == segment.lower():
            return parts[i + 1]
    return None


def _group_state(group: Any, server: SqlServer) -> FailoverGroupState:
    """From an SDK model (its `as_dict()` is ARM's JSON): read as the JSON itself is."""
    return _group_state_json(group.as_dict(), server)


def _link_state(link: Any, database: str) -> ReplicationLinkState:
    props = link.properties
    return ReplicationLinkState(
        id=link.id,
        name=link.name,
        database=_segment_after(link.id, "databases") or database,
        role=plain(props.role) if props else None,
        partner_role=plain(props.partner_role) if props else None,
        partner_server=props.partner_server if props else None,
        partner_database=props.partner_database if props else None,
        partner_location=props.partner_location if props else None,
        replication_state=plain(props.replication_state) if props else None,
        percent_complete=props.percent_complete if props else None,
        replication_mode=props.replication_mode if props else None,
        link_type=plain(props.link_type) if props else None,
    )


# Reads of the failover group are ARM's JSON (mcctl.adapters.armread): azure-mgmt-sql's client
# loads a 4 MB operations module (~100 ms) that a status read does not need. Changes use the SDK.
API_VERSION = "2025-01-01"  # azure-mgmt-sql 4's


def _group_state_json(group: dict[str, Any], server: SqlServer) -> FailoverGroupState:
    props = group.get("properties") or {}
    endpoint = props.get("readWriteEndpoint") or {}
    partners = tuple(
        FailoverGroupPartner(
            id=p.get("id"),
            name=_segment_after(p.get("id"), "servers") or p.get("id"),
            location=p.get("location"),
            role=p.get("replicationRole"),
        )
        for p in props.get("partnerServers") or []
    )
    return FailoverGroupState(
        id=str(group.get("id") or ""),
        name=str(group.get("name") or ""),
        server=_segment_after(group.get("id"), "servers") or server.ref.name,
        location=group.get("location"),
        role=props.get("replicationRole"),
        replication_state=props.get("replicationState"),
        failover_policy=endpoint.get("failoverPolicy"),
        grace_period_minutes=endpoint.get("failoverWithDataLossGracePeriodMinutes"),
        partners=partners,
        databases=tuple(props.get("databases") or ()),
    )


def get_failover_group_from(session: AzureSession, sql: SqlFailoverGroup, server: SqlServer) -> FailoverGroupState:
    """The failover group as one member server sees it."""
    from mcctl.adapters.armread import reader

    ref = server.ref
    path = (
        f"/subscriptions/{ref.subscription}/resourceGroups/{ref.resource_group}"
        f"/providers/Microsoft.Sql/servers/{ref.name}/failoverGroups/{sql.name}"
    )
    with azure_errors(f"reading failover group {sql.name} on SQL server {ref.name} ({server.region})"):
        return _group_state_json(reader(session).get(path, API_VERSION), server)


def get_failover_group(session: AzureSession, sql: SqlFailoverGroup) -> FailoverGroupState:
    """The first member's view that answers, asking in estate order: one region down must not
    blind the operator. Raises the last member's error when none answers."""
    last: AzureRequestError | None = None
    for server in sql.servers:
        try:
            return get_failover_group_from(session, sql, server)
        except AzureRequestError as exc:
            last = exc
    if last is None:
        raise AzureRequestError(f"reading failover group {sql.name}: the estate names no SQL servers")
    raise last


def get_server(session: AzureSession, server: SqlServer) -> dict[str, Any]:
    """name, state ("Ready"), fqdn, version and location of a logical server (read as ARM's JSON,
    as the failover group is: the health model reads it on every `stamps list`)."""
    from mcctl.adapters.armread import reader

    ref = server.ref
    path = f"/subscriptions/{ref.subscription}/resourceGroups/{ref.resource_group}/providers/Microsoft.Sql/servers"
    path += f"/{ref.name}"
    with azure_errors(f"reading SQL server {ref.name} ({server.region})"):
        body = reader(session).get(path, API_VERSION)
    props = body.get("properties") or {}
    return {
        "name": body.get("name"),
        "state": props.get("state"),
        "fqdn": props.get("fullyQualifiedDomainName"),
        "version": props.get("version"),
        "location": body.get("location"),
    }


def list_replication_links(session: AzureSession, server: SqlServer, database: str) -> list[ReplicationLinkState]:
    """The geo-replication links of one database on one server (a paged list)."""
    ref = server.ref
    with azure_errors(f"listing replication links of database {database} on SQL server {ref.name}"):
        links = session.sql(ref.subscription).replication_links.list_by_database(ref.resource_group, ref.name, database)
        return [_link_state(link, database) for link in links]


def failover(
    session: AzureSession,
    sql: SqlFailoverGroup,
    target: SqlServer,
    mode: FailoverMode,
    options: WaitOptions,
) -> FailoverGroupState | None:
    """Make `target` the primary of the group; the request is sent to `target` itself.

    Returns the group as the target sees it when done, or None with --no-wait.
    """
    method, label = _BEGIN[mode]
    ref = target.ref
    what = f"{label} of failover group {sql.name} to SQL server {ref.name} ({target.region})"
    with azure_errors(what):
        operations = session.sql(ref.subscription).failover_groups
        poller = getattr(operations, method)(
            ref.resource_group,
            ref.name,
            sql.name,
            polling=polling_for(session, options),
        )
        if not options.wait:
            return None
        group = wait_for(poller, what, options)
    if group is None:
        # A 202 without a monitor header completes at once with no body (arm-contracts §0.6): read it.
        return get_failover_group_from(session, sql, target)
    return _group_state(group, target)
