"""One unreadable Redis member degrades only what it affects (issue 15 item 4): the stamps of its
region show the Redis verdict "unknown", every other stamp keeps the verdict `redis status` gives."""

from __future__ import annotations

import json
from pathlib import Path

NEU_DATABASES = "/redisEnterprise/amr-mc-neu/databases"  # only northeurope's member's reads


def _fail_neu(mcctl) -> None:
    added = mcctl("sim", "fault", "add", "error", "--method", "GET", "--path", NEU_DATABASES, "--count", "1000")
    assert added.exit_code == 0, added.stderr


def _stamps(mcctl) -> dict[str, dict]:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_stamps_list_shows_unknown_only_for_the_unreadable_members_region(mcctl) -> None:
    assert {r["redis_link"] for r in _stamps(mcctl).values()} == {"linked"}
    _fail_neu(mcctl)
    rows = _stamps(mcctl)
    links = {name: row["redis_link"] for name, row in rows.items()}
    assert links == {
        "weu-1": "degraded",
        "weu-2": "degraded",
        "neu-1": "unknown",
        "neu-2": "unknown",
        "eus2-1": "degraded",
        "eus2-2": "degraded",
    }
    # the same verdicts `redis status` gives for the regions it could judge
    status = mcctl("--sim", "-o", "json", "redis", "status")
    verdicts = {e["region"]: e["verdict"] for e in json.loads(status.stdout)}
    assert verdicts["westeurope"] == links["weu-1"] and verdicts["eastus2"] == links["eus2-1"]


def test_stamps_show_gives_the_reason_of_the_unknown_verdict(mcctl) -> None:
    _fail_neu(mcctl)
    shown = json.loads(mcctl("--sim", "-o", "json", "stamps", "show", "neu-1").stdout)
    assert shown["redis_link"] == "unknown"
    assert shown["redis_reason"].startswith("northeurope could not be read: ")
    other = json.loads(mcctl("--sim", "-o", "json", "stamps", "show", "weu-1").stdout)
    assert other["redis_link"] == "degraded" and "northeurope could not be read" in other["redis_reason"]


def test_health_keeps_the_other_regions_redis_signal(mcctl) -> None:
    _fail_neu(mcctl)
    data = json.loads(mcctl("--sim", "-o", "json", "health").stdout)
    redis = {s["name"]: next(x for x in s["signals"] if x["name"] == "redis") for s in data["stamps"]}
    assert redis["neu-1"]["status"] == "unknown" and redis["neu-2"]["status"] == "unknown"
    for name in ("weu-1", "weu-2", "eus2-1", "eus2-2"):
        assert redis[name]["status"] == "degraded", redis[name]
        assert (
            "could not be read" in redis[name]["reason"]
            and "link verdict could not be read" not in (redis[name]["reason"])
        )
    stamps = {s["name"]: s["status"] for s in data["stamps"]}
    assert stamps["weu-1"] == "healthy"  # a half-weight degraded Redis signal is a note, not a verdict


def test_a_member_that_reads_again_is_judged_again(mcctl) -> None:
    _fail_neu(mcctl)
    assert _stamps(mcctl)["neu-1"]["redis_link"] == "unknown"
    assert mcctl("sim", "fault", "clear").exit_code == 0
    assert {r["redis_link"] for r in _stamps(mcctl).values()} == {"linked"}


CACHE_ESTATE = str(Path(__file__).resolve().parents[1] / "fixtures" / "estate-cache.yaml")


def test_cache_kind_one_unreadable_secondary_is_unknown_only_in_its_region(mcctl) -> None:
    fault = ("fault", "add", "error", "--method", "GET", "--path", "/redis/redis-mc-neu", "--count", "1000")
    added = mcctl("--estate", CACHE_ESTATE, "sim", *fault)
    assert added.exit_code == 0, added.stderr
    result = mcctl("--sim", "--estate", CACHE_ESTATE, "-o", "json", "stamps", "list")
    links = {row["region"]: row["redis_link"] for row in json.loads(result.stdout)}
    assert links["northeurope"] == "unknown"
    assert links["eastus2"] == "linked"  # judged from the primary and its own cache: not affected
    assert links["westeurope"] == "degraded"  # the primary: not confirmed by northeurope's view
