"""Microsoft.Sql: logical servers, databases, failover groups and replication links (2025-01-01 shapes).

In ARM a failover group exists once per member server, each copy stating its own replicationRole.
The simulator keeps each group once, in private state (`store.data["sql"]["groups"]`), and renders
every member's view from it, so all members agree after a failover. Replication links are derived
from the group as well: one per database between the primary and each secondary, with the link's
replicationState kept per (database, secondary).

The failover actions are ArmResourceActionAsync LROs: 202 + Location (+ Retry-After) as in
FailoverGroupFailover.json. The Location monitor answers 202 while running, then 200 with the group
as seen from the server the request was sent to, or a non-2xx ARM error when the failover failed
(a 200 `{"status": "Failed"}` would count as success: arm-contracts §7.4). Each operation records its
caller (the bearer token's oid/appid): a repeated POST gets the running or just-completed operation
back only from that caller; another client gets 409 FailoverGroupBusy while it runs, and afterwards
its request is judged afresh — no client ever adopts another's failover.

Servers in a region that is down answer every request with ARM's gateway timeout, as the regional
resource provider would not respond.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mcctl.domain.regions import display_name, normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse, bad_request, not_found
from mcctl.sim.router import Handler, Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, SqlServer
    from mcctl.sim.app import Effect, Sim

RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Sql"
SUB = "/subscriptions/{sub}/providers/Microsoft.Sql"
SERVER = RG + "/servers/{server}"
SERVER_TYPE = "Microsoft.Sql/servers"
DATABASE_TYPE = "Microsoft.Sql/servers/databases"
GROUP_TYPE = "Microsoft.Sql/servers/failoverGroups"
LINK_TYPE = "Microsoft.Sql/servers/databases/replicationLinks"

# The three actions, by the path segment ARM uses, and the mode each one means.
ACTIONS = {
    "failover": "planned",
    "forceFailoverAllowDataLoss": "forced",
    "tryPlannedBeforeForcedFailover": "try-planned",
}
DURATION_SECONDS = {"planned": 60, "forced": 30, "try-planned": 60}
KIND_PREFIX = "sql.failover."
CATCH_UP = "CATCH_UP"
PENDING = "PENDING"
DEFAULT_LAG_SECONDS = 5  # asynchronous geo-replication normally trails the primary by a few seconds
OUTAGE_LAG_SECONDS = 30  # a failing primary region falls further behind before it stops
RETRY_WINDOW_SECONDS = 120  # a retried POST this soon after its failover completed gets that operation
_IDS = uuid.UUID("6f1c7a52-8d0e-4c36-9a55-1d8f0b3e2a71")  # namespace for stable link and database ids


def sql_state(sim: Sim) -> dict[str, Any]:
    """The provider's private state: groups, lost writes and the failover history."""
    state = sim.store.data.setdefault("sql", {})
    state.setdefault("groups", {})
    state.setdefault("lost_writes", [])
    state.setdefault("failovers", [])
    return state


class SqlProvider:
    name = "Microsoft.Sql"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {"sql.failover": _failover_completed}

    def register(self, router: Router) -> None:
        router.add("GET", f"{SUB}/servers", _list_servers_in_subscription)
        router.add("GET", f"{RG}/servers", _list_servers_in_group)
        router.add("GET", SERVER, _get_server)
        router.add("GET", f"{SERVER}/databases", _list_databases)
        router.add("GET", f"{SERVER}/databases/{{db}}", _get_database)
        router.add("GET", f"{SERVER}/databases/{{db}}/replicationLinks", _list_links_of_database)
        router.add("GET", f"{SERVER}/databases/{{db}}/replicationLinks/{{link}}", _get_link)
        router.add("GET", f"{SERVER}/replicationLinks", _list_links_of_server)
        router.add("GET", f"{SERVER}/failoverGroups", _list_groups)
        router.add("GET", f"{SERVER}/failoverGroups/{{fg}}", _get_group)
        for action in ACTIONS:
            router.add("POST", f"{SERVER}/failoverGroups/{{fg}}/{action}", _failover_action(action))
        router.add("GET", f"{RG}/locations/{{loc}}/failoverGroupOperationResults/{{op}}", _operation_result)

    def seed(self, sim: Sim, estate: Estate) -> None:
        sql = estate.sql
        if sql is None:
            return
        now = sim.now_iso()
        for server in sql.servers:
            sim.store.put(_server_body(server))
            for database in sql.databases:
                sim.store.put(_database_body(server, database, sql.name, now))
        servers = [s.ref.id for s in sql.servers]
        sql_state(sim)["groups"][sql.name.lower()] = {
            "name": sql.name,
            "servers": servers,  # estate order
            "primary": servers[0],
            "databases": list(sql.databases),
            "readWriteEndpoint": {"failoverPolicy": "Automatic", "failoverWithDataLossGracePeriodMinutes": 60},
            "readOnlyEndpoint": {"failoverPolicy": "Disabled"},
            "lag_seconds": DEFAULT_LAG_SECONDS,
            "links": [_link_entry(db, secondary, now) for db in sql.databases for secondary in servers[1:]],
        }
        sim.store.dirty = True


