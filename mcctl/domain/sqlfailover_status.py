"""The Azure SQL failover group's status, judged from what each member server said (pure).

Every member is read on its own (ops), so one region being down does not hide the others; `judge`
combines those reads and says whether a planned (no data loss) failover could run now, to at least
one secondary (`planned_targets`):
- not ready (`sql status --check` exits 11): no planned failover can run to any secondary: a
  failover of the group is already in progress (replicationState PENDING on the group: ARM refuses
  another one with 409 FailoverGroupBusy until it ends, whoever started it), the primary does not
  answer, no member names exactly one primary, the members disagree about it, the
  group has no secondary, a link between the primary and a secondary that answers is SEEDING /
  SUSPENDED / PENDING, or no secondary answers at all;
- degraded (10): a planned failover could run to some secondary, but something is off: a secondary
  does not answer (its links show SUSPENDED: replication to it stopped; a planned failover to another
  secondary can still run), a link state mcctl does not know, a missing link, a server not Ready;
- ready (0): every member answers and every link is CATCH_UP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region

if TYPE_CHECKING:
    from mcctl.domain.estate import SqlFailoverGroup, SqlServer
    from mcctl.domain.observed import FailoverGroupState, ReplicationLinkState
    from mcctl.errors import McctlError

CAUGHT_UP = "CATCH_UP"
NOT_READY_STATES = ("SEEDING", "SUSPENDED", "PENDING")
NO_CONSISTENT_COPY = ("SEEDING", "PENDING")  # a secondary in these states cannot become primary, even forced
KNOWN_LINK_STATES = (CAUGHT_UP, *NOT_READY_STATES)
FAILING_OVER = "PENDING"  # the failover group's own replicationState while a failover of it runs
READY, DEGRADED, NOT_READY = "ready", "degraded", "not_ready"


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
    # regions of the secondaries a planned failover could go to now (empty when not ready)
    planned_targets: tuple[str, ...] = ()
    # a member shows the group PENDING: a failover runs (mcctl's or another client's); roles swap at its end
    failover_in_progress: bool = False

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
            "failover_in_progress": self.failover_in_progress,
            "databases": list(self.databases),
            "servers": [s.to_dict() for s in self.servers],
            "links": [link.to_dict() for link in self.links],
            "verdict": self.verdict,
            "failover_ready": self.verdict != NOT_READY,
            "planned_failover_targets": list(self.planned_targets),
            "problems": [p.to_dict() for p in self.problems],
            "read_from": self.read_from,
        }


@dataclass(frozen=True)
class MemberRead:
    """What one member server said: its view of the group, the server itself, its links. A read that
    failed part-way keeps what it got before the error."""

    server: SqlServer
    view: FailoverGroupState | None = None
    info: dict[str, Any] | None = None
    links: Sequence[ReplicationLinkState] = ()
    error: McctlError | None = None


def database_names(view: FailoverGroupState) -> list[str]:
    return [db.rstrip("/").rsplit("/", 1)[-1] for db in view.databases]


def primary_of(view: FailoverGroupState) -> str | None:
    """The region this member says is primary (None unless exactly one)."""
    primaries = [region for region, role in view.role_by_region().items() if role == "Primary"]
    return primaries[0] if len(primaries) == 1 else None


def judge(sql: SqlFailoverGroup, reads: Sequence[MemberRead]) -> FailoverGroupStatus:
    """Combine the members' reads into one status with its problems (at least one member answered)."""
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
    failing_over = [r.server.ref.name for r in answered if _failing_over(r)]
    if failing_over:
        problems.append(
            Problem(
                NOT_READY,
                f"a failover of the group is in progress (replicationState {FAILING_OVER} on "
                f"{', '.join(failing_over)}): no other failover can start until it ends, and the primary "
                "shown is the one before it",
            )
        )

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
    down = stopped_secondaries(servers, primary)
    for link in links:
        if link.replication_state in NOT_READY_STATES:
            if link_to_stopped(link.to_dict(), down):
                # the secondary's region is down: replication to it stopped, not the group
                problems.append(Problem(DEGRADED, f"replication link {link.describe()}: its secondary did not answer"))
            else:
                problems.append(Problem(NOT_READY, f"replication link {link.describe()}"))
        elif link.replication_state not in KNOWN_LINK_STATES:
            problems.append(Problem(DEGRADED, f"replication link {link.describe()}: state not known to mcctl"))
    databases = tuple(database_names(shown.view))
    problems.extend(_missing_links(sql, reads, links, databases, primary))
    targets: tuple[str, ...] = ()
    if not any(p.severity == NOT_READY for p in problems):
        targets = tuple(s.region for s in servers if s.role == "Secondary" and s.error is None)
        if not targets:
            problems.append(Problem(NOT_READY, "no secondary answered: a planned failover has no target"))
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
        planned_targets=targets,
        failover_in_progress=bool(failing_over),
    )


def _failing_over(read: MemberRead) -> bool:
    """The member shows the group PENDING and none of its own links is: a failover runs. (A group
    also shows the state of a link not caught up — a link PENDING is judged as a link, not as this.)"""
    if read.view is None or (read.view.replication_state or "").upper() != FAILING_OVER:
        return False
    return not any((link.replication_state or "").upper() == FAILING_OVER for link in read.links)


def stopped_secondaries(servers: Sequence[ServerStatus], primary: str | None) -> frozenset[str]:
    """Names (lower-cased) of the secondaries that did not answer: their region is down, so the
    primary shows their links SUSPENDED. A planned failover to another secondary can still run."""
    return frozenset(s.name.lower() for s in servers if s.error is not None and s.region != primary)


def link_to_stopped(link: dict[str, Any], stopped: frozenset[str] | set[str]) -> bool:
    """A SUSPENDED link (as `LinkStatus.to_dict` shows it) whose other end is a stopped secondary."""
    if link.get("replication_state") != "SUSPENDED":
        return False
    ends = {str(link.get("server") or "").lower(), str(link.get("partner_server") or "").lower()}
    return bool(ends & set(stopped))


def _dedupe_links(sql: SqlFailoverGroup, reads: Sequence[MemberRead], primary: str | None) -> list[LinkStatus]:
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
    reads: Sequence[MemberRead],
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
