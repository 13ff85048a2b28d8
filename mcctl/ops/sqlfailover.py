"""The Azure SQL failover group: its status, and failover plans (planned, forced, try-planned).

Status reads every member server in parallel (its view of the group, the server itself, and the
replication links of each database in the group), so one region being down does not hide the
others, and judges whether a planned failover could run now:
- not ready: a link is SEEDING / SUSPENDED / PENDING, the primary does not answer, no member names
  exactly one primary, or the members disagree about it;
- degraded: a planned failover could run, but something is off (a secondary does not answer, a
  link state mcctl does not know, a missing link, a server that is not Ready).

A failover is one plan step of kind "sql_failover" (primary_region before → after). The request
goes to the server in the target region, never to the primary (ARM refuses that with
FailoverGroupFailoverRequestOnPrimary). The links observed while planning travel in the step's
params, so the `sql_links_ready` safety rule can refuse a planned failover that ARM would fail,
and the journal shows what the operator saw. Rolling back is a planned failover back.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Plan, Step
from mcctl.domain.projections import project_failover
from mcctl.domain.regions import normalize_region
from mcctl.domain.safety import RuleContext, SafetyRule, Verdict
from mcctl.errors import McctlError, UsageError
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import StepKind

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, SqlFailoverGroup, SqlServer
    from mcctl.domain.observed import FailoverGroupState, ReplicationLinkState
    from mcctl.domain.stampview import StampView
    from mcctl.ops.inventory import Inventory

STEP_KIND = "sql_failover"
PLAN_KIND = "sql-failover"
MODES = ("planned", "forced", "try-planned")
DATA_LOSS_MODES = ("forced", "try-planned")
CAUGHT_UP = "CATCH_UP"
NOT_READY_STATES = ("SEEDING", "SUSPENDED", "PENDING")
NO_CONSISTENT_COPY = ("SEEDING", "PENDING")  # a secondary in these states cannot become primary, even forced
KNOWN_LINK_STATES = (CAUGHT_UP, *NOT_READY_STATES)
# ARM gives no duration; these estimates match the simulator (planned waits for the secondaries).
EXPECTED_SECONDS = {"planned": 60, "forced": 30, "try-planned": 60}
READY, DEGRADED, NOT_READY = "ready", "degraded", "not_ready"


def sql_config(estate: Estate) -> SqlFailoverGroup:
    if estate.sql is None:
        raise UsageError(
            f"estate '{estate.name}' has no SQL failover group",
            hint="add a `sql:` section (resource_group, failover_group, servers) to the estate file",
        )
    return estate.sql


# -- status ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ServerStatus:
    region: str
    name: str
    role: str | None  # as the group's authoritative view says (Primary / Secondary)
    state: str | None = None  # the logical server's state ("Ready")
    fqdn: str | None = None
    error: str | None = None  # why this server could not be read

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "server": self.name,
            "role": self.role,
            "state": self.state,
            "fqdn": self.fqdn,
            "reachable": self.error is None,
            "error": self.error,
        }


@dataclass(frozen=True)
class LinkStatus:
    database: str
    server: str  # the end this link was read from
    region: str | None
    role: str | None
    partner_server: str | None
    partner_region: str | None
    partner_role: str | None
    replication_state: str | None
    percent_complete: int | None
    replication_mode: str | None
    link_type: str | None

    @property
    def ready(self) -> bool:
        return self.replication_state == CAUGHT_UP

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "server": self.server,
            "region": self.region,
            "role": self.role,
            "partner_server": self.partner_server,
            "partner_region": self.partner_region,
            "partner_role": self.partner_role,
            "replication_state": self.replication_state,
            "percent_complete": self.percent_complete,
            "replication_mode": self.replication_mode,
            "link_type": self.link_type,
            "ready": self.ready,
        }

    def describe(self) -> str:
        """ "orders sql-mc-weu → sql-mc-eus2: SEEDING (0%)" (primary end first when known)."""
        ends = (self.server, self.partner_server or "?")
        if self.role != "Primary" and self.partner_role == "Primary":
            ends = ends[::-1]
        done = "" if self.percent_complete is None else f" ({self.percent_complete}%)"
        return f"{self.database} {ends[0]} → {ends[1]}: {self.replication_state or 'no state'}{done}"

    def touches(self, server: str) -> bool:
        return server.lower() in (self.server.lower(), (self.partner_server or "").lower())


@dataclass(frozen=True)
class Problem:
    severity: str  # degraded | not_ready
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class FailoverGroupStatus:
    name: str
    resource_group: str
    primary_region: str | None
    failover_policy: str | None
    grace_period_minutes: int | None
    replication_state: str | None
    databases: tuple[str, ...]
    servers: tuple[ServerStatus, ...]
    links: tuple[LinkStatus, ...]
    problems: tuple[Problem, ...] = ()
    read_from: str | None = None  # the member whose view of the group is shown

    @property
    def verdict(self) -> str:
        severities = {p.severity for p in self.problems}
        if NOT_READY in severities:
            return NOT_READY
        return DEGRADED if DEGRADED in severities else READY

    def server_in(self, region: str) -> ServerStatus | None:
        return next((s for s in self.servers if s.region == region), None)

    @property
    def primary(self) -> ServerStatus | None:
        return self.server_in(self.primary_region) if self.primary_region else None

    @property
    def secondaries(self) -> tuple[ServerStatus, ...]:
        return tuple(s for s in self.servers if s.role == "Secondary")

    def to_dict(self) -> dict[str, Any]:
        primary = self.primary
        return {
            "failover_group": self.name,
            "resource_group": self.resource_group,
            "primary_region": self.primary_region,
            "primary_server": primary.name if primary else None,
            "read_write_endpoint": {
                "failover_policy": self.failover_policy,
                "grace_period_minutes": self.grace_period_minutes,
            },
            "replication_state": self.replication_state,
            "databases": list(self.databases),
            "servers": [s.to_dict() for s in self.servers],
            "links": [link.to_dict() for link in self.links],
            "verdict": self.verdict,
            "failover_ready": self.verdict != NOT_READY,
            "problems": [p.to_dict() for p in self.problems],
            "read_from": self.read_from,
        }


@dataclass
class _MemberRead:
    server: SqlServer
    view: FailoverGroupState | None = None
    info: dict[str, Any] | None = None
    links: list[ReplicationLinkState] = field(default_factory=list)
    error: McctlError | None = None


def _read_member(session: AzureSession, sql: SqlFailoverGroup, server: SqlServer) -> _MemberRead:
    """One member's view of the group, the server itself and its links; an error stops only this member."""
    from mcctl.adapters import sql as sqladapter

    read = _MemberRead(server)
    try:
        read.view = sqladapter.get_failover_group_from(session, sql, server)
        read.info = sqladapter.get_server(session, server)
        for database in _database_names(read.view):
            read.links.extend(sqladapter.list_replication_links(session, server, database))
    except McctlError as exc:
        read.error = exc
    return read


