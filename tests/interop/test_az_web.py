"""App Service plans and web apps through az, and mcctl's view of the same resources."""

from __future__ import annotations

from tests.interop.conftest import Served


def _stamp(served: Served, name: str) -> dict:
    return served.mcctl("stamps", "show", name)


def test_plan_workers_both_ways(signed_in: Served) -> None:
    shown = signed_in.az("appservice", "plan", "show", "-g", "rg-mc-weu-1", "-n", "asp-mc-weu-1")
    assert shown["sku"]["capacity"] == _stamp(signed_in, "weu-1")["instances"]
    updated = signed_in.az(
        "appservice", "plan", "update", "-g", "rg-mc-weu-1", "-n", "asp-mc-weu-1", "--number-of-workers", "5"
    )
    assert updated["sku"]["capacity"] == 5
    assert _stamp(signed_in, "weu-1")["instances"] == 5
    signed_in.mcctl("scale", "weu-1", "--instances", "6", "--yes")
    assert signed_in.az("appservice", "plan", "show", "-g", "rg-mc-weu-1", "-n", "asp-mc-weu-1")["sku"]["capacity"] == 6


def test_webapp_list_show_stop_start(signed_in: Served) -> None:
    names = signed_in.az("webapp", "list", "--query", "[].name")
    assert {"app-mc-weu-1", "app-mc-neu-2", "app-mc-eus2-1"} <= set(names)
    table = signed_in.az("webapp", "list", "-g", "rg-mc-neu-2")
    assert [app["state"] for app in table] == ["Running"]
    shown = signed_in.az("webapp", "show", "-g", "rg-mc-neu-2", "-n", "app-mc-neu-2")
    assert shown["defaultHostName"] == "app-mc-neu-2.azurewebsites.net"
    signed_in.az("webapp", "stop", "-g", "rg-mc-neu-2", "-n", "app-mc-neu-2")
    assert _stamp(signed_in, "neu-2")["app_state"] == "Stopped"
    signed_in.az("webapp", "start", "-g", "rg-mc-neu-2", "-n", "app-mc-neu-2")
    assert _stamp(signed_in, "neu-2")["app_state"] == "Running"
    assert signed_in.az("webapp", "show", "-g", "rg-mc-neu-2", "-n", "app-mc-neu-2")["state"] == "Running"
