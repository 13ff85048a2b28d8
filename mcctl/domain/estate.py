"""The configured estate: what exists where (read from the estate file, never from Azure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

RedisKind = Literal["managed", "cache"]
CredentialKind = Literal["default", "cli", "managed-identity", "environment"]


@dataclass(frozen=True)
class ResourceRef:
    """A resource addressed the ARM way; `id` is its ARM resource id."""

    subscription: str
    resource_group: str
    provider: str  # e.g. "Microsoft.Web/serverfarms"
    name: str

    @property
    def id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{self.provider}/{self.name}"
        )


@dataclass(frozen=True)
class Cloud:
    """Which ARM to talk to. `name` is AzureCloud/AzureChinaCloud/AzureUSGovernment or "custom"."""

    name: str = "AzureCloud"
    arm_endpoint: str | None = None  # only for custom clouds (Azure Stack Hub, emulators, the sim over https)
    ca_bundle: str | None = None
    audience: str | None = None  # token audience for custom clouds; defaults to the endpoint
    authority: str | None = None  # custom clouds: the sign-in authority (Azure Stack Hub: its ADFS or Entra ID)
    tenant: str | None = None  # the tenant to sign in to ("adfs" with an ADFS authority)
    # Custom clouds: where public web requests (health probes, smoke checks, the Front Door
    # endpoint, drill probes) go instead, path-style `{web_endpoint}/@web/{host}{path}` (the
    # simulator served on loopback: nothing leaves 127.0.0.1).
    web_endpoint: str | None = None


class Lifecycle(StrEnum):
    """Where a stamp is in a blue-green release: deployed and not yet given traffic (candidate),
    serving (active), being moved off (retiring: a shift took its traffic), gone (retired: origin
    deleted, plan at its minimum). The spellings are an estate-file, tag and JSON contract."""

    CANDIDATE = "candidate"
    ACTIVE = "active"
    RETIRING = "retiring"
    RETIRED = "retired"


# ARM tags on a stamp's web app: what a deployment pipeline sets and mcctl keeps current. They are
# the live truth of a stamp's lifecycle (two operators, two machines: both read the same tags).
TAG_STAMP = "mcctl-stamp"
TAG_LIFECYCLE = "mcctl-lifecycle"
TAG_GENERATION = "mcctl-generation"
TAG_COLOR = "mcctl-color"


@dataclass(frozen=True)
class Stamp:
    name: str
    region: str
    subscription: str
    resource_group: str
    app_service_plan: str
    web_app: str
    origin: str
    health_url: str
    # Marked `drained: true` in the estate file: not meant to serve (being built, retired, kept cold).
    # With its origin disabled it is drained on purpose, as after a journaled drain.
    drained: bool = False
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    generation: str | None = None  # a release label, e.g. "2026.12" or "g7"
    color: str | None = None  # blue | green | any label a team uses for the two sets
    discovered: bool = False  # found by its tags on ARM, not listed in the estate file

    @property
    def candidate(self) -> bool:
        """Deployed but not yet given traffic on purpose: its origin may not exist yet, and while
        its origin is off it is drained by design, not unhealthy."""
        return self.lifecycle is Lifecycle.CANDIDATE

    @property
    def plan_ref(self) -> ResourceRef:
        return ResourceRef(self.subscription, self.resource_group, "Microsoft.Web/serverfarms", self.app_service_plan)

    @property
    def app_ref(self) -> ResourceRef:
        return ResourceRef(self.subscription, self.resource_group, "Microsoft.Web/sites", self.web_app)


# What `drained_by` says of a stamp drained on purpose by its mark in the estate file (not an operation).
DRAINED_IN_ESTATE = "estate file"
# ... and of a candidate stamp whose origin does not exist yet or is still disabled (not yet given traffic).
CANDIDATE_NOT_IN_ROTATION = "release (a candidate)"


@dataclass(frozen=True)
class FrontDoor:
    subscription: str
    resource_group: str
    profile: str
    origin_group: str
    endpoint_host: str

    @property
    def profile_ref(self) -> ResourceRef:
        return ResourceRef(self.subscription, self.resource_group, "Microsoft.Cdn/profiles", self.profile)

    def origin_id(self, origin: str) -> str:
        return f"{self.profile_ref.id}/originGroups/{self.origin_group}/origins/{origin}"


@dataclass(frozen=True)
class SqlServer:
    region: str
    ref: ResourceRef


@dataclass(frozen=True)
class SqlFailoverGroup:
    name: str
    servers: tuple[SqlServer, ...]  # one per region, in estate order
    databases: tuple[str, ...] = ()  # only used to seed the simulator; live state comes from the group

    def server_in(self, region: str) -> SqlServer | None:
        return next((s for s in self.servers if s.region == region), None)


@dataclass(frozen=True)
class RedisMember:
    """One region's member of the geo-replication: a Redis Enterprise cluster or a Redis cache."""

    region: str
    ref: ResourceRef

    def database_id(self, database: str) -> str:
        return f"{self.ref.id}/databases/{database}"


@dataclass(frozen=True)
class RedisGeoReplication:
    kind: RedisKind
    members: tuple[RedisMember, ...]
    group_nickname: str | None = None  # managed only
    database: str = "default"  # managed only: Azure Managed Redis has one database, "default"

    def member_in(self, region: str) -> RedisMember | None:
        return next((m for m in self.members if m.region == region), None)


@dataclass(frozen=True)
class LockConfig:
    """Where the estate-wide operator lease lives (a blob in a storage account)."""

    storage_account: str
    container: str
    blob: str
    endpoint: str | None = None  # blob service URL; None = derived from the cloud
    lease_seconds: int = 60


