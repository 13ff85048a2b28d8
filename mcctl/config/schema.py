"""The estate file's schema (pydantic). Unknown keys are errors: a typo must not be silently ignored."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mcctl.domain.regions import check_region

ResourceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^/\s]+$")]
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
SUBSCRIPTION_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Subscription = Annotated[str, StringConstraints(strip_whitespace=True, pattern=SUBSCRIPTION_PATTERN)]


def is_subscription_id(value: str) -> bool:
    """A GUID, as ARM subscription ids are (the estate file and `--subscription` use the same rule)."""
    return re.fullmatch(SUBSCRIPTION_PATTERN, value) is not None


# What Entra ID and ADFS take as a tenant: a GUID, a domain name, or a word like "adfs" or "organizations".
Tenant = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$")]
HttpUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s/]+(/\S*)?$")]
HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://[^\s/]+(/\S*)?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _NamedShorthand(_Strict):
    """Accepts `region: name` as shorthand for `region: {name: name}`."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value


class CloudModel(_Strict):
    """`cloud: AzureCloud` (or China/USGov), or a mapping naming a custom ARM endpoint."""

    name: Literal["AzureCloud", "AzureChinaCloud", "AzureUSGovernment", "custom"] = "AzureCloud"
    arm_endpoint: HttpsUrl | None = None
    ca_bundle: str | None = None
    audience: str | None = None
    authority: HttpsUrl | None = None  # custom clouds: e.g. https://adfs.local.azurestack.external/adfs
    tenant: Tenant | None = None  # a GUID, a domain (contoso.onmicrosoft.com), or "adfs"
    web_endpoint: HttpsUrl | None = None  # custom clouds: public web requests go here (`/@web/{host}{path}`)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, dict) and "name" not in value:
            return {**value, "name": "custom"}
        return value


class FrontDoorModel(_Strict):
    resource_group: ResourceName
    profile: ResourceName
    origin_group: ResourceName
    endpoint_host: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9.-]+$")]
    subscription: Subscription | None = None


class SqlServerModel(_NamedShorthand):
    name: ResourceName
    resource_group: ResourceName | None = None
    subscription: Subscription | None = None


class SqlModel(_Strict):
    failover_group: ResourceName
    resource_group: ResourceName
    servers: dict[str, SqlServerModel] = Field(min_length=2)
    databases: list[ResourceName] = Field(default_factory=list)


class RedisMemberModel(_NamedShorthand):
    name: ResourceName
    resource_group: ResourceName | None = None
    subscription: Subscription | None = None


class RedisModel(_Strict):
    kind: Literal["managed", "cache"]
    resource_group: ResourceName
    members: dict[str, RedisMemberModel] = Field(min_length=1)
    group_nickname: ResourceName | None = None
    database: ResourceName = "default"


# A release label (generation, color): what an ARM tag value can hold, without control characters.
Label = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]


class StampModel(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    region: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    resource_group: ResourceName
    app_service_plan: ResourceName
    web_app: ResourceName
    origin: ResourceName
    health_url: HttpUrl
    subscription: Subscription | None = None
    drained: bool = False  # not meant to serve: with its origin disabled, health says drained
    # Blue-green: where the stamp is in a release (its web app's `mcctl-lifecycle` tag, when set, wins).
    lifecycle: Literal["candidate", "active", "retiring", "retired"] = "active"
    generation: Label | None = None
    color: Label | None = None

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str, info: ValidationInfo) -> str:
        # Checked here (not after parsing) so a bad region is reported together with schema errors.
        context = info.context or {}
        problem = check_region(value, context.get("cloud", "AzureCloud"), context.get("regions"))
        if problem:
            raise ValueError(problem)
        return value


class SimulationModel(_Strict):
    instances: int = Field(default=2, ge=1, le=1000)
    max_instances: int = Field(default=30, ge=1, le=1000)
    sku: ResourceName = "P1v3"


class SmokeCheckModel(_Strict):
    """One smoke URL a candidate stamp must answer before it gets traffic (`stamps validate`)."""

    path: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^/[^\s]*$", max_length=2048)]
    status: int = Field(default=200, ge=100, le=599)
    max_latency_ms: int | None = Field(default=None, ge=1, le=600_000)


