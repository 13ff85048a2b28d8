"""An operation another client started is never handed to mcctl as its own (issue 19, point 5)."""

from __future__ import annotations

import json

from mcctl.sim.credential import make_sim_token
from mcctl.sim.http import SimRequest
from tests.foreign_client import HOST, foreign_token

API = "2023-12-01"


def _put(sim, demo_estate, token: str, capacity: int):
    stamp = demo_estate.stamp("weu-1")
    url = (
        f"{HOST}/subscriptions/{stamp.subscription}/resourceGroups/{stamp.resource_group}/providers/"
        f"Microsoft.Web/serverfarms/{stamp.app_service_plan}?api-version={API}"
    )
    body = json.dumps({"location": "West Europe", "sku": {"name": "P1v3", "capacity": capacity}}).encode()
    return sim.handle(SimRequest("PUT", url, {"authorization": f"Bearer {token}"}, body))


def test_the_same_scale_from_another_client_is_a_conflict_not_a_retry(sim, demo_estate) -> None:
    started = _put(sim, demo_estate, foreign_token(), 6)
    assert started.status == 202
    theirs = started.headers["Azure-AsyncOperation"]
    retried = _put(sim, demo_estate, foreign_token(), 6)
    assert retried.status == 202 and retried.headers["Azure-AsyncOperation"] == theirs  # its own retry
    mine = _put(sim, demo_estate, make_sim_token()[0], 6)
    assert mine.status == 409 and mine.body["error"]["code"] == "Conflict"


def _patch_origin(sim, demo_estate, token: str, weight: int):
    fd = demo_estate.frontdoor
    url = (
        f"{HOST}/subscriptions/{demo_estate.subscription}/resourceGroups/{fd.resource_group}/providers/Microsoft.Cdn/"
        f"profiles/{fd.profile}/originGroups/{fd.origin_group}/origins/origin-weu-1?api-version=2025-06-01"
    )
    body = json.dumps({"properties": {"weight": weight}}).encode()
    return sim.handle(SimRequest("PATCH", url, {"authorization": f"Bearer {token}"}, body))


def test_an_origin_update_from_another_client_is_never_joined(sim, demo_estate) -> None:
    started = _patch_origin(sim, demo_estate, foreign_token(), 400)
    assert started.status == 202
    assert _patch_origin(sim, demo_estate, foreign_token(), 400).status == 202  # its own retry joins
    mine = _patch_origin(sim, demo_estate, make_sim_token()[0], 400)
    assert mine.status == 409
    [op] = [o for o in sim.store.data["operations"].values() if o["kind"] == "cdn.origin.update"]
    assert op["caller"] != "11111111-2222-4333-8444-555555555555"  # not mcctl's simulated operator
