"""How long `stamps list` takes on a simulated estate of N stamps (default 6, 60, 300).

Prints wall time and ARM request count per run; the simulator runs in process, so this measures
mcctl + SDK overhead (serialization, paging, threads), not network latency.

    .venv/bin/python benchmarks/stamps_list.py [N ...]
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import yaml

from mcctl.adapters.clients import AzureSession
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.ops.inventory import read_inventory
from mcctl.sim.runtime import open_simulator

REGIONS = ["westeurope", "northeurope", "eastus2", "westus3", "swedencentral", "japaneast"]


def estate_text(stamps: int) -> str:
    data = yaml.safe_load(demo_source().text)
    data["name"] = f"bench{stamps}"
    data["stamps"] = []
    for i in range(stamps):
        region = REGIONS[i % len(REGIONS)]
        data["stamps"].append(
            {
                "name": f"s{i}",
                "region": region,
                "resource_group": f"rg-s{i}",
                "app_service_plan": f"asp-s{i}",
                "web_app": f"app-s{i}",
                "origin": f"origin-s{i}",
                "health_url": f"https://app-s{i}.azurewebsites.net/health/stamp",
            }
        )
    return yaml.safe_dump(data)


def run(stamps: int) -> None:
    text = estate_text(stamps)
    estate = load_estate(EstateSource(f"bench{stamps}.yaml", text))
    sim, _ = open_simulator(estate, "bench", persist=False)
    sim.settings["page_size"] = 100  # ARM's usual page size for these lists
    tracemalloc.start()
    started = time.perf_counter()
    inventory = read_inventory(AzureSession(estate, sim=sim), estate)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(inventory.views) == stamps and not inventory.errors
    requests = len(sim.requests)
    print(f"{stamps:5d} stamps: {elapsed * 1000:8.1f} ms, {requests:4d} ARM requests, peak {peak / 2**20:6.1f} MiB")


def import_sdks() -> None:
    started = time.perf_counter()
    import azure.mgmt.cdn
    import azure.mgmt.redisenterprise
    import azure.mgmt.sql
    import azure.mgmt.web  # noqa: F401

    print(f"importing the four SDKs: {(time.perf_counter() - started) * 1000:.0f} ms (paid once per run)")


if __name__ == "__main__":
    import_sdks()
    for n in [int(a) for a in sys.argv[1:]] or [6, 60, 300]:
        run(n)
