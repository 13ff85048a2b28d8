"""Azure Front Door Standard/Premium: profile, endpoints, origin group and origins, via azure-mgmt-cdn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.adapters.sdkvalues import plain
from mcctl.domain.observed import HealthProbeSettings, OriginGroupState, OriginState

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import FrontDoor


@dataclass(frozen=True)
class FrontDoorProfile:
    id: str
    name: str
    sku: str | None  # Standard_AzureFrontDoor / Premium_AzureFrontDoor (classic CDN SKUs share the enum)
    resource_state: str | None  # Active / Creating / Disabled / Migrating / ...
    provisioning_state: str | None


def _origin_state(origin: Any) -> OriginState:
    return OriginState(
        id=origin.id,
        name=origin.name,
        host_name=origin.host_name,
        enabled_state=plain(origin.enabled_state),
        weight=origin.weight,  # null in the API stays None: no default is invented here
        priority=origin.priority,
        provisioning_state=plain(origin.provisioning_state),
        deployment_status=plain(origin.deployment_status),
    )


def _probe(settings: Any) -> HealthProbeSettings | None:
    if settings is None:
        return None
    return HealthProbeSettings(
        path=settings.probe_path,
        request_type=plain(settings.probe_request_type),
        protocol=plain(settings.probe_protocol),
        interval_seconds=settings.probe_interval_in_seconds,
    )


def _origin_group_state(group: Any) -> OriginGroupState:
    balancing = group.load_balancing_settings
    return OriginGroupState(
        id=group.id,
        name=group.name,
        health_probe=_probe(group.health_probe_settings),
        sample_size=balancing.sample_size if balancing else None,
        successful_samples_required=balancing.successful_samples_required if balancing else None,
        additional_latency_ms=balancing.additional_latency_in_milliseconds if balancing else None,
        provisioning_state=plain(group.provisioning_state),
    )


def list_origins(session: AzureSession, fd: FrontDoor) -> dict[str, OriginState]:
    """Every origin of the estate's origin group, keyed by origin name (one paged call)."""
    with azure_errors(f"listing origins of origin group {fd.origin_group} in Front Door profile {fd.profile}"):
        origins = session.cdn(fd.subscription).afd_origins.list_by_origin_group(
            fd.resource_group, fd.profile, fd.origin_group
        )
        return {o.name: _origin_state(o) for o in origins}


def get_origin(session: AzureSession, fd: FrontDoor, origin: str) -> OriginState:
    with azure_errors(f"reading origin {origin} of origin group {fd.origin_group} in Front Door profile {fd.profile}"):
        found = session.cdn(fd.subscription).afd_origins.get(fd.resource_group, fd.profile, fd.origin_group, origin)
        return _origin_state(found)


def get_origin_group(session: AzureSession, fd: FrontDoor) -> OriginGroupState:
    with azure_errors(f"reading origin group {fd.origin_group} of Front Door profile {fd.profile}"):
        group = session.cdn(fd.subscription).afd_origin_groups.get(fd.resource_group, fd.profile, fd.origin_group)
        return _origin_group_state(group)


def get_profile(session: AzureSession, fd: FrontDoor) -> FrontDoorProfile:
    with azure_errors(f"reading Front Door profile {fd.profile}"):
        profile = session.cdn(fd.subscription).profiles.get(fd.resource_group, fd.profile)
        return FrontDoorProfile(
            id=profile.id,
            name=profile.name,
            sku=plain(profile.sku.name) if profile.sku else None,
            resource_state=plain(profile.resource_state),
            provisioning_state=plain(profile.provisioning_state),
        )


def list_endpoints(session: AzureSession, fd: FrontDoor) -> list[dict[str, str | None]]:
    """The profile's AFD endpoints: name, host_name (*.azurefd.net), enabled_state."""
    with azure_errors(f"listing endpoints of Front Door profile {fd.profile}"):
        endpoints = session.cdn(fd.subscription).afd_endpoints.list_by_profile(fd.resource_group, fd.profile)
        return [{"name": e.name, "host_name": e.host_name, "enabled_state": plain(e.enabled_state)} for e in endpoints]