@dataclass(frozen=True)
class SafetySettings:
    """Thresholds of the built-in safety rules (estate file `safety:`)."""

    min_serving_regions: int = 1
    min_serving_stamps: int = 2
    min_serving_capacity: float = 0.5  # serving instances after / before a change


# Signals of the health model (mcctl.domain.health) and how much each counts by default (0..1).
DEFAULT_HEALTH_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("probe", 1.0),
    ("app", 1.0),
    ("instances", 1.0),
    ("origin", 1.0),
    ("redis", 0.5),
    ("sql", 1.0),
    ("dependencies", 1.0),
)


@dataclass(frozen=True)
class HealthDependency:
    """A shared dependency (estate file `health.dependencies`): while it is not healthy, every stamp
    that depends on it is at most `impact` (degraded or unhealthy)."""

    name: str
    health_url: str | None = None  # None: a built-in check (`sql`: the failover group's primary answers)
    impact: str = "degraded"  # degraded | unhealthy
    stamps: tuple[str, ...] = ()  # the stamps that depend on it; empty: every stamp

    def serves(self, stamp: str) -> bool:
        return not self.stamps or stamp in self.stamps


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds, weights and roll-up rules of the health model (estate file `health:`)."""

    timeout_seconds: float = 5.0  # per probe
    latency_yellow_ms: int = 1000  # at or above: degraded
    latency_red_ms: int = 3000  # at or above: unhealthy
    min_instances: int = 2  # instances up below this: degraded (none: unhealthy)
    weights: tuple[tuple[str, float], ...] = DEFAULT_HEALTH_WEIGHTS
    # A region (estate) is unhealthy when at least this share of its stamps (regions) is unhealthy;
    # 0 means worst-of: one unhealthy stamp (region) is enough.
    region_unhealthy_share: float = 1.0
    estate_unhealthy_share: float = 1.0
    dependencies: tuple[HealthDependency, ...] = ()
    concurrency: int = 64  # health probes in flight at once (`--concurrency` overrides)

    def weight(self, signal: str) -> float:
        """The weight of a signal; `dependency:NAME` signals share the `dependencies` weight."""
        key = "dependencies" if signal.startswith("dependency:") else signal
        return dict(self.weights).get(key, 1.0)


@dataclass(frozen=True)
class SmokeCheck:
    """A path a candidate stamp must answer, with the status wanted and an optional latency limit."""

    path: str
    status: int = 200
    max_latency_ms: int | None = None


@dataclass(frozen=True)
class ReleaseSettings:
    """What `stamps validate` checks before a candidate stamp gets traffic (estate file `release:`)."""

    smoke: tuple[SmokeCheck, ...] = ()
    probes: int = 5  # health-endpoint probes
    max_latency_ms: int = 1000  # per health probe
    min_instances: int = 2


@dataclass(frozen=True)
class SimulationSettings:
    """Initial values the simulator seeds an estate with (ignored against real Azure)."""

    instances: int = 2
    max_instances: int = 30
    sku: str = "P1v3"


# Resource Graph discovery's defaults (estate file `discover:`): the tag naming a stamp, and the
# most rows one page may hold (Resource Graph's `$top` maximum: the fewest round trips).
DISCOVER_MAX_PAGE = 1000


@dataclass(frozen=True)
class DiscoverSettings:
    """Stamps found with Azure Resource Graph (estate file `discover:`): the web apps tagged
    `tag_name=tag_value` that carry a `stamp_tag` join the estate, from one paged query across
    `subscriptions` (empty: every subscription the estate names)."""

    tag_name: str
    tag_value: str
    stamp_tag: str = TAG_STAMP
    subscriptions: tuple[str, ...] = ()
    page_size: int = DISCOVER_MAX_PAGE  # Resource Graph's `$top`: rows per page (1..1000)

    @property
    def tag(self) -> str:
        return f"{self.tag_name}={self.tag_value}"


@dataclass(frozen=True)
class Estate:
    name: str
    subscription: str
    cloud: Cloud
    credential: CredentialKind
    frontdoor: FrontDoor
    sql: SqlFailoverGroup | None
    redis: RedisGeoReplication | None
    stamps: tuple[Stamp, ...]
    lock: LockConfig | None = None
    # Retired stamps: kept for `stamps list` and their history, never read, judged or changed.
    retired: tuple[Stamp, ...] = ()
    safety: SafetySettings = field(default_factory=SafetySettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    release: ReleaseSettings = field(default_factory=ReleaseSettings)
    source: str = ""  # where it was read from, for messages
    # The plugins' settings (the estate file's `plugins:`), by section name, as each plugin parsed them.
    plugins: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    discover: DiscoverSettings | None = None  # None: only the web apps' stamp tags (ops/discovery.py)

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions in the order the estate file first names them."""
        seen: dict[str, None] = {}
        for stamp in self.stamps:
            seen.setdefault(stamp.region)
        return tuple(seen)

    @property
    def subscriptions(self) -> tuple[str, ...]:
        seen: dict[str, None] = {self.subscription: None}
        for stamp in self.stamps:
            seen.setdefault(stamp.subscription)
        return tuple(seen)

    def stamps_in(self, region: str) -> tuple[Stamp, ...]:
        return tuple(s for s in self.stamps if s.region == region)

    def stamp(self, name: str) -> Stamp | None:
        return next((s for s in self.stamps if s.name == name), None)

    def retired_stamp(self, name: str) -> Stamp | None:
        return next((s for s in self.retired if s.name == name), None)