def _database_names(view: FailoverGroupState) -> list[str]:
    return [db.rstrip("/").rsplit("/", 1)[-1] for db in view.databases]


def primary_of(view: FailoverGroupState) -> str | None:
    """The region this member says is primary (None unless exactly one)."""
    primaries = [region for region, role in view.role_by_region().items() if role == "Primary"]
    return primaries[0] if len(primaries) == 1 else None


def read_status(session: AzureSession, estate: Estate) -> FailoverGroupStatus:
    """The failover group as every member sees it; raises only when no member answers."""
    sql = sql_config(estate)
    with ThreadPoolExecutor(max_workers=min(8, len(sql.servers)) or 1) as pool:
        reads = list(pool.map(lambda s: _read_member(session, sql, s), sql.servers))
    answered = [r for r in reads if r.view is not None]
    if not answered:
        first = next(r.error for r in reads if r.error is not None)
        assert first is not None
        raise first
    return judge(sql, reads)


def judge(sql: SqlFailoverGroup, reads: list[_MemberRead]) -> FailoverGroupStatus:
    """Combine the members' reads into one status with its problems (pure: no Azure call)."""
    answered = [r for r in reads if r.view is not None]
    views = {r.server.region: r.view for r in answered if r.view is not None}
    problems: list[Problem] = []
    # The authoritative view: the primary's own, else the first member's in estate order.
    claimed = {region: primary_of(view) for region, view in views.items()}
    shown = next((r for r in answered if claimed[r.server.region] == r.server.region), answered[0])
    assert shown.view is not None
    roles = shown.view.role_by_region()
    primary = claimed[shown.server.region]
    if len(set(claimed.values())) > 1:
        said = ", ".join(f"{region} says {p or 'no single primary'}" for region, p in claimed.items())
        problems.append(Problem(NOT_READY, f"the members disagree about the primary: {said}"))
    if primary is None:
        problems.append(Problem(NOT_READY, "no member names exactly one primary"))

    servers = []
    for read in reads:
        region = read.server.region
        error = read.error.message if read.error is not None else None
        servers.append(
            ServerStatus(
                region=region,
                name=read.server.ref.name,
                role=roles.get(region),
                state=(read.info or {}).get("state"),
                fqdn=(read.info or {}).get("fqdn"),
                error=error,
            )
        )
        role = roles.get(region)
        if error is not None:
            if region == primary:
                problems.append(
                    Problem(
                        NOT_READY,
                        f"the primary {read.server.ref.name} ({region}) did not answer: a planned failover "
                        f"cannot reach it ({error})",
                    )
                )
            else:
                problems.append(Problem(DEGRADED, f"{read.server.ref.name} ({region}) did not answer ({error})"))
        elif (state := (read.info or {}).get("state")) not in (None, "Ready"):
            problems.append(Problem(DEGRADED, f"{read.server.ref.name} ({region}) is {state}"))
        if role is None:
            problems.append(Problem(DEGRADED, f"{read.server.ref.name} ({region}) is not a member of the group"))
    if primary is not None and not any(s.role == "Secondary" for s in servers):
        problems.append(Problem(NOT_READY, "the group has no secondary to fail over to"))

    links = _dedupe_links(sql, reads, primary)
    for link in links:
        if link.replication_state in NOT_READY_STATES:
            problems.append(Problem(NOT_READY, f"replication link {link.describe()}"))
        elif link.replication_state not in KNOWN_LINK_STATES:
            problems.append(Problem(DEGRADED, f"replication link {link.describe()}: state not known to mcctl"))
    databases = tuple(_database_names(shown.view))
    problems.extend(_missing_links(sql, reads, links, databases, primary))
    view = shown.view
    return FailoverGroupStatus(
        name=view.name,
        resource_group=sql.servers[0].ref.resource_group if sql.servers else "",
        primary_region=primary,
        failover_policy=view.failover_policy,
        grace_period_minutes=view.grace_period_minutes,
        replication_state=view.replication_state,
        databases=databases,
        servers=tuple(servers),
        links=tuple(links),
        problems=tuple(problems),
        read_from=view.server,
    )


