"""Front Door origins created and deleted whole (AFDOrigins Create / Delete, both LROs), for a
blue-green release; `frontdoor.update_origin` changes the ones that exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.adapters.sdkvalues import plain
from mcctl.domain.originspec import OriginSpec

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import FrontDoor


def _spec(origin: Any) -> OriginSpec:
    azure = origin.azure_origin
    return OriginSpec(
        host_name=origin.host_name or "",
        origin_host_header=origin.origin_host_header,
        http_port=origin.http_port if origin.http_port is not None else 80,
        https_port=origin.https_port if origin.https_port is not None else 443,
        priority=origin.priority if origin.priority is not None else 1,
        weight=origin.weight if origin.weight is not None else 1000,
        enabled=(plain(origin.enabled_state) or "").lower() == "enabled",
        azure_origin_id=azure.id if azure is not None else None,
        enforce_certificate_name_check=origin.enforce_certificate_name_check is not False,
    )


def read_origin_spec(session: AzureSession, fd: FrontDoor, origin: str) -> OriginSpec | None:
    """The origin's settings, or None when it does not exist."""
    found = read_origin(session, fd, origin)
    return found[0] if found is not None else None


def read_origin(session: AzureSession, fd: FrontDoor, origin: str) -> tuple[OriginSpec, str | None] | None:
    """The origin's settings and provisioning state (`Failed` after a create that failed: it exists
    but Front Door never deploys it), or None when it does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    with azure_errors(f"reading origin {origin} of origin group {fd.origin_group}"):
        try:
            found = session.cdn(fd.subscription).afd_origins.get(fd.resource_group, fd.profile, fd.origin_group, origin)
        except ResourceNotFoundError:
            return None
        return _spec(found), plain(found.provisioning_state)


def create_origin(session: AzureSession, fd: FrontDoor, origin: str, spec: OriginSpec, options: WaitOptions) -> None:
    """AFDOrigins Create (PUT, an LRO), then wait for Front Door to accept it (not for the edge)."""
    from azure.mgmt.cdn.models import AFDOrigin, AFDOriginProperties, ResourceReference

    body = AFDOrigin(
        properties=AFDOriginProperties(
            host_name=spec.host_name,
            origin_host_header=spec.origin_host_header,
            http_port=spec.http_port,
            https_port=spec.https_port,
            priority=spec.priority,
            weight=spec.weight,
            enabled_state="Enabled" if spec.enabled else "Disabled",
            azure_origin=ResourceReference(id=spec.azure_origin_id) if spec.azure_origin_id else None,
            enforce_certificate_name_check=spec.enforce_certificate_name_check,
        )
    )
    what = f"creating origin {origin} ({spec.host_name}) in origin group {fd.origin_group} of {fd.profile}"
    with azure_errors(what):
        poller = session.cdn(fd.subscription).afd_origins.begin_create(
            fd.resource_group, fd.profile, fd.origin_group, origin, body, polling=polling_for(session, options)
        )
        if options.wait:
            wait_for(poller, what, options)


def delete_origin(session: AzureSession, fd: FrontDoor, origin: str, options: WaitOptions) -> None:
    """AFDOrigins Delete (an LRO): Front Door stops routing to it once the removal propagates."""
    what = f"deleting origin {origin} from origin group {fd.origin_group} of {fd.profile}"
    with azure_errors(what):
        poller = session.cdn(fd.subscription).afd_origins.begin_delete(
            fd.resource_group, fd.profile, fd.origin_group, origin, polling=polling_for(session, options)
        )
        if options.wait:
            wait_for(poller, what, options)