# -- seeding ---------------------------------------------------------------------------------------
def _server_body(server: SqlServer) -> dict[str, Any]:
    return {
        "id": server.ref.id,
        "name": server.ref.name,
        "type": SERVER_TYPE,
        "location": normalize_region(server.region),
        "kind": "v12.0",
        "tags": {},
        "properties": {
            "fullyQualifiedDomainName": f"{server.ref.name}.database.windows.net",
            "version": "12.0",
            "state": "Ready",
            "publicNetworkAccess": "Enabled",
            "minimalTlsVersion": "1.2",
        },
    }


def _database_body(server: SqlServer, database: str, group: str, now: str) -> dict[str, Any]:
    database_id = f"{server.ref.id}/databases/{database}"
    return {
        "id": database_id,
        "name": database,
        "type": DATABASE_TYPE,
        "location": normalize_region(server.region),
        "kind": "v12.0,user,vcore",
        "sku": {"name": "GP_Gen5", "tier": "GeneralPurpose", "family": "Gen5", "capacity": 2},
        "properties": {
            "status": "Online",
            "collation": "SQL_Latin1_General_CP1_CI_AS",
            "databaseId": str(uuid.uuid5(_IDS, database_id.lower())),
            "creationDate": now,
            "failoverGroupId": f"{server.ref.id}/failoverGroups/{group}",
            "zoneRedundant": False,
            "readScale": "Disabled",
        },
    }


def _link_entry(database: str, secondary: str, now: str) -> dict[str, Any]:
    return {"database": database, "secondary": secondary, "state": CATCH_UP, "percentComplete": 100, "startTime": now}


# -- lookups ---------------------------------------------------------------------------------------
def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def _name(resource_id: str) -> str:
    return resource_id.rsplit("/", 1)[-1]


def _region(sim: Sim, server_id: str) -> str:
    return sim.store.require(server_id)["location"]


def _unreachable(sim: Sim, body: dict[str, Any]) -> None:
    """A server whose region is down does not answer: ARM times out waiting for the regional RP."""
    if sim.region_down(body["location"]):
        raise ArmError(
            504,
            "GatewayTimeout",
            "The gateway did not receive a response from 'Microsoft.Sql' within the specified time period.",
        )