class ReleaseModel(_Strict):
    """Blue-green releases: what `stamps validate` checks on a candidate stamp."""

    smoke: list[SmokeCheckModel] = Field(default_factory=list, max_length=100)
    probes: int = Field(default=5, ge=1, le=100)  # health-endpoint probes per validation
    max_latency_ms: int = Field(default=1000, ge=1, le=600_000)  # per health probe
    min_instances: int = Field(default=2, ge=1, le=1000)  # a candidate with fewer does not validate


class LockModel(_Strict):
    """The operator lease: a blob lease in a storage account, as Terraform's azurerm backend does."""

    storage_account: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9]{3,24}$")]
    container: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
    ]
    blob: ResourceName | None = None
    endpoint: HttpsUrl | None = None  # the blob service URL; derived from the cloud when omitted
    lease_seconds: int = Field(default=60, ge=15, le=60)


class SafetyModel(_Strict):
    min_serving_regions: int = Field(default=1, ge=0, le=100)
    min_serving_stamps: int = Field(default=2, ge=0, le=10000)
    min_serving_capacity: float = Field(default=0.5, ge=0, le=1)  # share of serving instances kept

    @model_validator(mode="before")
    @classmethod
    def _percent(cls, value: object) -> object:
        # "50%" reads better in a file than 0.5; accept both.
        if isinstance(value, dict) and isinstance(value.get("min_serving_capacity"), str):
            text = value["min_serving_capacity"].strip()
            if text.endswith("%"):
                try:
                    return {**value, "min_serving_capacity": float(text[:-1]) / 100}
                except ValueError:
                    pass
        return value