def _dedupe_links(sql: SqlFailoverGroup, reads: list[_MemberRead], primary: str | None) -> list[LinkStatus]:
    """Each link once (both ends list it), preferring the primary's end, in estate order."""
    region_of = {s.ref.name.lower(): s.region for s in sql.servers}
    ordered = sorted(reads, key=lambda r: r.server.region != primary)
    seen: dict[tuple[str, frozenset[str]], LinkStatus] = {}
    for read in ordered:
        for link in read.links:
            partner = link.partner_server or ""
            key = (link.database.lower(), frozenset((read.server.ref.name.lower(), partner.lower())))
            if key in seen:
                continue
            seen[key] = LinkStatus(
                database=link.database,
                server=read.server.ref.name,
                region=read.server.region,
                role=link.role,
                partner_server=link.partner_server,
                partner_region=region_of.get(partner.lower())
                or (normalize_region(link.partner_location) if link.partner_location else None),
                partner_role=link.partner_role,
                replication_state=link.replication_state,
                percent_complete=link.percent_complete,
                replication_mode=link.replication_mode,
                link_type=link.link_type,
            )
    return list(seen.values())


def _missing_links(
    sql: SqlFailoverGroup,
    reads: list[_MemberRead],
    links: list[LinkStatus],
    databases: tuple[str, ...],
    primary: str | None,
) -> list[Problem]:
    """Every database must replicate from the primary to every secondary (checked where one end answered)."""
    if primary is None:
        return []
    primary_server = sql.server_in(primary)
    answered = {r.server.region for r in reads if r.error is None}
    problems = []
    for read in reads:
        region = read.server.region
        if region == primary or read.view is None or primary_server is None:
            continue
        if region not in answered and primary not in answered:
            continue
        for database in databases:
            if not any(
                link.database.lower() == database.lower()
                and link.touches(read.server.ref.name)
                and link.touches(primary_server.ref.name)
                for link in links
            ):
                problems.append(
                    Problem(
                        DEGRADED,
                        f"database {database} has no replication link from {primary_server.ref.name} "
                        f"to {read.server.ref.name}",
                    )
                )
    return problems


