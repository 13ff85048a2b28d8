"""Front Door origins created (AFDOrigins_Create) and deleted (AFDOrigins_Delete) as LROs on the
simulator, driven through the real azure-mgmt-cdn client, and what the edge routes before and after
the change has propagated."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from mcctl.adapters import frontdoor
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from mcctl.sim.providers.cdn import PROPAGATION_SECONDS, SERVED_BY_HEADER, edge_config
from mcctl.sim.providers.cdn_origins import ORIGIN_CREATE_SECONDS, ORIGIN_DELETE_SECONDS
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

HOST = "https://management.sim.mcctl.invalid"
API = "api-version=2026-10-01"
AUTH = {"Authorization": "Bearer t"}
NEW = "origin-weu-3"
SEEDED = {"weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"}


# -- helpers ---------------------------------------------------------------------------------------
def _deploy_site(sim: Sim, estate: Estate, name: str = "weu-3", tags: dict[str, str] | None = None) -> str:
    """What a deployment pipeline leaves: weu-1's plan and web app copied as `name`'s; the app's id."""
    template = estate.stamp("weu-1")
    site = sim.store.require(template.app_ref.id)
    plan = sim.store.require(site["properties"]["serverFarmId"])
    for body in (plan, site):
        clone = json.loads(json.dumps(body).replace("weu-1", name))
        if tags is not None:
            clone["tags"] = tags
        sim.store.put(clone)
    return template.app_ref.id.replace("weu-1", name)


def _new_origin(site_id: str, host: str = "app-mc-weu-3.azurewebsites.net", **props: Any) -> dict[str, Any]:
    return {
        "properties": {
            "azureOrigin": {"id": site_id},
            "hostName": host,
            "originHostHeader": host,
            "enabledState": "Enabled",
            **props,
        }
    }


def _origins(session, estate: Estate):
    return session.cdn(estate.frontdoor.subscription).afd_origins


def _create(session, estate: Estate, name: str, body: dict[str, Any]) -> Any:
    fd = estate.frontdoor
    return _origins(session, estate).begin_create(fd.resource_group, fd.profile, fd.origin_group, name, body).result()


def _delete(session, estate: Estate, name: str) -> None:
    fd = estate.frontdoor
    _origins(session, estate).begin_delete(fd.resource_group, fd.profile, fd.origin_group, name).result()


def _url(estate: Estate, name: str) -> str:
    return f"{HOST}{estate.frontdoor.origin_id(name)}?{API}"


def _raw(sim: Sim, method: str, url: str, body: Any = None) -> SimResponse:
    content = None if body is None else json.dumps(body).encode()
    return sim.handle(SimRequest(method, url, AUTH, content))


def _statuses(sim: Sim, method: str) -> list[int]:
    return [r.status for r in sim.requests if r.method == method]


def _served(sim: Sim, estate: Estate, n: int) -> Counter:
    request = SimRequest("GET", f"https://{estate.frontdoor.endpoint_host}/", {})
    return Counter(sim.handle(request).headers.get(SERVED_BY_HEADER, "-") for _ in range(n))


def _on_edge(sim: Sim, estate: Estate, name: str) -> dict[str, Any] | None:
    return next((o for o in edge_config(sim, estate.frontdoor.profile_ref.id) if o["name"] == name), None)


def _shape(body: dict[str, Any]) -> dict[str, Any]:
    """An origin body without what names its place (ids, names) and the readonly group name."""
    props = {k: v for k, v in body["properties"].items() if k != "originGroupName"}
    return {"type": body["type"], "properties": props}