def _share(value: object) -> object:
    """A roll-up rule: "worst" (0), "50%", or a fraction 0..1."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "worst":
            return 0.0
        if text.endswith("%"):
            try:
                return float(text[:-1]) / 100
            except ValueError:
                return value
    return value


def _seconds(value: object) -> object:
    """Seconds from a number, "5", "5s", "1.5s" or "2m"."""
    if isinstance(value, str):
        text = value.strip().lower()
        scale = 60.0 if text.endswith("m") else 1.0
        try:
            return float(text.rstrip("sm")) * scale
        except ValueError:
            return value
    return value


Share = Annotated[float, BeforeValidator(_share), Field(ge=0, le=1)]
Weight = Annotated[float, Field(ge=0, le=1)]
DependencyName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class LatencyModel(_Strict):
    yellow_ms: int = Field(default=1000, ge=1, le=600_000)
    red_ms: int = Field(default=3000, ge=1, le=600_000)


class HealthWeightsModel(_Strict):
    """How much each signal counts toward its stamp's verdict (1: fully, 0.5: only unhealthy counts,
    and only as degraded; 0: shown, never counted)."""

    probe: Weight = 1.0
    app: Weight = 1.0
    instances: Weight = 1.0
    origin: Weight = 1.0
    redis: Weight = 0.5
    sql: Weight = 1.0
    dependencies: Weight = 1.0


class RollupModel(_Strict):
    region: Share = 1.0
    estate: Share = 1.0


class DependencyModel(_Strict):
    health_url: HttpUrl | None = None
    impact: Literal["degraded", "unhealthy"] = "degraded"
    stamps: list[ResourceName] | None = None
    regions: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty(cls, value: object) -> object:
        # `sql:` with nothing after it (YAML null) declares the built-in dependency with its defaults.
        return {} if value is None else value


class HealthModel(_Strict):
    timeout: Annotated[float, BeforeValidator(_seconds), Field(gt=0, le=300)] = 5.0
    min_instances: int = Field(default=2, ge=0, le=1000)
    latency: LatencyModel = Field(default_factory=LatencyModel)
    weights: HealthWeightsModel = Field(default_factory=HealthWeightsModel)
    rollup: RollupModel = Field(default_factory=RollupModel)
    # Health probes in flight at once: wide enough that hundreds of stamps take a few rounds of the
    # slowest probe; bounded because each one in flight holds a thread and a pooled connection.
    concurrency: StrictInt = Field(default=64, ge=1, le=1024)
    # None: the default (`sql` when the estate has a failover group); {}: no shared dependency.
    dependencies: dict[DependencyName, DependencyModel] | None = None


# A tag name or value mcctl puts in a Resource Graph query (a KQL string literal): no quotes,
# backslashes or control characters, nor what ARM refuses in tag names (<>%&?/).
TagName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._:+@-]{0,511}$")]
_TAG_VALUE = r"[A-Za-z0-9._:+@/ -]{1,256}"
MCCTL_TAGS = ("mcctl-stamp", "mcctl-lifecycle", "mcctl-generation", "mcctl-color")  # as mcctl.domain.estate


class DiscoverModel(_Strict):
    """`discover:` — stamps found with Azure Resource Graph: web apps tagged `tag` (`name=value`)
    that carry `stamp_tag` (the stamp's name), across `subscriptions` (default: the estate's)."""

    tag: Annotated[
        str,
        StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._:+@-]{0,511}=" + _TAG_VALUE + "$"),
    ]
    stamp_tag: TagName = "mcctl-stamp"
    subscriptions: list[Subscription] | None = Field(default=None, min_length=1)
    page_size: StrictInt = Field(default=1000, ge=1, le=1000)  # Resource Graph's `$top` (at most 1000)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        # `discover: "mcctl-estate=prod"` is `discover: {tag: "mcctl-estate=prod"}`.
        return {"tag": value} if isinstance(value, str) else value

    @field_validator("tag")
    @classmethod
    def _not_a_release_tag(cls, value: str) -> str:
        # mcctl writes the stamp and release tags itself: an estate tag of that name would be overwritten.
        name = value.partition("=")[0].strip()
        if name.lower() in MCCTL_TAGS:
            raise ValueError(f"'{name}' is a tag mcctl writes ({', '.join(MCCTL_TAGS)}): choose another name")
        return value

    @field_validator("stamp_tag")
    @classmethod
    def _not_the_estate_tag(cls, value: str, info: ValidationInfo) -> str:
        if value.lower() in MCCTL_TAGS[1:]:
            raise ValueError(f"'{value}' is a release tag mcctl writes: choose another name")
        tag = info.data.get("tag")
        if isinstance(tag, str) and tag.partition("=")[0].strip().lower() == value.lower():
            raise ValueError(f"'{value}' is the estate tag's name: the stamp's name needs a tag of its own")
        return value


class EstateModel(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    subscription: Subscription
    cloud: CloudModel = Field(default_factory=CloudModel)
    # The regions the estate may use: optional; with it, every region the file names must be one of
    # them (the only region check a custom cloud gets: its region names are its operator's).
    regions: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]] | None = Field(
        default=None, min_length=1
    )
    credential: Literal["default", "cli", "managed-identity", "environment"] = "default"
    frontdoor: FrontDoorModel
    sql: SqlModel | None = None
    redis: RedisModel | None = None
    # Before `stamps`: with it, the file may list no stamps (all of them found by their tags).
    discover: DiscoverModel | None = None
    stamps: list[StampModel] = Field(default_factory=list, validate_default=True)
    lock: LockModel | None = None
    safety: SafetyModel = Field(default_factory=SafetyModel)
    health: HealthModel = Field(default_factory=HealthModel)
    simulation: SimulationModel = Field(default_factory=SimulationModel)
    release: ReleaseModel = Field(default_factory=ReleaseModel)
    # Each plugin's own settings, by section name; the plugin parses its section (mcctl.config.sections).
    plugins: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")], Any] = Field(
        default_factory=dict
    )

    @field_validator("stamps")
    @classmethod
    def _some_stamps(cls, value: list[StampModel], info: ValidationInfo) -> list[StampModel]:
        # Without `discover:` the file is the only source of stamps. (A `discover:` that failed its
        # own checks is absent from info.data: reported there, not here too.)
        if not value and "discover" in info.data and info.data["discover"] is None:
            raise ValueError("needs at least 1 entries (or a `discover:` section that finds them by tag)")
        return value
