"""The simulated Microsoft.Cache provider, driven through the real SDK clients and mcctl's adapter."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.adapters import redis as adapter
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.domain.redislinks import cache_link_verdicts, region_link_verdicts
from mcctl.errors import AzureRequestError, ResourceMissingError, WaitTimeout
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest
from mcctl.sim.providers.cache import has_data
from mcctl.sim.runtime import open_simulator
from tests.conftest import estate_from_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NO_WAIT = WaitOptions(wait=False)
WAIT = WaitOptions()
REGIONS = ("westeurope", "northeurope", "eastus2")


# -- helpers -------------------------------------------------------------------------------------------
def _verdicts(session: AzureSession, estate: Estate) -> dict[str, tuple[str, str]]:
    found = region_link_verdicts(estate.redis, adapter.get_managed_databases(session, estate.redis))
    return {r: (v.verdict, v.reason) for r, v in found.items()}


def _states(session: AzureSession, estate: Estate) -> dict[str, dict[str, str | None]]:
    """viewer region → {cluster name: state} as the adapter reads it."""
    dbs = adapter.get_managed_databases(session, estate.redis)
    return {r: {d.id.split("/")[-3]: d.state for d in db.linked_databases} for r, db in dbs.items()}


def _stored_db(sim: Sim, estate: Estate, region: str) -> dict:
    return sim.store.require(estate.redis.member_in(region).database_id("default"))


def _set_stored_state(sim: Sim, estate: Estate, viewer: str, target: str, state: str) -> None:
    target_id = estate.redis.member_in(target).database_id("default").lower()
    with sim.store.transaction():
        db = _stored_db(sim, estate, viewer)
        for entry in db["properties"]["geoReplication"]["linkedDatabases"]:
            if entry["id"].lower() == target_id:
                entry["state"] = state
        sim.store.put(db)


def _raw(sim: Sim, method: str, path: str, body: bytes = b"") -> tuple[int, dict, object]:
    """One request straight to the simulated ARM, to check status codes and headers exactly."""
    url = f"https://management.sim.mcctl.invalid{path}"
    if "?" not in path:
        url += "?api-version=2025-07-01"
    headers = {"Authorization": "Bearer x", "Content-Type": "application/json"}
    response = sim.handle(SimRequest(method, url, headers, body))
    return response.status, response.headers, response.body


def _db_path(estate: Estate, region: str) -> str:
    return estate.redis.member_in(region).database_id("default")


ALL_LINKED = {c: "Linked" for c in ("amr-mc-weu", "amr-mc-neu", "amr-mc-eus2")}


# -- seed and reads ------------------------------------------------------------------------------------
def test_seed_every_member_linked_in_every_view(session: AzureSession, demo_estate: Estate) -> None:
    assert _states(session, demo_estate) == dict.fromkeys(REGIONS, ALL_LINKED)
    assert {v[0] for v in _verdicts(session, demo_estate).values()} == {"linked"}
    db = adapter.get_managed_databases(session, demo_estate.redis)["northeurope"]
    assert (db.name, db.cluster, db.group_nickname) == ("amr-mc-neu/default", "amr-mc-neu", "mc-demo-geo")
    assert (db.provisioning_state, db.resource_state) == ("Succeeded", "Running")


def test_seeded_clusters_through_the_sdk(session: AzureSession, demo_estate: Estate) -> None:
    client = session.redis_enterprise(demo_estate.subscription)
    cluster = client.redis_enterprise.get("rg-mc-data", "amr-mc-eus2")
    assert (cluster.sku.name, cluster.kind, cluster.location) == ("Balanced_B5", "v2", "East US 2")
    assert cluster.host_name == "amr-mc-eus2.eastus2.redis.azure.net"
    assert (cluster.high_availability, cluster.provisioning_state, cluster.resource_state) == (
        "Enabled",
        "Succeeded",
        "Running",
    )
    assert sorted(c.name for c in client.redis_enterprise.list_by_resource_group("rg-mc-data")) == [
        "amr-mc-eus2",
        "amr-mc-neu",
        "amr-mc-weu",
    ]
    assert len(list(client.redis_enterprise.list())) == 3
    member = demo_estate.redis.member_in("westeurope")
    assert [d.name for d in adapter.list_cluster_databases(session, member)] == ["amr-mc-weu/default"]


def test_no_redis_in_estate_seeds_nothing(tmp_path: Path) -> None:
    text = demo_source().text
    start, end = text.index("redis:"), text.index("stamps:")
    estate = estate_from_text(text[:start] + text[end:], tmp_path)
    simulator, _ = open_simulator(estate, "no-redis", persist=False)
    assert not [k for k in simulator.store.resources if "microsoft.cache" in k]
    session = simulated_session(estate, simulator)
    assert list(session.redis_enterprise(estate.subscription).redis_enterprise.list()) == []


def test_missing_cluster_raises_naming_it(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    member = demo_estate.redis.member_in("northeurope")
    with sim.store.transaction():
        sim.store.delete(member.database_id("default"))
        sim.store.delete(member.ref.id)
    with pytest.raises(ResourceMissingError) as err:
        adapter.get_managed_databases(session, demo_estate.redis)
    assert "amr-mc-neu" in err.value.message
    assert err.value.status == 404 and err.value.code == "ResourceNotFound"


def test_throttled_get_is_retried(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "throttle", "method": "GET", "path": "/amr-mc-neu/databases/default", "count": 1})
    assert _states(session, demo_estate)["northeurope"] == ALL_LINKED
    statuses = [r.status for r in sim.requests if r.path.lower().endswith("amr-mc-neu/databases/default")]
    assert statuses == [429, 200]


# -- per-member views ----------------------------------------------------------------------------------
def test_region_outage_shows_link_failed_from_the_others(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.set_outage("eastus2", True)
    states = _states(session, demo_estate)
    assert states["westeurope"]["amr-mc-eus2"] == "LinkFailed"
    assert states["northeurope"]["amr-mc-eus2"] == "LinkFailed"
    assert states["eastus2"] == ALL_LINKED  # its own view, as stored
    assert states["westeurope"]["amr-mc-neu"] == "Linked"
    verdicts = _verdicts(session, demo_estate)
    assert verdicts["eastus2"] == ("broken", "LinkFailed as seen from westeurope")
    assert verdicts["westeurope"][0] == verdicts["northeurope"][0] == "linked"
    stored = _stored_db(sim, demo_estate, "westeurope")["properties"]["geoReplication"]["linkedDatabases"]
    assert {e["state"] for e in stored} == {"Linked"}  # computed at read time, never written
    sim.set_outage("eastus2", False)
    assert _states(session, demo_estate)["westeurope"]["amr-mc-eus2"] == "Linked"


def test_asymmetric_views(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    _set_stored_state(sim, demo_estate, "westeurope", "northeurope", "LinkFailed")
    states = _states(session, demo_estate)
    assert states["westeurope"]["amr-mc-neu"] == "LinkFailed"
    assert states["northeurope"]["amr-mc-weu"] == "Linked"
    verdicts = _verdicts(session, demo_estate)
    assert verdicts["northeurope"] == ("broken", "LinkFailed as seen from westeurope")
    assert verdicts["westeurope"][0] == "linked"


def test_unknown_state_passes_through_as_degraded(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    _set_stored_state(sim, demo_estate, "northeurope", "eastus2", "Relinking")
    assert _states(session, demo_estate)["northeurope"]["amr-mc-eus2"] == "Relinking"
    assert _verdicts(session, demo_estate)["eastus2"] == ("degraded", "Relinking as seen from northeurope")


# -- force-unlink / flush / force-link -------------------------------------------------------------------
def test_force_unlink_takes_simulated_time(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", NO_WAIT)
    states = _states(session, demo_estate)
    assert states["westeurope"]["amr-mc-eus2"] == "Unlinking"
    assert states["northeurope"]["amr-mc-eus2"] == "Unlinking"
    sim.advance(25)
    assert _states(session, demo_estate)["westeurope"]["amr-mc-eus2"] == "Unlinking"
    sim.advance(10)
    states = _states(session, demo_estate)
    assert states["westeurope"] == states["northeurope"] == {"amr-mc-weu": "Linked", "amr-mc-neu": "Linked"}
    assert states["eastus2"] == {"amr-mc-eus2": "Linked"}
    verdicts = _verdicts(session, demo_estate)
    assert verdicts["eastus2"][0] == "broken"
    assert verdicts["westeurope"][0] == verdicts["northeurope"][0] == "linked"


def test_force_unlink_waits_and_is_repeatable(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    start = sim.now()
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    assert sim.now() - start >= 30
    assert "amr-mc-eus2" not in _states(session, demo_estate)["westeurope"]
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)  # nothing left to do: still succeeds
    assert "amr-mc-eus2" not in _states(session, demo_estate)["northeurope"]


def test_force_link_of_a_database_holding_data_is_refused(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    with pytest.raises(AzureRequestError) as err:
        adapter.force_link(session, demo_estate.redis, "eastus2", WAIT)
    assert (err.value.status, err.value.code) == (400, "BadRequest")
    assert "contains data" in err.value.message
    assert _states(session, demo_estate)["eastus2"] == {"amr-mc-eus2": "Linked"}


def test_force_link_of_a_database_still_in_the_group_is_refused(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    adapter.flush_database(session, demo_estate.redis, "eastus2", WAIT)
    with pytest.raises(AzureRequestError) as err:
        adapter.force_link(session, demo_estate.redis, "eastus2", WAIT)
    assert err.value.status == 400 and "already linked" in err.value.message


def test_unlink_flush_relink(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    db_id = demo_estate.redis.member_in("eastus2").database_id("default")
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    assert has_data(sim, db_id)
    adapter.flush_database(session, demo_estate.redis, "eastus2", WAIT)
    assert not has_data(sim, db_id)
    adapter.force_link(session, demo_estate.redis, "eastus2", NO_WAIT)
    states = _states(session, demo_estate)
    assert states["eastus2"] == {c: "Linking" for c in ALL_LINKED}
    assert states["westeurope"] == {**ALL_LINKED, "amr-mc-eus2": "Linking"}
    assert states["northeurope"]["amr-mc-eus2"] == "Linking"
    assert _verdicts(session, demo_estate)["eastus2"][0] == "degraded"
    sim.advance(55)
    assert _states(session, demo_estate)["westeurope"]["amr-mc-eus2"] == "Linking"
    sim.advance(10)
    assert _states(session, demo_estate) == dict.fromkeys(REGIONS, ALL_LINKED)
    assert {v[0] for v in _verdicts(session, demo_estate).values()} == {"linked"}
    assert has_data(sim, db_id)  # it holds the group's data again


def test_failed_force_link_reads_link_failed(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    adapter.flush_database(session, demo_estate.redis, "eastus2", WAIT)
    sim.add_fault({"kind": "lro_failure", "operation": "redis.database.forceLink", "code": "LinkFailed"})
    with pytest.raises(AzureRequestError) as err:
        adapter.force_link(session, demo_estate.redis, "eastus2", WAIT)
    assert err.value.code == "LinkFailed"
    assert _states(session, demo_estate)["westeurope"]["amr-mc-eus2"] == "LinkFailed"
    eus2 = adapter.get_managed_databases(session, demo_estate.redis)["eastus2"]
    assert (eus2.provisioning_state, eus2.resource_state) == ("Failed", "UpdateFailed")
    assert _verdicts(session, demo_estate)["eastus2"][0] == "broken"


def test_force_link_wait_times_out_on_simulated_time(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    adapter.flush_database(session, demo_estate.redis, "eastus2", WAIT)
    with pytest.raises(WaitTimeout):
        adapter.force_link(session, demo_estate.redis, "eastus2", WaitOptions(timeout=20))
    assert _states(session, demo_estate)["eastus2"]["amr-mc-weu"] == "Linking"


# -- exact wire answers --------------------------------------------------------------------------------
def test_action_status_codes_and_headers(sim: Sim, demo_estate: Estate) -> None:
    eus2, weu = _db_path(demo_estate, "eastus2"), _db_path(demo_estate, "westeurope")
    status, headers, body = _raw(sim, "POST", f"{weu}/forceUnlink", f'{{"ids": ["{eus2}"]}}'.encode())
    assert (status, body) == (202, None)
    assert "/providers/Microsoft.Cache/locations/westeurope/operationsStatus/" in headers["Azure-AsyncOperation"]
    assert "Location" in headers and int(headers["Retry-After"]) >= 1
    sim.advance(31)
    status, _, op = _raw(sim, "GET", headers["Azure-AsyncOperation"].split(".invalid", 1)[1])
    assert status == 200 and op["status"] == "Succeeded"
    assert set(op) >= {"id", "name", "startTime", "endTime", "status"}
    assert op["id"].startswith("/subscriptions/") and "/operationsStatus/" in op["id"]

    status, headers, _ = _raw(sim, "POST", f"{eus2}/flush", b"{}")
    assert status == 202 and {"Azure-AsyncOperation", "Location"} <= set(headers)
    location = headers["Location"].split(".invalid", 1)[1]
    assert _raw(sim, "GET", location)[0] == 202
    sim.advance(11)
    assert _raw(sim, "GET", location)[0] == 204

    link = f'{{"geoReplication": {{"groupNickname": "mc-demo-geo", "linkedDatabases": [{{"id": "{weu}"}}]}}}}'
    status, headers, _ = _raw(sim, "POST", f"{eus2}/forceLinkToReplicationGroup", link.encode())
    assert status == 202
    assert "Azure-AsyncOperation" in headers and "Location" not in headers


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{}", "InvalidRequestBody"),
        (b'{"ids": "not-a-list"}', "InvalidRequestBody"),
    ],
)
def test_force_unlink_rejects_bad_bodies(sim: Sim, demo_estate: Estate, body: bytes, code: str) -> None:
    status, _, answer = _raw(sim, "POST", f"{_db_path(demo_estate, 'westeurope')}/forceUnlink", body)
    assert (status, answer["error"]["code"]) == (400, code)


def test_force_unlink_of_itself_is_refused(sim: Sim, demo_estate: Estate) -> None:
    weu = _db_path(demo_estate, "westeurope")
    status, _, answer = _raw(sim, "POST", f"{weu}/forceUnlink", f'{{"ids": ["{weu}"]}}'.encode())
    assert (status, answer["error"]["code"]) == (400, "BadRequest")


# -- Azure Cache for Redis -------------------------------------------------------------------------------
@pytest.fixture
def cache_estate() -> Estate:
    path = FIXTURES / "estate-cache.yaml"
    return load_estate(EstateSource(str(path), path.read_text(encoding="utf-8")))


@pytest.fixture
def cache_sim(cache_estate: Estate) -> Sim:
    simulator, _ = open_simulator(cache_estate, "cache", persist=False)
    return simulator


@pytest.fixture
def cache_session(cache_estate: Estate, cache_sim: Sim) -> AzureSession:
    s = simulated_session(cache_estate, cache_sim)
    yield s
    s.close()


def _cache_verdicts(session: AzureSession, estate: Estate) -> dict[str, tuple[str, str | None]]:
    found = cache_link_verdicts(estate.redis, adapter.get_cache_states(session, estate.redis))
    return {r: (v.verdict, v.role) for r, v in found.items()}


def test_cache_seed_primary_and_linked_secondaries(cache_session: AzureSession, cache_estate: Estate) -> None:
    states = adapter.get_cache_states(cache_session, cache_estate.redis)
    primary = states["westeurope"]
    assert [(s.name, s.server_role, s.provisioning_state) for s in primary.linked_servers] == [
        ("redis-mc-neu", "Secondary", "Succeeded"),
        ("redis-mc-eus2", "Secondary", "Succeeded"),
    ]
    assert [(s.name, s.server_role) for s in states["eastus2"].linked_servers] == [("redis-mc-weu", "Primary")]
    cache = cache_session.redis_cache(cache_estate.subscription).redis.get("rg-mc-data", "redis-mc-weu")
    assert (cache.sku.name, cache.sku.family, cache.sku.capacity) == ("Premium", "P", 1)
    assert [ls.id.rsplit("/", 1)[-1] for ls in cache.linked_servers] == ["redis-mc-neu", "redis-mc-eus2"]
    assert _cache_verdicts(cache_session, cache_estate) == {
        "westeurope": ("linked", "Primary"),
        "northeurope": ("linked", "Secondary"),
        "eastus2": ("linked", "Secondary"),
    }


def test_cache_unlink_then_link(cache_session: AzureSession, cache_sim: Sim, cache_estate: Estate) -> None:
    redis = cache_estate.redis
    adapter.unlink_cache(cache_session, redis, "westeurope", "eastus2", NO_WAIT)
    eus2 = adapter.get_cache_states(cache_session, redis)["eastus2"]
    assert [(s.provisioning_state) for s in eus2.linked_servers] == ["Deleting"]
    assert eus2.provisioning_state == "Unlinking"
    cache_sim.advance(31)
    states = adapter.get_cache_states(cache_session, redis)
    assert states["eastus2"].linked_servers == ()
    assert [s.name for s in states["westeurope"].linked_servers] == ["redis-mc-neu"]
    assert _cache_verdicts(cache_session, cache_estate)["eastus2"] == ("broken", "Secondary")

    start = cache_sim.now()
    linked = adapter.link_cache(cache_session, redis, "westeurope", "eastus2", WAIT)
    assert cache_sim.now() - start >= 90
    assert (linked.server_role, linked.provisioning_state) == ("Secondary", "Succeeded")
    assert {v[0] for v in _cache_verdicts(cache_session, cache_estate).values()} == {"linked"}


def test_cache_link_creating_before_time_passes(
    cache_session: AzureSession, cache_sim: Sim, cache_estate: Estate
) -> None:
    redis = cache_estate.redis
    adapter.unlink_cache(cache_session, redis, "westeurope", "eastus2", WAIT)
    assert adapter.link_cache(cache_session, redis, "westeurope", "eastus2", NO_WAIT) is None
    states = adapter.get_cache_states(cache_session, redis)
    assert [s.provisioning_state for s in states["eastus2"].linked_servers] == ["Creating"]
    assert _cache_verdicts(cache_session, cache_estate)["eastus2"] == ("degraded", "Secondary")


def test_cache_link_of_an_already_linked_secondary_is_refused(
    cache_session: AzureSession, cache_estate: Estate
) -> None:
    with pytest.raises(AzureRequestError) as err:
        adapter.link_cache(cache_session, cache_estate.redis, "northeurope", "eastus2", WAIT)
    assert err.value.status == 400


def test_cache_failed_link_raises(cache_session: AzureSession, cache_sim: Sim, cache_estate: Estate) -> None:
    redis = cache_estate.redis
    adapter.unlink_cache(cache_session, redis, "westeurope", "eastus2", WAIT)
    cache_sim.add_fault({"kind": "lro_failure", "operation": "redis.cache.link"})
    with pytest.raises(AzureRequestError):
        adapter.link_cache(cache_session, redis, "westeurope", "eastus2", WAIT)
    states = adapter.get_cache_states(cache_session, redis)
    assert [s.provisioning_state for s in states["eastus2"].linked_servers] == ["Failed"]
    assert _cache_verdicts(cache_session, cache_estate)["eastus2"] == ("broken", "Secondary")


def test_cache_linked_server_wire_answers(cache_sim: Sim, cache_estate: Estate) -> None:
    primary = cache_estate.redis.member_in("westeurope").ref.id
    status, headers, body = _raw(cache_sim, "DELETE", f"{primary}/linkedServers/redis-mc-neu")
    assert (status, body) == (202, None)
    assert "Location" in headers and "Azure-AsyncOperation" not in headers
    cache_sim.advance(31)
    assert _raw(cache_sim, "GET", f"{primary}/linkedServers/redis-mc-neu")[0] == 404
    neu = cache_estate.redis.member_in("northeurope").ref.id
    wrong_role = (
        f'{{"properties": {{"linkedRedisCacheId": "{neu}", "linkedRedisCacheLocation": "North Europe", '
        '"serverRole": "Primary"}}'
    ).encode()
    status, _, answer = _raw(cache_sim, "PUT", f"{primary}/linkedServers/redis-mc-neu", wrong_role)
    assert (status, answer["error"]["code"]) == (400, "BadRequest")
    status, _, answer = _raw(cache_sim, "PUT", f"{primary}/linkedServers/redis-mc-neu", b'{"properties": {}}')
    assert (status, answer["error"]["code"]) == (400, "InvalidRequestBody")
    created = wrong_role.replace(b'"Primary"', b'"Secondary"')
    status, _, body = _raw(cache_sim, "PUT", f"{primary}/linkedServers/redis-mc-neu", created)
    assert status == 201 and body["properties"]["provisioningState"] == "Creating"
    assert _raw(cache_sim, "PUT", f"{primary}/linkedServers/redis-mc-neu", created)[0] == 200
