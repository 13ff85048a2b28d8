"""Read an estate file into the domain `Estate`, reporting every problem with its field path."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcctl.config.sections import SectionParser, parse_sections
from mcctl.config.yamlparse import parse_estate_yaml
from mcctl.domain.estate import (
    Cloud,
    DiscoverSettings,
    Estate,
    FrontDoor,
    HealthDependency,
    HealthSettings,
    Lifecycle,
    LockConfig,
    RedisGeoReplication,
    RedisMember,
    ReleaseSettings,
    ResourceRef,
    SafetySettings,
    SimulationSettings,
    SmokeCheck,
    SqlFailoverGroup,
    SqlServer,
    Stamp,
)
from mcctl.domain.regions import check_region, normalize_region
from mcctl.errors import EstateFileError, UsageError

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails  # pydantic is imported only when an estate is validated

DEMO = "builtin:demo"
ESTATE_FILE_NAME = "mcctl.yaml"


@dataclass(frozen=True)
class EstateSource:
    """Where an estate came from: a path, or the built-in demo."""

    location: str  # a path, or DEMO
    text: str

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    @property
    def seed_fingerprint(self) -> str:
        """What a simulated twin is seeded from: the file, less its `discover:` section (how stamps
        are found is not what Azure holds: a new page size must not wipe the stamps deployed since)."""
        import json

        from mcctl.config.yamlparse import YamlProblem, load_strict

        try:
            data = load_strict(self.text)
        except YamlProblem:
            return self.fingerprint
        if not isinstance(data, dict) or "discover" not in data:
            return self.fingerprint
        kept = {key: value for key, value in data.items() if key != "discover"}
        return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]

    @property
    def is_demo(self) -> bool:
        return self.location == DEMO


def demo_source() -> EstateSource:
    text = resources.files("mcctl.config").joinpath("demo.yaml").read_text(encoding="utf-8")
    return EstateSource(DEMO, text)


def user_config_estate() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("MCCTL_CONFIG_DIR") or user_config_dir("mcctl")) / "estate.yaml"


def locate_estate(explicit: str | None, *, sim: bool, cwd: Path | None = None) -> EstateSource:
    """Find the estate file: --estate/MCCTL_ESTATE, then ./mcctl.yaml, then the user config dir.

    With --sim and no explicit file, the built-in demo estate is used: a simulated run must never
    pick up a real estate file by accident from the working directory.
    """
    if explicit is not None:
        if not explicit.strip():
            raise EstateFileError("--estate: the path is empty", hint="pass --estate PATH, or leave the option out")
        return _read_source(Path(explicit).expanduser())
    if sim:
        return demo_source()
    tried = [(cwd or Path.cwd()) / ESTATE_FILE_NAME, user_config_estate()]
    for path in tried:
        if path.is_file():
            return _read_source(path)
    raise EstateFileError(
        "no estate file found (tried --estate, MCCTL_ESTATE, " + ", ".join(str(p) for p in tried) + ")",
        hint="pass --estate PATH, or add --sim to practise on the built-in simulated demo estate",
    )


def _read_source(path: Path) -> EstateSource:
    try:
        return EstateSource(str(path), path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EstateFileError(f"estate file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise EstateFileError(f"cannot read estate file {path}: {exc}") from None


def load_estate(
    source: EstateSource,
    *,
    subscription: str | None = None,
    sections: Mapping[str, SectionParser] | None = None,
    warn: Callable[[str], None] | None = None,
) -> Estate:
    """Parse and validate; raise EstateFileError listing every problem (one line each).

    `subscription` (the `--subscription` option) replaces the file's top-level `subscription:`: every
    resource without a `subscription:` of its own is then addressed in it; explicit ones are kept.
    `sections`: the plugins' parsers of their `plugins:` sections (None: kept as read); `warn` says
    which sections no loaded plugin reads (`mcctl.config.sections`).
    """
    from pydantic import ValidationError

    from mcctl.config.schema import ZERO_GUID, EstateModel, is_subscription_id

    label = "the built-in demo estate" if source.is_demo else source.location
    if subscription is not None and not is_subscription_id(subscription):  # callers may bypass the CLI
        raise UsageError(
            f"--subscription: not a subscription id (expected a GUID like {ZERO_GUID}), got '{subscription}'"
        )
    raw = parse_estate_yaml(source.text, label)
    try:
        context = {"cloud": _cloud_name(raw.get("cloud")), "regions": _declared_regions(raw.get("regions"))}
        model = EstateModel.model_validate(raw, context=context)
    except ValidationError as exc:
        raise _invalid(label, [_describe(err) for err in exc.errors()]) from None
    base_dir = None if source.is_demo else Path(source.location).parent
    problems = _semantic_problems(model, base_dir)
    plugins, section_problems = parse_sections(model.plugins, sections, _describe, warn)
    problems.extend(section_problems)
    if problems:
        raise _invalid(label, problems)
    return replace(_to_domain(model, source, base_dir, subscription), plugins=plugins)


def _cloud_name(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("name", "custom"))
    return str(value) if value else "AzureCloud"


def _declared_regions(value: object) -> list[str] | None:
    """The file's `regions:` list for checking the others against, if it is one (if not, the schema
    reports it, and the others are not also reported against a list that is not there)."""
    if isinstance(value, list) and value and all(isinstance(r, str) and r.strip() for r in value):
        return [r.strip() for r in value]
    return None


def _invalid(label: str, problems: list[str]) -> EstateFileError:
    unique = list(dict.fromkeys(problems))
    noun = "problem" if len(unique) == 1 else "problems"
    return EstateFileError(f"{label} is invalid ({len(unique)} {noun})", unique)


def field_path(loc: tuple[Any, ...], prefix: str = "") -> str:
    """A pydantic error location as a field path: `stamps[2].region` (`prefix` before it)."""
    text = prefix
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


_PATTERN_MESSAGES = {
    "subscription": "not a subscription id (expected a GUID like 00000000-0000-0000-0000-000000000000)",
    "subscriptions": "not a subscription id (expected a GUID like 00000000-0000-0000-0000-000000000000)",
    "health_url": "not an http(s) URL",
    "arm_endpoint": "not an https URL (ARM endpoints must use TLS)",
    "web_endpoint": "not an https URL (e.g. the simulator's https://127.0.0.1:8443)",
    "authority": "not an https URL (e.g. https://login.microsoftonline.com, https://adfs.local.azurestack.external/adfs)",
    "tenant": "not a tenant (a GUID, a domain like contoso.onmicrosoft.com, or adfs)",
    "endpoint_host": "not a host name",
    "name": "not a valid name (letters, digits, '-', '_'; no spaces or '/')",
    "tag": "not a tag as NAME=VALUE (letters, digits and ' ._:+@-'; the value may hold '/'; no quotes)",
    "stamp_tag": "not a tag name (letters, digits and ' ._:+@-'; no quotes or '=')",
}


def _describe(err: ErrorDetails) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if kind == "missing":
        message = "required field missing"
    elif kind == "extra_forbidden":
        message = "unknown field (check the spelling)"
    elif kind == "string_pattern_mismatch":
        message = f"{_PATTERN_MESSAGES.get(field, 'invalid value')}: {value!r}"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"must be one of {expected}, got {value!r}"
    elif kind == "value_error":
        message = str(err.get("ctx", {}).get("error", err["msg"]))
    elif kind == "too_short":
        message = f"needs at least {err.get('ctx', {}).get('min_length', 1)} entries"
    elif kind in ("string_type", "dict_type", "list_type", "model_type", "int_type", "int_parsing"):
        wanted = {
            "string_type": "a string",
            "dict_type": "a mapping",
            "list_type": "a list",
            "model_type": "a mapping",
            "int_type": "a whole number",
            "int_parsing": "a whole number",
        }[kind]
        message = f"expected {wanted}, got {type(value).__name__} {value!r}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
    return f"{field_path(loc)}: {message}"


def _semantic_problems(model: Any, base_dir: Path | None) -> list[str]:
    cloud = model.cloud.name
    problems: list[str] = []
    if cloud == "custom" and not model.cloud.arm_endpoint:
        problems.append("cloud.arm_endpoint: required for a custom cloud")
    if cloud != "custom" and (model.cloud.arm_endpoint or model.cloud.ca_bundle):
        problems.append(f"cloud: arm_endpoint/ca_bundle only apply to a custom cloud, not {cloud}")
    if cloud != "custom" and model.cloud.web_endpoint:
        problems.append(f"cloud.web_endpoint: only applies to a custom cloud ({cloud} probes its real endpoints)")
    if cloud != "custom" and model.cloud.authority:
        problems.append(f"cloud.authority: only applies to a custom cloud ({cloud} has its own)")
    if model.cloud.ca_bundle and base_dir is not None:
        bundle = base_dir / Path(model.cloud.ca_bundle).expanduser()
        if not bundle.is_file():
            problems.append(f"cloud.ca_bundle: file not found '{model.cloud.ca_bundle}'")

    def region(path: str, name: str, declared: list[str] | None = model.regions) -> None:
        problem = check_region(name, cloud, declared)
        if problem:
            problems.append(f"{path}: {problem}")

    for i, name in enumerate(model.regions or ()):
        region(f"regions[{i}]", name, None)  # on a named cloud, the list itself is checked too

    for key, counter in (
        ("name", Counter(s.name for s in model.stamps)),
        ("origin", Counter(s.origin for s in model.stamps)),
        ("health_url", Counter(s.health_url for s in model.stamps)),
    ):
        for i, stamp in enumerate(model.stamps):
            value = getattr(stamp, key)
            if counter[value] > 1 and [getattr(s, key) for s in model.stamps].index(value) != i:
                problems.append(f"stamps[{i}].{key}: duplicate '{value}' (each stamp needs its own)")
    if model.sql:
        for name in model.sql.servers:
            region(f"sql.servers.{name}", name)
    if model.redis:
        for name in model.redis.members:
            region(f"redis.members.{name}", name)
        if model.redis.kind == "managed" and not model.redis.group_nickname:
            problems.append("redis.group_nickname: required when kind is 'managed'")
    if cloud == "custom" and model.lock and not model.lock.endpoint:
        problems.append("lock.endpoint: required with a custom cloud (the blob service URL)")
    if model.simulation.instances > model.simulation.max_instances:
        problems.append(
            f"simulation.instances: {model.simulation.instances} is above "
            f"simulation.max_instances ({model.simulation.max_instances})"
        )
    problems.extend(_health_problems(model))
    return problems


def _health_problems(model: Any) -> list[str]:
    health = model.health
    problems: list[str] = []
    if health.latency.yellow_ms >= health.latency.red_ms:
        problems.append(
            f"health.latency.yellow_ms: {health.latency.yellow_ms} must be below red_ms ({health.latency.red_ms})"
        )
    stamps = {s.name for s in model.stamps}
    regions = {normalize_region(s.region) for s in model.stamps}
    for name, dep in (health.dependencies or {}).items():
        where = f"health.dependencies.{name}"
        if dep.health_url is None and name != "sql":
            problems.append(f"{where}.health_url: required (only 'sql' has a built-in check)")
        if dep.health_url is None and name == "sql" and model.sql is None:
            problems.append(f"{where}: the built-in 'sql' check needs the estate's `sql:` failover group")
        for stamp in dep.stamps or ():
            if stamp not in stamps:
                problems.append(f"{where}.stamps: unknown stamp '{stamp}'")
        for region in dep.regions or ():
            if normalize_region(region) not in regions:
                problems.append(f"{where}.regions: '{region}' has no stamps")
    return problems


def _health(model: Any) -> HealthSettings:
    health = model.health
    configured = health.dependencies
    if configured is None:  # the default: every stamp writes to the SQL failover group's primary
        configured = {"sql": None} if model.sql is not None else {}
    dependencies = []
    for name, dep in configured.items():
        stamps: tuple[str, ...] = ()
        if dep is not None and (dep.stamps or dep.regions):
            wanted = {normalize_region(r) for r in dep.regions or ()}
            stamps = tuple(
                s.name for s in model.stamps if s.name in (dep.stamps or ()) or normalize_region(s.region) in wanted
            )
        dependencies.append(
            HealthDependency(
                name=name,
                health_url=dep.health_url if dep is not None else None,
                impact=dep.impact if dep is not None else "degraded",
                stamps=stamps,
            )
        )
    return HealthSettings(
        timeout_seconds=health.timeout,
        latency_yellow_ms=health.latency.yellow_ms,
        latency_red_ms=health.latency.red_ms,
        min_instances=health.min_instances,
        weights=tuple(health.weights.model_dump().items()),
        region_unhealthy_share=health.rollup.region,
        estate_unhealthy_share=health.rollup.estate,
        dependencies=tuple(dependencies),
        concurrency=health.concurrency,
    )


def _lock(model: Any) -> LockConfig | None:
    lock = model.lock
    if lock is None:
        return None
    blob = lock.blob or f"{model.name}.lock"
    return LockConfig(lock.storage_account, lock.container, blob, lock.endpoint, lock.lease_seconds)


def _to_domain(model: Any, source: EstateSource, base_dir: Path | None, subscription: str | None) -> Estate:
    sub = subscription or model.subscription
    ca_bundle = model.cloud.ca_bundle
    if ca_bundle and base_dir is not None:
        ca_bundle = str(base_dir / Path(ca_bundle).expanduser())
    cloud = Cloud(
        name=model.cloud.name,
        arm_endpoint=model.cloud.arm_endpoint,
        ca_bundle=ca_bundle,
        audience=model.cloud.audience,
        authority=model.cloud.authority,
        tenant=model.cloud.tenant,
        web_endpoint=model.cloud.web_endpoint.rstrip("/") if model.cloud.web_endpoint else None,
    )
    fd = model.frontdoor
    frontdoor = FrontDoor(fd.subscription or sub, fd.resource_group, fd.profile, fd.origin_group, fd.endpoint_host)
    sql = None
    if model.sql:
        sql = SqlFailoverGroup(
            name=model.sql.failover_group,
            servers=tuple(
                SqlServer(
                    normalize_region(region),
                    ResourceRef(
                        s.subscription or sub,
                        s.resource_group or model.sql.resource_group,
                        "Microsoft.Sql/servers",
                        s.name,
                    ),
                )
                for region, s in model.sql.servers.items()
            ),
            databases=tuple(model.sql.databases),
        )
    redis = None
    if model.redis:
        provider = "Microsoft.Cache/redisEnterprise" if model.redis.kind == "managed" else "Microsoft.Cache/redis"
        redis = RedisGeoReplication(
            kind=model.redis.kind,
            members=tuple(
                RedisMember(
                    normalize_region(region),
                    ResourceRef(
                        m.subscription or sub, m.resource_group or model.redis.resource_group, provider, m.name
                    ),
                )
                for region, m in model.redis.members.items()
            ),
            group_nickname=model.redis.group_nickname,
            database=model.redis.database,
        )
    every = tuple(
        Stamp(
            name=s.name,
            region=normalize_region(s.region),
            subscription=s.subscription or sub,
            resource_group=s.resource_group,
            app_service_plan=s.app_service_plan,
            web_app=s.web_app,
            origin=s.origin,
            health_url=s.health_url,
            drained=s.drained,
            lifecycle=Lifecycle(s.lifecycle),
            generation=s.generation,
            color=s.color,
        )
        for s in model.stamps
    )
    stamps = tuple(s for s in every if s.lifecycle is not Lifecycle.RETIRED)
    retired = tuple(s for s in every if s.lifecycle is Lifecycle.RETIRED)
    sim = model.simulation
    discover = None
    if model.discover is not None:
        name, _, value = model.discover.tag.partition("=")
        discover = DiscoverSettings(
            tag_name=name.strip(),
            tag_value=value.strip(),
            stamp_tag=model.discover.stamp_tag,
            subscriptions=tuple(dict.fromkeys(s.lower() for s in model.discover.subscriptions or ())),
            page_size=model.discover.page_size,
        )
    return Estate(
        name=model.name,
        subscription=sub,
        cloud=cloud,
        credential=model.credential,
        frontdoor=frontdoor,
        sql=sql,
        redis=redis,
        stamps=stamps,
        retired=retired,
        lock=_lock(model),
        safety=SafetySettings(
            model.safety.min_serving_regions, model.safety.min_serving_stamps, model.safety.min_serving_capacity
        ),
        health=_health(model),
        simulation=SimulationSettings(sim.instances, sim.max_instances, sim.sku),
        release=ReleaseSettings(
            smoke=tuple(SmokeCheck(c.path, c.status, c.max_latency_ms) for c in model.release.smoke),
            probes=model.release.probes,
            max_latency_ms=model.release.max_latency_ms,
            min_instances=model.release.min_instances,
        ),
        source=source.location,
        discover=discover,
    )
