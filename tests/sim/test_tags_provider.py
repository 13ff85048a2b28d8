"""The ARM Tags API at a resource's scope on the simulator (`{id}/providers/Microsoft.Resources/tags/
default`), driven through the real SDK pipeline by mcctl.adapters.tags, and its spec examples replayed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.adapters import tags as tags_adapter
from mcctl.adapters.clients import AzureSession
from mcctl.domain.estate import Estate
from mcctl.errors import AzureRequestError, ResourceMissingError
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from tests.replay import Canned, ReplayTransport, example, replay_session

HOST = "https://management.sim.mcctl.invalid"
AUTH = {"Authorization": "Bearer t"}
API = "api-version=2021-04-01"


def _site(estate: Estate, name: str = "weu-1") -> str:
    stamp = estate.stamp(name)
    assert stamp is not None
    return stamp.app_ref.id


def _raw(sim: Sim, method: str, resource_id: str, body: Any = None) -> SimResponse:
    url = f"{HOST}{resource_id}/providers/Microsoft.Resources/tags/default?{API}"
    content = None if body is None else json.dumps(body).encode()
    return sim.handle(SimRequest(method, url, AUTH, content))


def _patch(sim: Sim, resource_id: str, operation: Any, tags: Any) -> SimResponse:
    return _raw(sim, "PATCH", resource_id, {"operation": operation, "properties": {"tags": tags}})


def _sdk_site_tags(session: AzureSession, estate: Estate, name: str = "weu-1") -> dict[str, str]:
    stamp = estate.stamp(name)
    assert stamp is not None
    return dict(session.web(stamp.subscription).web_apps.get(stamp.resource_group, stamp.web_app).tags or {})


# -- through the adapter (the SDK pipeline) --------------------------------------------------------
def test_merge_adds_and_overwrites_and_the_site_shows_them(session, sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)
    assert tags_adapter.read_tags(session, site) == {}

    first = tags_adapter.merge_tags(session, site, {"mcctl-stamp": "weu-1", "mcctl-lifecycle": "candidate"})
    after = tags_adapter.merge_tags(session, site, {"mcctl-lifecycle": "active", "owner": "team-a"})

    assert first == {"mcctl-stamp": "weu-1", "mcctl-lifecycle": "candidate"}
    assert after == {"mcctl-stamp": "weu-1", "mcctl-lifecycle": "active", "owner": "team-a"}
    assert tags_adapter.read_tags(session, site) == after
    assert _sdk_site_tags(session, demo_estate) == after  # the web app's own tags changed
    listed = session.web(demo_estate.subscription).web_apps.list()
    assert {s.name: s.tags for s in listed}["app-mc-weu-1"] == after
    assert _sdk_site_tags(session, demo_estate, "weu-2") == {}  # the others untouched
    patches = [r for r in sim.requests if r.method == "PATCH"]
    assert [r.status for r in patches] == [200, 200]
    assert all(r.path.endswith("/providers/Microsoft.Resources/tags/default") for r in patches)


def test_tags_of_a_plan_and_a_nested_resource(session, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("neu-2")
    assert stamp is not None
    origin = demo_estate.frontdoor.origin_id(stamp.origin)  # three levels under the profile

    assert tags_adapter.merge_tags(session, stamp.plan_ref.id, {"tier": "gold"}) == {"tier": "gold"}
    assert tags_adapter.merge_tags(session, origin, {"stamp": "neu-2"}) == {"stamp": "neu-2"}
    plan = session.web(stamp.subscription).app_service_plans.get(stamp.resource_group, stamp.app_service_plan)
    assert plan.tags == {"tier": "gold"}


def test_the_answer_has_the_tags_resource_shape(sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)

    answer = _patch(sim, site, "Merge", {"a": "1"})

    assert answer.status == 200
    assert answer.body == {
        "id": f"{site}/providers/Microsoft.Resources/tags/default",
        "name": "default",
        "type": "Microsoft.Resources/tags",
        "properties": {"tags": {"a": "1"}},
    }
    assert _raw(sim, "GET", site).body == answer.body


def test_replace_sets_exactly_and_delete_removes_matching_values(sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)
    _patch(sim, site, "Merge", {"a": "1", "b": "2", "c": "3", "d": "4"})

    assert _patch(sim, site, "Replace", {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}).status == 200
    # Delete: a name with its value goes; a name with another value stays; an empty value removes
    # the name whatever its value; names match case-insensitively.
    deleted = _patch(sim, site, "Delete", {"A": "1", "b": "other", "c": ""})
    assert deleted.body["properties"]["tags"] == {"b": "2", "d": "4", "e": "5"}
    replaced = _patch(sim, site, "replace", {"only": "this"})  # the operation's case does not matter
    assert replaced.body["properties"]["tags"] == {"only": "this"}
    assert sim.store.require(site)["tags"] == {"only": "this"}


def test_merge_overwrites_a_name_in_another_case(sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)
    _patch(sim, site, "Merge", {"Owner": "a"})

    assert _patch(sim, site, "Merge", {"owner": "b"}).body["properties"]["tags"] == {"owner": "b"}


def test_put_replaces_and_delete_removes_every_tag(sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)
    _patch(sim, site, "Merge", {"a": "1"})

    assert _raw(sim, "PUT", site, {"properties": {"tags": {"b": "2"}}}).body["properties"]["tags"] == {"b": "2"}
    assert _raw(sim, "DELETE", site).status == 200
    assert _raw(sim, "GET", site).body["properties"]["tags"] == {}


# -- errors ----------------------------------------------------------------------------------------
def test_an_unknown_resource_is_404_resource_not_found(session, sim: Sim, demo_estate: Estate) -> None:
    missing = _site(demo_estate).replace("app-mc-weu-1", "app-mc-nope")

    answer = _raw(sim, "GET", missing)
    assert (answer.status, answer.body["error"]["code"]) == (404, "ResourceNotFound")
    assert "Microsoft.Web/sites/app-mc-nope" in answer.body["error"]["message"]
    with pytest.raises(ResourceMissingError) as caught:
        tags_adapter.merge_tags(session, missing, {"a": "1"})
    assert caught.value.status == 404 and "app-mc-nope" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"operation": "Upsert", "properties": {"tags": {"a": "1"}}}, "operation"),
        ({"properties": {"tags": {"a": "1"}}}, "operation"),
        ({"operation": "Merge"}, "properties"),
        ({"operation": "Merge", "properties": {"tags": ["a"]}}, "properties.tags"),
        ({"operation": "Merge", "properties": {"tags": {"a": 1}}}, "properties.tags.a"),
        ({"operation": "Merge", "properties": {"tags": {"k" * 513: "v"}}}, "properties.tags"),
        ({"operation": "Merge", "properties": {"tags": {"a": "v" * 257}}}, "properties.tags.a"),
        ({"operation": "Merge", "properties": {"tags": {"a/b": "v"}}}, "properties.tags.a/b"),
        ({"operation": "Merge", "properties": {"tags": {f"t{i}": "v" for i in range(51)}}}, "50"),
        ("not an object", "body"),
    ],
)
def test_a_bad_body_is_400_naming_the_field_and_changes_nothing(
    sim: Sim, demo_estate: Estate, body: Any, named: str
) -> None:
    site = _site(demo_estate)
    _patch(sim, site, "Merge", {"keep": "me"})

    answer = _raw(sim, "PATCH", site, body)

    assert answer.status == 400
    assert named in answer.body["error"]["message"]
    assert sim.store.require(site)["tags"] == {"keep": "me"}


def test_limits_count_the_tags_after_a_merge(sim: Sim, demo_estate: Estate) -> None:
    site = _site(demo_estate)
    _patch(sim, site, "Merge", {f"t{i}": "v" for i in range(50)})  # 50 is allowed

    answer = _patch(sim, site, "Merge", {"one-more": "v"})

    assert (answer.status, answer.body["error"]["code"]) == (400, "InvalidTagCount")
    assert len(sim.store.require(site)["tags"]) == 50
    assert _patch(sim, site, "Merge", {"t0": "changed"}).status == 200  # overwriting adds none


def test_the_adapter_maps_a_bad_request(session, demo_estate: Estate) -> None:
    with pytest.raises(AzureRequestError) as caught:
        tags_adapter.merge_tags(session, _site(demo_estate), {"a": "v" * 300})

    assert caught.value.status == 400 and "InvalidTagValueLength" in str(caught.value)


# -- faults and retries ----------------------------------------------------------------------------
def test_an_armed_error_fault_applies_and_the_pipeline_retries_it(session, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "error", "method": "PATCH", "path": "/tags/default", "count": 1, "status": 503})

    assert tags_adapter.merge_tags(session, _site(demo_estate), {"a": "1"}) == {"a": "1"}

    assert [r.status for r in sim.requests if r.method == "PATCH"] == [503, 200]  # azure-core's retry policy


def test_a_persistent_fault_fails_the_call_and_tags_nothing(session, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "error", "method": "PATCH", "path": "*tags/default", "count": 1000, "status": 500})

    with pytest.raises(AzureRequestError) as caught:
        tags_adapter.merge_tags(session, _site(demo_estate), {"a": "1"})

    assert caught.value.status == 500
    assert "tags" not in sim.store.require(_site(demo_estate))


def test_throttling_is_retried_after_the_simulated_retry_after(session, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "throttle", "method": "GET", "path": "/tags/default", "count": 1, "retry_after": 5})
    started = sim.now()

    assert tags_adapter.read_tags(session, _site(demo_estate)) == {}

    assert [r.status for r in sim.requests if r.method == "GET"] == [429, 200]
    assert sim.now() - started >= 5  # simulated, not real, waiting


# -- the spec examples -----------------------------------------------------------------------------
def test_the_adapter_reads_the_spec_examples_replayed(demo_estate: Estate) -> None:
    patch = example("resources/PatchTagsResource.json")
    get = example("resources/GetTagsResource.json")
    scope = "/" + patch["parameters"]["scope"]
    transport = ReplayTransport(
        [
            Canned("PATCH", "/tags/default", 200, patch["responses"]["200"]["body"]),
            Canned("GET", "/tags/default", 200, get["responses"]["200"]["body"]),
        ]
    )
    session = replay_session(demo_estate, transport)

    merged = tags_adapter.merge_tags(session, scope, patch["parameters"]["parameters"]["properties"]["tags"])

    assert merged == {"tagKey1": "tag-value-1", "tagKey2": "tag-value-2"}
    assert tags_adapter.read_tags(session, scope) == merged
    method, url, content = transport.requests[0]
    assert method == "PATCH" and url.lower().endswith(
        "/resourcegroups/my-resource-group/providers/myprnamespace/vm/myvm/providers/microsoft.resources/tags/default"
        "?api-version=2021-04-01"
    )
    assert json.loads(content)["operation"] == "Merge"


def test_the_simulator_answers_the_spec_example_request(sim: Sim, demo_estate: Estate) -> None:
    patch = example("resources/PatchTagsResource.json")
    site = _site(demo_estate)

    answer = _raw(sim, "PATCH", site, patch["parameters"]["parameters"])

    assert answer.status == 200
    assert answer.body["properties"] == patch["responses"]["200"]["body"]["properties"]
