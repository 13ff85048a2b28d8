"""`az rest` on ARM paths, and mcctl's served mode never leaving loopback (probes included)."""

from __future__ import annotations

from tests.interop.conftest import Served

SUBSCRIPTION = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"


def test_az_rest_reads_what_mcctl_reads(signed_in: Served) -> None:
    url = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-mc-neu-1/providers/Microsoft.Web/serverfarms/"
        "asp-mc-neu-1?api-version=2023-12-01"
    )
    plan = signed_in.az("rest", "--method", "get", "--url", url)
    assert plan["sku"]["capacity"] == signed_in.mcctl("stamps", "show", "neu-1")["instances"]
    group = f"/subscriptions/{SUBSCRIPTION}/resourcegroups/rg-mc-data?api-version=2022-09-01"
    assert signed_in.az("rest", "--method", "get", "--url", group)["name"] == "rg-mc-data"


def test_served_mode_probes_stay_on_loopback(signed_in: Served) -> None:
    """Every stamp's health endpoint is answered by the simulator: over the internet the
    *.azurewebsites.net hosts would not answer here and every stamp would be unhealthy."""
    health = signed_in.mcctl("health", served=True)
    assert len(health["stamps"]) == 6
    assert {s["name"]: s["probe"]["http_status"] for s in health["stamps"]} == dict.fromkeys(
        ("weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"), 200
    )
