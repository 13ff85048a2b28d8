"""`mcctl redis status|unlink|relink` on the persisted simulator (what an operator and a runbook see)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.config.loader import demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.providers.cache import has_data
from mcctl.sim.runtime import open_simulator, sim_state_path

CACHE_ESTATE = str(Path(__file__).resolve().parents[1] / "fixtures" / "estate-cache.yaml")
REGIONS = ["westeurope", "northeurope", "eastus2"]
CLUSTERS = {"westeurope": "amr-mc-weu", "northeurope": "amr-mc-neu", "eastus2": "amr-mc-eus2"}
LOSE_DATA = ("--allow-data-loss", "--yes")


def _status(mcctl, *args: str, estate: str | None = None) -> tuple[int, list[dict]]:
    prefix = ["--sim", *(["--estate", estate] if estate else []), "-o", "json"]
    result = mcctl(*prefix, "redis", "status", *args)
    return result.exit_code, json.loads(result.stdout)


def _demo() -> Estate:
    return load_estate(demo_source())


def _sim(mcctl) -> Sim:
    """The persisted simulator the CLI uses (seeded by a first read)."""
    assert mcctl("sim", "status").exit_code == 0
    sim, _ = open_simulator(_demo(), demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _db_id(region: str) -> str:
    return _demo().redis.member_in(region).database_id("default")


def _stored_links(sim: Sim, region: str) -> dict[str, str]:
    """cluster → state in `region`'s own stored list (the simulator's state, not a computed view)."""
    with sim.store.transaction():
        db = sim.store.require(_db_id(region))
        return {e["id"].split("/")[-3]: e["state"] for e in db["properties"]["geoReplication"]["linkedDatabases"]}


def _set_stored_state(sim: Sim, viewer: str, target: str, state: str) -> None:
    with sim.store.transaction():
        db = sim.store.require(_db_id(viewer))
        for entry in db["properties"]["geoReplication"]["linkedDatabases"]:
            if entry["id"].lower() == _db_id(target).lower():
                entry["state"] = state
        sim.store.put(db)


def _views(entry: dict) -> dict[str, str | None]:
    return {v["seen_from"]: v["state"] for v in entry["views"]}


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)


# -- status ------------------------------------------------------------------------------------------
def test_all_linked(mcctl) -> None:
    table = mcctl("--sim", "redis", "status")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    for region in REGIONS:
        assert any(line.split()[:2] == [region, "linked"] for line in lines), table.stdout
    assert "SEEN FROM" in table.stdout and "mc-demo-geo" in table.stdout
    code, entries = _status(mcctl)
    assert code == 0 and [e["region"] for e in entries] == REGIONS  # one entry per region
    assert {e["verdict"] for e in entries} == {"linked"}
    assert [e["cluster"] for e in entries] == list(CLUSTERS.values())
    assert {(e["provisioning_state"], e["resource_state"], e["group_nickname"]) for e in entries} == {
        ("Succeeded", "Running", "mc-demo-geo")
    }
    assert all(_views(e) == dict.fromkeys(REGIONS, "Linked") for e in entries)
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 0


def test_one_link_failed_after_a_region_outage(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    table = mcctl("--sim", "redis", "status")
    assert table.exit_code == 0  # without --check a broken link is data, not an error
    assert "eastus2      broken    LinkFailed as seen from westeurope" in table.stdout
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 11
    code, entries = _status(mcctl)
    eus2 = entries[2]
    assert eus2["verdict"] == "broken" and _views(eus2) == {
        "westeurope": "LinkFailed",
        "northeurope": "LinkFailed",
        "eastus2": "Linked",  # its own view, as it reports it
    }
    assert [e["verdict"] for e in entries[:2]] == ["linked", "linked"]
    assert _status(mcctl, "--check", "--region", "westeurope")[0] == 0  # --check judges the shown regions
    stamps = json.loads(mcctl("--sim", "-o", "json", "stamps", "list").stdout)
    assert {s["region"]: s["redis_link"] for s in stamps}["eastus2"] == "broken"  # the same verdict
    assert mcctl("sim", "outage", "end", "eastus2").exit_code == 0
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 0


def test_asymmetric_views_are_visible(mcctl) -> None:
    _set_stored_state(_sim(mcctl), "westeurope", "northeurope", "LinkFailed")
    code, entries = _status(mcctl)
    neu = entries[1]
    assert _views(neu) == {"westeurope": "LinkFailed", "northeurope": "Linked", "eastus2": "Linked"}
    assert (neu["verdict"], neu["reason"]) == ("broken", "LinkFailed as seen from westeurope")
    weu = next(d for d in entries[0]["linked_databases"] if d["region"] == "northeurope")
    assert weu["state"] == "LinkFailed"
    assert next(d for d in neu["linked_databases"] if d["region"] == "westeurope")["state"] == "Linked"
    table = mcctl("--sim", "redis", "status").stdout
    row = next(line for line in table.splitlines() if line.startswith("westeurope ") and "LinkFailed" in line)
    assert row.split() == ["westeurope", "Linked", "LinkFailed", "Linked"]  # the matrix row: seen from westeurope
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 11


def test_unknown_state_is_shown_as_it_comes(mcctl) -> None:
    _set_stored_state(_sim(mcctl), "northeurope", "eastus2", "Relinking")
    code, entries = _status(mcctl)
    assert code == 0 and _views(entries[2])["northeurope"] == "Relinking"
    assert (entries[2]["verdict"], entries[2]["reason"]) == ("degraded", "Relinking as seen from northeurope")
    table = mcctl("--sim", "redis", "status")
    assert "Relinking" in table.stdout and "eastus2      degraded  Relinking as seen from northeurope" in table.stdout
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 10


def test_cache_kind_linked_servers(mcctl) -> None:
    code, entries = _status(mcctl, estate=CACHE_ESTATE)
    assert code == 0 and [e["region"] for e in entries] == REGIONS
    by_region = {e["region"]: e for e in entries}
    assert {r: (e["kind"], e["role"], e["verdict"]) for r, e in by_region.items()} == {
        "westeurope": ("cache", "Primary", "linked"),
        "northeurope": ("cache", "Secondary", "linked"),
        "eastus2": ("cache", "Secondary", "linked"),
    }
    assert [(s["name"], s["role"], s["location"], s["provisioning_state"]) for s in entries[0]["linked_servers"]] == [
        ("redis-mc-neu", "Secondary", "North Europe", "Succeeded"),
        ("redis-mc-eus2", "Secondary", "East US 2", "Succeeded"),
    ]
    assert [(s["name"], s["role"], s["region"]) for s in by_region["eastus2"]["linked_servers"]] == [
        ("redis-mc-weu", "Primary", "westeurope")
    ]
    table = mcctl("--sim", "--estate", CACHE_ESTATE, "redis", "status")
    assert "Linked servers as each cache sees them" in table.stdout and "Primary" in table.stdout
    # a region outage breaks the link to it as seen from the primary, as for Managed Redis
    assert mcctl("--estate", CACHE_ESTATE, "sim", "outage", "start", "eastus2").exit_code == 0
    code, entries = _status(mcctl, estate=CACHE_ESTATE)
    assert (entries[2]["verdict"], entries[2]["reason"]) == ("broken", "Failed as seen from westeurope")
    assert mcctl("--sim", "--estate", CACHE_ESTATE, "redis", "status", "--check").exit_code == 11
    refused = mcctl("--sim", "--estate", CACHE_ESTATE, "redis", "unlink", "eastus2", *LOSE_DATA)
    assert refused.exit_code == 2 and "works on Azure Managed Redis" in refused.stderr


def test_missing_cluster_is_a_clear_error_naming_it(mcctl) -> None:
    sim = _sim(mcctl)
    member = _demo().redis.member_in("northeurope")
    with sim.store.transaction():
        sim.store.delete(member.database_id("default"))
        sim.store.delete(member.ref.id)
    result = mcctl("--sim", "-o", "json", "redis", "status")
    assert result.exit_code == 4
    assert "Redis cluster amr-mc-neu (northeurope)" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr
    entries = json.loads(result.stdout)  # what could be read is still shown
    assert [e["region"] for e in entries] == REGIONS and "amr-mc-neu" in entries[1]["error"]
    assert entries[1]["verdict"] == "broken" and entries[0]["provisioning_state"] == "Succeeded"
    assert mcctl("--sim", "redis", "status", "--check").exit_code == 4  # a failed read is not a verdict


def test_throttling_during_status_is_retried(mcctl) -> None:
    path = "/redisEnterprise/amr-mc-neu/databases"
    assert mcctl("sim", "fault", "add", "throttle", "--method", "GET", "--path", path, "--count", "2").exit_code == 0
    code, entries = _status(mcctl)
    assert code == 0 and {e["verdict"] for e in entries} == {"linked"}
    sim = _sim(mcctl)
    assert sim.faults == []  # both throttled answers were served, and retried
    # throttled beyond the SDK's retries: the other members are shown, the exit code is 4
    assert mcctl("sim", "fault", "add", "throttle", "--method", "GET", "--path", path, "--count", "20").exit_code == 0
    result = mcctl("--sim", "-o", "json", "redis", "status")
    assert result.exit_code == 4 and "TooManyRequests" in result.stderr
    entries = json.loads(result.stdout)
    assert entries[1]["error"] and entries[0]["error"] is None


def test_bad_region(mcctl) -> None:
    result = mcctl("--sim", "redis", "status", "--region", "japaneast")
    assert result.exit_code == 2 and "no Redis member in 'japaneast'" in result.stderr


# -- unlink / relink -----------------------------------------------------------------------------------
def test_unlink_refused_non_interactively_without_yes(mcctl) -> None:
    # the same answer as `sql failover --mode forced`: the data-loss flag first, exit 2
    without_ack = mcctl("--sim", "redis", "unlink", "eastus2")
    assert without_ack.exit_code == 2 and "pass --allow-data-loss" in without_ack.stderr
    without_yes = mcctl("--sim", "redis", "unlink", "eastus2", "--allow-data-loss")
    assert without_yes.exit_code == 2
    assert "needs --yes together with --allow-data-loss" in without_yes.stderr
    yes_only = mcctl("--sim", "redis", "unlink", "eastus2", "--yes")
    assert yes_only.exit_code == 2 and "pass --allow-data-loss" in yes_only.stderr
    assert _stored_links(_sim(mcctl), "westeurope") == dict.fromkeys(CLUSTERS.values(), "Linked")  # unchanged
    assert _journal(mcctl) == []


def test_unlink_plan_explains_the_consequence(mcctl) -> None:
    result = mcctl("--sim", "redis", "unlink", "eastus2", "--dry-run", "--allow-data-loss")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "force-unlink eastus2 (amr-mc-eus2/default) from Redis group mc-demo-geo" in text
    assert "link: linked → unlinked" in text and "THIS PLAN CAN LOSE DATA" in text
    assert "cannot rejoin as it is" in text and "all its data is discarded" in text
    assert "eastus2 still serves traffic (eus2-1, eus2-2)" in text
    data = json.loads(mcctl("--sim", "-o", "json", "redis", "unlink", "eastus2", "--dry-run").stdout)
    assert data["plan"]["confirm_name"] == "amr-mc-eus2" and data["plan"]["data_loss"] is True
    assert _journal(mcctl) == []


def test_unlink_typed_confirmation(mcctl, monkeypatch) -> None:
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    wrong = mcctl("--sim", "redis", "unlink", "eastus2", "--allow-data-loss", input="eastus2\n")
    assert wrong.exit_code == 130 and "confirmation did not match 'amr-mc-eus2'" in wrong.stderr
    assert "amr-mc-eus2" in _stored_links(_sim(mcctl), "westeurope")
    typed = mcctl("--sim", "redis", "unlink", "eastus2", "--allow-data-loss", input="amr-mc-eus2\n")
    assert typed.exit_code == 0, typed.stderr
    assert "amr-mc-eus2" not in _stored_links(_sim(mcctl), "westeurope")


def test_unlink_then_relink_on_the_simulator(mcctl) -> None:
    unlinked = mcctl("--sim", "-o", "json", "redis", "unlink", "eastus2", *LOSE_DATA)
    assert unlinked.exit_code == 0, unlinked.stderr
    op = json.loads(unlinked.stdout)
    assert op["status"] == "applied" and op["plan"]["steps"][0]["change"] == "link: linked → unlinked"
    sim = _sim(mcctl)
    survivors = {"amr-mc-weu": "Linked", "amr-mc-neu": "Linked"}
    assert _stored_links(sim, "westeurope") == _stored_links(sim, "northeurope") == survivors
    assert _stored_links(sim, "eastus2") == {"amr-mc-eus2": "Linked"}  # stands alone, data kept
    assert has_data(sim, _db_id("eastus2"))
    code, entries = _status(mcctl)
    assert entries[2]["verdict"] == "broken" and "not linked to any other member" in entries[2]["reason"]
    assert _views(entries[2]) == {"westeurope": None, "northeurope": None, "eastus2": "Linked"}
    assert mcctl("--sim", "redis", "unlink", "eastus2", *LOSE_DATA).stdout.strip() == "nothing to do"

    dry = mcctl("--sim", "redis", "relink", "eastus2", "--dry-run", "--allow-data-loss")
    assert dry.exit_code == 0 and "ALL DATA in amr-mc-eus2/default is discarded" in " ".join(dry.stdout.split())
    relinked = mcctl("--sim", "-o", "json", "redis", "relink", "eastus2", *LOSE_DATA)
    assert relinked.exit_code == 0, relinked.stderr
    assert json.loads(relinked.stdout)["plan"]["steps"][0]["change"] == "link: unlinked → linked"
    sim = _sim(mcctl)
    with sim.store.transaction() as data:
        kinds = [o["kind"] for o in data["operations"].values()]
    assert kinds[-2:] == ["redis.database.flush", "redis.database.forceLink"]  # flushed before the link
    for region in REGIONS:
        assert _stored_links(sim, region) == dict.fromkeys(CLUSTERS.values(), "Linked")
    assert has_data(sim, _db_id("eastus2"))  # filled from the group again
    assert _status(mcctl, "--check")[0] == 0
    assert [(o["kind"], o["status"]) for o in _journal(mcctl)] == [
        ("redis_unlink", "succeeded"),
        ("redis_relink", "succeeded"),
    ]


def test_relink_of_a_linked_region_refuses_or_does_nothing(mcctl) -> None:
    assert mcctl("--sim", "redis", "relink", "eastus2", *LOSE_DATA).stdout.strip() == "nothing to do"
    mcctl("sim", "outage", "start", "eastus2")
    refused = mcctl("--sim", "redis", "relink", "eastus2", *LOSE_DATA)
    assert refused.exit_code == 2 and "only a force-unlinked database can be relinked" in refused.stderr
    assert "mcctl redis unlink eastus2" in refused.stderr


def test_rollback_of_an_unlink_is_refused_with_the_command_to_run(mcctl) -> None:
    op = json.loads(mcctl("--sim", "-o", "json", "redis", "unlink", "eastus2", *LOSE_DATA).stdout)["operation"]
    rollback = mcctl("--sim", "rollback", op, "--yes")
    assert rollback.exit_code == 2
    assert "cannot be rolled back automatically; nothing was changed" in rollback.stderr
    assert "hint: to reverse it: mcctl redis relink eastus2" in rollback.stderr
    ops = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)
    assert [o["id"] for o in ops] == [op]  # refused before anything was journaled
    assert "amr-mc-eus2" not in _stored_links(_sim(mcctl), "westeurope")  # nothing was changed


def test_unlink_no_wait_then_status_shows_unlinking(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "redis", "unlink", "northeurope", "--no-wait", *LOSE_DATA)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["operation_status"] == "submitted"
    code, entries = _status(mcctl)
    assert _views(entries[1])["westeurope"] == "Unlinking" and entries[1]["verdict"] == "degraded"
    mcctl("sim", "advance", "60")
    assert _status(mcctl)[1][1]["verdict"] == "broken"


@pytest.mark.parametrize("command", ["unlink", "relink"])
def test_unknown_region_fails_before_any_azure_call(mcctl, tmp_path, command) -> None:
    result = mcctl("--sim", "redis", command, "japaneast", *LOSE_DATA)
    assert result.exit_code == 2 and "REGION: no Redis member in 'japaneast'" in result.stderr
    assert not (tmp_path / "state" / "sim" / "demo.json").exists()  # the simulator was never opened


def test_json_entries_have_the_documented_fields(mcctl) -> None:
    _, managed = _status(mcctl)
    assert set(managed[0]) == {
        "region", "kind", "verdict", "reason", "cluster", "resource_group", "subscription", "database", "id",
        "provisioning_state", "resource_state", "group_nickname", "linked_databases", "views",
        "other_databases", "problems", "error", "cluster_sku", "cluster_provisioning_state",
        "cluster_resource_state", "host_name",
    }  # fmt: skip
    assert (managed[0]["cluster_sku"], managed[0]["cluster_provisioning_state"]) == ("Balanced_B5", "Succeeded")
    assert managed[0]["cluster_resource_state"] == "Running"
    assert managed[0]["host_name"] == "amr-mc-weu.westeurope.redis.azure.net"
    _, cache = _status(mcctl, estate=CACHE_ESTATE)
    assert set(cache[0]) == {
        "region", "kind", "verdict", "reason", "role", "cache", "resource_group", "subscription", "id", "location",
        "provisioning_state", "linked_servers", "views", "problems", "error",
    }  # fmt: skip
