"""ARM tags of any resource, through the Tags API at the resource's scope (what `az tag update`
calls): `{resourceId}/providers/Microsoft.Resources/tags/default`.

Sent through the pipeline of the subscription's App Service client (azure-core's public
`send_request`), so the session's endpoint, credential, retries, transport (the simulator's) and
CA bundle apply as to every other call; no extra SDK package is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

TAGS_API_VERSION = "2021-04-01"
TAGS_SUFFIX = "/providers/Microsoft.Resources/tags/default"


def subscription_of(resource_id: str) -> str:
    """The subscription id in an ARM resource id (`/subscriptions/{id}/...`); ValueError if none."""
    parts = resource_id.strip("/").split("/")
    if len(parts) < 2 or parts[0].lower() != "subscriptions" or not parts[1]:
        raise ValueError(f"not an ARM resource id: {resource_id!r}")
    return parts[1]


def read_tags(session: AzureSession, resource_id: str) -> dict[str, str]:
    """Every tag of the resource (`Tags - Get At Scope`)."""
    with azure_errors(f"reading the tags of {_short(resource_id)}"):
        return _send(session, resource_id, "GET", None)


def merge_tags(session: AzureSession, resource_id: str, tags: Mapping[str, str]) -> dict[str, str]:
    """Add or overwrite `tags` on the resource, keeping its others (`Tags - Update At Scope`,
    operation Merge); returns every tag it has now."""
    body = {"operation": "Merge", "properties": {"tags": dict(tags)}}
    with azure_errors(f"tagging {_short(resource_id)} with {', '.join(f'{k}={v}' for k, v in tags.items())}"):
        return _send(session, resource_id, "PATCH", body)


def _send(session: AzureSession, resource_id: str, method: str, body: dict[str, Any] | None) -> dict[str, str]:
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceExistsError,
        ResourceNotFoundError,
        map_error,
    )
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    errors = {401: ClientAuthenticationError, 404: ResourceNotFoundError, 409: ResourceExistsError}
    url = "/" + resource_id.strip("/") + TAGS_SUFFIX
    request = HttpRequest(method, url, params={"api-version": TAGS_API_VERSION}, json=body)
    response = session.web(subscription_of(resource_id)).send_request(request)
    if response.status_code != 200:
        map_error(status_code=response.status_code, response=response, error_map=errors)
        raise HttpResponseError(response=response, error_format=ARMErrorFormat)
    return _tags(response.json())


def _tags(body: Any) -> dict[str, str]:
    tags = ((body or {}).get("properties") or {}).get("tags") or {}
    return {str(k): "" if v is None else str(v) for k, v in tags.items()}


def _short(resource_id: str) -> str:
    """`Microsoft.Web/sites/app-mc-weu-1`: what a message names (the full id is too long)."""
    _, _, tail = resource_id.rpartition("/providers/")
    return tail or resource_id
