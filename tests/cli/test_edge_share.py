"""Issue 14: the share of edge traffic follows Front Door's probes, in `status`, `stamps list` and
`frontdoor status` (a region whose stamps answer 503 gets none), and a drained region is drained."""

from __future__ import annotations

import json


def _json(mcctl, *args: str) -> object:
    result = mcctl("--sim", "-o", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_during_an_outage_the_region_s_share_reflects_its_unhealthy_origins(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    regions = {r["name"]: r for r in _json(mcctl, "status")["regions"]}
    assert regions["eastus2"]["share"] == 0.0 and regions["eastus2"]["configured_share"] == 0.3333
    assert regions["westeurope"]["share"] == 0.5 and regions["northeurope"]["share"] == 0.5
    stamps = {r["name"]: r for r in _json(mcctl, "stamps", "list")}
    assert stamps["eus2-1"]["edge_health"] == "unhealthy" and stamps["eus2-1"]["traffic_share"] == 0.0
    assert stamps["eus2-1"]["serving"] is True  # configured to serve: the probes took it out
    assert stamps["weu-1"]["edge_health"] == "healthy" and stamps["weu-1"]["traffic_share"] == 0.25
    fd = _json(mcctl, "frontdoor", "status")
    by_region = {r["region"]: r for r in fd["regions"]}
    assert by_region["eastus2"]["traffic_share"] == 0.0 and by_region["eastus2"]["configured_share"] == 0.3333
    table = mcctl("--sim", "frontdoor", "status")
    assert table.exit_code == 0 and "0% (cfg 17%)" in table.stdout and "unhealthy" in table.stdout
    assert "eastus2 (out: Front Door's probes fail)" in " ".join(table.stdout.split())


def test_after_drain_and_recovery_the_region_is_drained_and_health_check_passes(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    assert mcctl("--sim", "sim", "outage", "end", "eastus2").exit_code == 0
    check = mcctl("--sim", "health", "--check")
    assert check.exit_code == 0, check.stdout
    assert "eastus2      drained" in check.stdout
    stamps = {r["name"]: r for r in _json(mcctl, "stamps", "list")}
    assert stamps["eus2-1"]["health"] == "drained" and stamps["eus2-1"]["edge_health"] == "not probed"
    assert stamps["eus2-1"]["traffic_share"] == 0.0 and stamps["weu-1"]["traffic_share"] == 0.25


def test_an_unreadable_probes_view_is_a_warning_not_a_failure(mcctl) -> None:
    fault = ("--sim", "sim", "fault", "add", "error", "--path", "microsoft.insights/metrics", "--count", "5")
    assert mcctl(*fault).exit_code == 0
    result = mcctl("--sim", "-o", "json", "frontdoor", "status")
    assert result.exit_code == 0, result.stderr
    assert "traffic shares by configuration alone" in result.stderr
    data = json.loads(result.stdout)
    assert data["edge_probes"]["read"] is False and {o["edge_health"] for o in data["origins"]} == {"unknown"}
