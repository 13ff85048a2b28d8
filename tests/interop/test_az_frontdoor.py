"""Front Door origins through `az resource` and `az rest` (the full PUT `az afd origin update` sends)."""

from __future__ import annotations

import json

from tests.interop.conftest import Served


def _origin_id(served: Served, stamp: str) -> str:
    return served.mcctl("stamps", "show", stamp)["ids"]["origin"]


def test_resource_show_and_update_on_an_origin(signed_in: Served) -> None:
    origin = _origin_id(signed_in, "eus2-1")
    shown = signed_in.az("resource", "show", "--ids", origin)
    assert shown["properties"]["weight"] == signed_in.mcctl("stamps", "show", "eus2-1")["origin_weight"]
    updated = signed_in.az("resource", "update", "--ids", origin, "--set", "properties.weight=500")
    assert updated["properties"]["weight"] == 500
    assert signed_in.mcctl("stamps", "show", "eus2-1")["origin_weight"] == 500
    signed_in.az("resource", "update", "--ids", origin, "--set", "properties.weight=1000")


def test_mcctl_drain_is_seen_by_az_and_a_full_put_restores_it(signed_in: Served) -> None:
    """`az afd` is not in the CLI's core any more (the cdn module left it): az users change an
    origin with `az resource update` or a full PUT through `az rest`, as `az afd origin update` did."""
    origin = _origin_id(signed_in, "weu-2")
    signed_in.mcctl("frontdoor", "drain", "--stamp", "weu-2", "--yes")
    shown = signed_in.az("resource", "show", "--ids", origin)
    assert shown["properties"]["enabledState"] == "Disabled"
    body = {"properties": {**shown["properties"], "enabledState": "Enabled"}}
    for read_only in ("provisioningState", "deploymentStatus", "originGroupName"):
        body["properties"].pop(read_only, None)
    url = f"{origin}?api-version=2025-06-01"
    signed_in.az("rest", "--method", "put", "--url", url, "--body", json.dumps(body))
    assert signed_in.mcctl("stamps", "show", "weu-2")["origin_enabled"] is True