# -- the step kind ---------------------------------------------------------------------------------
def _server(sql: SqlFailoverGroup, region: str) -> SqlServer:
    server = sql.server_in(region)
    if server is None:
        raise UsageError(f"the estate file names no server of failover group {sql.name} in {region}")
    return server


def step_mode(step: Step) -> str:
    """The mode this step fails over with: the planned one towards its target; failing back (the
    inverse step of a rollback) is always a planned failover: no data loss on the way back."""
    if step.after.get("primary_region") == step.params.get("to_region"):
        return str(step.params.get("mode", "planned"))
    return str(step.params.get("rollback_mode", "planned"))


def _apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import sql as sqladapter

    sql = sql_config(estate)
    target = _server(sql, step.after["primary_region"])
    sqladapter.failover(session, sql, target, step_mode(step), options)  # type: ignore[arg-type]


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


SQL_FAILOVER = StepKind(STEP_KIND, _apply, _read, project=project_failover, pending=_pending)


# -- the pre-flight safety rule --------------------------------------------------------------------
def links_ready(ctx: RuleContext) -> Verdict | None:
    """A planned failover needs every replication link CATCH_UP (else ARM fails it with
    IncorrectReplicationLinkState or PlannedFailoverTimedOut); no failover at all can make a
    secondary primary while its copy is still SEEDING or PENDING. Judged on the links observed
    while planning, which the step carries (a rollback's inverse step carries none of its own)."""
    verdict: Verdict | None = None
    for step in ctx.plan.steps:
        if step.kind != STEP_KIND or step.after.get("primary_region") != step.params.get("to_region"):
            continue
        mode = step.params.get("mode", "planned")
        links = step.params.get("links", [])
        target = step.params.get("to_server", "")
        numbers = {"mode": mode, "links": len(links)}
        if mode == "planned":
            bad = [link for link in links if link.get("replication_state") != CAUGHT_UP]
            if not step.params.get("primary_reachable", True):
                return (
                    False,
                    f"planned failover needs the primary {step.params.get('from_server')} "
                    f"({step.before.get('primary_region')}), which did not answer"
                    + (f"; links not caught up: {_texts(bad)}" if bad else "")
                    + "; use --mode forced --allow-data-loss (or try-planned) if the region is lost",
                    {**numbers, "not_caught_up": len(bad)},
                )
            if bad:
                return (
                    False,
                    f"planned failover needs every replication link {CAUGHT_UP}: {_texts(bad)}; wait for them "
                    f"to catch up (`mcctl sql status`), or use --mode try-planned / --mode forced --allow-data-loss",
                    {**numbers, "not_caught_up": len(bad)},
                )
            verdict = (True, f"all {len(links)} replication link(s) {CAUGHT_UP}", numbers)
        else:
            bad = [
                link
                for link in links
                if link.get("replication_state") in NO_CONSISTENT_COPY
                and target.lower() in (link.get("server", "").lower(), (link.get("partner_server") or "").lower())
            ]
            if bad:
                return (
                    False,
                    f"{target} holds no consistent copy yet ({_texts(bad)}): it cannot become primary, "
                    f"even with data loss; choose another --to or wait for seeding to finish",
                    {**numbers, "seeding": len(bad)},
                )
            verdict = (True, f"{target} holds a consistent copy of every database", numbers)
    return verdict