def _update_parameters(enabled: bool | None, weight: int | None, priority: int | None) -> Any:
    from azure.mgmt.cdn.models import AFDOriginUpdateParameters, AFDOriginUpdatePropertiesParameters

    props = AFDOriginUpdatePropertiesParameters()
    if enabled is not None:
        props.enabled_state = "Enabled" if enabled else "Disabled"
    if weight is not None:
        props.weight = weight
    if priority is not None:
        props.priority = priority
    return AFDOriginUpdateParameters(properties=props)


def _describe_update(enabled: bool | None, weight: int | None, priority: int | None) -> str:
    parts = []
    if enabled is not None:
        parts.append("enabling" if enabled else "disabling")
    if weight is not None:
        parts.append(f"weight={weight}")
    if priority is not None:
        parts.append(f"priority={priority}")
    return ", ".join(parts)


def update_origin(
    session: AzureSession,
    fd: FrontDoor,
    origin: str,
    *,
    enabled: bool | None = None,
    weight: int | None = None,
    priority: int | None = None,
    options: WaitOptions,
) -> OriginState | None:
    """PATCH only the given fields of an origin and wait for Front Door to accept the change.

    Returns the origin after the operation, or None with --no-wait. Acceptance is not propagation:
    the edge applies the change some minutes later.
    """
    if enabled is None and weight is None and priority is None:
        raise ValueError("update_origin needs at least one of enabled, weight, priority")
    change = _describe_update(enabled, weight, priority)
    what = f"updating origin {origin} ({change}) in origin group {fd.origin_group} of Front Door profile {fd.profile}"
    with azure_errors(what):
        poller = session.cdn(fd.subscription).afd_origins.begin_update(
            fd.resource_group,
            fd.profile,
            fd.origin_group,
            origin,
            _update_parameters(enabled, weight, priority),
            polling=polling_for(session, options),
        )
        if not options.wait:
            return None
        return _origin_state(wait_for(poller, what, options))


ORIGIN_HEALTH_METRIC = "OriginHealthPercentage"
MONITOR_API_VERSION = "2023-10-01"
METRIC_WINDOW_SECONDS = 300  # the latest minute with a sample, looked for in the last five


def origin_health(session: AzureSession, fd: FrontDoor) -> dict[str, float]:
    """Front Door's probes' view: origin host name (lower case) -> the latest minute's
    OriginHealthPercentage (Azure Monitor Metrics - List on the profile, split by origin, for the
    estate's origin group). An origin with no sample in the window is absent."""
    from datetime import UTC, datetime, timedelta

    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
        map_error,
    )
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    end = datetime.fromtimestamp(session.clock.wall(), UTC)
    start = end - timedelta(seconds=METRIC_WINDOW_SECONDS)
    group = f"/subscriptions/{fd.subscription}/resourceGroups/{fd.resource_group}"
    profile = f"{group}/providers/Microsoft.Cdn/profiles/{fd.profile}"
    params = {
        "api-version": MONITOR_API_VERSION,
        "metricnames": ORIGIN_HEALTH_METRIC,
        "aggregation": "Average",
        "interval": "PT1M",
        "timespan": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "$filter": f"OriginGroup eq '{fd.origin_group}' and Origin eq '*'",
    }
    errors = {401: ClientAuthenticationError, 404: ResourceNotFoundError}
    with azure_errors(f"reading {ORIGIN_HEALTH_METRIC} of Front Door profile {fd.profile} (Azure Monitor)"):
        request = HttpRequest("GET", f"{profile}/providers/Microsoft.Insights/metrics", params=params)
        response = session.cdn(fd.subscription).send_request(request)
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=errors)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return _latest_by_origin(response.json())


def _latest_by_origin(body: Any) -> dict[str, float]:
    found: dict[str, float] = {}
    for metric in (body or {}).get("value") or []:
        for series in metric.get("timeseries") or []:
            origin = next(
                (
                    str(m.get("value") or "").lower()
                    for m in series.get("metadatavalues") or []
                    if str((m.get("name") or {}).get("value") or "").lower() == "origin"
                ),
                None,
            )
            samples = [d["average"] for d in series.get("data") or [] if d.get("average") is not None]
            if origin and samples:
                found[origin] = float(samples[-1])
    return found
