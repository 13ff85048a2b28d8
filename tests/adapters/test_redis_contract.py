"""Contract tests: the spec examples, replayed through the real SDK clients, give the domain values the
adapter promises; then the same adapter function against the simulator gives values of the same shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters import redis as adapter
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, load_estate
from mcctl.domain.estate import Estate
from mcctl.domain.observed import LinkedDatabase, RedisCacheState, RedisDatabaseState
from mcctl.sim.runtime import open_simulator
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OPERATION_STATUS = "pathToOperationStatus"


@pytest.fixture
def cache_estate() -> Estate:
    path = FIXTURES / "estate-cache.yaml"
    return load_estate(EstateSource(str(path), path.read_text(encoding="utf-8")))


def _operation_succeeded() -> Canned:
    """The async-operation monitor of the action examples, answered with OperationsStatusGet.json."""
    return from_example(example("redisenterprise/OperationsStatusGet.json"), "GET", OPERATION_STATUS)


def _posts(transport: ReplayTransport) -> list[tuple[str, dict]]:
    return [(url.split("?")[0], json.loads(body)) for method, url, body in transport.requests if method == "POST"]


# -- Databases_Get / Databases_ListByCluster ---------------------------------------------------------------
def test_database_get_example(demo_estate: Estate) -> None:
    transport = ReplayTransport(
        [from_example(example("redisenterprise/RedisEnterpriseDatabasesGet.json"), "GET", "/databases/default")]
    )
    dbs = adapter.get_managed_databases(replay_session(demo_estate, transport), demo_estate.redis)
    assert set(dbs) == {"westeurope", "northeurope", "eastus2"}
    db = dbs["westeurope"]
    assert (db.name, db.cluster, db.provisioning_state, db.resource_state) == (
        "cache1/default",
        "cache1",
        "Succeeded",
        "Running",
    )
    assert (db.group_nickname, db.linked_databases) == (None, ())
    paths = [url.split("?")[0] for _, url, _ in transport.requests]
    assert paths[0].endswith("/rg-mc-data/providers/Microsoft.Cache/redisEnterprise/amr-mc-weu/databases/default")
    assert all("api-version=2025-07-01" in url for _, url, _ in transport.requests)


def test_database_with_geo_replication_example(demo_estate: Estate) -> None:
    ex = example("redisenterprise/RedisEnterpriseDatabasesCreateWithGeoReplication.json")
    transport = ReplayTransport([from_example(ex, "GET", "/databases/default", status="200")])
    db = adapter.get_managed_databases(replay_session(demo_estate, transport), demo_estate.redis)["eastus2"]
    assert db.group_nickname == "groupName"
    assert [d.state for d in db.linked_databases] == ["Linking", "Linking"]
    assert db.linked_databases[1].id.endswith("/redisEnterprise/cache2/databases/default")


def test_database_list_by_cluster_example(demo_estate: Estate) -> None:
    ex = example("redisenterprise/RedisEnterpriseDatabasesListByCluster.json")
    transport = ReplayTransport([from_example(ex, "GET", "/databases")])
    member = demo_estate.redis.member_in("northeurope")
    dbs = adapter.list_cluster_databases(replay_session(demo_estate, transport), member)
    assert [(d.name, d.cluster, d.resource_state) for d in dbs] == [("cache1/default", "cache1", "Running")]


def test_database_reads_against_the_simulator(session: AzureSession, demo_estate: Estate) -> None:
    dbs = adapter.get_managed_databases(session, demo_estate.redis)
    db = dbs["westeurope"]
    assert isinstance(db, RedisDatabaseState)
    assert (db.name, db.cluster, db.provisioning_state, db.resource_state) == (
        "amr-mc-weu/default",
        "amr-mc-weu",
        "Succeeded",
        "Running",
    )
    assert db.group_nickname == "mc-demo-geo"
    eus2 = demo_estate.redis.member_in("eastus2").database_id("default")
    assert LinkedDatabase(eus2, "Linked") in db.linked_databases
    listed = adapter.list_cluster_databases(session, demo_estate.redis.member_in("westeurope"))
    assert listed == [db]


# -- Databases_ForceUnlink / ForceLinkToReplicationGroup / Flush -------------------------------------------
def test_force_unlink_example(demo_estate: Estate) -> None:
    ex = example("redisenterprise/RedisEnterpriseDatabasesForceUnlink.json")
    transport = ReplayTransport([from_example(ex, "POST", "/forceunlink", status="202"), _operation_succeeded()])
    session = replay_session(demo_estate, transport)
    assert adapter.force_unlink(session, demo_estate.redis, "eastus2", WaitOptions()) is None
    eus2 = demo_estate.redis.member_in("eastus2").database_id("default")
    posts = _posts(transport)
    assert [url.rsplit("/redisEnterprise/", 1)[1] for url, _ in posts] == [
        "amr-mc-weu/databases/default/forceUnlink",
        "amr-mc-neu/databases/default/forceUnlink",
    ]
    assert [body for _, body in posts] == [{"ids": [eus2]}, {"ids": [eus2]}]
    # final-state-via azure-async-operation: no GET after the monitor said Succeeded
    assert [m for m, _, _ in transport.requests] == ["POST", "GET", "POST", "GET"]


def test_force_link_example(demo_estate: Estate) -> None:
    ex = example("redisenterprise/RedisEnterpriseDatabasesForceLink.json")
    transport = ReplayTransport([from_example(ex, "POST", "/forcelinktoreplicationgroup"), _operation_succeeded()])
    adapter.force_link(replay_session(demo_estate, transport), demo_estate.redis, "eastus2", WaitOptions())
    ((url, body),) = _posts(transport)
    assert url.endswith("/redisEnterprise/amr-mc-eus2/databases/default/forceLinkToReplicationGroup")
    assert body == {
        "geoReplication": {
            "groupNickname": "mc-demo-geo",
            "linkedDatabases": [{"id": m.database_id("default")} for m in demo_estate.redis.members],
        }
    }
    assert set(body) == set(ex["parameters"]["parameters"])  # same shape as the spec's request


def test_flush_example(demo_estate: Estate) -> None:
    ex = example("redisenterprise/RedisEnterpriseDatabasesFlush.json")
    transport = ReplayTransport([from_example(ex, "POST", "/flush", status="202"), _operation_succeeded()])
    adapter.flush_database(replay_session(demo_estate, transport), demo_estate.redis, "eastus2", WaitOptions())
    ((url, body),) = _posts(transport)
    assert url.endswith("/amr-mc-eus2/databases/default/flush")
    assert body == {"ids": []}


def test_actions_against_the_simulator(session: AzureSession, sim, demo_estate: Estate) -> None:
    redis = demo_estate.redis
    assert adapter.force_unlink(session, redis, "eastus2", WaitOptions()) is None
    assert adapter.flush_database(session, redis, "eastus2", WaitOptions()) is None
    assert adapter.force_link(session, redis, "eastus2", WaitOptions()) is None
    actions = [r for r in sim.requests if r.method == "POST"]
    assert [(r.path.rsplit("/", 1)[1], r.status) for r in actions] == [
        ("forceUnlink", 202),
        ("forceUnlink", 202),
        ("flush", 202),
        ("forceLinkToReplicationGroup", 202),
    ]
    finals = [r for r in sim.requests if "/operationResults/" in r.path]
    assert [r.status for r in finals] == [204]  # only flush (final-state-via location) GETs its Location


# -- Azure Cache for Redis: Redis_Get + LinkedServer_List / Create / Delete ----------------------------------
def test_cache_get_and_linked_servers_examples(cache_estate: Estate) -> None:
    transport = ReplayTransport(
        [
            from_example(example("redis/RedisCacheLinkedServer_List.json"), "GET", "/linkedservers"),
            from_example(example("redis/RedisCacheGet.json"), "GET", "/providers/microsoft.cache/redis/"),
        ]
    )
    states = adapter.get_cache_states(replay_session(cache_estate, transport), cache_estate.redis)
    cache = states["northeurope"]
    assert isinstance(cache, RedisCacheState)
    assert (cache.name, cache.location, cache.provisioning_state) == ("cache1", "East US", "Creating")
    assert [(s.name, s.server_role, s.provisioning_state, s.linked_cache_location) for s in cache.linked_servers] == [
        ("cache2", "Secondary", "Succeeded", "West US"),
        ("cache3", "Secondary", "Succeeded", "West US"),
    ]
    assert cache.linked_servers[0].linked_cache_id.endswith("/Microsoft.Cache/Redis/cache2")
    assert all("api-version=2024-11-01" in url for _, url, _ in transport.requests)


def test_linked_server_create_example(cache_estate: Estate) -> None:
    create = example("redis/RedisCacheLinkedServer_Create.json")
    transport = ReplayTransport(
        [
            Canned(**{**from_example(create, "PUT", "/linkedservers/", status="201").__dict__, "once": True}),
            from_example(example("redis/RedisCacheLinkedServer_Get.json"), "GET", "/linkedservers/"),
        ]
    )
    linked = adapter.link_cache(
        replay_session(cache_estate, transport), cache_estate.redis, "westeurope", "eastus2", WaitOptions()
    )
    assert (linked.name, linked.server_role, linked.provisioning_state) == ("cache2", "Secondary", "Succeeded")
    method, url, body = transport.requests[0]
    assert method == "PUT" and url.split("?")[0].endswith("/redis/redis-mc-weu/linkedServers/redis-mc-eus2")
    assert json.loads(body) == {
        "properties": {
            "linkedRedisCacheId": cache_estate.redis.member_in("eastus2").ref.id,
            "linkedRedisCacheLocation": "East US 2",
            "serverRole": "Secondary",
        }
    }
    assert set(json.loads(body)["properties"]) == set(create["parameters"]["parameters"]["properties"])


def test_linked_server_delete_example(cache_estate: Estate) -> None:
    ex = example("redis/RedisCacheLinkedServer_Delete.json")
    transport = ReplayTransport(
        [
            from_example(ex, "DELETE", "/linkedservers/", status="202"),
            Canned("GET", "pathToOperationResult", 204),
        ]
    )
    session = replay_session(cache_estate, transport)
    adapter.unlink_cache(session, cache_estate.redis, "westeurope", "northeurope", WaitOptions())
    (delete, poll) = [(m, url.split("?")[0]) for m, url, _ in transport.requests]
    assert delete == (
        "DELETE",
        f"https://management.azure.com{cache_estate.redis.member_in('westeurope').ref.id}/linkedServers/redis-mc-neu",
    )
    assert poll == ("GET", ex["responses"]["202"]["headers"]["location"])  # LocationPolling on the example's URL


def test_cache_functions_against_the_simulator(cache_estate: Estate) -> None:
    simulator, _ = open_simulator(cache_estate, "cache", persist=False)
    session = simulated_session(cache_estate, simulator)
    redis = cache_estate.redis
    primary = adapter.get_cache_states(session, redis)["westeurope"]
    assert (primary.name, primary.location, primary.provisioning_state) == ("redis-mc-weu", "West Europe", "Succeeded")
    assert [(s.name, s.server_role, s.linked_cache_location) for s in primary.linked_servers] == [
        ("redis-mc-neu", "Secondary", "North Europe"),
        ("redis-mc-eus2", "Secondary", "East US 2"),
    ]
    adapter.unlink_cache(session, redis, "westeurope", "northeurope", WaitOptions())
    linked = adapter.link_cache(session, redis, "westeurope", "northeurope", WaitOptions())
    assert (linked.name, linked.server_role, linked.provisioning_state) == ("redis-mc-neu", "Secondary", "Succeeded")


def test_get_cluster_from_the_spec_example_and_the_simulator(demo_estate, session) -> None:
    from mcctl.domain.estate import RedisMember, ResourceRef

    ex = example("redisenterprise/RedisEnterpriseGet.json")
    transport = ReplayTransport([from_example(ex, "GET", "/redisEnterprise/cache1")])
    member = RedisMember(
        "westus",
        ResourceRef("e7b5a9d2-6b6a-4d2f-9143-20d9a10f5b8f", "rg1", "Microsoft.Cache/redisEnterprise", "cache1"),
    )
    cluster = adapter.get_cluster(replay_session(demo_estate, transport), member)
    assert (cluster.name, cluster.sku, cluster.provisioning_state, cluster.resource_state) == (
        "cache1",
        "EnterpriseFlash_F300",
        "Succeeded",
        "Running",
    )
    assert cluster.host_name == "cache1.westus.something.azure.com" and cluster.redis_version == "6"
    assert "api-version=2025-07-01" in transport.requests[0][1]

    simulated = adapter.get_cluster(session, demo_estate.redis.members[1])
    assert (simulated.name, simulated.sku, simulated.resource_state) == ("amr-mc-neu", "Balanced_B5", "Running")
