"""Microsoft.Resources subscriptions: Subscriptions - List Locations
(`GET /subscriptions/{subscriptionId}/locations?api-version=2022-12-01`), which mcctl asks for a
custom cloud whose estate file lists no `regions:`.

The locations are the regions the simulated estate's resources are in (the estate's regions, as
seeded) plus a few well-known public ones; a subscription the simulator holds no resource in is
not found (404 SubscriptionNotFound, as ARM answers). The answer is not paged, as in ARM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import display_name, normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

LOCATIONS = "/subscriptions/{subscriptionId}/locations"
# name -> (geography group, physical location, paired region): what the metadata of a few says
WELL_KNOWN = {
    "eastus": ("US", "Virginia", "westus"),
    "eastus2": ("US", "Virginia", "centralus"),
    "westus2": ("US", "Washington", "westcentralus"),
    "centralus": ("US", "Iowa", "eastus2"),
    "northeurope": ("Europe", "Ireland", "westeurope"),
    "westeurope": ("Europe", "Netherlands", "northeurope"),
    "uksouth": ("UK", "London", "ukwest"),
    "swedencentral": ("Europe", "Gävle", "swedensouth"),
    "southeastasia": ("Asia Pacific", "Singapore", "eastasia"),
    "japaneast": ("Asia Pacific", "Tokyo, Saitama", "japanwest"),
}


class SubscriptionsProvider:
    name = "Microsoft.Resources"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", LOCATIONS, _list_locations)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # the locations are derived from the seeded resources


def _list_locations(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    subscription = p["subscriptionId"]
    scope = f"/subscriptions/{subscription.lower()}/"
    held = [body for key, body in sim.store.resources.items() if key.startswith(scope)]
    if not held:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription}' could not be found.")
    names = {normalize_region(str(body.get("location") or "")) for body in held} - {"", "global"}
    names |= set(WELL_KNOWN)
    return SimResponse(200, {"value": [_location(subscription, name) for name in sorted(names)]})


def _location(subscription: str, name: str) -> dict[str, Any]:
    prefix = f"/subscriptions/{subscription}/locations"
    display = display_name(name)
    geography, place, paired = WELL_KNOWN.get(name, (None, None, None))
    metadata: dict[str, Any] = {"regionType": "Physical", "regionCategory": "Recommended" if paired else "Other"}
    if paired:
        metadata.update(
            {
                "geographyGroup": geography,
                "physicalLocation": place,
                "pairedRegion": [{"name": paired, "id": f"{prefix}/{paired}"}],
            }
        )
    return {
        "id": f"{prefix}/{name}",
        "name": name,
        "type": "Region",
        "displayName": display,
        "regionalDisplayName": f"({geography}) {display}" if geography else display,
        "metadata": metadata,
    }
