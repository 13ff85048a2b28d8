"""`mcctl sim stamp deploy NAME --region R`: a new stamp's plan and web app in the simulator, as a
deployment pipeline leaves them; refusals; and `sim stamp MODE STAMP` as before (and for it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest
from mcctl.sim.runtime import open_simulator, sim_state_path

SUB = load_estate(demo_source()).subscription
RG = f"/subscriptions/{SUB}/resourceGroups"
WEU3_PLAN = f"{RG}/rg-mc-weu-3/providers/Microsoft.Web/serverfarms/asp-mc-weu-3"
WEU3_SITE = f"{RG}/rg-mc-weu-3/providers/Microsoft.Web/sites/app-mc-weu-3"
WEU3_HEALTH = "https://app-mc-weu-3.azurewebsites.net/health/stamp"


def _sim() -> Sim:
    """The persisted simulator the CLI runs just used (as tests/cli/test_wait.py opens it)."""
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _resources() -> dict[str, Any]:
    sim = _sim()
    with sim.store.transaction():
        return json.loads(json.dumps(sim.store.resources))


def _health(url: str) -> int:
    return _sim().handle(SimRequest("GET", url, {})).status


def _error_line(result: Any) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("mcctl: error:")]
    assert len(lines) == 1, result.output
    return lines[0]


# -- deploy ----------------------------------------------------------------------------------------
def test_deploy_creates_the_plan_and_the_running_tagged_web_app(mcctl) -> None:
    result = mcctl("sim", "stamp", "deploy", "weu-3", "--region", "westeurope")

    assert result.exit_code == 0, result.output
    assert "stamp weu-3 deployed in westeurope" in result.output
    resources = _resources()
    plan, site = resources[WEU3_PLAN.lower()], resources[WEU3_SITE.lower()]
    template = resources[WEU3_PLAN.lower().replace("weu-3", "weu-1")]
    estate = load_estate(demo_source())
    assert plan["sku"] == {**template["sku"], "capacity": estate.simulation.instances}
    assert plan["properties"]["numberOfWorkers"] == estate.simulation.instances
    assert plan["properties"]["maximumNumberOfWorkers"] == estate.simulation.max_instances
    assert (plan["properties"]["status"], plan["location"]) == ("Ready", "West Europe")
    props = site["properties"]
    assert (props["state"], props["defaultHostName"]) == ("Running", "app-mc-weu-3.azurewebsites.net")
    assert props["hostNames"] == ["app-mc-weu-3.azurewebsites.net"]
    assert "app-mc-weu-3.azurewebsites.net" in props["enabledHostNames"]
    assert props["serverFarmId"] == WEU3_PLAN
    assert site["tags"] == {"mcctl-stamp": "weu-3", "mcctl-lifecycle": "candidate"}
    assert not [k for k in resources if "/origins/origin-weu-3" in k]  # no Front Door origin
    assert _health(WEU3_HEALTH) == 200


def test_deploy_with_options_and_json_output(mcctl) -> None:
    result = mcctl(
        "-o",
        "json",
        "sim",
        "stamp",
        "deploy",
        "neu-7",
        "--region",
        "North Europe",
        "--instances",
        "4",
        "--sku",
        "P2v3",
        "--lifecycle",
        "active",
        "--generation",
        "2026.12",
        "--color",
        "green",
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["stamp"], data["region"], data["web_app"], data["instances"], data["sku"]) == (
        "neu-7",
        "northeurope",
        "app-mc-neu-7",
        4,
        "P2v3",
    )
    assert data["tags"] == {
        "mcctl-stamp": "neu-7",
        "mcctl-lifecycle": "active",
        "mcctl-generation": "2026.12",
        "mcctl-color": "green",
    }
    plan = _resources()[data["plan_id"].lower()]
    assert (plan["sku"]["name"], plan["sku"]["capacity"], plan["properties"]["numberOfWorkers"]) == ("P2v3", 4, 4)
    assert _health(data["health_url"]) == 200


def test_the_deployed_stamp_is_listed_by_the_sdk_with_its_tags(mcctl, tmp_path) -> None:
    from mcctl.bootstrap import simulated_session

    assert mcctl("sim", "stamp", "deploy", "weu-3", "--region", "westeurope").exit_code == 0
    estate = load_estate(demo_source())
    session = simulated_session(estate, _sim())
    try:
        sites = {s.name: s for s in session.web(SUB).web_apps.list()}
    finally:
        session.close()
    assert sites["app-mc-weu-3"].tags["mcctl-stamp"] == "weu-3"
    assert sites["app-mc-weu-3"].server_farm_id == WEU3_PLAN


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["weu-1", "--region", "westeurope"], "NAME:"),  # a stamp of the estate file
        (["bad_name!", "--region", "westeurope"], "NAME:"),
        (["s" * 41, "--region", "westeurope"], "NAME:"),
        (["weu-3", "--region", "mars"], "--region:"),
        (["weu-3", "--region", "uksouth"], "--region:"),  # a real region, not the estate's
        (["weu-3"], "--region:"),
        (["weu-3", "--region", "westeurope", "--instances", "0"], "--instances:"),
        (["weu-3", "--region", "westeurope", "--instances", "31"], "--instances:"),
        (["weu-3", "--region", "westeurope", "--sku", "P1 v3"], "--sku:"),
        (["weu-3", "--region", "westeurope", "--lifecycle", "retired"], "--lifecycle:"),
        (["weu-3", "--region", "westeurope", "--color", "!"], "--color:"),
        (["weu-3", "--region", "westeurope", "--latency", "3"], "--latency:"),
    ],
)
def test_refusals_exit_2_naming_the_argument_and_change_nothing(mcctl, args: list[str], named: str) -> None:
    before = _resources()

    result = mcctl("sim", "stamp", "deploy", *args)

    assert result.exit_code == 2, result.output
    assert _error_line(result).startswith(f"mcctl: error: {named}")
    assert _resources() == before


def test_deploying_the_same_name_again_is_refused_with_a_hint(mcctl) -> None:
    assert mcctl("sim", "stamp", "deploy", "weu-3", "--region", "westeurope").exit_code == 0
    before = _resources()

    again = mcctl("sim", "stamp", "deploy", "WEU-3", "--region", "northeurope")

    assert again.exit_code == 2
    assert "already deployed" in _error_line(again)
    assert "hint:" in again.output
    assert _resources() == before


def test_a_name_whose_resources_exist_is_refused(mcctl) -> None:
    """A web app of that name exists (untagged, e.g. made by hand): a deploy must not overwrite it."""
    sim = _sim()
    with sim.store.transaction():
        site = json.loads(json.dumps(sim.store.require(WEU3_SITE.replace("weu-3", "weu-1"))))
        site["id"], site["name"] = WEU3_SITE, "app-mc-weu-3"
        sim.store.put(site)
    before = _resources()

    result = mcctl("sim", "stamp", "deploy", "weu-3", "--region", "westeurope")

    assert result.exit_code == 2
    assert "web app 'app-mc-weu-3'" in _error_line(result)
    assert _resources() == before


# -- health modes ----------------------------------------------------------------------------------
def test_the_old_syntax_still_works(mcctl) -> None:
    assert mcctl("sim", "stamp", "fail", "weu-1").exit_code == 0
    assert _health("https://app-mc-weu-1.azurewebsites.net/health/stamp") == 503
    assert mcctl("sim", "stamp", "ok", "weu-1").exit_code == 0
    assert _health("https://app-mc-weu-1.azurewebsites.net/health/stamp") == 200


def test_health_modes_work_for_a_deployed_stamp_the_estate_file_does_not_list(mcctl) -> None:
    assert mcctl("sim", "stamp", "deploy", "weu-3", "--region", "westeurope").exit_code == 0

    assert mcctl("sim", "stamp", "fail", "weu-3").exit_code == 0
    assert _health(WEU3_HEALTH) == 503
    status = json.loads(mcctl("-o", "json", "sim", "status").stdout)
    assert status["health_faults"]["app-mc-weu-3.azurewebsites.net/health/stamp"]["target"] == "stamp weu-3"
    assert mcctl("sim", "stamp", "ok", "weu-3").exit_code == 0
    assert _health(WEU3_HEALTH) == 200


def test_an_unknown_stamp_or_mode_is_still_refused(mcctl) -> None:
    unknown = mcctl("sim", "stamp", "fail", "weu-3")  # not deployed yet
    assert unknown.exit_code == 2 and _error_line(unknown).startswith("mcctl: error: STAMP:")
    mode = mcctl("sim", "stamp", "explode", "weu-1")
    assert mode.exit_code == 2 and _error_line(mode).startswith("mcctl: error: MODE:")
    option = mcctl("sim", "stamp", "fail", "weu-1", "--region", "westeurope")
    assert option.exit_code == 2 and _error_line(option).startswith("mcctl: error: --region:")


def test_help_documents_deploy_and_the_modes(mcctl) -> None:
    text = " ".join(mcctl("sim", "stamp", "--help").stdout.split())

    assert "deploy" in text and "ok | slow | degraded | fail | down" in text
    assert "--region" in text and "--instances" in text
