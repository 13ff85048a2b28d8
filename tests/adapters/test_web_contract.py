"""Contract: App Service examples from the REST spec deserialize through the real SDK into the same
domain values the adapter returns for the simulator's answers."""

from __future__ import annotations

import json

from mcctl.adapters import web
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Stamp
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

EXAMPLE_STAMP = Stamp(
    name="s1",
    region="eastus",
    subscription="34adfa4f-cedf-4dc0-ba29-b6d1a69ab345",
    resource_group="testrg123",
    app_service_plan="testsf6141",
    web_app="sitef6141",
    origin="o1",
    health_url="https://sitef6141.azurewebsites.net/health/stamp",
)


def test_get_plan_from_the_spec_example(demo_estate) -> None:
    transport = ReplayTransport([from_example(example("web/GetAppServicePlan.json"), "GET", "/serverfarms/testsf6141")])
    plan = web.get_plan(replay_session(demo_estate, transport), EXAMPLE_STAMP)
    assert (plan.name, plan.sku_name, plan.capacity) == ("testsf6141", "P1", 1)
    assert (plan.number_of_workers, plan.maximum_number_of_workers, plan.status) == (19, 20, "Ready")
    assert "api-version=2025-05-01" in transport.requests[0][1]


def test_get_plan_from_the_simulator(session, demo_estate) -> None:
    plan = web.get_plan(session, demo_estate.stamps[0])
    assert (plan.name, plan.sku_name, plan.capacity, plan.number_of_workers) == ("asp-mc-weu-1", "P1v3", 3, 3)
    assert (plan.maximum_number_of_workers, plan.status, plan.provisioning_state) == (30, "Ready", "Succeeded")


def test_list_plans_from_the_spec_example(demo_estate) -> None:
    ex = example("web/ListAppServicePlansByResourceGroup.json")
    transport = ReplayTransport([from_example(ex, "GET", "/providers/Microsoft.Web/serverfarms")])
    plans = web.list_plans(replay_session(demo_estate, transport), EXAMPLE_STAMP.subscription)
    expected = {p["id"].lower(): p["sku"]["capacity"] for p in ex["responses"]["200"]["body"]["value"]}
    assert {k: v.capacity for k, v in plans.items()} == expected


def test_list_plans_and_apps_from_the_simulator_page_through_every_item(session, sim, demo_estate) -> None:
    sim.settings["page_size"] = 2
    plans = web.list_plans(session, demo_estate.subscription)
    apps = web.list_web_apps(session, demo_estate.subscription)
    assert {s.plan_ref.id.lower() for s in demo_estate.stamps} == set(plans)
    assert {s.app_ref.id.lower() for s in demo_estate.stamps} == set(apps)
    pages = [r for r in sim.requests if r.path.lower().endswith("/microsoft.web/serverfarms")]
    assert len(pages) == 3  # 6 plans, 2 per page: the SDK followed two absolute nextLinks


def test_get_web_app_from_the_spec_example(demo_estate) -> None:
    transport = ReplayTransport([from_example(example("web/GetWebApp.json"), "GET", "/sites/sitef6141")])
    app = web.get_web_app(replay_session(demo_estate, transport), EXAMPLE_STAMP)
    assert (app.name, app.state, app.enabled, app.availability_state) == ("sitef6141", "Running", True, "Normal")
    assert app.server_farm_id.endswith("/serverfarms/DefaultAsp")


def test_list_web_apps_from_the_spec_example(demo_estate) -> None:
    ex = example("web/ListWebAppsByResourceGroup.json")
    transport = ReplayTransport([from_example(ex, "GET", "/providers/Microsoft.Web/sites")])
    apps = web.list_web_apps(replay_session(demo_estate, transport), EXAMPLE_STAMP.subscription)
    assert {a.name for a in apps.values()} == {s["name"] for s in ex["responses"]["200"]["body"]["value"]}


def test_get_web_app_from_the_simulator(session, demo_estate) -> None:
    app = web.get_web_app(session, demo_estate.stamps[2])
    assert (app.name, app.state, app.enabled, app.availability_state) == ("app-mc-neu-1", "Running", True, "Normal")
    assert app.server_farm_id.lower() == demo_estate.stamps[2].plan_ref.id.lower()


def test_scale_replays_the_spec_put_example(demo_estate) -> None:
    """GET, then PUT answered 202 with both monitor headers (as the spec example), then the final GET."""
    get = example("web/GetAppServicePlan.json")
    put = example("web/CreateOrUpdateAppServicePlan.json")
    monitor = put["responses"]["202"]["headers"]["azure-asyncoperation"]
    final = dict(put["responses"]["200"]["body"], sku={**put["responses"]["200"]["body"]["sku"], "capacity": 4})
    transport = ReplayTransport(
        [
            from_example(put, "PUT", "/serverfarms/testsf6141", status="202"),
            Canned("GET", "/operationresults/", 200, {"status": "InProgress"}, once=True),
            Canned("GET", "/operationresults/", 200, {"status": "Succeeded"}),
            Canned("GET", "/serverfarms/testsf6141", 200, get["responses"]["200"]["body"], once=True),
            Canned("GET", "/serverfarms/testsf6141", 200, final),
        ]
    )
    plan = web.set_plan_capacity(replay_session(demo_estate, transport), EXAMPLE_STAMP, 4, WaitOptions(timeout=None))
    assert plan is not None and plan.capacity == 4
    methods = [(m, u.split("?")[0].rsplit("/", 1)[-1]) for m, u, _ in transport.requests]
    assert methods[0] == ("GET", "testsf6141") and methods[1] == ("PUT", "testsf6141")
    assert [u for _, u, _ in transport.requests].count(monitor) == 2
    assert json.loads(transport.requests[1][2])["sku"]["capacity"] == 4


def test_scale_on_the_simulator_completes_in_simulated_time(session, sim, demo_estate) -> None:
    stamp = demo_estate.stamps[0]
    before = sim.now()
    seen: list[str] = []
    plan = web.set_plan_capacity(session, stamp, 5, WaitOptions(timeout=600, on_progress=seen.append))
    assert plan is not None and (plan.capacity, plan.number_of_workers) == (5, 5)
    assert sim.now() - before >= 70  # 30 s + 20 s per added instance, spent in simulated time
    assert seen[-1] == "Succeeded" and "InProgress" in seen
    stored = sim.store.get(stamp.plan_ref.id)
    assert stored["sku"]["capacity"] == 5 and stored["properties"]["numberOfWorkers"] == 5
