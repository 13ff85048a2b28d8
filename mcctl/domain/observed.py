"""What Azure says right now about the estate's resources, as the adapters return it.

Fields are plain values so the ops layer can reason without the SDK. Enum-like strings are kept as
ARM sent them (ARM enums are open: unknown values must pass through, not crash).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What Azure Front Door uses for an origin whose weight or priority is null (and what a plan falls
# back to when nothing else says what an origin had): the one default weight in mcctl.
AFD_DEFAULT_WEIGHT = 1000
AFD_DEFAULT_PRIORITY = 1


@dataclass(frozen=True)
class AppServicePlanState:
    id: str
    name: str
    location: str
    sku_name: str | None
    sku_tier: str | None
    capacity: int | None  # sku.capacity: the configured instance count
    number_of_workers: int | None  # instances actually assigned
    maximum_number_of_workers: int | None
    status: str | None
    provisioning_state: str | None
    target_worker_count: int | None = None  # while a scale runs: the workers it goes to (0/None: none)


@dataclass(frozen=True)
class WebAppState:
    id: str
    name: str
    location: str
    state: str | None  # "Running" / "Stopped" (a plain string in the API)
    enabled: bool | None
    availability_state: str | None
    default_host_name: str | None
    server_farm_id: str | None
    # ARM tags: a stamp's `mcctl-*` tags (mcctl.domain.estate) say which stamp it is and where it is
    # in a release. A tuple of pairs, so the state stays hashable.
    tags: tuple[tuple[str, str], ...] = ()

    def tag(self, name: str) -> str | None:
        """A tag's value; its name matched without case, as ARM matches tag names."""
        wanted = name.lower()
        return next((value for key, value in self.tags if key.lower() == wanted), None)


@dataclass(frozen=True)
class OriginState:
    id: str
    name: str
    host_name: str | None
    enabled_state: str | None  # "Enabled" / "Disabled"
    weight: int | None  # the API may return null
    priority: int | None  # the API may return null
    provisioning_state: str | None
    deployment_status: str | None

    @property
    def enabled(self) -> bool:
        return (self.enabled_state or "").lower() == "enabled"

    # The API may return null; Front Door then uses its defaults. Plans and read-backs use these,
    # so a rollback never tries to "set" a null.
    @property
    def effective_weight(self) -> int:
        return AFD_DEFAULT_WEIGHT if self.weight is None else self.weight

    @property
    def effective_priority(self) -> int:
        return AFD_DEFAULT_PRIORITY if self.priority is None else self.priority


@dataclass(frozen=True)
class HealthProbeSettings:
    path: str | None
    request_type: str | None
    protocol: str | None
    interval_seconds: int | None


@dataclass(frozen=True)
class OriginGroupState:
    id: str
    name: str
    health_probe: HealthProbeSettings | None
    sample_size: int | None
    successful_samples_required: int | None
    additional_latency_ms: int | None
    provisioning_state: str | None


@dataclass(frozen=True)
class FailoverGroupPartner:
    id: str
    name: str
    location: str | None
    role: str | None


@dataclass(frozen=True)
class FailoverGroupState:
    """A failover group as seen from one member server."""

    id: str
    name: str
    server: str  # the server this view was read from
    location: str | None  # that server's region
    role: str | None  # that server's replicationRole: Primary / Secondary
    replication_state: str | None
    failover_policy: str | None
    grace_period_minutes: int | None
    partners: tuple[FailoverGroupPartner, ...]
    databases: tuple[str, ...]

    def role_by_region(self) -> dict[str, str]:
        """Map normalized region → Primary/Secondary, from this server's view of the whole group."""
        from mcctl.domain.regions import normalize_region

        roles: dict[str, str] = {}
        if self.location and self.role:
            roles[normalize_region(self.location)] = self.role
        for partner in self.partners:
            if partner.location and partner.role:
                roles[normalize_region(partner.location)] = partner.role
        return roles


@dataclass(frozen=True)
class ReplicationLinkState:
    id: str
    name: str
    database: str
    role: str | None
    partner_role: str | None
    partner_server: str | None
    partner_database: str | None
    partner_location: str | None
    replication_state: str | None
    percent_complete: int | None
    replication_mode: str | None
    link_type: str | None


@dataclass(frozen=True)
class LinkedDatabase:
    id: str
    state: str | None  # Linked / Linking / Unlinking / LinkFailed / UnlinkFailed / anything new


@dataclass(frozen=True)
class RedisClusterState:
    """An Azure Managed Redis (Redis Enterprise) cluster: the member that holds a region's database."""

    id: str
    name: str
    location: str | None
    sku: str | None
    provisioning_state: str | None
    resource_state: str | None
    host_name: str | None
    redis_version: str | None


@dataclass(frozen=True)
class RedisDatabaseState:
    """An Azure Managed Redis (Redis Enterprise) database and its view of the geo-replication group."""

    id: str
    name: str
    cluster: str
    provisioning_state: str | None
    resource_state: str | None
    group_nickname: str | None
    linked_databases: tuple[LinkedDatabase, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class RedisLinkedServer:
    """An Azure Cache for Redis linked server (passive geo-replication), seen from one cache."""

    id: str
    name: str
    linked_cache_id: str | None
    linked_cache_location: str | None
    server_role: str | None  # Primary / Secondary
    provisioning_state: str | None


@dataclass(frozen=True)
class RedisCacheState:
    id: str
    name: str
    location: str
    provisioning_state: str | None
    linked_servers: tuple[RedisLinkedServer, ...] = field(default_factory=tuple)
