"""Microsoft.Resources subscriptions: the locations a subscription may use (Subscriptions - List
Locations), read as ARM's JSON through the SDK clients' pipeline (`mcctl.adapters.armread`: endpoint,
credential, transport, CA bundle), without building an App Service client to send it."""

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
    from mcctl.adapters.armread import reader

    with azure_errors(f"reading the locations of subscription {subscription}"):
        items = reader(session).list(f"/subscriptions/{subscription}/locations", LOCATIONS_API_VERSION)
    return _locations({"value": items})


def _locations(body: Any) -> tuple[Location, ...]:
    found = []
    for item in (body or {}).get("value") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name.strip():
            display = item.get("displayName")
            found.append(Location(name.strip(), display if isinstance(display, str) else None))
    return tuple(found)