def _texts(links: list[dict[str, Any]]) -> str:
    return ", ".join(link.get("text") or str(link) for link in links)


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


# -- planning --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FailoverRequest:
    to: str | None = None  # target region; None = the only secondary
    mode: str = "planned"
    allow_data_loss: bool = False

    def validate(self, estate: Estate) -> None:
        """Argument checks that need no Azure call (a data-loss mode without the flag changes nothing)."""
        sql = sql_config(estate)
        if self.mode not in MODES:
            raise UsageError(f"--mode: must be one of {', '.join(MODES)}, got '{self.mode}'")
        if self.mode in DATA_LOSS_MODES and not self.allow_data_loss:
            what = "forced failover" if self.mode == "forced" else "try-planned (it may force)"
            raise UsageError(
                f"--mode {self.mode}: a {what} can lose the writes not yet replicated; "
                f"add --allow-data-loss to accept that; nothing was changed",
                hint="--mode planned loses no data but needs the primary and every replication link healthy",
            )
        if self.to is not None and sql.server_in(normalize_region(self.to)) is None:
            raise UsageError(
                f"--to: failover group {sql.name} has no server in '{self.to}' "
                f"(regions: {', '.join(s.region for s in sql.servers)})"
            )


def resolve_target(status: FailoverGroupStatus, request: FailoverRequest) -> ServerStatus:
    if request.to is not None:
        region = normalize_region(request.to)
        found = status.server_in(region)
        if found is None or found.role not in ("Primary", "Secondary"):
            raise UsageError(f"--to: {region} is not a member of failover group {status.name}")
        return found
    secondaries = status.secondaries
    if len(secondaries) == 1:
        return secondaries[0]
    if not secondaries:
        raise UsageError(f"failover group {status.name} has no secondary to fail over to")
    choices = ", ".join(f"{s.region} ({s.name})" for s in secondaries)
    raise UsageError(
        f"--to: failover group {status.name} has {len(secondaries)} secondaries; name one: {choices}",
        hint=f"e.g. mcctl sql failover --to {secondaries[0].region}",
    )