def _server(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    body = sim.store.get(f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}/providers/{SERVER_TYPE}/{p['server']}")
    if body is None:
        raise not_found(SERVER_TYPE, p["server"], p["rg"])
    _unreachable(sim, body)
    return body


def _missing(resource_type: str, name: str) -> ArmError:
    return ArmError(
        404, "ResourceNotFound", f"The requested resource of type '{resource_type}' with name '{name}' was not found."
    )


def _groups_of(sim: Sim, server_id: str) -> list[dict[str, Any]]:
    return [g for g in sql_state(sim)["groups"].values() if any(_same(s, server_id) for s in g["servers"])]


def _group_on(sim: Sim, server: dict[str, Any], name: str) -> dict[str, Any]:
    group = sql_state(sim)["groups"].get(name.lower())
    if group is None or not any(_same(s, server["id"]) for s in group["servers"]):
        raise _missing(GROUP_TYPE, name)
    return group


def _member(group: dict[str, Any], server_id: str) -> str:
    """The group's own spelling of a member's id."""
    return next(s for s in group["servers"] if _same(s, server_id))


def _secondaries(group: dict[str, Any]) -> list[str]:
    return [s for s in group["servers"] if not _same(s, group["primary"])]


def _role(group: dict[str, Any], server_id: str) -> str:
    return "Primary" if _same(server_id, group["primary"]) else "Secondary"


def _links_touching(group: dict[str, Any], server_id: str) -> list[dict[str, Any]]:
    """Link entries with this server at one end: all of them for the primary, its own for a secondary."""
    if _same(server_id, group["primary"]):
        return list(group["links"])
    return [e for e in group["links"] if _same(e["secondary"], server_id)]


# -- views -----------------------------------------------------------------------------------------
def _shown_state(sim: Sim, group: dict[str, Any], entry: dict[str, Any]) -> str:
    """Replication stops while either end's region is down; the stored state resumes afterwards."""
    if sim.region_down(_region(sim, group["primary"])) or sim.region_down(_region(sim, entry["secondary"])):
        return "SUSPENDED"
    return entry["state"]


def _group_view(sim: Sim, group: dict[str, Any], server_id: str) -> dict[str, Any]:
    """The failover group as ARM shows it on one member server."""
    sid = _member(group, server_id)
    states = [_shown_state(sim, group, e) for e in _links_touching(group, sid)]
    read_only = dict(group["readOnlyEndpoint"])
    secondaries = _secondaries(group)
    if secondaries:
        read_only["targetServer"] = secondaries[0]
    # While a failover runs, every member shows the group PENDING: a client that lost the answer
    # (killed mid-request) can tell the failover is still in flight and wait for it.
    failing_over = any(op["status"] == "InProgress" for op in _failovers(sim, group["name"].lower()))
    return {
        "id": f"{sid}/failoverGroups/{group['name']}",
        "name": group["name"],
        "type": GROUP_TYPE,
        "location": display_name(_region(sim, sid)),
        "tags": {},
        "properties": {
            "readWriteEndpoint": dict(group["readWriteEndpoint"]),
            "readOnlyEndpoint": read_only,
            "replicationRole": _role(group, sid),
            "replicationState": PENDING if failing_over else next((s for s in states if s != CATCH_UP), CATCH_UP),
            "partnerServers": [
                {"id": other, "location": display_name(_region(sim, other)), "replicationRole": _role(group, other)}
                for other in group["servers"]
                if not _same(other, sid)
            ],
            "databases": [f"{sid}/databases/{db}" for db in group["databases"]],
        },
    }


def _link_view(sim: Sim, group: dict[str, Any], entry: dict[str, Any], server_id: str) -> dict[str, Any]:
    local = _member(group, server_id)
    partner = entry["secondary"] if _same(local, group["primary"]) else group["primary"]
    database = entry["database"]
    pair = "|".join(sorted((local.lower(), partner.lower())))
    link_id = str(uuid.uuid5(_IDS, f"{group['name'].lower()}|{database.lower()}|{pair}"))
    state = _shown_state(sim, group, entry)
    return {
        "id": f"{local}/databases/{database}/replicationLinks/{link_id}",
        "name": link_id,
        "type": LINK_TYPE,
        "properties": {
            "partnerServer": _name(partner),
            "partnerDatabase": database,
            "partnerDatabaseId": f"{partner}/databases/{database}",
            "partnerLocation": display_name(_region(sim, partner)),
            "role": _role(group, local),
            "partnerRole": _role(group, partner),
            "replicationMode": "ASYNC",
            "startTime": entry["startTime"],
            "percentComplete": entry["percentComplete"],
            "replicationState": state,
            "isTerminationAllowed": True,
            "linkType": "GEO",
        },
    }


def _links_on(sim: Sim, server_id: str, database: str | None = None) -> list[dict[str, Any]]:
    views = []
    for group in _groups_of(sim, server_id):
        for entry in _links_touching(group, server_id):
            if database is None or _same(entry["database"], database):
                views.append(_link_view(sim, group, entry, server_id))
    return views


# -- servers and databases -------------------------------------------------------------------------
def _list_servers_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(SERVER_TYPE, p["sub"]))


def _list_servers_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(SERVER_TYPE, p["sub"], p["rg"]))


def _get_server(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _server(sim, p))


