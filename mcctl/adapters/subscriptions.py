"""Microsoft.Resources subscriptions: the locations a subscription may use (Subscriptions - List
Locations), sent through an SDK client's pipeline (endpoint, credential, transport, CA bundle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

LOCATIONS_API_VERSION = "2022-12-01"


@dataclass(frozen=True)
class Location:
    name: str  # the short form ARM uses in `location` ("eastus2", Azure Stack Hub's "local")
    display_name: str | None


def list_locations(session: AzureSession, subscription: str) -> tuple[Location, ...]:
    """`GET /subscriptions/{sub}/locations`: every location the subscription may use, as ARM names them."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError, map_error
    from azure.core.rest import HttpRequest
    from azure.mgmt.core.exceptions import ARMErrorFormat

    errors = {401: ClientAuthenticationError, 404: ResourceNotFoundError}
    with azure_errors(f"reading the locations of subscription {subscription}"):
        request = HttpRequest(
            "GET", f"/subscriptions/{subscription}/locations", params={"api-version": LOCATIONS_API_VERSION}
        )
        response = session.web(subscription).send_request(request)
        if response.status_code != 200:
            map_error(status_code=response.status_code, response=response, error_map=errors)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        return _locations(response.json())


def _locations(body: Any) -> tuple[Location, ...]:
    found = []
    for item in (body or {}).get("value") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip():
            display = item.get("displayName")
            found.append(Location(name.strip(), display if isinstance(display, str) else None))
    return tuple(found)