def plan_failover(
    estate: Estate, status: FailoverGroupStatus, views: list[StampView], request: FailoverRequest
) -> Plan:
    """One sql_failover step from the current primary to the target region, with the pre-flight."""
    request.validate(estate)
    sql = sql_config(estate)
    target = resolve_target(status, request)
    primary = status.primary
    data_loss = request.mode in DATA_LOSS_MODES
    if primary is None or status.primary_region is None:
        raise UsageError(f"failover group {status.name}: no single primary could be determined; see `mcctl sql status`")
    if target.region == status.primary_region:
        return Plan(
            kind=PLAN_KIND,
            summary=f"{target.region} ({target.name}) is already the primary of {status.name}",
            steps=(),
            data_loss=data_loss,
            confirm_name=sql.name,
        )
    links = [{**link.to_dict(), "text": link.describe()} for link in status.links]
    target_server = _server(sql, target.region)
    step = Step(
        kind=STEP_KIND,
        target=f"SQL failover group {status.name}",
        resource_id=f"{target_server.ref.id}/failoverGroups/{sql.name}",
        before={"primary_region": status.primary_region},
        after={"primary_region": target.region},
        params={
            "mode": request.mode,
            "rollback_mode": "planned",
            "to_region": target.region,
            "to_server": target.name,
            "from_region": status.primary_region,
            "from_server": primary.name,
            "primary_reachable": primary.error is None,
            "links": links,
        },
        expected_seconds=EXPECTED_SECONDS[request.mode],
    )
    summary = (
        f"{request.mode} failover of SQL failover group {status.name}: "
        f"{status.primary_region} ({primary.name}) → {target.region} ({target.name})"
    )
    return Plan(
        kind=PLAN_KIND,
        summary=summary,
        steps=(step,),
        data_loss=data_loss,
        confirm_name=sql.name,
        notes=tuple(_notes(status, views, request, target)),
    )


def _notes(
    status: FailoverGroupStatus, views: list[StampView], request: FailoverRequest, target: ServerStatus
) -> list[str]:
    notes: list[str] = []
    primary = status.primary
    assert primary is not None
    if request.mode == "forced":
        notes.append(
            f"forced: does not wait for {target.name} to catch up; writes not yet replicated from "
            f"{primary.name} are lost (replication is asynchronous)"
        )
    elif request.mode == "try-planned":
        notes.append("try-planned: a planned failover first; if it cannot complete, forced (writes can be lost)")
    if primary.error is not None:
        notes.append(f"the primary {primary.name} ({primary.region}) did not answer: {primary.error}")
    bad = [link for link in status.links if not link.ready]
    if bad:
        notes.append("replication links not caught up: " + ", ".join(link.describe() for link in bad))
    else:
        notes.append(f"replication links: all {len(status.links)} {CAUGHT_UP}")
    here = [v for v in views if v.stamp.region == target.region]
    if here:
        origins = ", ".join(_origin_text(v) for v in here)
        notes.append(f"Front Door in {target.region}: {origins}")
        redis = here[0].redis
        if redis is not None:
            notes.append(f"Redis in {target.region}: {redis.verdict} ({redis.reason})")
    else:
        notes.append(f"{target.region} has no stamps in this estate: the new primary would be far from every app")
    if status.failover_policy:
        grace = f", grace period {status.grace_period_minutes} min" if status.grace_period_minutes else ""
        notes.append(f"read-write endpoint failover policy: {status.failover_policy}{grace}")
    notes.append(f"rollback fails back to {primary.region} with a planned failover")
    return notes


def _origin_text(view: StampView) -> str:
    origin = view.origin
    if origin is None:
        return f"{view.stamp.origin} unknown"
    state = "enabled" if origin.enabled else "disabled"
    serving = {True: "serving", False: "not serving", None: "serving unknown"}[view.serving]
    return f"{origin.name} {state} (weight {origin.weight}, priority {origin.priority}, {serving})"


# -- one read for the failover command -------------------------------------------------------------
@dataclass(frozen=True)
class Preflight:
    status: FailoverGroupStatus
    inventory: Inventory


def read_preflight(session: AzureSession, estate: Estate) -> Preflight:
    """The group's status and the estate's stamps (for the safety rules and the context notes), in parallel."""
    from mcctl.ops.inventory import read_inventory

    sql_config(estate)
    reads: dict[str, Callable[[], Any]] = {
        "status": lambda: read_status(session, estate),
        "inventory": lambda: read_inventory(session, estate),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(fn) for key, fn in reads.items()}
        results = {key: future.result() for key, future in futures.items()}
    return Preflight(results["status"], results["inventory"])
