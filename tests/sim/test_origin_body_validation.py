"""Front Door origin PATCH and PUT bodies the simulator must refuse, as ARM does: a body that is JSON
but not an object (never read as "no change"), and a property of the wrong type, named as a type
error (not as a range error). PUT and PATCH answer the same; nothing changes, nothing starts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from tests.foreign_client import origin_path

HOST = "https://management.sim.mcctl.invalid"
AUTH = {"Authorization": "Bearer t"}
CDN_API = "2026-10-01"


def _call(sim: Sim, method: str, path: str, raw: bytes = b"") -> SimResponse:
    return sim.handle(SimRequest(method, f"{HOST}{path}?api-version={CDN_API}", AUTH, raw))


def _operations(sim: Sim) -> int:
    return len(sim.store.data.get("operations", {}))


@pytest.mark.parametrize("raw", [b"[1,2]", b'"str"', b"[]", b"0", b"false", b"null"])
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_body_that_is_not_an_object_is_400(sim: Sim, demo_estate: Estate, method: str, raw: bytes) -> None:
    path = origin_path(demo_estate)
    before, ops = _call(sim, "GET", path).body, _operations(sim)

    response = _call(sim, method, path, raw)

    assert response.status == 400, response.body
    assert response.body["error"]["code"] == "InvalidRequestContent"
    assert "must be a JSON object" in response.body["error"]["message"]
    assert _call(sim, "GET", path).body == before and _operations(sim) == ops


def test_put_and_patch_refuse_a_non_object_body_alike(sim: Sim, demo_estate: Estate) -> None:
    path = origin_path(demo_estate)
    assert _call(sim, "PUT", path, b"[1,2]").body == _call(sim, "PATCH", path, b"[1,2]").body


@pytest.mark.parametrize(("name", "value", "kind"), [("weight", "700", "string"), ("priority", 1.5, "number")])
def test_a_property_of_the_wrong_type_is_named_as_a_type_error(
    sim: Sim, demo_estate: Estate, name: str, value: Any, kind: str
) -> None:
    path = origin_path(demo_estate)
    before = _call(sim, "GET", path).body
    full = json.loads(json.dumps(before))
    full["properties"][name] = value

    patch = _call(sim, "PATCH", path, json.dumps({"properties": {name: value}}).encode())
    put = _call(sim, "PUT", path, json.dumps(full).encode())

    assert patch.status == put.status == 400 and patch.body == put.body
    message = patch.body["error"]["message"]
    assert f"property '{name}'" in message and "must be an integer" in message and kind in message
    assert "between" not in message
    assert _call(sim, "GET", path).body == before


def test_an_integer_out_of_range_still_says_the_range(sim: Sim, demo_estate: Estate) -> None:
    response = _call(sim, "PATCH", origin_path(demo_estate), b'{"properties": {"weight": 1001}}')
    assert response.status == 400
    assert "must be between 1 and 1000" in response.body["error"]["message"]


def test_an_empty_patch_body_still_changes_nothing_and_is_accepted(sim: Sim, demo_estate: Estate) -> None:
    assert _call(sim, "PATCH", origin_path(demo_estate), b"").status in (200, 202)


def test_a_put_with_null_weight_stores_what_the_spec_example_returns(sim: Sim, demo_estate: Estate) -> None:
    """AFDOrigins_Create.json answers a PUT without weight/priority with both null: no default stored."""
    path = origin_path(demo_estate, "origin-neu-1")
    full = _call(sim, "GET", path).body
    full["properties"].update(weight=None, priority=None)
    assert _call(sim, "PUT", path, json.dumps(full).encode()).status == 200
    sim.advance(60)
    after = _call(sim, "GET", path).body["properties"]
    assert (after["weight"], after["priority"], after["provisioningState"]) == (None, None, "Succeeded")