# -- create: the contract --------------------------------------------------------------------------
def test_create_answers_201_creating_with_the_spec_example_shape(sim: Sim, demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Create.json")
    request = ex["parameters"]["origin"]

    created = _raw(sim, "PUT", _url(demo_estate, "origin1"), request)

    assert created.status == 201
    assert _shape(created.body) == _shape(ex["responses"]["202"]["body"])  # Creating, NotStarted, nulls
    fd = demo_estate.frontdoor
    ex_id = ex["responses"]["202"]["body"]["id"]  # lower-case path segments, as the service writes them
    assert created.body["id"] == ex_id.replace("/subid/", f"/{fd.subscription}/").replace(
        "/RG/", f"/{fd.resource_group}/"
    ).replace("/profile1/", f"/{fd.profile}/").replace("/origingroup1/", f"/{fd.origin_group}/")
    assert created.body["properties"]["originGroupName"] == demo_estate.frontdoor.origin_group
    monitor = created.headers["Azure-AsyncOperation"]
    assert "/providers/Microsoft.Cdn/operationresults/" in monitor and API in monitor
    assert set(ex["responses"]["202"]["headers"]) <= {h.lower() for h in created.headers}
    assert _raw(sim, "GET", monitor).body["status"] == "InProgress"
    assert _raw(sim, "GET", _url(demo_estate, "origin1")).body["properties"]["provisioningState"] == "Creating"

    sim.advance(ORIGIN_CREATE_SECONDS)

    assert _raw(sim, "GET", monitor).body["status"] == "Succeeded"
    done = _raw(sim, "GET", _url(demo_estate, "origin1")).body
    expected = _shape(ex["responses"]["201"]["body"])
    expected["properties"]["deploymentStatus"] = "Succeeded"  # as after a PATCH: deployed to the edge
    assert _shape(done) == expected


def test_sdk_begin_create_polls_to_the_end_and_returns_the_origin(session, sim: Sim, demo_estate: Estate) -> None:
    site_id = _deploy_site(sim, demo_estate)
    started = sim.now()

    origin = _create(session, demo_estate, NEW, _new_origin(site_id, weight=10, priority=1))

    assert (origin.name, origin.host_name, origin.enabled_state) == (NEW, "app-mc-weu-3.azurewebsites.net", "Enabled")
    assert (origin.weight, origin.priority, origin.http_port, origin.https_port) == (10, 1, 80, 443)
    assert origin.azure_origin.id == site_id
    assert (origin.provisioning_state, origin.deployment_status) == ("Succeeded", "Succeeded")
    assert _statuses(sim, "PUT") == [201]
    polls = [r for r in sim.requests if r.method == "GET" and "/operationresults/" in r.path]
    assert polls and polls[-1].status == 200
    assert sim.requests[-1].method == "GET" and sim.requests[-1].path.lower().endswith(f"/origins/{NEW}")
    assert sim.now() - started >= ORIGIN_CREATE_SECONDS - 1  # simulated time, no real sleep
    listed = frontdoor.list_origins(session, demo_estate.frontdoor)
    assert NEW in listed and listed[NEW].weight == 10


def test_sdk_accepts_the_create_example_replayed(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Create.json")
    accepted = from_example(ex, "PUT", "/origins/origin1", status="202")
    monitor = Canned("GET", "/operationresults/operationid", 200, {"status": "Succeeded"})
    final = from_example(ex, "GET", "/origins/origin1", status="200")
    transport = ReplayTransport([accepted, monitor, final])
    client = replay_session(demo_estate, transport).cdn("00000000-0000-0000-0000-000000000000")

    origin = client.afd_origins.begin_create("RG", "profile1", "origingroup1", "origin1", ex["parameters"]["origin"])

    assert (origin.result().provisioning_state, origin.result().weight) == ("Succeeded", None)
    assert [m for m, _, _ in transport.requests] == ["PUT", "GET", "GET"]
    assert json.loads(transport.requests[0][2]) == ex["parameters"]["origin"]


# -- create: validation, retries, conflicts, failure -----------------------------------------------
@pytest.mark.parametrize(
    ("props", "named"),
    [
        ({"weight": 0}, "weight"),
        ({"priority": 9}, "priority"),
        ({"httpsPort": 70000}, "httpsPort"),
        ({"enabledState": "Maybe"}, "enabledState"),
        ({"hostName": ""}, "hostName"),
        ({"azureOrigin": {"name": "x"}}, "azureOrigin"),
    ],
)
def test_invalid_create_is_400_naming_the_property_and_creates_nothing(
    session, sim: Sim, demo_estate: Estate, props: dict[str, Any], named: str
) -> None:
    body = _new_origin("/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a")
    body["properties"].update(props)

    with pytest.raises(HttpResponseError) as caught:
        _create(session, demo_estate, NEW, body)

    assert caught.value.status_code == 400
    assert named in str(caught.value.message)
    assert sim.store.get(demo_estate.frontdoor.origin_id(NEW)) is None
    assert not [op for op in sim.store.data["operations"].values() if op["kind"] == "cdn.origin.create"]


def test_a_body_without_properties_is_400(sim: Sim, demo_estate: Estate) -> None:
    answer = _raw(sim, "PUT", _url(demo_estate, NEW), {"name": NEW})

    assert (answer.status, answer.body["error"]["code"]) == (400, "InvalidRequestContent")


def test_create_in_an_unknown_origin_group_is_404(sim: Sim, demo_estate: Estate) -> None:
    url = _url(demo_estate, NEW).replace(f"/originGroups/{demo_estate.frontdoor.origin_group}/", "/originGroups/og-x/")

    answer = _raw(sim, "PUT", url, _new_origin("/x"))

    assert answer.status == 404
    assert sim.store.get(demo_estate.frontdoor.origin_id(NEW)) is None


def test_the_same_create_again_while_it_runs_joins_it_and_another_is_409(sim: Sim, demo_estate: Estate) -> None:
    body = _new_origin(_deploy_site(sim, demo_estate))
    first = _raw(sim, "PUT", _url(demo_estate, NEW), body)

    again = _raw(sim, "PUT", _url(demo_estate, NEW), body)
    other = _raw(sim, "PUT", _url(demo_estate, NEW), _new_origin("/x", weight=5))
    patch = _raw(sim, "PATCH", _url(demo_estate, NEW), {"properties": {"weight": 5}})

    assert (first.status, again.status) == (201, 201)
    assert again.headers["Azure-AsyncOperation"] == first.headers["Azure-AsyncOperation"]
    assert (other.status, other.body["error"]["code"]) == (409, "Conflict")
    assert patch.status == 409
    sim.advance(ORIGIN_CREATE_SECONDS)
    assert _raw(sim, "PUT", _url(demo_estate, NEW), body).status == 200  # now a replacement, nothing to wait for
    assert sim.store.require(demo_estate.frontdoor.origin_id(NEW))["properties"]["weight"] is None


def test_a_failed_create_leaves_a_failed_origin_the_edge_never_routes_to(session, sim, demo_estate) -> None:
    sim.add_fault({"kind": "lro_failure", "operation": "cdn.origin.create", "code": "OriginCreateFailed"})

    with pytest.raises(HttpResponseError) as caught:
        _create(session, demo_estate, NEW, _new_origin(_deploy_site(sim, demo_estate)))

    assert "OriginCreateFailed" in str(caught.value)
    failed = frontdoor.get_origin(session, demo_estate.frontdoor, NEW)
    assert (failed.provisioning_state, failed.deployment_status) == ("Failed", "Failed")
    sim.advance(PROPAGATION_SECONDS + 1)
    assert _on_edge(sim, demo_estate, NEW)["enabledState"] is None
    assert "weu-3/westeurope" not in _served(sim, demo_estate, 14)


# -- PUT on an existing origin: a full replacement -------------------------------------------------
def test_put_on_an_existing_origin_replaces_it_at_completion(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamp("weu-1").origin
    frontdoor.update_origin(session, fd, name, weight=300, priority=2, options=WaitOptions())
    host = "app-mc-weu-1.azurewebsites.net"

    accepted = _raw(sim, "PUT", _url(demo_estate, name), {"properties": {"hostName": host, "enabledState": "Disabled"}})

    assert accepted.status == 200 and "Azure-AsyncOperation" in accepted.headers
    assert accepted.body["properties"]["provisioningState"] == "Updating"
    assert accepted.body["properties"]["weight"] == 300  # the current body: the change applies at completion
    sim.advance(60)
    props = sim.store.require(fd.origin_id(name))["properties"]
    assert (props["enabledState"], props["weight"], props["priority"], props["originHostHeader"]) == (
        "Disabled",
        None,
        None,
        None,
    )
    assert "azureOrigin" not in props  # a full PUT: what was left out is gone
    assert (props["provisioningState"], props["originGroupName"]) == ("Succeeded", fd.origin_group)


def test_sdk_begin_create_on_an_existing_origin_is_a_replacement(session, sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("neu-2")

    origin = _create(session, demo_estate, stamp.origin, _new_origin(stamp.app_ref.id, host=f"{stamp.web_app}.x.net"))

    assert (origin.host_name, origin.weight, origin.provisioning_state) == (f"{stamp.web_app}.x.net", None, "Succeeded")
    assert _statuses(sim, "PUT") == [200]


def test_invalid_replacement_is_400_and_changes_nothing(sim: Sim, demo_estate: Estate) -> None:
    name = demo_estate.stamp("weu-2").origin
    before = copy.deepcopy(sim.store.require(demo_estate.frontdoor.origin_id(name)))

    answer = _raw(sim, "PUT", _url(demo_estate, name), {"properties": {"hostName": "h", "weight": 1001}})

    assert answer.status == 400 and "weight" in answer.body["error"]["message"]
    assert sim.store.require(demo_estate.frontdoor.origin_id(name)) == before


# -- delete ----------------------------------------------------------------------------------------
def test_delete_answers_202_with_monitors_then_the_origin_is_gone(sim: Sim, demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Delete.json")
    name = demo_estate.stamp("eus2-2").origin

    accepted = _raw(sim, "DELETE", _url(demo_estate, name))

    assert str(accepted.status) in ex["responses"] and accepted.status == 202
    assert accepted.body is None
    assert set(ex["responses"]["202"]["headers"]) <= {h.lower() for h in accepted.headers}
    assert accepted.headers["Location"] == accepted.headers["Azure-AsyncOperation"]
    during = _raw(sim, "GET", _url(demo_estate, name)).body["properties"]
    assert (during["provisioningState"], during["deploymentStatus"]) == ("Deleting", "InProgress")
    assert (
        _raw(sim, "DELETE", _url(demo_estate, name)).headers["Azure-AsyncOperation"]
        == accepted.headers["Azure-AsyncOperation"]
    )  # a retried DELETE joins the running one
    assert _raw(sim, "PATCH", _url(demo_estate, name), {"properties": {"weight": 5}}).status == 409

    sim.advance(ORIGIN_DELETE_SECONDS)

    assert _raw(sim, "GET", accepted.headers["Azure-AsyncOperation"]).body["status"] == "Succeeded"
    assert _raw(sim, "GET", _url(demo_estate, name)).status == 404
    gone = _raw(sim, "DELETE", _url(demo_estate, name))
    assert (gone.status, gone.body) == (204, None)  # AFDOrigins_Delete.json's 204
    assert "204" in ex["responses"]


def test_sdk_begin_delete_polls_to_the_end(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamp("eus2-1").origin

    _delete(session, demo_estate, name)

    assert _statuses(sim, "DELETE") == [202]
    assert [r.status for r in sim.requests if "/operationresults/" in r.path][-1] == 200
    with pytest.raises(ResourceNotFoundError):
        _origins(session, demo_estate).get(fd.resource_group, fd.profile, fd.origin_group, name)
    assert name not in frontdoor.list_origins(session, fd)
    _delete(session, demo_estate, name)  # nothing left to delete: 204, no polling
    assert _statuses(sim, "DELETE") == [202, 204]


def test_sdk_accepts_the_delete_example_replayed(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Delete.json")
    accepted = from_example(ex, "DELETE", "/origins/origin1", status="202")
    monitor = Canned("GET", "/operationresults/operationid", 200, {"status": "Succeeded"})
    transport = ReplayTransport([accepted, monitor])
    client = replay_session(demo_estate, transport).cdn("00000000-0000-0000-0000-000000000000")

    assert client.afd_origins.begin_delete("RG", "profile1", "origingroup1", "origin1").result() is None
    assert [m for m, _, _ in transport.requests] == ["DELETE", "GET"]


def test_delete_in_an_unknown_origin_group_is_404(sim: Sim, demo_estate: Estate) -> None:
    url = _url(demo_estate, "origin-weu-1").replace("/originGroups/og-web/", "/originGroups/og-x/")

    assert _raw(sim, "DELETE", url).status == 404


# -- the edge --------------------------------------------------------------------------------------
def test_a_new_enabled_origin_is_served_once_it_has_propagated(session, sim: Sim, demo_estate: Estate) -> None:
    _create(session, demo_estate, NEW, _new_origin(_deploy_site(sim, demo_estate)))
    completed = sim.now()

    assert _on_edge(sim, demo_estate, NEW)["enabledState"] is None  # accepted by ARM, nothing on the edge yet
    assert set(_served(sim, demo_estate, 14)) == {f"{s}/{demo_estate.stamp(s).region}" for s in SEEDED}
    sim.advance(PROPAGATION_SECONDS - 10)
    assert "weu-3/westeurope" not in _served(sim, demo_estate, 14)
    sim.advance(completed + PROPAGATION_SECONDS - sim.now() + 1)

    served = _served(sim, demo_estate, 14)  # seven origins of equal weight: two rounds

    assert served["weu-3/westeurope"] == 2
    assert len(served) == 7 and set(served.values()) == {2}
    stamps = sim.store.data["edge"]["stamps"]
    assert stamps[demo_estate.frontdoor.origin_id(NEW).lower()] == {"stamp": "weu-3", "region": "westeurope"}


def test_a_new_disabled_origin_is_served_only_after_it_is_enabled(session, sim: Sim, demo_estate: Estate) -> None:
    _create(session, demo_estate, NEW, _new_origin(_deploy_site(sim, demo_estate), enabledState="Disabled"))
    sim.advance(PROPAGATION_SECONDS + 1)
    assert _on_edge(sim, demo_estate, NEW)["enabledState"] == "Disabled"
    assert "weu-3/westeurope" not in _served(sim, demo_estate, 14)

    frontdoor.update_origin(session, demo_estate.frontdoor, NEW, enabled=True, options=WaitOptions())
    assert "weu-3/westeurope" not in _served(sim, demo_estate, 14)
    sim.advance(PROPAGATION_SECONDS + 1)

    assert _served(sim, demo_estate, 14)["weu-3/westeurope"] == 2


def test_the_stamp_name_comes_from_the_pipelines_tag_on_the_app(session, sim: Sim, demo_estate: Estate) -> None:
    site_id = _deploy_site(sim, demo_estate, tags={"mcctl-stamp": "weu-green"})

    _create(session, demo_estate, "origin-candidate", _new_origin(site_id))
    sim.advance(PROPAGATION_SECONDS + 1)

    assert _served(sim, demo_estate, 14)["weu-green/westeurope"] == 2


def test_an_origin_without_azure_origin_is_named_from_the_app_with_its_host(session, sim, demo_estate) -> None:
    _deploy_site(sim, demo_estate)
    body = _new_origin("unused")
    del body["properties"]["azureOrigin"]

    _create(session, demo_estate, NEW, body)
    sim.advance(PROPAGATION_SECONDS + 1)

    assert _served(sim, demo_estate, 14)["weu-3/westeurope"] == 2


def test_a_stopped_new_app_is_unhealthy_and_not_served(session, sim: Sim, demo_estate: Estate) -> None:
    site_id = _deploy_site(sim, demo_estate)
    sim.store.require(site_id)["properties"]["state"] = "Stopped"

    _create(session, demo_estate, NEW, _new_origin(site_id))
    sim.advance(PROPAGATION_SECONDS + 1)

    assert "weu-3/westeurope" not in _served(sim, demo_estate, 14)  # AFD's probes get a 403


def test_a_deleted_origin_is_routed_to_until_its_removal_has_propagated(session, sim, demo_estate) -> None:
    name = demo_estate.stamp("weu-1").origin
    _delete(session, demo_estate, name)
    completed = sim.now()

    assert _served(sim, demo_estate, 12)["weu-1/westeurope"] == 2  # gone from ARM, still on the edge
    assert _on_edge(sim, demo_estate, name)["enabledState"] == "Enabled"
    sim.advance(PROPAGATION_SECONDS - 10)
    assert _served(sim, demo_estate, 12)["weu-1/westeurope"] == 2
    sim.advance(completed + PROPAGATION_SECONDS - sim.now() + 1)

    assert _served(sim, demo_estate, 10) == Counter(
        {f"{s}/{demo_estate.stamp(s).region}": 2 for s in SEEDED - {"weu-1"}}
    )
    assert _on_edge(sim, demo_estate, name) is None
    assert len(edge_config(sim, demo_estate.frontdoor.profile_ref.id)) == 5


def test_the_edge_forgets_a_propagated_removal_at_the_next_delete(session, sim, demo_estate) -> None:
    first, second = demo_estate.stamp("weu-1").origin, demo_estate.stamp("weu-2").origin
    _delete(session, demo_estate, first)
    sim.advance(PROPAGATION_SECONDS + 1)

    _delete(session, demo_estate, second)

    edge = sim.store.data["edge"]
    first_key = demo_estate.frontdoor.origin_id(first).lower()
    assert list(edge["removed"]) == [demo_estate.frontdoor.origin_id(second).lower()]
    assert first_key not in edge["origins"] and first_key not in edge["stamps"]


def test_an_origin_deleted_and_created_again_is_served_from_the_new_config(session, sim, demo_estate) -> None:
    stamp = demo_estate.stamp("weu-2")
    _delete(session, demo_estate, stamp.origin)
    sim.advance(PROPAGATION_SECONDS + 1)
    assert f"weu-2/{stamp.region}" not in _served(sim, demo_estate, 10)

    _create(
        session, demo_estate, stamp.origin, _new_origin(stamp.app_ref.id, host=f"{stamp.web_app}.azurewebsites.net")
    )
    sim.advance(PROPAGATION_SECONDS + 1)

    assert _served(sim, demo_estate, 12)[f"weu-2/{stamp.region}"] == 2
    assert "removed" not in sim.store.data["edge"] or not sim.store.data["edge"]["removed"]