def _database(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    server = _server(sim, p)
    body = sim.store.get(f"{server['id']}/databases/{p['db']}")
    if body is None:
        raise _missing(DATABASE_TYPE, p["db"])
    return body


def _list_databases(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.children(_server(sim, p)["id"], "databases"))


def _get_database(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _database(sim, p))


# -- replication links -----------------------------------------------------------------------------
def _server_of(database: dict[str, Any]) -> str:
    return database["id"].rsplit("/databases/", 1)[0]


def _list_links_of_database(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    database = _database(sim, p)
    return sim.page(req, _links_on(sim, _server_of(database), database["name"]))


def _list_links_of_server(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, _links_on(sim, _server(sim, p)["id"]))


def _get_link(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    database = _database(sim, p)
    links = _links_on(sim, _server_of(database), database["name"])
    link = next((v for v in links if _same(v["name"], p["link"])), None)
    if link is None:
        raise _missing(LINK_TYPE, p["link"])
    return SimResponse(200, link)


# -- failover groups -------------------------------------------------------------------------------
def _list_groups(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    server = _server(sim, p)
    return sim.page(req, [_group_view(sim, g, server["id"]) for g in _groups_of(sim, server["id"])])


def _get_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    server = _server(sim, p)
    return SimResponse(200, _group_view(sim, _group_on(sim, server, p["fg"]), server["id"]))


def _failovers(sim: Sim, group_key: str) -> list[dict[str, Any]]:
    """This group's failover operations, oldest first."""
    ops = [
        op
        for op in sim.store.data["operations"].values()
        if op["kind"].startswith(KIND_PREFIX) and op["effect"]["args"]["group"] == group_key
    ]
    return sorted(ops, key=lambda op: op["seq"])


def _retried(sim: Sim, group_key: str, target: str, kind: str) -> dict[str, Any] | None:
    """The operation a repeated POST belongs to: the same action towards the same server by the same
    caller, still running or just completed (a client retry must not start a second failover). Another
    client's operation is never handed out: it would adopt it as its own (ARM answers it 409 while the
    failover runs, and judges its request afresh once it ended)."""
    ops = _failovers(sim, group_key)
    if not ops:
        return None
    last = ops[-1]
    if last["kind"] != kind or not _same(last["effect"]["args"]["target"], target):
        return None
    if not sim.started_by_caller(last):
        return None
    if last["status"] == "InProgress":
        return last
    if last["status"] == "Succeeded" and sim.now() - last["end"] <= RETRY_WINDOW_SECONDS:
        return last
    return None


def _accepted(sim: Sim, req: SimRequest, op: dict[str, Any]) -> SimResponse:
    version = quote(req.param("api-version") or "", safe="")
    location = f"{req.base_url}{op['monitor']}?api-version={version}"
    return SimResponse(202, None, {"Location": location, "Retry-After": sim.retry_after(op)})


def _failover_action(action: str) -> Handler:
    mode = ACTIONS[action]
    kind = KIND_PREFIX + mode

    def handler(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
        server = _server(sim, p)
        group = _group_on(sim, server, p["fg"])
        key = group["name"].lower()
        target = _member(group, server["id"])
        again = _retried(sim, key, target, kind)
        if again is not None:
            return _accepted(sim, req, again)
        if any(op["status"] == "InProgress" for op in _failovers(sim, key)):
            raise ArmError(409, "FailoverGroupBusy", "Failover Group is busy with another operation.")
        if _same(target, group["primary"]):
            raise bad_request(
                "FailoverGroupFailoverRequestOnPrimary",
                "The failover request should be initiated on the secondary server of failover group.",
            )
        op = sim.start_operation(
            kind,
            resource_id=f"{target}/failoverGroups/{group['name']}".lower(),
            location=server["location"],
            duration=DURATION_SECONDS[mode],
            effect="sql.failover",
            args={"group": key, "target": target, "mode": mode},
            result_id=f"{target}/failoverGroups/{group['name']}",
        )
        scope = target.split("/providers/")[0]  # /subscriptions/{s}/resourceGroups/{rg}
        op["monitor"] = (
            f"{scope}/providers/Microsoft.Sql/locations/{server['location']}/failoverGroupOperationResults/{op['id']}"
        )
        return _accepted(sim, req, op)

    return handler


def _operation_result(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    op = sim.operation(p["op"])
    if not op["kind"].startswith(KIND_PREFIX):
        raise ArmError(404, "OperationIdNotFound", f"The operation with Id '{p['op']}' does not exist.")
    args = op["effect"]["args"]
    group = sql_state(sim)["groups"][args["group"]]
    return sim.location_status(op["id"], lambda: _group_view(sim, group, args["target"]))


# -- failover semantics ----------------------------------------------------------------------------
def _planned_blocker(sim: Sim, group: dict[str, Any]) -> ArmError | None:
    """Why a planned (no data loss) failover cannot complete now, or None."""
    primary = group["primary"]
    if sim.region_down(_region(sim, primary)):
        return bad_request(
            "PlannedFailoverTimedOut",
            f"User invoked planned failover, and it timed out while trying to contact the partner management "
            f"service: primary server '{_name(primary)}' in {_region(sim, primary)} did not respond.",
        )
    for entry in group["links"]:
        if entry["state"] != CATCH_UP:
            return bad_request(
                "IncorrectReplicationLinkState",
                f"The operation expects the database '{entry['database']}' to be in an expected state on the "
                f"replication link: the link to server '{_name(entry['secondary'])}' is {entry['state']}, "
                f"planned failover requires every link to be {CATCH_UP}.",
            )
    return None


def _forced_blocker(group: dict[str, Any], target: str) -> ArmError | None:
    """A secondary that is still being seeded holds no consistent copy: it cannot become primary."""
    for entry in group["links"]:
        if _same(entry["secondary"], target) and entry["state"] in ("PENDING", "SEEDING"):
            return ArmError(
                409,
                "InvalidDatabaseStateForOperation",
                f"The operation is not allowed on the database '{entry['database']}' in its current replication "
                f"state ({entry['state']}) on server '{_name(target)}'.",
            )
    return None


def _record_lost_writes(sim: Sim, group: dict[str, Any], target: str) -> None:
    """A forced failover loses what the secondary had not received: the rows written (probe writes,
    `write_row`) in the `lag` seconds before the primary was lost (its region's outage began, or now
    if it still runs). They are removed and listed in the entry's `rows`."""
    lag = group.get("lag_seconds", DEFAULT_LAG_SECONDS)
    region = _region(sim, group["primary"])
    lost_at = sim.now()
    if sim.region_down(region):
        lag = max(lag, OUTAGE_LAG_SECONDS)
        lost_at = sim.outage_started(region) or lost_at
    rows = sql_state(sim).setdefault("rows", {})
    key = group["name"].lower()
    lost = [rid for rid, row in rows.items() if row["group"] == key and lost_at - lag < row["at"] <= lost_at]
    for rid in lost:
        del rows[rid]
    sql_state(sim)["lost_writes"].append(
        {
            "at": sim.now_iso(),
            "group": group["name"],
            "from_server": _name(group["primary"]),
            "to_server": _name(target),
            "seconds_of_lag": lag,
            "rows": lost,
        }
    )


def _swap_roles(sim: Sim, group: dict[str, Any], target: str, mode: str) -> None:
    old = group["primary"]
    now = sim.now_iso()
    group["primary"] = target
    links = [e for e in group["links"] if not _same(e["secondary"], target)]
    links += [_link_entry(db, old, now) for db in group["databases"]]
    group["links"] = links
    sql_state(sim)["failovers"].append(
        {"at": now, "group": group["name"], "from_server": _name(old), "to_server": _name(target), "mode": mode}
    )
    sim.store.dirty = True


def _failover_completed(sim: Sim, group: str, target: str, mode: str) -> None:
    """Effect of a failover operation: swap roles, or raise the ArmError the operation fails with."""
    current = sql_state(sim)["groups"][group]
    if _same(current["primary"], target):
        return
    blocker = _planned_blocker(sim, current)
    if mode == "planned" and blocker is not None:
        raise blocker
    forced = mode == "forced" or (mode == "try-planned" and blocker is not None)
    if forced:
        refusal = _forced_blocker(current, target)
        if refusal is not None:
            raise refusal
        _record_lost_writes(sim, current, target)
    _swap_roles(sim, current, target, "forced" if forced else "planned")


# -- the application's rows (the simulated public endpoint's write probes) --------------------------
class DatabaseError(Exception):
    """Why the application cannot use the database now: `code` is DatabaseUnavailable (the primary's
    region is down), DatabaseReadOnly (a failover of the group is in progress) or NoDatabase."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _app_group(sim: Sim) -> dict[str, Any]:
    """The failover group the application uses (the estate has one: the first)."""
    groups = sql_state(sim)["groups"]
    if not groups:
        raise DatabaseError("NoDatabase", "The estate has no SQL failover group to write to.")
    return next(iter(groups.values()))


def _usable_primary(sim: Sim, group: dict[str, Any]) -> str:
    primary = group["primary"]
    if sim.region_down(_region(sim, primary)):
        raise DatabaseError(
            "DatabaseUnavailable",
            f"Cannot open database on server '{_name(primary)}': its region {_region(sim, primary)} is not responding.",
        )
    return primary


def failover_in_progress(sim: Sim, group_name: str) -> bool:
    """A failover of the group is running (its LRO has not finished)."""
    return any(op["status"] == "InProgress" for op in _failovers(sim, group_name.lower()))


def write_row(sim: Sim) -> dict[str, Any]:
    """Write one row through the group's read-write listener (to the primary). Returns {"id",
    "server", "at"}; raises DatabaseError when the primary cannot take it."""
    group = _app_group(sim)
    primary = _usable_primary(sim, group)
    if failover_in_progress(sim, group["name"]):
        raise DatabaseError(
            "DatabaseReadOnly",
            f"The database on server '{_name(primary)}' is read-only while failover group "
            f"'{group['name']}' fails over.",
        )
    row_id = f"w{sim.store.next_seq()}"
    sql_state(sim).setdefault("rows", {})[row_id] = {"at": sim.now(), "group": group["name"].lower()}
    sim.store.dirty = True
    return {"id": row_id, "server": _name(primary), "at": sim.now()}


def read_row(sim: Sim, row_id: str) -> dict[str, Any] | None:
    """The row as the current primary has it ({"id", "server", "at"}), or None if it is not there
    (never written, or lost by a forced failover). Raises DatabaseError when the primary is down."""
    group = _app_group(sim)
    primary = _usable_primary(sim, group)
    row = sql_state(sim).get("rows", {}).get(row_id)
    if row is None or row["group"] != group["name"].lower():
        return None
    return {"id": row_id, "server": _name(primary), "at": row["at"]}


# -- helpers for tests and fault injection ---------------------------------------------------------
def _members_matching(sim: Sim, group: dict[str, Any], region_or_server: str) -> list[str]:
    wanted = region_or_server.lower()
    return [
        s
        for s in group["servers"]
        if wanted in (s.lower(), _name(s).lower()) or normalize_region(region_or_server) == _region(sim, s)
    ]


def set_link_state(
    sim: Sim, region_or_server: str, state: str, *, database: str | None = None, percent_complete: int | None = None
) -> int:
    """Set replicationState (e.g. SEEDING) on the links of a server, named by region, name or id.

    A secondary's own links change; naming the primary changes all of its links. Returns how many
    link entries changed (0 when nothing matched).
    """
    with sim.store.transaction():
        changed = 0
        for group in sql_state(sim)["groups"].values():
            for member in _members_matching(sim, group, region_or_server):
                for entry in _links_touching(group, member):
                    if database is None or _same(entry["database"], database):
                        entry["state"] = state
                        entry["percentComplete"] = (
                            percent_complete if percent_complete is not None else (100 if state == CATCH_UP else 0)
                        )
                        changed += 1
        sim.store.dirty = True
        return changed


def set_replication_lag(sim: Sim, seconds: float, group: str | None = None) -> None:
    """Set how far (seconds) the secondaries trail the primary: the writes a forced failover loses."""
    with sim.store.transaction():
        for key, body in sql_state(sim)["groups"].items():
            if group is None or key == group.lower():
                body["lag_seconds"] = seconds
        sim.store.dirty = True


def lost_writes(sim: Sim) -> list[dict[str, Any]]:
    """Every forced failover's simulated data loss, oldest first."""
    return list(sql_state(sim)["lost_writes"])
