"""Azure region names mcctl accepts in an estate file, per cloud.

Validating against a known list catches the classic typo (`westeruope`) before any ARM call.
"""

from __future__ import annotations

import difflib

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


def check_region(name: str, cloud: str) -> str | None:
    """Return a problem text for an unknown region, or None. Custom clouds accept any name."""
    known = REGIONS_BY_CLOUD.get(cloud)
    if known is None or normalize_region(name) in known:
        return None
    close = difflib.get_close_matches(normalize_region(name), sorted(known), n=1)
    suggestion = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown region '{name}'{suggestion}"


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
