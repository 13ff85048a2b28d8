"""A stamp a pipeline deploys (`sim stamp deploy`) into an estate that finds its stamps with Resource
Graph (`discover:`) is tagged as the query looks for it (the estate tag, the configured stamp tag) and
joins `stamps list`; an estate of discovered stamps only deploys into any region of its cloud."""

from __future__ import annotations

import json
from pathlib import Path

from mcctl.sim.generate import estate_yaml


def _estate(tmp_path: Path, discover: str, *, stamps: bool = True) -> str:
    text = estate_yaml("disc", 2, 2) + discover
    if not stamps:
        import yaml

        data = yaml.safe_load(text)
        data.pop("stamps")
        text = yaml.safe_dump(data, sort_keys=False)
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_deployed_stamp_carries_the_discover_tags_and_is_listed(mcctl, tmp_path: Path) -> None:
    estate = _estate(tmp_path, 'discover:\n  tag: "team=disc"\n  stamp_tag: scale-unit\n')
    deploy = ("sim", "stamp", "deploy", "weu-9", "--region", "westeurope")
    deployed = mcctl("--sim", "--estate", estate, "-o", "json", *deploy)
    assert deployed.exit_code == 0, deployed.stderr
    tags = json.loads(deployed.stdout)["tags"]
    assert tags["team"] == "disc" and tags["scale-unit"] == "weu-9" and "mcctl-stamp" not in tags
    listed = mcctl("--sim", "--estate", estate, "-o", "json", "stamps", "list", "--no-health")
    assert listed.exit_code == 0, listed.stderr
    rows = {s["name"]: s for s in json.loads(listed.stdout)}
    assert rows["weu-9"]["lifecycle"] == "candidate" and rows["weu-9"]["region"] == "westeurope"
    again = mcctl("--sim", "--estate", estate, "sim", "stamp", "deploy", "weu-9", "--region", "westeurope")
    assert again.exit_code == 2 and "already deployed" in again.stderr


def test_a_discover_only_estate_deploys_into_any_region_of_its_cloud(mcctl, tmp_path: Path) -> None:
    estate = _estate(tmp_path, 'discover: "team=disc"\n', stamps=False)
    ok = mcctl("--sim", "--estate", estate, "sim", "stamp", "deploy", "jpe-1", "--region", "japaneast")
    assert ok.exit_code == 0, ok.stderr
    bad = mcctl("--sim", "--estate", estate, "sim", "stamp", "deploy", "xx-1", "--region", "westeuropa")
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") <= 2 and "--region" in bad.stderr and "westeuropa" in bad.stderr


def test_regions_only_discovered_stamps_use_are_regions_of_the_estate(mcctl, tmp_path: Path) -> None:
    """The regions of an estate that finds its stamps on Azure are its discovered stamps' regions:
    before, every command taking a region judged it against the file alone (which names none)."""
    estate = _estate(tmp_path, 'discover: "team=disc"\n', stamps=False)
    for stamp, region in (("weu-1", "westeurope"), ("weu-2", "westeurope"), ("neu-1", "northeurope")):
        assert mcctl("--sim", "--estate", estate, "sim", "stamp", "deploy", stamp, "--region", region).exit_code == 0
        assert mcctl("--sim", "--estate", estate, "-y", "stamps", "add", stamp).exit_code == 0
        assert mcctl("--sim", "--estate", estate, "-y", "frontdoor", "restore", "--stamp", stamp).exit_code == 0
    listed = mcctl("--sim", "--estate", estate, "-o", "json", "stamps", "list", "--region", "westeurope")
    assert listed.exit_code == 0, listed.stderr
    assert [s["name"] for s in json.loads(listed.stdout)] == ["weu-1", "weu-2"]
    drain = mcctl("--sim", "--estate", estate, "-o", "json", "frontdoor", "drain", "northeurope", "--dry-run")
    assert drain.exit_code == 0, drain.stderr
    assert json.loads(drain.stdout)["status"] == "dry_run"
    evacuate = mcctl("--sim", "--estate", estate, "evacuate", "northeurope", "--dry-run")
    assert evacuate.exit_code == 0, evacuate.stderr
    typo = mcctl("--sim", "--estate", estate, "stamps", "list", "--region", "westeuropa")
    assert (
        typo.exit_code == 2 and "--region: 'westeuropa' has no stamps (regions: northeurope, westeurope)" in typo.stderr
    )


def test_a_candidate_without_an_origin_does_not_hold_up_its_region(mcctl, tmp_path: Path) -> None:
    """Between `sim stamp deploy` and `stamps add` a candidate has no origin: a region drain or an
    evacuation leaves it out (nothing of it serves); named alone, it is one line saying what to do."""
    estate = _estate(tmp_path, "")
    assert (
        mcctl("--sim", "--estate", estate, "sim", "stamp", "deploy", "neu-9", "--region", "northeurope").exit_code == 0
    )
    drain = mcctl("--sim", "--estate", estate, "-o", "json", "frontdoor", "drain", "northeurope", "--dry-run")
    assert drain.exit_code == 0, drain.stderr
    planned = [step["target"] for step in json.loads(drain.stdout)["plan"]["steps"]]
    assert planned and not any("neu-9" in target for target in planned)
    assert mcctl("--sim", "--estate", estate, "evacuate", "northeurope", "--dry-run").exit_code == 0
    alone = mcctl("--sim", "--estate", estate, "frontdoor", "drain", "--stamp", "neu-9", "--dry-run")
    assert alone.exit_code == 2
    assert "stamp neu-9: a candidate with no Front Door origin yet; nothing was changed" in alone.stderr
    assert "mcctl stamps add neu-9" in alone.stderr
