"""A generated estate of any size (`mcctl sim generate`, tests and benchmarks at scale).

The shape is the demo's (mcctl/config/demo.yaml): one Front Door Premium profile, a SQL failover
group, Azure Managed Redis geo-replicated, an operator lease, and `regions × stamps_per_region`
stamps named `<region code>-<n>` (weu-1, weu-2, ..., neu-1, ...). Regions are real Azure public
regions, in a fixed order that starts with the demo's three, so `estate_data("demo", 3, 2)` holds the
demo's stamps. The output depends only on the arguments: the same call gives the same file.

Azure's own limits shape the shared services: a failover group here has a primary and up to two
secondaries (as the demo; none with one region: a failover group needs two servers), and Managed
Redis active geo-replication links at most 5 members, so the first 5 regions get one.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from mcctl.domain.regions import PUBLIC_REGIONS

# Region → the short code stamp and resource names use. The first three are the demo's.
REGION_CODES: dict[str, str] = {
    "westeurope": "weu",
    "northeurope": "neu",
    "eastus2": "eus2",
    "eastus": "eus",
    "westus2": "wus2",
    "westus3": "wus3",
    "centralus": "cus",
    "southcentralus": "scus",
    "northcentralus": "ncus",
    "westus": "wus",
    "uksouth": "uks",
    "ukwest": "ukw",
    "francecentral": "frc",
    "germanywestcentral": "gwc",
    "swedencentral": "sdc",
    "switzerlandnorth": "szn",
    "norwayeast": "nwe",
    "polandcentral": "plc",
    "italynorth": "itn",
    "spaincentral": "spc",
    "japaneast": "jpe",
    "japanwest": "jpw",
    "southeastasia": "sea",
    "eastasia": "ea",
    "australiaeast": "aue",
    "australiasoutheast": "ause",
    "canadacentral": "cac",
    "canadaeast": "cae",
    "brazilsouth": "brs",
    "centralindia": "inc",
    "southindia": "ins",
    "koreacentral": "krc",
    "koreasouth": "krs",
    "southafricanorth": "san",
    "uaenorth": "uaen",
    "qatarcentral": "qac",
    "israelcentral": "ilc",
    "mexicocentral": "mxc",
    "newzealandnorth": "nzn",
    "westcentralus": "wcus",
}
assert set(REGION_CODES) <= PUBLIC_REGIONS  # a typo here would generate invalid estates

MAX_REGIONS = len(REGION_CODES)
MAX_STAMPS_PER_REGION = 500
# In all: what an estate file may hold (mcctl.config.yamlparse.MAX_VALUES, about 8 values a stamp).
MAX_STAMPS = 10_000
SQL_SERVERS_AT_MOST = 3  # the demo's primary + two secondaries
REDIS_MEMBERS_AT_MOST = 5  # Azure Managed Redis active geo-replication: up to 5 linked databases
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # as the estate file's `name`


class GenerateError(ValueError):
    """A bad argument; the message starts with the argument's name (`regions: ...`)."""


def estate_data(name: str, regions: int, stamps_per_region: int) -> dict[str, Any]:
    """The estate file's content (a dict ready for YAML) for `regions × stamps_per_region` stamps.

    Raises GenerateError naming the argument when one is out of range."""
    _check(name, regions, stamps_per_region)
    slug = _slug(name)
    chosen = [(region, REGION_CODES[region]) for region in list(REGION_CODES)[:regions]]
    data: dict[str, Any] = {
        "name": name,
        "subscription": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mcctl-generated/{name}")),
        "cloud": "AzureCloud",
        "credential": "default",
        "frontdoor": {
            "resource_group": f"rg-{slug}-global",
            "profile": f"afd-{slug}",
            "origin_group": "og-web",
            "endpoint_host": f"{slug}-{_digest(name, 12)}.z01.azurefd.net",
        },
    }
    if regions >= 2:
        data["sql"] = {
            "resource_group": f"rg-{slug}-data",
            "failover_group": f"fg-{slug}",
            "servers": {r: f"sql-{slug}-{c}" for r, c in chosen[:SQL_SERVERS_AT_MOST]},
            "databases": ["orders", "catalog"],
        }
    data["redis"] = {
        "kind": "managed",
        "resource_group": f"rg-{slug}-data",
        "group_nickname": f"{slug}-geo",
        "database": "default",
        "members": {r: f"amr-{slug}-{c}" for r, c in chosen[:REDIS_MEMBERS_AT_MOST]},
    }
    data["stamps"] = [_stamp(slug, region, code, n) for region, code in chosen for n in range(1, stamps_per_region + 1)]
    data["lock"] = {"storage_account": _storage_account(slug), "container": "mcctl-locks"}
    data["safety"] = {"min_serving_regions": 1, "min_serving_stamps": 2, "min_serving_capacity": "50%"}
    data["simulation"] = {"instances": 3, "max_instances": 30, "sku": "P1v3"}
    return data


def estate_yaml(name: str, regions: int, stamps_per_region: int) -> str:
    """`estate_data` as the text of an estate file (with a header saying how it was made)."""
    import yaml  # only here: `mcctl sim --help` and the simulator itself need no YAML writer

    data = estate_data(name, regions, stamps_per_region)
    header = (
        f"# Generated by `mcctl sim generate --name {name} --regions {regions} "
        f"--stamps-per-region {stamps_per_region}`: {len(data['stamps'])} stamps.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=120)


def _stamp(slug: str, region: str, code: str, n: int) -> dict[str, Any]:
    stamp = f"{code}-{n}"
    app = f"app-{slug}-{stamp}"
    return {
        "name": stamp,
        "region": region,
        "resource_group": f"rg-{slug}-{stamp}",
        "app_service_plan": f"asp-{slug}-{stamp}",
        "web_app": app,
        "origin": f"origin-{stamp}",
        "health_url": f"https://{app}.azurewebsites.net/health/stamp",
    }


def _check(name: str, regions: int, stamps_per_region: int) -> None:
    if not NAME_PATTERN.match(name) or len(name) > 40:
        raise GenerateError(f"name: '{name}' must be 1-40 letters, digits, '.', '_' or '-' (first a letter or digit)")
    if not 1 <= regions <= MAX_REGIONS:
        raise GenerateError(f"regions: must be between 1 and {MAX_REGIONS}, got {regions}")
    if not 1 <= stamps_per_region <= MAX_STAMPS_PER_REGION:
        raise GenerateError(
            f"stamps_per_region: must be between 1 and {MAX_STAMPS_PER_REGION}, got {stamps_per_region}"
        )
    if regions * stamps_per_region > MAX_STAMPS:
        raise GenerateError(
            f"stamps_per_region: {regions} regions × {stamps_per_region} is {regions * stamps_per_region} stamps; "
            f"an estate file holds at most {MAX_STAMPS}"
        )


def _slug(name: str) -> str:
    """The estate name as a resource-name part: lower case letters, digits and '-', at most 16."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:16].strip("-")
    return slug or "mc"


def _storage_account(slug: str) -> str:
    # Storage account names: 3-24 lower-case letters and digits, globally unique.
    return ("st" + slug.replace("-", ""))[:19] + "ops"


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]
