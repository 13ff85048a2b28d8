"""Azure region names mcctl accepts in an estate file, per cloud.

Validating against a known list catches the classic typo (`westeruope`) before any ARM call.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

PUBLIC_REGIONS = frozenset(
    """
    australiacentral australiacentral2 australiaeast australiasoutheast austriaeast belgiumcentral
    brazilsouth brazilsoutheast canadacentral canadaeast centralindia centralus centraluseuap chilecentral
    denmarkeast eastasia eastus eastus2 eastus2euap francecentral francesouth germanynorth
    germanywestcentral indonesiacentral israelcentral italynorth japaneast japanwest jioindiacentral
    jioindiawest koreacentral koreasouth malaysiawest mexicocentral newzealandnorth northcentralus
    northeurope norwayeast norwaywest polandcentral qatarcentral southafricanorth southafricawest
    southcentralus southeastasia southindia spaincentral swedencentral swedensouth switzerlandnorth
    switzerlandwest uaecentral uaenorth uksouth ukwest westcentralus westeurope westindia westus
    westus2 westus3
    """.split()
)
CHINA_REGIONS = frozenset("chinaeast chinaeast2 chinaeast3 chinanorth chinanorth2 chinanorth3".split())
USGOV_REGIONS = frozenset("usgovarizona usgovtexas usgovvirginia usdodcentral usdodeast usgoviowa".split())

REGIONS_BY_CLOUD: dict[str, frozenset[str]] = {
    "AzureCloud": PUBLIC_REGIONS,
    "AzureChinaCloud": CHINA_REGIONS,
    "AzureUSGovernment": USGOV_REGIONS,
}


def normalize_region(name: str) -> str:
    """ARM spells regions both ways ("West Europe", "westeurope"); compare the short form."""
    return name.replace(" ", "").lower()


def check_region(name: str, cloud: str, declared: Collection[str] | None = None) -> str | None:
    """Return a problem text for an unknown region, or None.

    A named cloud's regions are known here; a custom cloud's (Azure Stack Hub: `local`, or whatever
    its operator named them) only from the estate file's own `regions:` list, which, when given,
    every region the file names must be in, on any cloud: a typo must not make a new region.
    """
    known = REGIONS_BY_CLOUD.get(cloud)
    if known is not None and normalize_region(name) not in known:
        return f"unknown region '{name}'{_suggestion(name, known)}"
    if declared is not None:
        listed = {normalize_region(r) for r in declared}
        if normalize_region(name) not in listed:
            close = difflib.get_close_matches(normalize_region(name), sorted(listed), n=1)
            also = f"; did you mean '{close[0]}'?" if close else ""
            return f"unknown region '{name}' (not in regions: {', '.join(sorted(listed))}{also})"
    return None


LISTED_AT_MOST = 12  # a public cloud has 60+ locations: the message names the first ones and the count


def check_location(name: str, locations: Collection[str]) -> str | None:
    """A problem text for a region that is not one of a subscription's locations (a custom cloud's
    region check when the estate file has no `regions:`), or None."""
    listed = sorted({normalize_region(r) for r in locations})
    if normalize_region(name) in listed:
        return None
    close = difflib.get_close_matches(normalize_region(name), listed, n=1)
    also = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(listed[:LISTED_AT_MOST])
    if len(listed) > LISTED_AT_MOST:
        shown += f", ... ({len(listed)} in all)"
    return f"unknown region '{name}' (not in the subscription's locations: {shown}{also})"


def _suggestion(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(normalize_region(name), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


_DISPLAY_NAMES = {
    "westeurope": "West Europe",
    "northeurope": "North Europe",
    "eastus": "East US",
    "eastus2": "East US 2",
    "westus": "West US",
    "westus2": "West US 2",
    "westus3": "West US 3",
    "centralus": "Central US",
    "southcentralus": "South Central US",
    "northcentralus": "North Central US",
    "uksouth": "UK South",
    "ukwest": "UK West",
    "francecentral": "France Central",
    "germanywestcentral": "Germany West Central",
    "swedencentral": "Sweden Central",
    "switzerlandnorth": "Switzerland North",
    "norwayeast": "Norway East",
    "japaneast": "Japan East",
    "japanwest": "Japan West",
    "southeastasia": "Southeast Asia",
    "eastasia": "East Asia",
    "australiaeast": "Australia East",
    "canadacentral": "Canada Central",
    "brazilsouth": "Brazil South",
    "centralindia": "Central India",
    "koreacentral": "Korea Central",
}


def display_name(region: str) -> str:
    """The spelling some providers (App Service) use in `location`, e.g. "West Europe"."""
    return _DISPLAY_NAMES.get(normalize_region(region), region)
